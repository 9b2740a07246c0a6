#include "kill_child.h"

#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "kill_workload.h"

namespace shale_kill {

namespace {

[[noreturn]] void Die(const char *what, uint32_t thread, uint32_t op,
                      int32_t rc) {
  fprintf(stderr, "writer child: thread %u op %u: %s failed: %s: %s\n", thread,
          op, what, shale_status_name(rc), shale_last_error());
  _exit(10);
}

// Keys and values laid end to end, as the *_many calls take them.
struct Packed {
  std::string keys, values;
  std::vector<size_t> key_lens, value_lens;
  void Add(const Mutation &m) {
    keys += m.key;
    key_lens.push_back(m.key.size());
    values += m.value;
    value_lens.push_back(m.value.size());
  }
};

int32_t Execute(shale_db *db, const Op &op) {
  const auto &ms = op.mutations;
  switch (op.kind) {
    case OpKind::kPut:
      return shale_db_put(db, ms[0].key.data(), ms[0].key.size(),
                          ms[0].value.data(), ms[0].value.size());
    case OpKind::kDelete:
      return shale_db_delete(db, ms[0].key.data(), ms[0].key.size());
    case OpKind::kPutMany:
    case OpKind::kDeleteMany: {
      Packed p;
      for (const Mutation &m : ms) p.Add(m);
      if (op.kind == OpKind::kPutMany) {
        return shale_db_put_many(db, ms.size(), p.keys.data(),
                                 p.key_lens.data(), p.values.data(),
                                 p.value_lens.data());
      }
      return shale_db_delete_many(db, ms.size(), p.keys.data(),
                                  p.key_lens.data());
    }
    case OpKind::kBatch:
    case OpKind::kBatchMany: {
      shale_batch *b = nullptr;
      int32_t rc = shale_batch_new(&b);
      if (rc != SHALE_OK) return rc;
      if (op.kind == OpKind::kBatch) {
        for (const Mutation &m : ms) {
          rc = m.is_delete ? shale_batch_delete(b, m.key.data(), m.key.size())
                           : shale_batch_put(b, m.key.data(), m.key.size(),
                                             m.value.data(), m.value.size());
          if (rc != SHALE_OK) break;
        }
      } else {
        Packed puts, dels;
        for (const Mutation &m : ms) (m.is_delete ? dels : puts).Add(m);
        rc = shale_batch_put_many(b, puts.key_lens.size(), puts.keys.data(),
                                  puts.key_lens.data(), puts.values.data(),
                                  puts.value_lens.data());
        if (rc == SHALE_OK) {
          rc = shale_batch_delete_many(b, dels.key_lens.size(),
                                       dels.keys.data(), dels.key_lens.data());
        }
      }
      if (rc == SHALE_OK) rc = shale_db_write(db, b);
      int32_t free_rc = shale_batch_free(b);
      return rc != SHALE_OK ? rc : free_rc;
    }
    case OpKind::kFlush:
      return shale_db_flush(db);
    case OpKind::kCompact:
      return shale_db_compact_range(
          db, op.start.empty() ? nullptr : op.start.data(), op.start.size(),
          op.end.empty() ? nullptr : op.end.data(), op.end.size(), nullptr,
          nullptr);
  }
  return SHALE_E_INTERNAL;
}

// Ops per thread after which a child stops writing and waits to be killed
// (a bound on the db's size should the parent be slow to kill).
constexpr uint32_t kMaxOpsPerThread = 200000;

void WriterThread(shale_db *db, const CyclePlan &plan, uint32_t thread,
                  int ack_fd) {
  OpStream stream(plan.cycle_seed, thread, plan.cycle);
  for (uint32_t i = 0; i < kMaxOpsPerThread; ++i) {
    Op op = stream.Next();
    int32_t rc = Execute(db, op);
    if (rc != SHALE_OK) Die(OpName(op.kind), thread, i, rc);
    Ack ack{thread, i};
    if (write(ack_fd, &ack, sizeof(ack)) != sizeof(ack)) _exit(11);
  }
}

}  // namespace

shale_options KillOptions(uint32_t sync_mode) {
  shale_options o;
  if (SHALE_OPTIONS_INIT(&o) != SHALE_OK) abort();
  o.sync_mode = sync_mode;
  o.write_buffer_size = 64 * 1024;
  o.block_cache_capacity = 256 * 1024;
  o.block_size = 1024;
  o.level0_compaction_trigger = 2;
  o.level0_slowdown_trigger = 6;
  o.level0_stop_trigger = 10;
  o.target_file_size = 64 * 1024;
  o.level1_max_bytes = 256 * 1024;
  o.level_size_multiplier = 4;
  return o;
}

void RunWriterChild(const CyclePlan &plan, int ack_fd) {
  shale_options o = KillOptions(plan.sync_mode);
  shale_db *db = nullptr;
  int32_t rc = shale_db_open(plan.path.c_str(), &o, &db);
  if (rc != SHALE_OK) Die("shale_db_open", 0, 0, rc);
  std::vector<std::thread> threads;
  for (uint32_t t = 1; t < plan.threads; ++t) {
    threads.emplace_back(WriterThread, db, std::cref(plan), t, ack_fd);
  }
  WriterThread(db, plan, 0, ack_fd);
  for (auto &t : threads) t.join();
  // Done early: wait for the kill, which the parent counts on.
  for (;;) pause();
}

}  // namespace shale_kill
