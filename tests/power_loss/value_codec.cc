#include "value_codec.h"

#include <charconv>

namespace shale::power_loss {

namespace {

char PatternByte(ValueId id, uint32_t i) {
  uint64_t x = (id.write * 0x9E3779B97F4A7C15ull) ^ (uint64_t{id.entry} << 40) ^
               (i * 0xBF58476D1CE4E5B9ull);
  x ^= x >> 29;
  return static_cast<char>('a' + x % 26);
}

// Parses a decimal number terminated by '|' at *pos.
bool ParseField(std::string_view s, size_t *pos, uint64_t *out) {
  const char *begin = s.data() + *pos;
  const char *end = s.data() + s.size();
  auto [p, ec] = std::from_chars(begin, end, *out);
  if (ec != std::errc() || p == begin || p == end || *p != '|') return false;
  *pos = static_cast<size_t>(p - s.data()) + 1;
  return true;
}

}  // namespace

std::string EncodeValue(std::string_view key, ValueId id, uint32_t len) {
  std::string v(key);
  v += '|' + std::to_string(id.write) + '|' + std::to_string(id.entry) + '|' +
       std::to_string(len) + '|';
  for (uint32_t i = 0; i < len; ++i) v += PatternByte(id, i);
  return v;
}

std::optional<ValueId> DecodeValue(std::string_view key, std::string_view value,
                                   std::string *why) {
  if (value.size() <= key.size() || value.substr(0, key.size()) != key ||
      value[key.size()] != '|') {
    *why = "value does not start with its key";
    return std::nullopt;
  }
  size_t pos = key.size() + 1;
  uint64_t write = 0, entry = 0, len = 0;
  if (!ParseField(value, &pos, &write) || !ParseField(value, &pos, &entry) ||
      !ParseField(value, &pos, &len)) {
    *why = "value header is damaged";
    return std::nullopt;
  }
  if (value.size() - pos != len) {
    *why = "value length " + std::to_string(value.size() - pos) +
           " != encoded length " + std::to_string(len) + " (torn value)";
    return std::nullopt;
  }
  const ValueId id{write, static_cast<uint32_t>(entry)};
  for (uint32_t i = 0; i < len; ++i) {
    if (value[pos + i] != PatternByte(id, i)) {
      *why = "pattern byte " + std::to_string(i) + " is wrong (torn value)";
      return std::nullopt;
    }
  }
  return id;
}

}  // namespace shale::power_loss
