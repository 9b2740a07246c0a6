# Sources of src/table/ (listed by the table files' owner).
target_sources(shale_core_obj PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/format.cc
  ${CMAKE_CURRENT_LIST_DIR}/block_builder.cc
  ${CMAKE_CURRENT_LIST_DIR}/block.cc
  ${CMAKE_CURRENT_LIST_DIR}/flat_block.cc
  ${CMAKE_CURRENT_LIST_DIR}/local_bloom.cc
  ${CMAKE_CURRENT_LIST_DIR}/bloom_filter.cc
  ${CMAKE_CURRENT_LIST_DIR}/meta_block.cc
  ${CMAKE_CURRENT_LIST_DIR}/iterator_util.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_builder.cc
  ${CMAKE_CURRENT_LIST_DIR}/table.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_index.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_iterator.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_verify.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_salvage.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_cache.cc
  ${CMAKE_CURRENT_LIST_DIR}/merging_iterator.cc
  ${CMAKE_CURRENT_LIST_DIR}/level_iterator.cc)
