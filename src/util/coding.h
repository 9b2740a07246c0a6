// Little-endian fixed-width and varint encodings used by the WAL and the
// write batch format.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace shale {

inline void EncodeFixed32(char *dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void EncodeFixed64(char *dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline uint32_t DecodeFixed32(const char *src) {
  const auto *p = reinterpret_cast<const unsigned char *>(src);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline uint64_t DecodeFixed64(const char *src) {
  const auto *p = reinterpret_cast<const unsigned char *>(src);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline void PutFixed32(std::string *dst, uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst->append(buf, 4);
}

inline void PutFixed64(std::string *dst, uint64_t v) {
  char buf[8];
  EncodeFixed64(buf, v);
  dst->append(buf, 8);
}

// Writes v as a varint at dst (at most 10 bytes); returns the end.
inline char *EncodeVarint64(char *dst, uint64_t v) {
  auto *p = reinterpret_cast<unsigned char *>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char *>(p);
}

inline char *EncodeVarint32(char *dst, uint32_t v) {
  return EncodeVarint64(dst, v);
}

inline void PutVarint64(std::string *dst, uint64_t v) {
  char buf[10];
  char *end = EncodeVarint64(buf, v);
  dst->append(buf, static_cast<size_t>(end - buf));
}

inline void PutVarint32(std::string *dst, uint32_t v) { PutVarint64(dst, v); }

inline int VarintLength(uint64_t v) {
  int len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

// Decodes a varint from [p, limit). Returns the byte after it, or nullptr if
// the input is truncated or overlong.
inline const char *DecodeVarint64(const char *p, const char *limit,
                                  uint64_t *v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < limit; shift += 7) {
    uint64_t byte = static_cast<unsigned char>(*p++);
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}

inline const char *DecodeVarint32(const char *p, const char *limit,
                                  uint32_t *v) {
  uint64_t wide = 0;
  const char *next = DecodeVarint64(p, limit, &wide);
  if (next == nullptr || wide > UINT32_MAX) return nullptr;
  *v = static_cast<uint32_t>(wide);
  return next;
}

// Consumes a varint from the front of *in.
inline bool GetVarint32(std::string_view *in, uint32_t *v) {
  const char *next = DecodeVarint32(in->data(), in->data() + in->size(), v);
  if (next == nullptr) return false;
  in->remove_prefix(static_cast<size_t>(next - in->data()));
  return true;
}

inline bool GetVarint64(std::string_view *in, uint64_t *v) {
  const char *next = DecodeVarint64(in->data(), in->data() + in->size(), v);
  if (next == nullptr) return false;
  in->remove_prefix(static_cast<size_t>(next - in->data()));
  return true;
}

// Consumes a varint32 length and that many bytes from the front of *in.
inline bool GetLengthPrefixed(std::string_view *in, std::string_view *out) {
  uint32_t len = 0;
  if (!GetVarint32(in, &len) || in->size() < len) return false;
  *out = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

}  // namespace shale
