// BlockCache: a bounded cache of decoded data blocks, shared by the open
// tables of a db.
//
// Each table keeps one Slot per data block. While the block is cached its
// slot points at the cache's entry for it; the cache owns the entries and
// chooses which to drop (CLOCK: a hit sets the entry's reference bit, and
// the eviction hand spares a referenced entry once, clearing the bit).
//
// Hits take no lock, allocate nothing and touch no reference count: a
// reader loads the slot inside an epoch section (util/epoch.h), and an
// evicted entry is retired, so what the section loaded stays valid until
// it ends. Inserts and evictions take the cache's mutex. Retired entries
// wait for their grace period outside the accounted usage (a handful of
// blocks). Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "util/striped_counter.h"

namespace shale {

class Block;  // table/block.h

class BlockCache {
 public:
  struct Entry;
  // A table's pointer to the cache entry of one of its blocks (nullptr
  // when not cached). Zero-initialised by the table; written only by the
  // cache under its mutex.
  using Slot = std::atomic<Entry *>;

  // capacity: bytes of block charge kept; 0 caches nothing.
  explicit BlockCache(size_t capacity);
  ~BlockCache();
  BlockCache(const BlockCache &) = delete;
  BlockCache &operator=(const BlockCache &) = delete;

  // REQUIRES: inside an epoch section, which the result is valid for. The
  // block cached in slot, or nullptr. Counts a hit or a miss.
  const Block *Lookup(const Slot &slot);
  // As Lookup, with a reference that outlives the section (iterators).
  std::shared_ptr<const Block> LookupShared(const Slot &slot);

  // Caches block in *slot unless another thread did first, evicting as
  // needed, and returns the block the slot now holds (or block itself when
  // it is not kept: capacity 0, or larger than the whole cache). Allowed
  // inside an epoch section.
  std::shared_ptr<const Block> Insert(Slot *slot,
                                      std::shared_ptr<const Block> block,
                                      size_t charge);

  // Drops the entries of slots[0, n): their table is being destroyed and
  // no section can reach them any more.
  void EraseSlots(Slot *slots, size_t n);

  size_t capacity() const { return capacity_; }
  size_t entries() const;
  size_t usage() const;
  uint64_t hits() const { return hits_.Sum(); }
  uint64_t misses() const { return misses_.Sum(); }

 private:
  // REQUIRES: mu_ held. Evicts until charge more bytes fit, as far as
  // unreferenced entries allow within two sweeps.
  void MakeRoom(size_t charge);
  // REQUIRES: mu_ held. Takes e out of the ring and its slot.
  void Unlink(Entry *e);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::vector<Entry *> ring_;  // guarded by mu_
  size_t hand_ = 0;            // guarded by mu_
  size_t usage_ = 0;           // guarded by mu_
  StripedCounter hits_, misses_;
};

}  // namespace shale
