#include "version/compaction.h"

namespace shale {

namespace {

// Adds the files of level+1 overlapping inputs[0].
void AddNextLevelInputs(Compaction *c) {
  std::string smallest = c->inputs[0].front()->smallest_key;
  std::string largest = c->inputs[0].front()->largest_key;
  for (const FileRef &f : c->inputs[0]) {
    if (f->smallest_key < smallest) smallest = f->smallest_key;
    if (f->largest_key > largest) largest = f->largest_key;
  }
  c->inputs[1] = c->version->Overlapping(c->level + 1, &smallest, &largest);
}

}  // namespace

uint64_t Compaction::InputBytes() const {
  uint64_t sum = 0;
  for (const auto &which : inputs) {
    for (const FileRef &f : which) sum += f->file_size;
  }
  return sum;
}

bool Compaction::IsTrivialMove() const {
  return !manual && inputs[0].size() == 1 && inputs[1].empty();
}

bool Compaction::IsBaseLevelForKey(std::string_view user_key) const {
  for (int l = output_level() + 1; l < kNumLevels; ++l) {
    if (version->FileFor(l, user_key) != nullptr) return false;
  }
  return true;
}

uint64_t MaxBytesForLevel(int level, const Options &options) {
  uint64_t bytes = options.level1_max_bytes;
  for (int l = 1; l < level; ++l) {
    bytes *= static_cast<uint64_t>(std::max(options.level_size_multiplier, 2));
  }
  return bytes;
}

double LevelScore(const Version &v, int level, const Options &options) {
  if (level == 0) {
    return static_cast<double>(v.NumFiles(0)) /
           std::max(options.level0_compaction_trigger, 1);
  }
  return static_cast<double>(v.LevelBytes(level)) /
         static_cast<double>(
             std::max<uint64_t>(MaxBytesForLevel(level, options), 1));
}

std::unique_ptr<Compaction> PickCompaction(std::shared_ptr<const Version> v,
                                           const Options &options,
                                           std::string cursor[kNumLevels]) {
  int best = -1;
  double best_score = 1.0;
  // The last level has nowhere to go.
  for (int level = 0; level + 1 < kNumLevels; ++level) {
    double score = LevelScore(*v, level, options);
    if (score >= best_score && v->NumFiles(level) > 0) {
      best = level;
      best_score = score;
    }
  }
  if (best < 0) return nullptr;
  auto c = std::make_unique<Compaction>();
  c->level = best;
  c->version = v;
  if (best == 0) {
    c->inputs[0] = v->files(0);
  } else {
    // The first file after the cursor, wrapping around.
    const auto &files = v->files(best);
    FileRef pick = files.front();
    for (const FileRef &f : files) {
      if (f->smallest_key > cursor[best]) {
        pick = f;
        break;
      }
    }
    c->inputs[0].push_back(pick);
    cursor[best] = pick->largest_key;
  }
  AddNextLevelInputs(c.get());
  return c;
}

std::unique_ptr<Compaction> CompactionForRange(std::shared_ptr<const Version> v,
                                               int level,
                                               const std::string *begin,
                                               const std::string *end) {
  auto c = std::make_unique<Compaction>();
  c->level = level;
  c->version = v;
  c->manual = true;
  if (level == 0) {
    if (v->Overlapping(0, begin, end).empty()) return nullptr;
    c->inputs[0] = v->files(0);
  } else {
    c->inputs[0] = v->Overlapping(level, begin, end);
  }
  if (c->inputs[0].empty()) return nullptr;
  AddNextLevelInputs(c.get());
  return c;
}

}  // namespace shale
