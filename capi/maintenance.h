// maintenance.h — argument checks and the progress trampoline shared by the
// synchronous maintenance calls (maintenance.cc) and the jobs (jobs.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/db.h"
#include "db_state.h"
#include "shale.h"

namespace shale::capi {

// Checks start/end of a compaction (NULL with length 0: unbounded) and
// converts them. Records the error.
int32_t CompactBounds(const void *start, size_t start_len, const void *end,
                      size_t end_len, std::optional<std::string> *begin_out,
                      std::optional<std::string> *end_out);

// Refuses writes (flush, compaction) on a db opened read-only.
int32_t CheckWritable(const DbState &state, const char *what);

// Checks a backup destination: not NULL, not empty, and not an existing
// non-empty directory or a file. Records the error.
int32_t CheckBackupDest(const char *dest_path);

// A core ProgressFn calling fn (if any) as a callback of db `db_identity`:
// a non-zero return cancels.
shale::ProgressFn SyncProgress(const void *db_identity, shale_progress_fn fn,
                               void *user);

}  // namespace shale::capi
