// BlockBuilder: builds one block of sorted entries with prefix-compressed
// keys and restart points (layout in docs/file-format.md):
//   entry:    varint32 shared | varint32 non_shared | varint32 value_len
//             | key[shared, shared + non_shared) | value
//   trailer:  fixed32 restart offset x num_restarts | fixed32 num_restarts
// An entry at a restart point stores its whole key (shared = 0).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shale {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval);

  // REQUIRES: key greater than every key added since the last Reset (the
  // caller orders keys); Finish not called since the last Reset.
  void Add(std::string_view key, std::string_view value);
  // Appends the restart array; returns the block's contents, valid until
  // Reset or destruction.
  std::string_view Finish();
  void Reset();

  // Size of the block if finished now.
  size_t CurrentSizeEstimate() const;
  bool empty() const { return counter_ == 0 && buffer_.empty(); }
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace shale
