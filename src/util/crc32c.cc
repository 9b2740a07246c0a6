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
// The crc32 instruction has a latency of three cycles and a throughput of
// one: three independent streams over three equal stretches of the data
// keep it busy, and their CRCs are then combined by "shifting" each over
// the zero bytes that follow it (a linear map, precomputed as four byte
// tables for the two stretch lengths used).

// A 32x32 matrix over GF(2), as its columns; Times applies it to v.
uint32_t Times(const uint32_t *m, uint32_t v) {
  uint32_t sum = 0;
  for (; v != 0; v >>= 1, ++m) {
    if (v & 1) sum ^= *m;
  }
  return sum;
}

void Square(uint32_t *out, const uint32_t *m) {
  for (int i = 0; i < 32; ++i) out[i] = Times(m, m[i]);
}

// The tables applying `bytes` zero bytes (a power of two) to a CRC
// register, one per byte of the register.
struct ZerosTables {
  uint32_t t[4][256];
};

ZerosTables MakeZeros(size_t bytes) {
  uint32_t odd[32], even[32];
  odd[0] = kPoly;  // one zero bit
  for (int i = 1; i < 32; ++i) odd[i] = 1u << (i - 1);
  Square(even, odd);  // two bits
  Square(odd, even);  // four bits
  // Each squaring doubles the zeros: 8 bits (one byte), 2 bytes, ...
  const uint32_t *op = odd;
  for (size_t n = 1;; n <<= 1) {
    Square(even, odd);
    op = even;
    if (n == bytes) break;
    n <<= 1;
    Square(odd, even);
    op = odd;
    if (n == bytes) break;
  }
  ZerosTables z;
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 0; k < 4; ++k) z.t[k][b] = Times(op, b << (8 * k));
  }
  return z;
}

inline uint32_t Shift(const ZerosTables &z, uint32_t crc) {
  return z.t[0][crc & 0xff] ^ z.t[1][(crc >> 8) & 0xff] ^
         z.t[2][(crc >> 16) & 0xff] ^ z.t[3][crc >> 24];
}

constexpr size_t kLong = 8192, kShort = 256;

const ZerosTables &LongZeros() {
  static const ZerosTables z = MakeZeros(kLong);
  return z;
}
const ZerosTables &ShortZeros() {
  static const ZerosTables z = MakeZeros(kShort);
  return z;
}

inline uint64_t Load64(const unsigned char *p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Three streams over [p, p + 3 * stretch) while it fits.
__attribute__((target("sse4.2"))) inline void Interleaved(
    uint64_t *crc, const unsigned char **p, size_t *n, size_t stretch,
    const ZerosTables &zeros) {
  while (*n >= 3 * stretch) {
    uint64_t c0 = *crc, c1 = 0, c2 = 0;
    const unsigned char *q = *p;
    for (const unsigned char *end = q + stretch; q < end; q += 8) {
      c0 = _mm_crc32_u64(c0, Load64(q));
      c1 = _mm_crc32_u64(c1, Load64(q + stretch));
      c2 = _mm_crc32_u64(c2, Load64(q + 2 * stretch));
    }
    c0 = Shift(zeros, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    c0 = Shift(zeros, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c2);
    *crc = c0;
    *p += 3 * stretch;
    *n -= 3 * stretch;
  }
}

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(
    uint32_t crc, const unsigned char *p, size_t n) {
  uint64_t c = crc;
  Interleaved(&c, &p, &n, kLong, LongZeros());
  Interleaved(&c, &p, &n, kShort, ShortZeros());
  for (; n >= 8; p += 8, n -= 8) c = _mm_crc32_u64(c, Load64(p));
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, *p);
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
