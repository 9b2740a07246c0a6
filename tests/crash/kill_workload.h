// kill_workload.h — the deterministic write workload of the process-kill
// suite. The writer child and the verifying parent build the same op stream
// from the same seed: the child executes it, the parent replays it into a
// model to know what the db must hold after any prefix of it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace shale_kill {

// Key -> value: the expected contents of (part of) the db.
using Model = std::map<std::string, std::string>;

// Small, fast, reproducible generator (splitmix64): its sequence does not
// depend on the standard library's distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(Next() % n); }
  bool Percent(uint32_t p) { return Below(100) < p; }

 private:
  uint64_t state_;
};

// Mixes values into a new seed (seed chains: suite -> cycle -> thread).
uint64_t MixSeed(uint64_t a, uint64_t b);

enum class OpKind {
  kPut,          // shale_db_put
  kDelete,       // shale_db_delete
  kBatch,        // shale_batch_put / _delete, then shale_db_write
  kBatchMany,    // shale_batch_put_many + _delete_many, then shale_db_write
  kPutMany,      // shale_db_put_many
  kDeleteMany,   // shale_db_delete_many
  kFlush,        // shale_db_flush (changes nothing visible)
  kCompact,      // shale_db_compact_range (changes nothing visible)
};
const char *OpName(OpKind kind);

struct Mutation {
  bool is_delete = false;
  std::string key;
  std::string value;
};

struct Op {
  OpKind kind = OpKind::kPut;
  // Applied in order, atomically (a later mutation of a key wins).
  std::vector<Mutation> mutations;
  // kCompact: the range; empty strings mean unbounded.
  std::string start, end;
  bool IsWrite() const { return kind != OpKind::kFlush && kind != OpKind::kCompact; }
};

// Keys of writer thread t all start with ThreadPrefix(t), so each thread's
// own order can be checked when several threads write at once.
std::string ThreadPrefix(uint32_t thread);
// The n-th key of thread t's key space (n < kKeysPerThread).
std::string KeyOf(uint32_t thread, uint32_t n);
constexpr uint32_t kKeysPerThread = 400;
constexpr uint32_t kMaxThreads = 4;

// The op stream of one writer thread in one cycle.
class OpStream {
 public:
  OpStream(uint64_t cycle_seed, uint32_t thread, uint32_t cycle);
  Op Next();
  uint32_t produced() const { return index_; }

 private:
  std::string Value(uint32_t mutation, uint32_t len);
  Mutation RandomMutation(uint32_t index, uint32_t delete_percent);

  Rng rng_;
  uint32_t thread_;
  uint32_t cycle_;
  uint32_t index_ = 0;
};

// Applies op's mutations to model, in order.
void Apply(const Op &op, Model *model);

// The entries of model whose keys start with prefix.
Model Slice(const Model &model, const std::string &prefix);

}  // namespace shale_kill
