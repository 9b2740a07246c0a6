// The random workload of a power-loss cycle: puts, deletes and write
// batches (with repeated keys), Sync at random points, Flush and
// CompactRange, from one thread or several (one model stream each). Every
// write is recorded in the WriteModel with its tickets and whether it was
// acknowledged durable. A thread stops at its first failed call (after the
// crash point every mutating call fails).
#pragma once

#include <cstdint>

#include "db/db.h"
#include "write_model.h"

namespace shale::power_loss {

struct WorkloadPlan {
  uint64_t seed = 0;
  SyncMode sync_mode = SyncMode::kGroup;
  int threads = 1;
  int ops_per_thread = 100;
  int keys = 150;               // per stream
  uint64_t first_write_id = 1;  // value ids continue across cycles
};

struct WorkloadResult {
  uint64_t next_write_id = 0;
  uint64_t ops = 0;  // calls made, failed ones included
};

WorkloadResult RunWorkload(DB *db, const WorkloadPlan &plan, WriteModel *model);

}  // namespace shale::power_loss
