# Sources of the job runner.
