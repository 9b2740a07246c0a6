#include "workload.h"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "value_codec.h"

namespace shale::power_loss {

namespace {

uint32_t ValueLength(std::mt19937_64 &rng) {
  // Mostly small, sometimes a few KiB so that blocks and records vary.
  const uint64_t r = rng() % 100;
  if (r < 5) return static_cast<uint32_t>(1000 + rng() % 4000);
  if (r < 20) return 0;
  return static_cast<uint32_t>(rng() % 300);
}

class Stream {
 public:
  Stream(DB *db, const WorkloadPlan &plan, WriteModel *model, int stream,
         std::atomic<uint64_t> *next_id, std::atomic<uint64_t> *ops)
      : db_(db),
        plan_(plan),
        model_(model),
        stream_(stream),
        next_id_(next_id),
        ops_(ops),
        rng_(plan.seed * 1000003 + static_cast<uint64_t>(stream)) {}

  void Run() {
    for (int i = 0; i < plan_.ops_per_thread; ++i) {
      if (!Step()) return;
    }
  }

 private:
  std::string Key() {
    return StreamKey(stream_, static_cast<int>(rng_() % plan_.keys));
  }

  // One random call; false once a call failed.
  bool Step() {
    ops_->fetch_add(1);
    const uint64_t r = rng_() % 100;
    // Maintenance from stream 0 only: several threads would just queue.
    if (stream_ == 0 && r < 3) {
      const uint64_t t = model_->Ticket();
      if (!db_->Flush().ok()) return false;
      model_->DurableBefore(t);
      return true;
    }
    if (stream_ == 0 && r < 5) {
      const uint64_t t = model_->Ticket();
      Status s;
      if (rng_() % 2 == 0) {
        s = db_->CompactRange(nullptr, nullptr, nullptr);
      } else {
        std::string a = Key(), b = Key();
        if (b < a) std::swap(a, b);
        s = db_->CompactRange(&a, &b, nullptr);
      }
      if (!s.ok()) return false;
      model_->DurableBefore(t);  // it flushes the memtable first
      return true;
    }
    if (r < 12) {
      const uint64_t t = model_->Ticket();
      if (!db_->Sync().ok()) return false;
      model_->DurableBefore(t);
      return true;
    }
    return Write(r);
  }

  bool Write(uint64_t r) {
    const uint64_t id = next_id_->fetch_add(1);
    WriteRecord &rec = model_->Add(stream_);
    WriteBatch batch;
    const int n = r < 30 ? 2 + static_cast<int>(rng_() % 5) : 1;
    for (int j = 0; j < n; ++j) {
      Mutation m;
      // Batches sometimes touch one key twice: the later entry wins.
      m.key = (j > 0 && rng_() % 4 == 0) ? rec.mutations[0].key : Key();
      if (rng_() % 100 < 20) {
        (void)batch.Delete(m.key);
      } else {
        m.value = EncodeValue(m.key, ValueId{id, static_cast<uint32_t>(j)},
                              ValueLength(rng_));
        (void)batch.Put(m.key, *m.value);
      }
      rec.mutations.push_back(std::move(m));
    }
    rec.start = model_->Ticket();
    Status s;
    if (n == 1 && rec.mutations[0].value) {
      s = db_->Put(rec.mutations[0].key, *rec.mutations[0].value);
    } else if (n == 1) {
      s = db_->Delete(rec.mutations[0].key);
    } else {
      s = db_->Write(batch);
    }
    if (!s.ok()) return false;
    rec.end = model_->Ticket();
    rec.acked_durable = plan_.sync_mode != SyncMode::kNone;
    return true;
  }

  DB *db_;
  const WorkloadPlan &plan_;
  WriteModel *model_;
  const int stream_;
  std::atomic<uint64_t> *next_id_;
  std::atomic<uint64_t> *ops_;
  std::mt19937_64 rng_;
};

}  // namespace

WorkloadResult RunWorkload(DB *db, const WorkloadPlan &plan,
                           WriteModel *model) {
  std::atomic<uint64_t> next_id{plan.first_write_id};
  std::atomic<uint64_t> ops{0};
  std::vector<Stream> streams;
  streams.reserve(plan.threads);
  for (int i = 0; i < plan.threads; ++i) {
    streams.emplace_back(db, plan, model, i, &next_id, &ops);
  }
  if (plan.threads == 1) {
    streams[0].Run();
  } else {
    std::vector<std::thread> threads;
    for (auto &s : streams) threads.emplace_back([&s] { s.Run(); });
    for (auto &t : threads) t.join();
  }
  return WorkloadResult{next_id.load(), ops.load()};
}

}  // namespace shale::power_loss
