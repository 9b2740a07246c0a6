// The write-ahead log format.
//
// A log file is a sequence of records, nothing else:
//   masked crc32c (fixed32) | payload length (fixed32) | kind (u8) | payload
// The checksum covers the kind byte and the payload. One record holds one
// commit group (a serialized WriteBatch).
#pragma once

#include <cstddef>
#include <cstdint>

namespace shale::wal {

inline constexpr size_t kHeaderSize = 4 + 4 + 1;

enum class RecordKind : uint8_t {
  kWriteBatch = 1,
  kVersionEdit = 2,  // manifest records
};

inline bool IsValidKind(uint8_t kind) {
  return kind == static_cast<uint8_t>(RecordKind::kWriteBatch) ||
         kind == static_cast<uint8_t>(RecordKind::kVersionEdit);
}

// Upper bound on a payload; larger lengths in a header mean corruption.
inline constexpr uint32_t kMaxPayload = 0xffffffffu - kHeaderSize;

}  // namespace shale::wal
