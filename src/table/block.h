// Block: the decoded, checked contents of one data or index block, and an
// iterator over its entries. Keys are internal keys (user key + fixed64
// tag); the iterator presents them as an InternalIterator. Two layouts
// (BlockFormat, docs/file-format.md):
//   prefixed (block.cc): prefix-compressed keys between restart points;
//   flat (flat_block.cc): whole keys, an offset per entry and a hash index
//     of the user keys, so a point lookup goes straight to its entry and an
//     iterator's keys are views of the block.
//
// Every access is bounds-checked: malformed bytes (bad varints, a shared
// prefix longer than the previous key, entries running past their area,
// misaligned restart points or offsets) stop the iterator with a
// Corruption naming the file, block kind and offset. Never undefined
// behaviour.
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
  // Checks the layout's header of contents (prefixed: at least one restart,
  // offsets strictly ascending within the entry area, the first one 0;
  // flat: the entry count, offsets and hash index fit and ascend).
  // Corruption names path, kind and offset.
  static Status Parse(BlockContents contents, BlockKind kind, uint64_t offset,
                      const std::string &path,
                      std::shared_ptr<const Block> *out,
                      BlockFormat format = BlockFormat::kPrefixed);
  // As above, from a copy of bytes.
  static Status Parse(std::string_view bytes, BlockKind kind, uint64_t offset,
                      const std::string &path,
                      std::shared_ptr<const Block> *out,
                      BlockFormat format = BlockFormat::kPrefixed);
  // The layout a data block's contents claim (its last byte), for readers
  // that do not know its table's format (salvage).
  static BlockFormat GuessFormat(std::string_view contents);

  Block(const Block &) = delete;
  Block &operator=(const Block &) = delete;

  // Bytes of memory the block holds (what the block cache charges).
  size_t memory_usage() const;
  size_t size() const { return contents_.size; }
  BlockKind kind() const { return kind_; }
  BlockFormat format() const { return format_; }
  uint64_t offset() const { return offset_; }

  // An iterator over the block's entries. The block must outlive it unless
  // owner (which may be null) keeps it alive; path must outlive it (it is
  // used only to name the file in errors).
  std::unique_ptr<InternalIterator> NewIterator(
      const std::string *path, std::shared_ptr<const void> owner) const;

  // A point lookup, without allocating an iterator: where the first entry
  // >= (user_key, tag) in internal order is. key_hash is the filter hash of
  // user_key (Table::FilterHash), which a flat block's hash index uses.
  enum class Probe {
    kFound,     // it is an entry of user_key: *entry_tag, *value (a view
                // of the block) are set
    kOtherKey,  // it is another key's: no entry of user_key visible at tag
    kPastEnd,   // every entry is smaller: the answer is in a later block
  };
  Status Find(std::string_view user_key, uint64_t tag, uint64_t key_hash,
              const std::string *path, Probe *probe, uint64_t *entry_tag,
              std::string_view *value) const;

 private:
  friend class BlockIter;
  friend class FlatBlockIter;
  Block(BlockContents contents, BlockKind kind, uint64_t offset,
        BlockFormat format);
  const char *data() const { return contents_.data.get(); }

  static Status ParsePrefixed(Block *b, const std::string &path);
  static Status ParseFlat(Block *b, const std::string &path);
  Status FindPrefixed(std::string_view user_key, uint64_t tag,
                      const std::string *path, Probe *probe,
                      uint64_t *entry_tag, std::string_view *value) const;
  // flat_block.cc
  Status FindFlat(std::string_view user_key, uint64_t tag, uint64_t key_hash,
                  const std::string *path, Probe *probe, uint64_t *entry_tag,
                  std::string_view *value) const;
  std::unique_ptr<InternalIterator> NewFlatIterator(
      const std::string *path, std::shared_ptr<const void> owner) const;

  BlockContents contents_;
  BlockKind kind_;
  uint64_t offset_;
  BlockFormat format_;
  // Prefixed: where the restart array begins, and its length. Flat: where
  // the offset array begins (the end of the entries), and the entry count.
  uint32_t array_offset_ = 0;
  uint32_t count_ = 0;
  // Flat: the hash index (num_buckets_ bytes at buckets_offset_; 0: none).
  uint32_t buckets_offset_ = 0;
  uint32_t num_buckets_ = 0;
};

}  // namespace shale
