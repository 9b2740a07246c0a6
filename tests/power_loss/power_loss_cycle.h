// One db under repeated power losses. Each cycle opens the db through a
// FaultInjectionEnv, runs a random workload that a crash point cuts short,
// destroys the db, rewinds the disk to its durable state (one TailMode per
// cycle, in turn), reopens without salvage and checks the recovered state
// against the cycle's WriteModel. The recovered state is the next cycle's
// starting point, so damage accumulates; every cycles_per_db cycles the db
// starts afresh. Everything a cycle does derives from (seed, cycle) (thread
// interleavings and background-thread timing aside).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "env/fault_env.h"
#include "write_model.h"

namespace shale::power_loss {

struct Totals {
  uint64_t cycles = 0;
  uint64_t writes_issued = 0;    // writes checked against the model
  uint64_t writes_required = 0;  // ... acknowledged durable
  uint64_t writes_visible = 0;   // ... found after recovery
  uint64_t crashes_in_open = 0;  // cycles cut inside DB::Open
  uint64_t bytes_lost = 0;       // unsynced bytes dropped or damaged
  uint64_t files_rewound = 0;
  uint64_t entries_undone = 0;  // directory operations undone
  uint64_t failures = 0;
};

class PowerLossRunner {
 public:
  PowerLossRunner(std::string dir, uint64_t seed, uint64_t cycles_per_db);
  ~PowerLossRunner();

  // Runs one cycle; "" if it passed, else what failed, with everything
  // needed to reproduce it.
  std::string RunCycle(uint64_t cycle);
  const Totals &totals() const { return totals_; }

 private:
  struct Plan;
  std::string Verify(const Plan &plan, const WriteModel &model);
  std::string Describe(const Plan &plan) const;

  const std::string dir_;
  const uint64_t seed_;
  const uint64_t cycles_per_db_;
  std::unique_ptr<FaultInjectionEnv> env_;
  KeyValues state_;              // the db's contents after the last cycle
  bool fresh_ = true;            // start a new db at the next cycle
  double mutations_per_op_ = 3;  // running estimate for crash points
  Totals totals_;
};

}  // namespace shale::power_loss
