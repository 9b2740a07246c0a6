// Internal keys: a user key plus a tag = (sequence << 8 | kind), ordered by
// user key ascending (memcmp, shorter first on a common prefix) and then by
// tag descending, so the newest version of a key comes first.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "db/write_batch.h"
#include "util/coding.h"

namespace shale {

using SequenceNumber = uint64_t;

// Sequences are 56 bits: the low byte of the tag is the kind.
inline constexpr SequenceNumber kMaxSequence = (uint64_t{1} << 56) - 1;

// A kind byte larger than any real kind: (key, seq, kSeekKind) sorts before
// every real entry of key at seq, so seeking to it finds the newest version
// visible at seq.
inline constexpr uint8_t kSeekKind = 0xff;

inline uint64_t PackTag(SequenceNumber seq, uint8_t kind) {
  return (seq << 8) | kind;
}

inline int CompareUserKeys(std::string_view a, std::string_view b) {
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

// Compares two internal keys given as user key + tag.
inline int CompareInternal(std::string_view ua, uint64_t ta,
                           std::string_view ub, uint64_t tb) {
  int c = ua.compare(ub);
  if (c != 0) return c < 0 ? -1 : 1;
  if (ta > tb) return -1;
  if (ta < tb) return 1;
  return 0;
}

}  // namespace shale
