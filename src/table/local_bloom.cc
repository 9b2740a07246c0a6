#include "table/local_bloom.h"

#include <algorithm>

#include "util/coding.h"

namespace shale {

namespace {

constexpr size_t kLineBytes = 64;
constexpr size_t kTail = 4 + 1 + 1;

inline uint32_t LineOf(uint64_t h, uint32_t num_lines) {
  return static_cast<uint32_t>(
      (static_cast<uint64_t>(static_cast<uint32_t>(h)) * num_lines) >> 32);
}

// Calls bit(b) for the k bit positions (0..511) of h within its line.
template <class F>
inline void ForEachProbe(uint64_t h, int k, F &&bit) {
  uint32_t x = static_cast<uint32_t>(h >> 32);
  for (int i = 0; i < k; ++i) {
    bit(x >> 23);  // the top 9 bits
    x *= 0x9e3779b9u;
  }
}

}  // namespace

LocalBloomBuilder::LocalBloomBuilder(int bits_per_key)
    : bits_per_key_(std::max(1, bits_per_key)) {}

int LocalBloomBuilder::ProbesFor(int bits_per_key) {
  return std::clamp(static_cast<int>(bits_per_key * 0.69), 1, 16);
}

std::string LocalBloomBuilder::Finish() const {
  const uint64_t bits = static_cast<uint64_t>(hashes_.size()) * bits_per_key_;
  const auto num_lines = static_cast<uint32_t>(
      std::max<uint64_t>(1, (bits + kLineBytes * 8 - 1) / (kLineBytes * 8)));
  const int k = ProbesFor(bits_per_key_);
  std::string out(static_cast<size_t>(num_lines) * kLineBytes, '\0');
  for (uint64_t h : hashes_) {
    char *line =
        out.data() + static_cast<size_t>(LineOf(h, num_lines)) * kLineBytes;
    ForEachProbe(h, k, [&](uint32_t b) {
      line[b / 8] = static_cast<char>(line[b / 8] | (1 << (b % 8)));
    });
  }
  PutFixed32(&out, num_lines);
  out.push_back(static_cast<char>(k));
  out.push_back(static_cast<char>(kLocalBloomTag));
  return out;
}

bool LocalBloomReader::Parse(std::string_view contents) {
  if (contents.size() < kTail + kLineBytes) return false;
  const char *tail = contents.data() + contents.size() - kTail;
  if (static_cast<uint8_t>(tail[5]) != kLocalBloomTag) return false;
  const uint32_t num_lines = DecodeFixed32(tail);
  const int k = static_cast<uint8_t>(tail[4]);
  if (k < 1 || k > 16 || num_lines == 0 ||
      static_cast<uint64_t>(num_lines) * kLineBytes !=
          contents.size() - kTail) {
    return false;
  }
  lines_ = reinterpret_cast<const unsigned char *>(contents.data());
  num_lines_ = num_lines;
  k_ = k;
  return true;
}

bool LocalBloomReader::HashMayMatch(uint64_t h) const {
  if (num_lines_ == 0) return true;
  const unsigned char *line =
      lines_ + static_cast<size_t>(LineOf(h, num_lines_)) * kLineBytes;
  bool all = true;
  ForEachProbe(h, k_, [&](uint32_t b) {
    all = all && (line[b / 8] & (1 << (b % 8))) != 0;
  });
  return all;
}

}  // namespace shale
