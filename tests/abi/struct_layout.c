/*
 * struct_layout.c — prints the layout of every public struct of shale.h as
 * the C compiler lays it out, one line each:
 *
 *   STRUCT SIZE
 *   STRUCT.FIELD OFFSET SIZE
 *
 * Fields are listed in declaration order. tests/abi/layout_check.py compares
 * the output with the committed tests/abi/struct_layout.txt (append-only
 * within an ABI major) and checks that every field the header declares is
 * listed here, so a field added to the header but not to this file fails.
 * Bindings that mirror these structs can diff their own layout against it.
 */
#include <stddef.h>
#include <stdio.h>

#include "shale.h"

#define STRUCT(type) printf("%s %zu\n", #type, sizeof(type))
#define FIELD(type, field)                                        \
  printf("%s.%s %zu %zu\n", #type, #field, offsetof(type, field), \
         sizeof(((type *)0)->field))

int main(void) {
  STRUCT(shale_options);
  FIELD(shale_options, struct_size);
  FIELD(shale_options, create_if_missing);
  FIELD(shale_options, error_if_exists);
  FIELD(shale_options, read_only);
  FIELD(shale_options, sync_mode);
  FIELD(shale_options, salvage);
  FIELD(shale_options, log_level);
  FIELD(shale_options, logger);
  FIELD(shale_options, logger_user);
  FIELD(shale_options, logger_user_free);
  FIELD(shale_options, write_buffer_size);
  FIELD(shale_options, block_cache_capacity);
  FIELD(shale_options, block_size);
  FIELD(shale_options, bloom_bits_per_key);
  FIELD(shale_options, max_open_files);
  FIELD(shale_options, level0_compaction_trigger);
  FIELD(shale_options, level0_slowdown_trigger);
  FIELD(shale_options, level0_stop_trigger);
  FIELD(shale_options, target_file_size);
  FIELD(shale_options, level1_max_bytes);
  FIELD(shale_options, level_size_multiplier);
  FIELD(shale_options, reserved0);

  STRUCT(shale_iter_options);
  FIELD(shale_iter_options, struct_size);
  FIELD(shale_iter_options, snapshot);
  FIELD(shale_iter_options, lower_bound);
  FIELD(shale_iter_options, lower_bound_len);
  FIELD(shale_iter_options, upper_bound);
  FIELD(shale_iter_options, upper_bound_len);
  FIELD(shale_iter_options, prefix);
  FIELD(shale_iter_options, prefix_len);

  STRUCT(shale_stats);
  FIELD(shale_stats, struct_size);
  FIELD(shale_stats, approximate_keys);
  FIELD(shale_stats, live_bytes);
  FIELD(shale_stats, disk_bytes);
  FIELD(shale_stats, level_files);
  FIELD(shale_stats, level_bytes);
  FIELD(shale_stats, memtable_bytes);
  FIELD(shale_stats, cache_capacity);
  FIELD(shale_stats, cache_usage);
  FIELD(shale_stats, cache_hits);
  FIELD(shale_stats, cache_misses);
  FIELD(shale_stats, open_tables);
  FIELD(shale_stats, flushes);
  FIELD(shale_stats, compactions);
  FIELD(shale_stats, compaction_bytes_read);
  FIELD(shale_stats, compaction_bytes_written);
  FIELD(shale_stats, flush_bytes_written);
  FIELD(shale_stats, wal_bytes_written);
  FIELD(shale_stats, user_bytes_written);
  FIELD(shale_stats, bloom_checks);
  FIELD(shale_stats, bloom_negatives);
  FIELD(shale_stats, write_stalls);
  FIELD(shale_stats, write_amplification);
  return 0;
}
