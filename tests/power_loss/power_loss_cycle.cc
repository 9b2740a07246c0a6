#include "power_loss_cycle.h"

#include <filesystem>
#include <random>
#include <set>

#include "db/db.h"
#include "value_codec.h"
#include "workload.h"

namespace shale::power_loss {

namespace {

const char *SyncModeName(SyncMode m) {
  switch (m) {
    case SyncMode::kNone:
      return "none";
    case SyncMode::kEvery:
      return "every";
    case SyncMode::kGroup:
      return "group";
  }
  return "?";
}

constexpr uint64_t kTailModes = 5;  // kDrop .. kTornGarbage, in turn

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Mutating calls seen by the env so far (opens for writing are not told
// apart from opens for reading, so they are left out: an estimate).
uint64_t Mutations(const FaultInjectionEnv &env) {
  return env.calls(FaultKind::kWrite) + env.calls(FaultKind::kSync) +
         env.calls(FaultKind::kRename) + env.calls(FaultKind::kRemove);
}

}  // namespace

struct PowerLossRunner::Plan {
  uint64_t cycle = 0;
  uint64_t cycle_seed = 0;
  TailMode tail = TailMode::kDrop;
  Options options;
  WorkloadPlan workload;
  bool crash_in_open = false;
  uint64_t crash_after = 0;
};

PowerLossRunner::PowerLossRunner(std::string dir, uint64_t seed,
                                 uint64_t cycles_per_db)
    : dir_(std::move(dir)), seed_(seed), cycles_per_db_(cycles_per_db) {}

PowerLossRunner::~PowerLossRunner() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PowerLossRunner::Describe(const Plan &p) const {
  return "seed " + std::to_string(seed_) + " cycle " + std::to_string(p.cycle) +
         " tail " + TailModeName(p.tail) + " sync " +
         SyncModeName(p.options.sync_mode) + " threads " +
         std::to_string(p.workload.threads) + " ops " +
         std::to_string(p.workload.ops_per_thread) + " crash " +
         (p.crash_in_open ? "in open " : "") + "after " +
         std::to_string(p.crash_after) + " write_buffer " +
         std::to_string(p.options.write_buffer_size) + " target_file " +
         std::to_string(p.options.target_file_size) +
         " (reproduce: "
         "SHALE_POWER_LOSS_SEED=" +
         std::to_string(seed_) + " SHALE_POWER_LOSS_START_CYCLE=" +
         std::to_string(p.cycle - p.cycle % cycles_per_db_) +
         " SHALE_POWER_LOSS_CYCLES=" +
         std::to_string(p.cycle % cycles_per_db_ + 1) + ")";
}

std::string PowerLossRunner::RunCycle(uint64_t cycle) {
  Plan plan;
  plan.cycle = cycle;
  plan.cycle_seed = Mix(seed_ ^ Mix(cycle));
  std::mt19937_64 rng(plan.cycle_seed);
  plan.tail = static_cast<TailMode>(cycle % kTailModes);

  if (fresh_ || cycle % cycles_per_db_ == 0) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    env_ = std::make_unique<FaultInjectionEnv>();
    state_.clear();
    fresh_ = false;
  }

  Options &o = plan.options;
  o.env = env_.get();
  o.create_if_missing = true;
  const SyncMode modes[] = {SyncMode::kNone, SyncMode::kEvery,
                            SyncMode::kGroup};
  o.sync_mode = modes[rng() % 3];
  // Small enough that flushes, compactions and log switches really happen.
  o.write_buffer_size = 2048 + rng() % 14336;
  o.target_file_size = 1024 + rng() % 8192;
  o.block_size = 256 + rng() % 4096;
  o.level0_compaction_trigger = 2 + static_cast<int>(rng() % 3);
  o.level1_max_bytes = 16384 + rng() % 65536;
  o.level_size_multiplier = 4;
  o.bloom_bits_per_key = rng() % 4 == 0 ? 0 : 10;
  o.block_cache_capacity = rng() % 2 == 0 ? 0 : 1 << 20;
  o.log_level = LogLevel::kError;

  WorkloadPlan &w = plan.workload;
  w.seed = plan.cycle_seed;
  w.sync_mode = o.sync_mode;
  w.threads = o.sync_mode == SyncMode::kGroup && rng() % 3 == 0
                  ? 2 + static_cast<int>(rng() % 3)
                  : 1;
  w.ops_per_thread = 10 + static_cast<int>(rng() % 300) / w.threads;
  w.keys = 40 + static_cast<int>(rng() % 160);
  uint64_t next_id = 1;
  for (const auto &[k, v] : state_) {
    std::string why;
    if (auto id = DecodeValue(k, v, &why))
      next_id = std::max(next_id, id->write + 1);
  }
  w.first_write_id = next_id;

  plan.crash_in_open = rng() % 10 == 0;
  plan.crash_after =
      plan.crash_in_open
          ? rng() % 16
          : rng() % (static_cast<uint64_t>(mutations_per_op_ * 1.1 *
                                           w.ops_per_thread * w.threads) +
                     1);

  // ---- The cut-short run.
  WriteModel model(w.threads);
  if (plan.crash_in_open) env_->CrashAfter(plan.crash_after);
  {
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, dir_, &db);
    if (!s.ok() && !env_->crashed()) {
      return Describe(plan) +
             ": open before the power loss failed: " + s.ToString();
    }
    if (s.ok() && plan.crash_in_open) {
      // The open got through: cut the workload at the remaining count.
      env_->CrashAfter(plan.crash_after + rng() % 200);
    }
    if (!s.ok()) {
      totals_.crashes_in_open++;
    } else {
      const uint64_t before = Mutations(*env_);
      if (!plan.crash_in_open) env_->CrashAfter(plan.crash_after);
      const WorkloadResult run = RunWorkload(db.get(), w, &model);
      if (!env_->crashed() && run.ops > 0) {
        // The workload finished first: learn its cost for the next picks,
        // so that the cuts spread over the whole workload.
        const double per_op =
            static_cast<double>(Mutations(*env_) - before) / run.ops;
        mutations_per_op_ = 0.8 * mutations_per_op_ + 0.2 * per_op;
      }
    }
    env_->CrashNow();  // the machine stops; then the process goes away
  }

  // ---- Power loss.
  FaultInjectionEnv::LossReport loss;
  Status s = env_->SimulatePowerLoss(plan.tail, plan.cycle_seed, &loss);
  if (!s.ok()) return Describe(plan) + ": SimulatePowerLoss: " + s.ToString();
  totals_.bytes_lost += loss.bytes_lost;
  totals_.files_rewound += loss.files_rewound;
  totals_.entries_undone += loss.entries_undone;

  std::string error = Verify(plan, model);
  totals_.cycles++;
  if (!error.empty()) {
    totals_.failures++;
    fresh_ = true;  // the next cycle must not build on a broken db
  }
  return error;
}

std::string PowerLossRunner::Verify(const Plan &plan, const WriteModel &model) {
  Options o = plan.options;
  o.salvage = false;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dir_, &db);
  if (!s.ok()) {
    return Describe(plan) +
           ": open after the power loss failed: " + s.ToString();
  }
  std::string recovery;
  (void)db->GetProperty("shale.recovery", &recovery);
  auto fail = [&](const std::string &what) {
    return Describe(plan) + ": " + what + "\nrecovery report:\n" + recovery;
  };

  // Everything, forward and backward.
  KeyValues recovered;
  std::vector<std::string> order;
  {
    auto it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      order.emplace_back(it->key());
      recovered[std::string(it->key())] = std::string(it->value());
    }
    if (!it->status().ok()) {
      return fail("forward iteration: " + it->status().ToString());
    }
    if (order.size() != recovered.size()) {
      return fail("forward iteration returned a key twice");
    }
    size_t i = order.size();
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (i == 0 || order[--i] != it->key() ||
          recovered[order[i]] != it->value()) {
        return fail("backward iteration disagrees with forward iteration at " +
                    std::string(it->key()));
      }
    }
    if (!it->status().ok() || i != 0) {
      return fail("backward iteration stopped early: " +
                  it->status().ToString());
    }
  }
  // Point reads of every key this db ever held or the cycle wrote.
  std::set<std::string> keys;
  for (const auto &kv : state_) keys.insert(kv.first);
  for (const auto &kv : recovered) keys.insert(kv.first);
  for (int st = 0; st < model.streams(); ++st) {
    for (int k = 0; k < plan.workload.keys; ++k) keys.insert(StreamKey(st, k));
  }
  for (const std::string &k : keys) {
    std::string v;
    Status g = db->Get(ReadOptions(), k, &v);
    auto it = recovered.find(k);
    if (g.IsNotFound() && it == recovered.end()) continue;
    if (!g.ok()) return fail("Get(" + k + "): " + g.ToString());
    if (it == recovered.end() || it->second != v) {
      return fail("Get(" + k + ") disagrees with iteration");
    }
  }

  WriteModel::Result r = model.Check(state_, recovered);
  if (!r.ok) return fail(r.error);
  totals_.writes_issued += r.issued;
  totals_.writes_required += r.required;
  totals_.writes_visible += r.visible;

  std::string report;
  s = db->Verify(nullptr, &report);
  if (!s.ok()) return fail("Verify: " + s.ToString() + "\n" + report);
  state_ = std::move(recovered);
  return "";
}

}  // namespace shale::power_loss
