// CachedEntry: an iterator's current entry, read once after each move, so
// that an iterator stacked on another (level -> table -> block) answers
// Valid/user_key/tag/value/EntryOwner from its own fields instead of
// calling down every layer on every access.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "db/internal_iterator.h"

namespace shale {

struct CachedEntry {
  bool valid = false;
  std::string_view user_key, value;
  uint64_t tag = 0;
  const std::shared_ptr<const void> *owner = nullptr;

  // From it (nullptr: not valid). The views stay what it returned: valid
  // until it moves, as InternalIterator promises.
  void Load(const InternalIterator *it) {
    valid = it != nullptr && it->Valid();
    if (!valid) return;
    user_key = it->user_key();
    tag = it->tag();
    value = it->value();
    owner = it->EntryOwner();
  }
};

}  // namespace shale
