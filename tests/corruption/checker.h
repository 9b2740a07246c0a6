// checker.h — opens one damaged copy of the pristine db, plainly and then
// with salvage, and checks every promise: the open fails with
// SHALE_E_CORRUPTION/SHALE_E_IO naming the damaged file, or every read
// (get, forward and backward iteration) returns the right value or an
// error naming it, and verify reports it; a salvage open always succeeds,
// keeps everything undamaged, reports what it skipped, and leaves a db
// that verifies clean and reopens without salvage.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "damage.h"
#include "pristine_db.h"

namespace corruption {

struct KindStats {
  uint64_t copies = 0;
  uint64_t open_refused = 0;     // plain open failed, naming the file
  uint64_t read_errors = 0;      // copies where a read named the file
  uint64_t verify_detected = 0;  // verify returned SHALE_E_CORRUPTION
  uint64_t reported = 0;         // recovery property named the file
  uint64_t harmless = 0;         // plain open, every value right, verify ok
  uint64_t salvage_opens = 0;
  uint64_t keys_expected = 0;  // keys x copies
  uint64_t keys_recovered = 0;  // ... whose final value salvage kept
  uint64_t max_lost = 0;        // most keys one salvage did not keep
};

struct Stats {
  std::array<KindStats, kNumKinds> kinds{};
  std::string Summary() const;
};

// Copies pristine to <scratch>/copy, applies d, checks it. Returns the
// failures (empty if every promise held).
std::vector<std::string> CheckDamagedCopy(const Damage &d, const Model &model,
                                          const std::string &pristine,
                                          const std::string &scratch,
                                          Stats *stats);

}  // namespace corruption
