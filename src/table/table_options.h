// TableOptions: how table files are built and read.
#pragma once

#include <cstddef>
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
  // Verify the CRC32C of every block read (always on; kept for tests).
  bool verify_checksums = true;
  // Shared by the db's tables (which keep it alive); may be nullptr (no
  // caching).
  std::shared_ptr<BlockCache> block_cache;
};

}  // namespace shale
