# Sources of src/cache/.
target_sources(shale_core_obj PRIVATE ${CMAKE_CURRENT_LIST_DIR}/block_cache.cc)
