// MemTable: the in-memory, ordered, multi-version store of recent writes.
//
// One writer at a time (the write path's leader, or recovery) inserts;
// readers (Get, iterators) run concurrently without locks. Held by
// shared_ptr so iterators keep it alive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "memtable/arena.h"
#include "memtable/internal_key.h"
#include "memtable/skiplist.h"

namespace shale {

class MemTable {
 private:
  struct KeyComparator {
    int operator()(const char *a, const char *b) const;
  };
  using Table = SkipList<const char *, KeyComparator>;

 public:
  MemTable();
  // arena_block_size: see Arena; the db picks it from write_buffer_size.
  explicit MemTable(size_t arena_block_size);
  MemTable(const MemTable &) = delete;
  MemTable &operator=(const MemTable &) = delete;

  // REQUIRES: external serialization; (key, seq) not already present.
  void Add(SequenceNumber seq, EntryKind kind, std::string_view key,
           std::string_view value);

  enum class LookupResult { kAbsent, kFound, kDeleted };
  // The newest version of key with sequence <= snapshot.
  LookupResult Get(std::string_view key, SequenceNumber snapshot,
                   std::string *value) const;

  // The memory held (whole arena blocks).
  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }
  // The bytes of the entries held (and their skip list nodes): what the
  // flush trigger compares with write_buffer_size, so that an empty
  // memtable, whose first arena block is mostly unused, is not "full".
  size_t DataSize() const { return arena_.BytesUsed(); }
  uint64_t EntryCount() const {
    return entries_.load(std::memory_order_relaxed);
  }

  // Walks every version of every key in internal-key order.
  class Iterator {
   public:
    explicit Iterator(const MemTable *mem) : it_(&mem->table_) {}
    bool Valid() const { return it_.Valid(); }
    void SeekToFirst() { it_.SeekToFirst(); }
    void SeekToLast() { it_.SeekToLast(); }
    // First entry >= (user_key, tag).
    void Seek(std::string_view user_key, uint64_t tag);
    // Last entry < (user_key, tag).
    void SeekBefore(std::string_view user_key, uint64_t tag);
    void Next() { it_.Next(); }
    void Prev() { it_.Prev(); }
    std::string_view user_key() const;
    uint64_t tag() const;
    SequenceNumber sequence() const { return tag() >> 8; }
    EntryKind kind() const { return static_cast<EntryKind>(tag() & 0xff); }
    std::string_view value() const;

   private:
    Table::Iterator it_;
    std::string seek_buf_;
  };

 private:
  Arena arena_;
  Table table_;
  std::atomic<uint64_t> entries_{0};
};

}  // namespace shale
