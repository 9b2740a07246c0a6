// BlockCache: a bounded, sharded LRU cache of decoded table blocks, keyed
// by (file number, block offset). Entries are shared_ptrs: eviction drops
// the cache's reference, and a block in use by an iterator stays alive
// until that iterator lets go. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace shale {

class Block;  // table/block.h

class BlockCache {
 public:
  // capacity: bytes of block charge kept; 0 disables caching (every lookup
  // misses, nothing is kept).
  explicit BlockCache(size_t capacity);
  // As above with 2^num_shard_bits independently locked LRU shards, each
  // holding capacity / 2^num_shard_bits (0..8 bits). The one-argument form
  // uses 16 shards for capacities of 8 MiB and up, else a single one.
  BlockCache(size_t capacity, int num_shard_bits);
  ~BlockCache();
  BlockCache(const BlockCache &) = delete;
  BlockCache &operator=(const BlockCache &) = delete;

  // nullptr on a miss. Counts a hit or a miss.
  std::shared_ptr<const Block> Lookup(uint64_t file_number, uint64_t offset);
  // Inserts (or replaces) and evicts least-recently-used entries until the
  // usage is within capacity. charge: bytes the block accounts for.
  void Insert(uint64_t file_number, uint64_t offset,
              std::shared_ptr<const Block> block, size_t charge);
  // Drops every block of a file (called when the file is deleted).
  void EraseFile(uint64_t file_number);

  size_t capacity() const;
  // Entries currently cached.
  size_t entries() const;
  size_t usage() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shale
