# Sources of src/cache/.
