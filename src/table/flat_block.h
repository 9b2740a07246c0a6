// The flat data block layout (format-2 tables; docs/file-format.md):
//
//   entry i:   varint32 key_len | varint32 value_len | key | value
//              (key: user key + fixed64 tag; entries tile the area)
//   fixed32    offset[count]          where each entry starts
//   u8         bucket[num_buckets]    hash index of the user keys
//   fixed16    num_buckets
//   fixed32    count
//   u8         kFlatBlockTag
//
// The hash index is an open-addressing table, two buckets per user key:
// each user key's first (newest) entry index is in the first free bucket
// at or after FlatBucket(its filter hash) (wrapping around); the others
// hold kBucketEmpty. A lookup probes from its key's bucket to the first
// empty one (1.5 probes on average when the key is there). Blocks of more
// than kMaxHashedEntries entries have none (num_buckets 0) and are binary
// searched. Whole keys make a key a view of the block (no copy per entry
// in a scan), and the offsets give binary search and Prev without a
// restart walk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shale {

inline constexpr uint8_t kFlatBlockTag = 0xF2;
inline constexpr size_t kFlatBlockFooter = 2 + 4 + 1;
inline constexpr uint8_t kBucketEmpty = 0xFF;
inline constexpr uint32_t kMaxHashedEntries = 255;  // indexes 0..254

// The bucket of a key's filter hash among num_buckets.
inline uint32_t FlatBucket(uint64_t key_hash, uint32_t num_buckets) {
  const uint64_t h = (key_hash * 0x9e3779b97f4a7c15ull) >> 32;
  return static_cast<uint32_t>((h * num_buckets) >> 32);
}

class FlatBlockBuilder {
 public:
  FlatBlockBuilder() = default;

  // REQUIRES: (user_key, tag) greater than every entry added since the last
  // Reset; key_hash is Table::FilterHash(user_key).
  void Add(std::string_view user_key, uint64_t tag, uint64_t key_hash,
           std::string_view value);
  // Appends the offsets, the hash index and the footer; returns the block's
  // contents, valid until Reset or destruction.
  std::string_view Finish();
  void Reset();

  // Size of the block if finished now.
  size_t CurrentSizeEstimate() const;
  bool empty() const { return offsets_.empty(); }

 private:
  uint32_t NumBuckets() const;

  std::string buffer_;
  std::vector<uint32_t> offsets_;
  // (key hash, index of the key's first entry), one per user key.
  std::vector<std::pair<uint64_t, uint32_t>> keys_;
  std::string last_user_key_;
};

}  // namespace shale
