// The power-loss suite: thousands of open / random workload / crash /
// power loss / reopen / verify cycles (see power_loss_cycle.h).
//
// Knobs (environment):
//   SHALE_RELIABILITY_SCALE       multiplies the cycle count (default 1)
//   SHALE_POWER_LOSS_CYCLES       cycles to run (default 2000 x scale)
//   SHALE_POWER_LOSS_SEED         base seed (default fixed: CI reproduces)
//   SHALE_POWER_LOSS_START_CYCLE  first cycle number (to reproduce one)
//   SHALE_POWER_LOSS_DIR          parent directory (default /dev/shm if
//                                 present: fsync on tmpfs is cheap)
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "power_loss_cycle.h"

namespace shale::power_loss {
namespace {

uint64_t EnvNumber(const char *name, uint64_t fallback) {
  const char *v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char *end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (*end != '\0') {
    ADD_FAILURE() << name << "=\"" << v << "\" is not a non-negative integer";
    return fallback;
  }
  return n;
}

std::string ScratchDir() {
  std::string parent = "/tmp";
  if (const char *d = std::getenv("SHALE_POWER_LOSS_DIR"); d && *d) {
    parent = d;
  } else if (::access("/dev/shm", W_OK) == 0) {
    parent = "/dev/shm";
  }
  std::string tmpl = parent + "/shale-power-loss-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "cannot create a directory under " << parent;
    return "/tmp/shale-power-loss-fallback";
  }
  return tmpl + "/db";
}

constexpr uint64_t kCiCycles = 2000;
constexpr uint64_t kCyclesPerDb = 40;
constexpr uint64_t kMaxReportedFailures = 5;

TEST(PowerLoss, RandomWorkloadsSurviveEveryCut) {
  const uint64_t scale = EnvNumber("SHALE_RELIABILITY_SCALE", 1);
  const uint64_t cycles =
      EnvNumber("SHALE_POWER_LOSS_CYCLES", kCiCycles * scale);
  const uint64_t seed = EnvNumber("SHALE_POWER_LOSS_SEED", 20240605);
  const uint64_t start = EnvNumber("SHALE_POWER_LOSS_START_CYCLE", 0);
  const std::string dir = ScratchDir();
  PowerLossRunner runner(dir, seed, kCyclesPerDb);
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t c = start; c < start + cycles; ++c) {
    const std::string error = runner.RunCycle(c);
    if (!error.empty()) {
      ADD_FAILURE() << error;
      if (runner.totals().failures >= kMaxReportedFailures) break;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  const Totals &t = runner.totals();
  std::printf(
      "power-loss: %llu cycles, %llu writes verified, %llu acknowledged "
      "durable, %llu visible after recovery, %llu cut inside open, %llu "
      "bytes / %llu files rewound, %llu directory entries undone, %llu "
      "failures, %.1f s (seed %llu)\n",
      static_cast<unsigned long long>(t.cycles),
      static_cast<unsigned long long>(t.writes_issued),
      static_cast<unsigned long long>(t.writes_required),
      static_cast<unsigned long long>(t.writes_visible),
      static_cast<unsigned long long>(t.crashes_in_open),
      static_cast<unsigned long long>(t.bytes_lost),
      static_cast<unsigned long long>(t.files_rewound),
      static_cast<unsigned long long>(t.entries_undone),
      static_cast<unsigned long long>(t.failures), secs,
      static_cast<unsigned long long>(seed));
  EXPECT_EQ(t.failures, 0u);
  // Sanity of the suite itself: the cuts must really lose data and the
  // model must really demand some.
  if (cycles >= 100) {
    EXPECT_GT(t.bytes_lost, 0u);
    EXPECT_GT(t.writes_required, 0u);
    EXPECT_GT(t.crashes_in_open, 0u);
  }
}

}  // namespace
}  // namespace shale::power_loss
