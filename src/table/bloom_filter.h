// A whole-table bloom filter over user keys.
//
// Layout: bit array (ceil(bits / 8) bytes, bits = max(64, n * bits_per_key))
// followed by one byte k, the number of probes (1..30). Probe i of a key
// sets bit (h1 + i * h2) mod bits, where h1, h2 are the halves of a 64-bit
// hash of the key (double hashing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shale {

// The 64-bit hash the filter uses (stable: it is part of the file format).
uint64_t BloomHash(std::string_view key);

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(int bits_per_key);
  // Adds a key (consecutive duplicates are skipped by the caller or not;
  // either way they only cost space).
  void AddKey(std::string_view user_key);
  size_t num_keys() const { return hashes_.size(); }
  // The filter block contents.
  std::string Finish() const;
  // k for bits_per_key: bits_per_key * ln 2, clamped to 1..30.
  static int ProbesFor(int bits_per_key);

 private:
  int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

// A view of filter block contents. Parse fails (false) on a malformed
// filter: fewer than 2 bytes or k outside 1..30.
class BloomFilterReader {
 public:
  bool Parse(std::string_view contents);
  // False only if the key was certainly not added.
  bool KeyMayMatch(std::string_view user_key) const {
    return HashMayMatch(BloomHash(user_key));
  }
  // As KeyMayMatch, given BloomHash(user_key).
  bool HashMayMatch(uint64_t hash) const;

 private:
  std::string_view bits_;
  uint64_t num_bits_ = 0;
  int k_ = 0;
};

}  // namespace shale
