// kill_child.h — the writer child of the process-kill suite: opens the db,
// runs each writer thread's op stream and reports every acknowledged op
// through a pipe until it is killed.
#pragma once

#include <cstdint>
#include <string>

#include "shale.h"

namespace shale_kill {

struct CyclePlan {
  std::string path;
  uint64_t cycle_seed = 0;
  uint32_t cycle = 0;
  uint32_t threads = 1;
  uint32_t sync_mode = SHALE_SYNC_GROUP;
};

// One acknowledgement: thread's op number op returned SHALE_OK. 8 bytes, so
// a pipe write is atomic even with several threads writing.
struct Ack {
  uint32_t thread;
  uint32_t op;
};

// The options of every open in the suite: tiny memtables and tables, so
// flushes and compactions run in the background all the time.
shale_options KillOptions(uint32_t sync_mode);

// Runs in the forked child; never returns. Exits non-zero (with a message
// on stderr) if any call fails.
[[noreturn]] void RunWriterChild(const CyclePlan &plan, int ack_fd);

}  // namespace shale_kill
