// The I/O-error loop: a fixed workload runs against the engine opened on a
// FaultInjectionEnv; for k = 1, 2, ... the k-th file-system call of a kind
// fails (once, or from then on; EIO or ENOSPC) until the workload completes
// without meeting the fault. Each iteration checks that
//  - every call returns OK or an error naming the db's files and the errno;
//  - nothing crashes or hangs (a watchdog aborts a hung iteration);
//  - a write is acknowledged only if durable, and after a failed write,
//    sync, flush or compaction the db refuses writes (sticky) until reopened;
//  - reads in the session see exactly the acknowledged writes;
//  - after ClearFaults, reopening (plain Env, then the fault env) succeeds,
//    Verify passes, and the store holds a prefix of the attempted writes
//    containing every acknowledged one.
// SHALE_RELIABILITY_SCALE multiplies the workload; SHALE_FAULT_LOOP_STRIDE
// (default 1) tests every n-th k only.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"
#include "env/atomic_file.h"
#include "env/env.h"
#include "env/fault_env.h"
#include "loop_util.h"
#include "no_sync_env.h"
#include "write_model.h"

namespace shale::fault_loops {
namespace {

// Inside Iteration: a failure labelled with the fault rule.
#define ADD_FAILURE_IF(cond, msg)                      \
  do {                                                 \
    if (cond) ADD_FAILURE() << label_ << ": " << msg; \
  } while (0)

struct Totals {
  uint64_t iterations = 0, faults = 0, errors = 0, acked_verified = 0;
};

// One iteration: the workload under one fault rule, then the checks.
class Iteration {
 public:
  Iteration(const std::string &dir, FaultKind kind, uint64_t k,
            bool persistent, int err)
      : dir_(dir), err_(err) {
    label_ = std::string("kind=") + FaultKindName(kind) +
             " k=" + std::to_string(k) +
             (persistent ? " persistent" : " once") +
             " err=" + (err == EIO ? "EIO" : "ENOSPC");
    env_.FailNth(kind, k, persistent, err);
  }

  const std::string &label() const { return label_; }
  uint64_t faults() const { return env_.faults_injected(); }
  uint64_t errors() const { return errors_; }
  uint64_t acked() const { return acked_total_; }

  void RunWorkload() {
    const int n = 12 * Scale();
    Open(SyncMode::kGroup);
    for (int i = 0; i < n; ++i) PutKey(i, "a");
    for (int i = 0; i < n; i += 4) DeleteKey(i);
    Batch({{Key(1), "b"}, {Key(n + 1), "b"}, {Key(2), std::nullopt}});
    Sync();
    Flush();
    ReadSome(n);
    for (int i = n / 2; i < n + n / 2; ++i) PutKey(i, "c");
    Flush();
    CompactRange();
    IterateBothWays();
    Reopen(SyncMode::kEvery);  // every write its own fsync from here
    ReadSome(n);
    IterateBothWays();
    for (int i = 0; i < n / 2; ++i) PutKey(3 * i, "d");
    Batch({{Key(5), std::nullopt}, {Key(2 * n), "e"}});
    Sync();
    Flush();
    IterateBothWays();
    Close();
  }

  // After the faults are cleared: reopen with the plain Env, then with the
  // fault env; each must succeed and hold an allowed state.
  void VerifyRecovery() {
    env_.ClearFaults();
    CheckReopen(Env::Default(), "plain env");
    CheckReopen(&env_, "fault env");
  }

 private:
  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%05d", i);
    return buf;
  }
  // Values long enough to span several 512-byte blocks per table.
  static std::string Value(int i, const char *tag) {
    return std::string(tag) + "-" + std::to_string(i) + std::string(60, *tag);
  }

  Options MakeOptions(Env *env, SyncMode mode) const {
    Options o;
    o.env = env;
    o.sync_mode = mode;
    o.block_size = 512;
    o.block_cache_capacity = 0;  // every read reaches the file
    return o;
  }

  // A call's status: OK, or an error that names the db and the errno, and
  // only once a fault was injected.
  void CheckStatus(const Status &s, const char *what) {
    if (s.ok() || s.IsNotFound()) return;
    ++errors_;
    ADD_FAILURE_IF(env_.faults_injected() == 0,
                   what << " failed with no fault injected: " << s.ToString());
    const std::string &m = s.message();
    // The db's directory, its files, or its parent (synced on create).
    ADD_FAILURE_IF(m.find(DirName(dir_)) == std::string::npos,
                   what << ": the message names no file of the db: " << m);
    ADD_FAILURE_IF(m.find(ErrnoText(err_)) == std::string::npos,
                   what << ": the message lacks the errno text \""
                        << ErrnoText(err_) << "\": " << m);
    ADD_FAILURE_IF(!s.IsIOError() && !s.IsCorruption(),
                   what << ": an injected I/O fault gave " << s.ToString());
  }
  // A mutating call's status; also the sticky-error rule.
  void CheckWrite(const Status &s, const char *what) {
    CheckStatus(s, what);
    if (!s.ok()) {
      refusing_ = true;
    }
  }

  void Open(SyncMode mode) {
    mode_ = mode;
    refusing_ = false;
    Status s = DB::Open(MakeOptions(&env_, mode), dir_, &db_);
    CheckStatus(s, "Open");
    if (!s.ok()) {
      db_.reset();
      return;
    }
    // The state a successful open recovered is checked like a reopen.
    State st;
    if (ReadAll(&st)) {
      std::string why = model_.Check(st);
      ADD_FAILURE_IF(!why.empty(), "open under faults: " << why);
      acked_total_ += model_.must_have;
      model_.Reset(st);
    } else {
      // Unreadable under the fault: the recovered state is unknown, so
      // the session ends here; the final reopen checks the store.
      CheckStatus(db_->Close(), "Close");
      db_.reset();
    }
  }

  void Write(const Mutations &m, const char *what) {
    if (!db_) return;
    model_.Attempt(m);
    Status s;
    if (m.size() == 1) {
      s = m[0].second ? db_->Put(m[0].first, *m[0].second)
                      : db_->Delete(m[0].first);
    } else {
      WriteBatch b;
      for (const auto &[k, v] : m) {
        Status bs = v ? b.Put(k, *v) : b.Delete(k);
        ASSERT_TRUE(bs.ok()) << bs.ToString();
      }
      s = db_->Write(b);
    }
    ADD_FAILURE_IF(s.ok() && refusing_,
                   what << " acknowledged after an earlier write failed: the "
                           "error must be sticky");
    CheckWrite(s, what);
    if (s.ok()) model_.Acknowledge();
  }
  void PutKey(int i, const char *tag) {
    Write({{Key(i), Value(i, tag)}}, "Put");
  }
  void DeleteKey(int i) { Write({{Key(i), std::nullopt}}, "Delete"); }
  void Batch(const Mutations &m) { Write(m, "Write(batch)"); }

  void Sync() {
    if (!db_) return;
    Status s = db_->Sync();
    ADD_FAILURE_IF(s.ok() && refusing_,
                   "Sync succeeded after a failed write or sync");
    CheckWrite(s, "Sync");
  }
  void Flush() {
    if (!db_) return;
    Status s = db_->Flush();
    ADD_FAILURE_IF(s.ok() && refusing_, "Flush succeeded after a failed write");
    CheckWrite(s, "Flush");
  }
  void CompactRange() {
    if (!db_) return;
    Status s = db_->CompactRange(nullptr, nullptr, nullptr);
    ADD_FAILURE_IF(s.ok() && refusing_,
                   "CompactRange succeeded after a failed write");
    CheckWrite(s, "CompactRange");
  }

  void ReadSome(int n) {
    if (!db_) return;
    for (int i = 0; i < n + 2; i += 3) {
      std::string v;
      Status s = db_->Get(ReadOptions(), Key(i), &v);
      CheckStatus(s, "Get");
      auto it = model_.visible.find(Key(i));
      if (s.ok()) {
        ADD_FAILURE_IF(it == model_.visible.end() || it->second != v,
                       "Get(" << Key(i) << ") returned a value never "
                              << "acknowledged: " << v);
      } else if (s.IsNotFound()) {
        ADD_FAILURE_IF(it != model_.visible.end(),
                       "Get(" << Key(i) << ") lost an acknowledged write");
      }
    }
  }

  // Reads the whole db forward and backward; false on an error (checked).
  bool ReadAll(State *out) {
    State fwd, bwd;
    {
      auto it = db_->NewIterator(ReadOptions());
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        fwd.emplace(std::string(it->key()), std::string(it->value()));
      }
      CheckStatus(it->status(), "Iterator forward");
      if (!it->status().ok()) return false;
      for (it->SeekToLast(); it->Valid(); it->Prev()) {
        bwd.emplace(std::string(it->key()), std::string(it->value()));
      }
      CheckStatus(it->status(), "Iterator backward");
      if (!it->status().ok()) return false;
    }
    ADD_FAILURE_IF(fwd != bwd, "forward and backward iteration disagree: "
                                   << Describe(fwd) << " vs " << Describe(bwd));
    *out = std::move(fwd);
    return true;
  }

  void IterateBothWays() {
    if (!db_) return;
    State st;
    if (!ReadAll(&st)) return;
    ADD_FAILURE_IF(st != model_.visible,
                   "iteration sees " << Describe(st) << ", acknowledged "
                                     << Describe(model_.visible));
  }

  void Close() {
    if (!db_) return;
    Status s = db_->Close();
    CheckStatus(s, "Close");
    db_.reset();
  }
  void Reopen(SyncMode mode) {
    Close();
    Open(mode);
  }

  void CheckReopen(Env *env, const char *which) {
    std::unique_ptr<DB> db;
    Status s = DB::Open(MakeOptions(env, SyncMode::kGroup), dir_, &db);
    if (!s.ok()) {
      ADD_FAILURE() << label_ << ": reopen with the " << which
                    << " after ClearFaults failed: " << s.ToString();
      return;
    }
    std::string report;
    s = db->Verify(nullptr, &report);
    ADD_FAILURE_IF(!s.ok(), "Verify after reopen with the "
                                << which << ": " << s.ToString() << "\n"
                                << report);
    db_ = std::move(db);
    State st;
    const bool read = ReadAll(&st);
    ADD_FAILURE_IF(!read, "reading back after reopen with the " << which);
    if (read) {
      std::string why = model_.Check(st);
      ADD_FAILURE_IF(!why.empty(), "reopen with the " << which << ": " << why);
      acked_total_ += model_.must_have;
      model_.Reset(st);
    }
    s = db_->Close();
    ADD_FAILURE_IF(!s.ok(), "close after reopen: " << s.ToString());
    db_.reset();
  }
#undef ADD_FAILURE_IF

  const std::string dir_;
  const int err_;
  std::string label_;
  NoSyncEnv no_sync_;
  FaultInjectionEnv env_{&no_sync_};
  std::unique_ptr<DB> db_;
  SyncMode mode_ = SyncMode::kGroup;
  bool refusing_ = false;
  Model model_;
  uint64_t errors_ = 0;
  uint64_t acked_total_ = 0;
};

uint64_t Stride() {
  const char *s = ::getenv("SHALE_FAULT_LOOP_STRIDE");
  long v = s != nullptr ? ::atol(s) : 1;
  return v >= 1 ? static_cast<uint64_t>(v) : 1;
}

// Every k for one kind, once and persistent, EIO and ENOSPC.
void RunLoop(FaultKind kind) {
  Watchdog watchdog;
  Totals t;
  const uint64_t stride = Stride();
  for (bool persistent : {false, true}) {
    for (int err : {EIO, ENOSPC}) {
      for (uint64_t k = 1;; k += stride) {
        ScratchDir dir;
        Iteration it(dir.path() + "/db", kind, k, persistent, err);
        watchdog.Arm(it.label(), std::chrono::seconds(30));
        it.RunWorkload();
        const uint64_t faults = it.faults();
        it.VerifyRecovery();
        watchdog.Disarm();
        ++t.iterations;
        t.faults += faults;
        t.errors += it.errors();
        t.acked_verified += it.acked();
        if (::testing::Test::HasFailure()) {
          std::printf("io-error loop [%s]: stopped at %s\n",
                      FaultKindName(kind), it.label().c_str());
          return;
        }
        if (faults == 0) break;  // the workload no longer meets the fault
      }
    }
  }
  std::printf(
      "io-error loop [%s]: %llu iterations, %llu faults injected, %llu "
      "errors returned, %llu acknowledged writes verified, 0 failures\n",
      FaultKindName(kind), static_cast<unsigned long long>(t.iterations),
      static_cast<unsigned long long>(t.faults),
      static_cast<unsigned long long>(t.errors),
      static_cast<unsigned long long>(t.acked_verified));
}

TEST(IoErrorLoop, AnyCall) { RunLoop(FaultKind::kAny); }
TEST(IoErrorLoop, Write) { RunLoop(FaultKind::kWrite); }
TEST(IoErrorLoop, Sync) { RunLoop(FaultKind::kSync); }
TEST(IoErrorLoop, Rename) { RunLoop(FaultKind::kRename); }
TEST(IoErrorLoop, Open) { RunLoop(FaultKind::kOpen); }
TEST(IoErrorLoop, Remove) { RunLoop(FaultKind::kRemove); }
TEST(IoErrorLoop, Read) { RunLoop(FaultKind::kRead); }

}  // namespace
}  // namespace shale::fault_loops
