// TableOptions: how table files are built and read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace shale {

class BlockCache;

struct TableOptions {
  // Target uncompressed size of a data block.
  size_t block_size = 4096;
  // Keys between restart points in a block (prefix compression window).
  int block_restart_interval = 16;
  // Bloom filter bits per key; 0 writes no filter.
  int bloom_bits_per_key = 10;
  // The table format written (table/format.h): kLatestTableFormat; 1 only
  // for tests that need tables as earlier releases wrote them.
  uint32_t format_version = 2;
  // Verify the CRC32C of every block read (always on; kept for tests).
  bool verify_checksums = true;
  // Shared by the db's tables (which keep it alive); may be nullptr (no
  // caching).
  std::shared_ptr<BlockCache> block_cache;
};

}  // namespace shale
