// The user-facing iterator: walks an InternalIterator (the merge of the
// memtables and table files) and shows, for each user key, the newest
// version visible at the read sequence, hiding tombstones, and only keys in
// [lower, upper) with the prefix.
#pragma once

#include <memory>

#include "db/db.h"
#include "db/internal_iterator.h"
#include "db/iterator.h"
#include "memtable/memtable.h"

namespace shale {

// pin: kept alive while the iterator exists (the snapshot, the version of
// the files, ...); may be nullptr.
std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> it,
                                        SequenceNumber sequence,
                                        std::shared_ptr<const void> pin,
                                        const ReadOptions &options);

// An iterator that is never valid and reports status.
std::unique_ptr<Iterator> NewErrorDBIterator(Status status);

}  // namespace shale
