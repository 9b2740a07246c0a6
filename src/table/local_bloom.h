// A cache-local bloom filter over the user keys of a table (format-2
// tables): each key's probes all fall in one 64-byte line, so a lookup
// reads one cache line and divides nothing, where the whole-table filter
// (bloom_filter.h) touches up to k lines.
//
// Layout: num_lines lines of 64 bytes, then fixed32 num_lines, u8 k (1..16)
// and u8 kLocalBloomTag. A key with filter hash h (Table::FilterHash) uses
// line (low 32 bits of h) * num_lines >> 32, and k bits of it taken 9 at a
// time from the high 32 bits of h, remixed by a multiplication between
// probes. At 10 bits per key and k = 6 the false-positive rate is about 1%.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shale {

inline constexpr uint8_t kLocalBloomTag = 0xB2;

class LocalBloomBuilder {
 public:
  explicit LocalBloomBuilder(int bits_per_key);
  // Adds a key by its filter hash (the caller skips repeated user keys).
  void AddHash(uint64_t key_hash) { hashes_.push_back(key_hash); }
  size_t num_keys() const { return hashes_.size(); }
  std::string Finish() const;
  // k for bits_per_key: bits_per_key * ln 2, clamped to 1..16.
  static int ProbesFor(int bits_per_key);

 private:
  int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

// A view of filter contents. Parse fails (false) on a malformed filter.
class LocalBloomReader {
 public:
  bool Parse(std::string_view contents);
  // False only if no key with this hash was added.
  bool HashMayMatch(uint64_t key_hash) const;

 private:
  const unsigned char *lines_ = nullptr;
  uint32_t num_lines_ = 0;
  int k_ = 0;
};

}  // namespace shale
