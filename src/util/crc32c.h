// CRC32C (Castagnoli polynomial), used for every checksum on disk.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shale::crc32c {

// Returns the CRC32C of data[0, n) continuing from init_crc (the CRC of the
// bytes before them; 0 to start).
uint32_t Extend(uint32_t init_crc, const char *data, size_t n);

inline uint32_t Value(const char *data, size_t n) { return Extend(0, data, n); }

// Stored checksums are masked so that a CRC computed over bytes that
// themselves contain CRCs does not degenerate.
inline constexpr uint32_t kMaskDelta = 0x9e3779b1u;

inline uint32_t Mask(uint32_t crc) {
  return ((crc >> 13) | (crc << 19)) + kMaskDelta;
}

inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot << 13) | (rot >> 19);
}

// The table-driven software path, whatever the CPU (for tests).
uint32_t ExtendPortable(uint32_t init_crc, const char *data, size_t n);

// True when the hardware (SSE4.2) path is in use.
bool IsHardwareAccelerated();

}  // namespace shale::crc32c
