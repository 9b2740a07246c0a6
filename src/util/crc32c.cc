#include "util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHALE_CRC32C_X86 1
#include <nmmintrin.h>
#endif

namespace shale::crc32c {

namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

// tables[k][b]: the CRC contribution of byte b followed by k zero bytes.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kPoly : 0);
    t[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) {
      uint32_t prev = t[k - 1][b];
      t[k][b] = (prev >> 8) ^ t[0][prev & 0xff];
    }
  }
  return t;
}

constexpr Tables kTables = MakeTables();

inline uint32_t LoadLE32(const unsigned char *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

uint32_t ExtendSoftware(uint32_t crc, const unsigned char *p, size_t n) {
  while (n >= 8) {
    uint32_t lo = LoadLE32(p) ^ crc;
    uint32_t hi = LoadLE32(p + 4);
    crc = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^
          kTables[5][(lo >> 16) & 0xff] ^ kTables[4][lo >> 24] ^
          kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
          kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p) & 0xff];
    ++p;
    --n;
  }
  return crc;
}

#ifdef SHALE_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t ExtendHardware(
    uint32_t crc, const unsigned char *p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p);
    ++p;
    --n;
  }
  return c32;
}

bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

bool IsHardwareAccelerated() {
#ifdef SHALE_CRC32C_X86
  static const bool hw = DetectHardware();
  return hw;
#else
  return false;
#endif
}

uint32_t ExtendPortable(uint32_t init_crc, const char *data, size_t n) {
  const auto *p = reinterpret_cast<const unsigned char *>(data);
  return ~ExtendSoftware(~init_crc, p, n);
}

uint32_t Extend(uint32_t init_crc, const char *data, size_t n) {
  const auto *p = reinterpret_cast<const unsigned char *>(data);
  uint32_t crc = ~init_crc;
#ifdef SHALE_CRC32C_X86
  if (IsHardwareAccelerated()) return ~ExtendHardware(crc, p, n);
#endif
  return ~ExtendSoftware(crc, p, n);
}

}  // namespace shale::crc32c
