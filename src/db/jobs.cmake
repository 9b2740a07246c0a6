# Sources of the job runner.
target_sources(shale_core_obj PRIVATE ${CMAKE_CURRENT_LIST_DIR}/job_runner.cc)
