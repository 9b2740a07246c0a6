// The memtable as an InternalIterator (for merging with table files).
#pragma once

#include <memory>

#include "db/internal_iterator.h"
#include "memtable/memtable.h"

namespace shale {

// Keeps mem alive while the iterator exists.
std::unique_ptr<InternalIterator> NewMemTableIterator(
    std::shared_ptr<const MemTable> mem);

}  // namespace shale
