#include "table/bloom_filter.h"

#include <algorithm>

#include "util/coding.h"

namespace shale {

namespace {

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

}  // namespace

uint64_t BloomHash(std::string_view key) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  uint64_t h = 0x6a09e667f3bcc909ull ^ (key.size() * kMul);
  const char *p = key.data();
  size_t n = key.size();
  while (n >= 8) {
    h = Rotl(h ^ (DecodeFixed64(p) * kMul), 29) * 0xbf58476d1ce4e5b9ull;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i) {
    tail |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  h = Rotl(h ^ (tail * kMul), 29) * 0x94d049bb133111ebull;
  return Mix64(h);
}

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(1, bits_per_key)) {}

int BloomFilterBuilder::ProbesFor(int bits_per_key) {
  int k = static_cast<int>(bits_per_key * 0.69);  // ln 2 ~= 0.693
  return std::clamp(k, 1, 30);
}

void BloomFilterBuilder::AddKey(std::string_view user_key) {
  hashes_.push_back(BloomHash(user_key));
}

std::string BloomFilterBuilder::Finish() const {
  uint64_t bits = static_cast<uint64_t>(hashes_.size()) * bits_per_key_;
  bits = std::max<uint64_t>(bits, 64);
  const uint64_t bytes = (bits + 7) / 8;
  bits = bytes * 8;
  const int k = ProbesFor(bits_per_key_);
  std::string out(bytes, '\0');
  for (uint64_t h : hashes_) {
    const uint64_t h1 = h & 0xffffffffu;
    const uint64_t h2 = (h >> 32) | 1;
    for (int i = 0; i < k; ++i) {
      const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % bits;
      out[bit / 8] = static_cast<char>(out[bit / 8] | (1 << (bit % 8)));
    }
  }
  out.push_back(static_cast<char>(k));
  return out;
}

bool BloomFilterReader::Parse(std::string_view contents) {
  if (contents.size() < 2) return false;
  const int k = static_cast<unsigned char>(contents.back());
  if (k < 1 || k > 30) return false;
  bits_ = contents.substr(0, contents.size() - 1);
  num_bits_ = static_cast<uint64_t>(bits_.size()) * 8;
  k_ = k;
  return true;
}

bool BloomFilterReader::HashMayMatch(uint64_t h) const {
  if (num_bits_ == 0) return true;
  const uint64_t h1 = h & 0xffffffffu;
  const uint64_t h2 = (h >> 32) | 1;
  for (int i = 0; i < k_; ++i) {
    const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % num_bits_;
    if ((static_cast<unsigned char>(bits_[bit / 8]) & (1 << (bit % 8))) == 0) {
      return false;
    }
  }
  return true;
}

}  // namespace shale
