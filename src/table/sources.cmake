# Sources of src/table/ (listed by the table files' owner).
