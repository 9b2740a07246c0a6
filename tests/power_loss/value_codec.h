// Self-describing values for the power-loss suite: a value names the key it
// was written under, the write (batch) that wrote it and its position in
// the batch, and carries a pattern of varying length derived from those.
// A torn, shifted or foreign value therefore never decodes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shale::power_loss {

struct ValueId {
  uint64_t write = 0;  // global write id (unique across cycles of one db)
  uint32_t entry = 0;  // position in the batch
  bool operator==(const ValueId &) const = default;
};

// "<key>|<write>|<entry>|<len>|" followed by len pattern bytes.
std::string EncodeValue(std::string_view key, ValueId id, uint32_t len);

// The id if value is exactly what EncodeValue(key, id, len) produced for
// some id and len; nullopt otherwise (*why says what is wrong).
std::optional<ValueId> DecodeValue(std::string_view key, std::string_view value,
                                   std::string *why);

}  // namespace shale::power_loss
