// The user-facing iterator: walks the memtable's internal keys and shows,
// for each user key, the newest version visible at the read sequence,
// hiding tombstones, and only keys in [lower, upper) with the prefix.
#pragma once

#include <memory>

#include "db/db.h"
#include "db/iterator.h"
#include "memtable/memtable.h"

namespace shale {

// mem: kept alive by the iterator. hold: an optional snapshot kept alive
// while the iterator exists.
std::unique_ptr<Iterator> NewDBIterator(std::shared_ptr<const MemTable> mem,
                                        SequenceNumber sequence,
                                        std::shared_ptr<const Snapshot> hold,
                                        const ReadOptions &options);

// An iterator that is never valid and reports status.
std::unique_ptr<Iterator> NewErrorIterator(Status status);

}  // namespace shale
