// TableIndex: a table's index block decoded once, when the table opens, so
// that a lookup is a binary search over plain arrays instead of a walk of
// encoded entries. Per data block it keeps the separator (an internal key
// >= every key of the block and < every key of the next one) and the
// block's handle.
//
// The search compares 8-byte big-endian words first: the bytes that follow
// the prefix all separators share (keys of one table often share many
// leading bytes), so most steps never touch the key bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/format.h"
#include "util/status.h"

namespace shale {

class Block;

class TableIndex {
 public:
  // Decodes index and checks it: every handle is well formed and leaves
  // room for its trailer before data_end, and separators strictly ascend.
  // Corruption names path and the index block.
  Status Build(const Block &index, uint64_t index_offset, uint64_t data_end,
               const std::string &path);

  size_t size() const { return handles_.size(); }
  // The first block whose separator is >= (user_key, tag), or size().
  size_t Find(std::string_view user_key, uint64_t tag) const;
  const BlockHandle &handle(size_t i) const { return handles_[i]; }
  std::string_view separator(size_t i) const {
    return std::string_view(keys_.data() + key_start_[i],
                            key_start_[i + 1] - key_start_[i]);
  }
  uint64_t separator_tag(size_t i) const { return tags_[i]; }
  size_t memory_usage() const;

 private:
  // The 8 bytes of key after common_.size(), big-endian, zero-padded.
  uint64_t Head(std::string_view key) const;

  std::string common_;               // shared by every separator
  std::vector<uint64_t> heads_;      // Head(separator(i))
  std::vector<uint32_t> key_start_;  // separator i is keys_[start_i, start_i+1)
  std::string keys_;
  std::vector<uint64_t> tags_;
  std::vector<BlockHandle> handles_;
};

}  // namespace shale
