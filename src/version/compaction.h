// Compaction: which files to merge, chosen by score (levelled
// compaction). Level 0 is compacted into level 1 when it holds
// level0_compaction_trigger files; level n >= 1 into n+1 when it holds more
// than level1_max_bytes * multiplier^(n-1) bytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "db/options.h"
#include "version/version.h"

namespace shale {

struct Compaction {
  int level = 0;  // inputs[0] are from level, [1] level+1
  std::vector<FileRef> inputs[2];
  std::shared_ptr<const Version> version;  // the version picked from
  bool manual = false;

  int output_level() const { return level + 1; }
  uint64_t InputBytes() const;
  // One input file, nothing to merge with below: move it down a level.
  bool IsTrivialMove() const;
  // True if no level below the output level holds user_key (so a
  // tombstone for it may be dropped).
  bool IsBaseLevelForKey(std::string_view user_key) const;
};

// The level's score: >= 1 means it needs compacting.
double LevelScore(const Version &v, int level, const Options &options);
uint64_t MaxBytesForLevel(int level, const Options &options);

// The compaction most needed, or nullptr. cursor[level]: where the last
// compaction of level ended (round robin over its key space).
std::unique_ptr<Compaction> PickCompaction(std::shared_ptr<const Version> v,
                                           const Options &options,
                                           std::string cursor[kNumLevels]);

// A compaction of the files of level overlapping [begin, end], or nullptr
// if there are none. Level 0 takes every level-0 file (they may overlap).
std::unique_ptr<Compaction> CompactionForRange(std::shared_ptr<const Version> v,
                                               int level,
                                               const std::string *begin,
                                               const std::string *end);

}  // namespace shale
