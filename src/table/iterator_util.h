// Small InternalIterators: the empty one and one that only reports an error.
#pragma once

#include <memory>

#include "db/internal_iterator.h"
#include "util/status.h"

namespace shale {

// Never valid; status() is s (OK for an empty iterator).
std::unique_ptr<InternalIterator> NewErrorIterator(Status s);
inline std::unique_ptr<InternalIterator> NewEmptyIterator() {
  return NewErrorIterator(Status::OK());
}

}  // namespace shale
