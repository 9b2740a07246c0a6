// Block: the decoded, checked contents of one data or index block, and an
// iterator over its entries. Keys are internal keys (user key + fixed64
// tag); the iterator presents them as an InternalIterator.
//
// Every access is bounds-checked: malformed bytes (bad varints, a shared
// prefix longer than the previous key, entries running past the restart
// array, misaligned restart points) stop the iterator with a Corruption
// naming the file, block kind and offset. Never undefined behaviour.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "db/internal_iterator.h"
#include "table/format.h"
#include "util/status.h"

namespace shale {

class Block {
 public:
  // Checks the restart array of contents (at least one restart, offsets
  // strictly ascending within the entry area, the first one 0). Corruption
  // names path, kind and offset.
  static Status Parse(std::string contents, BlockKind kind, uint64_t offset,
                      const std::string &path,
                      std::shared_ptr<const Block> *out);

  Block(const Block &) = delete;
  Block &operator=(const Block &) = delete;

  // Bytes of memory the block holds (what the block cache charges).
  size_t memory_usage() const;
  size_t size() const { return data_.size(); }
  BlockKind kind() const { return kind_; }
  uint64_t offset() const { return offset_; }

  // An iterator over the block's entries. The block must outlive it unless
  // owner (which may be null) keeps it alive; path must outlive it (it is
  // used only to name the file in errors).
  std::unique_ptr<InternalIterator> NewIterator(
      const std::string *path, std::shared_ptr<const void> owner) const;

  // A point lookup, without allocating an iterator: where the first entry
  // >= (user_key, tag) in internal order is.
  enum class Probe {
    kFound,     // it is an entry of user_key: *entry_tag, *value (a view
                // of the block) are set
    kOtherKey,  // it is another key's: no entry of user_key visible at tag
    kPastEnd,   // every entry is smaller: the answer is in a later block
  };
  Status Find(std::string_view user_key, uint64_t tag, const std::string *path,
              Probe *probe, uint64_t *entry_tag, std::string_view *value) const;

 private:
  friend class BlockIter;
  Block(std::string contents, BlockKind kind, uint64_t offset,
        uint32_t restarts_offset, uint32_t num_restarts);

  std::string data_;
  BlockKind kind_;
  uint64_t offset_;
  uint32_t restarts_offset_;  // where the restart array begins
  uint32_t num_restarts_;
};

}  // namespace shale
