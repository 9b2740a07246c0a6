// The out-of-memory loop: a fixed workload through the C API (the real
// libshale.so); for k = 1, 2, ... the k-th allocation made by the calling
// thread during the workload fails (alloc_hook.h) until the workload
// completes without meeting it. Each call must return SHALE_OK (or
// SHALE_NOT_FOUND) or an error code with a message, SHALE_E_NOMEM for the
// call that met the failure; never crash, abort, hang or terminate. Reads
// in the session see exactly the acknowledged writes. After disarming, the
// db reopens, verifies, and holds a prefix of the attempted writes with
// every acknowledged one. LeakSanitizer (./build-asan) checks the error
// paths free what they took.
//
// The background variant fails the k-th allocation on any thread while a
// flush and a compaction run: the background thread must report the error.
//
// SHALE_RELIABILITY_SCALE multiplies the workload; SHALE_FAULT_LOOP_STRIDE
// tests every n-th k only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "alloc_hook.h"
#include "loop_util.h"
#include "shale.h"
#include "write_model.h"

namespace shale::fault_loops {
namespace {

uint64_t Stride() {
  const char *s = ::getenv("SHALE_FAULT_LOOP_STRIDE");
  long v = s != nullptr ? ::atol(s) : 1;
  return v >= 1 ? static_cast<uint64_t>(v) : 1;
}

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// One iteration: the workload with the k-th allocation failing (k == 0:
// none), then the checks.
class OomIteration {
 public:
  OomIteration(std::string dir, uint64_t k) : dir_(std::move(dir)), left_(k) {
    label_ = "k=" + std::to_string(k);
  }
  const std::string &label() const { return label_; }
  bool fired() const { return fired_; }
  uint64_t errors() const { return errors_; }
  uint64_t acked() const { return acked_; }

  void RunWorkload() {
    const int n = 6 * Scale();
    Open();
    for (int i = 0; i < n; ++i) Put(i, "a");
    Delete(1);
    Batch({{Key(2), "b"}, {Key(n), "b"}, {Key(3), std::nullopt}});
    Call("shale_db_sync", [&] { return shale_db_sync(db_); });
    ReadSome(n);
    shale_snapshot *snap = nullptr;
    Call("shale_snapshot_new",
         [&] { return db_ ? shale_snapshot_new(db_, &snap) : 0; });
    Put(0, "c");
    if (snap != nullptr) {
      Call("shale_db_get(snapshot)", [&] {
        size_t needed = 0;
        char buf[128];
        return shale_db_get_into(db_, snap, Key(0).data(), Key(0).size(),
                                 buf, sizeof(buf), &needed);
      });
      Call("shale_snapshot_free", [&] { return shale_snapshot_free(snap); });
    }
    Call("shale_db_flush", [&] { return db_ ? shale_db_flush(db_) : 0; });
    Iterate();
    Put(n + 1, "d");
    // Larger than an arena block: the memtable insert allocates after the
    // log write (the failure that must make the db refuse writes).
    Write({{Key(n + 3), std::string(70 * 1024, 'L')}});
    Call("shale_db_compact_range", [&] {
      return db_ ? shale_db_compact_range(db_, nullptr, 0, nullptr, 0,
                                          nullptr, nullptr)
                 : 0;
    });
    Call("shale_db_verify", [&] {
      if (!db_) return 0;
      char *report = nullptr;
      int32_t rc = shale_db_verify(db_, nullptr, nullptr, &report);
      shale_free(report);
      return rc;
    });
    Call("shale_db_property", [&] {
      if (!db_) return 0;
      char *out = nullptr;
      int32_t rc = shale_db_property(db_, "shale.stats", &out);
      shale_free(out);
      return rc;
    });
    Close();
    Open();  // replays the log and the tables under the same countdown
    ReadSome(n + 2);
    Iterate();
    Put(n + 2, "e");
    Close();
  }

  // Reopens without the hook: the db opens, verifies and holds an allowed
  // state.
  void VerifyRecovery() {
    alloc_hook::PauseThread();
    left_ = 0;
    shale_db *db = nullptr;
    int32_t rc = shale_db_open(dir_.c_str(), nullptr, &db);
    if (rc != SHALE_OK) {
      ADD_FAILURE() << label_ << ": reopen after the failure: "
                    << shale_last_error();
      return;
    }
    char *report = nullptr;
    rc = shale_db_verify(db, nullptr, nullptr, &report);
    EXPECT_EQ(rc, SHALE_OK) << label_ << ": verify: " << shale_last_error()
                            << "\n"
                            << (report ? report : "");
    shale_free(report);
    db_ = db;
    State st;
    if (ReadAll(&st)) {
      std::string why = model_.Check(st);
      EXPECT_TRUE(why.empty()) << label_ << ": " << why;
      acked_ += model_.must_have;
    } else {
      ADD_FAILURE() << label_ << ": reading back after reopen failed";
    }
    EXPECT_EQ(shale_db_close(db), SHALE_OK) << shale_last_error();
    db_ = nullptr;
  }

 private:
  // Runs one C call with the countdown running, then checks its result.
  template <class F>
  int32_t Call(const char *what, F &&f) {
    if (left_ != 0) alloc_hook::ArmThread(left_);
    const int32_t rc = f();
    const uint64_t left = left_ != 0 ? alloc_hook::PauseThread() : 0;
    const bool now = left_ != 0 && left == 0;
    left_ = left;
    if (now) fired_ = true;
    if ((now || rc < 0) && ::getenv("SHALE_FAULT_LOOP_TRACE") != nullptr) {
      std::fprintf(stderr, "%s: %s %s -> %s %s\n", label_.c_str(),
                   now ? "the failure hit" : "after it,", what,
                   shale_status_name(rc), shale_last_error());
    }
    if (rc < 0) {
      ++errors_;
      const char *msg = shale_last_error();
      EXPECT_TRUE(msg != nullptr && msg[0] != '\0')
          << label_ << ": " << what << " returned " << shale_status_name(rc)
          << " with no message";
      EXPECT_NE(rc, SHALE_E_INTERNAL) << label_ << ": " << what << ": " << msg;
      if (now) {
        EXPECT_EQ(rc, SHALE_E_NOMEM)
            << label_ << ": " << what << " met the allocation failure: "
            << msg;
      }
      EXPECT_TRUE(fired_) << label_ << ": " << what << " failed with no "
                          << "allocation failure: " << msg;
    }
    return rc;
  }

  void Open() {
    shale_options o;
    SHALE_OPTIONS_INIT(&o);
    shale_db *db = nullptr;
    int32_t rc =
        Call("shale_db_open", [&] { return shale_db_open(dir_.c_str(), &o, &db); });
    if (rc != SHALE_OK) return;
    db_ = db;
    State st;
    if (!ReadAll(&st)) {
      Close();  // state unknown: the final reopen checks the store
      return;
    }
    std::string why = model_.Check(st);
    EXPECT_TRUE(why.empty()) << label_ << ": open: " << why;
    acked_ += model_.must_have;
    model_.Reset(st);
  }

  void Close() {
    if (!db_) return;
    Call("shale_db_close", [&] { return shale_db_close(db_); });
    db_ = nullptr;  // consumed even on failure
  }

  void Write(const Mutations &m) {
    if (!db_) return;
    int32_t rc;
    if (m.size() == 1) {
      const std::string &k = m[0].first;
      rc = m[0].second ? Call("shale_db_put",
                              [&] {
                                return shale_db_put(db_, k.data(), k.size(),
                                                    m[0].second->data(),
                                                    m[0].second->size());
                              })
                       : Call("shale_db_delete", [&] {
                           return shale_db_delete(db_, k.data(), k.size());
                         });
      model_.Attempt(m);
    } else {
      shale_batch *b = nullptr;
      if (Call("shale_batch_new", [&] { return shale_batch_new(&b); }) != 0)
        return;
      Mutations added;  // a failed batch_put leaves the batch unchanged
      for (const auto &[k, v] : m) {
        rc = Call("shale_batch_put/delete", [&] {
          return v ? shale_batch_put(b, k.data(), k.size(), v->data(),
                                     v->size())
                   : shale_batch_delete(b, k.data(), k.size());
        });
        if (rc == SHALE_OK) added.emplace_back(k, v);
      }
      rc = Call("shale_db_write", [&] { return shale_db_write(db_, b); });
      Call("shale_batch_free", [&] { return shale_batch_free(b); });
      if (added.empty()) return;  // an empty batch writes nothing
      model_.Attempt(added);
    }
    if (rc == SHALE_OK) model_.Acknowledge();
  }
  void Put(int i, const char *tag) {
    Write({{Key(i), std::string(tag) + std::to_string(i) +
                        std::string(40, *tag)}});
  }
  void Delete(int i) { Write({{Key(i), std::nullopt}}); }
  void Batch(const Mutations &m) { Write(m); }

  void ReadSome(int n) {
    if (!db_) return;
    for (int i = 0; i < n; i += 2) {
      const std::string k = Key(i);
      void *v = nullptr;
      size_t len = 0;
      int32_t rc = Call("shale_db_get", [&] {
        return shale_db_get(db_, nullptr, k.data(), k.size(), &v, &len);
      });
      auto it = model_.visible.find(k);
      if (rc == SHALE_OK) {
        EXPECT_TRUE(it != model_.visible.end() &&
                    it->second == std::string(static_cast<char *>(v), len))
            << label_ << ": get(" << k << ") returned an unacknowledged value";
      } else if (rc == SHALE_NOT_FOUND) {
        EXPECT_TRUE(it == model_.visible.end())
            << label_ << ": get(" << k << ") lost an acknowledged write";
      }
      shale_free(v);
    }
  }

  // The whole db forward and backward through an iterator; false if a call
  // failed.
  bool ReadAll(State *out) {
    shale_iter *it = nullptr;
    if (Call("shale_iter_new",
             [&] { return shale_iter_new(db_, nullptr, &it); }) != 0) {
      return false;
    }
    State fwd, bwd;
    bool ok = true;
    for (int pass = 0; pass < 2 && ok; ++pass) {
      State &st = pass == 0 ? fwd : bwd;
      int32_t rc = Call("shale_iter_first/last", [&] {
        return pass == 0 ? shale_iter_first(it) : shale_iter_last(it);
      });
      while (rc == SHALE_OK) {
        const void *k = nullptr, *v = nullptr;
        size_t kl = 0, vl = 0;
        rc = Call("shale_iter_key", [&] { return shale_iter_key(it, &k, &kl); });
        if (rc == SHALE_OK) {
          rc = Call("shale_iter_value",
                    [&] { return shale_iter_value(it, &v, &vl); });
        }
        if (rc != SHALE_OK) break;
        st.emplace(std::string(static_cast<const char *>(k), kl),
                   std::string(static_cast<const char *>(v), vl));
        rc = Call("shale_iter_next/prev", [&] {
          return pass == 0 ? shale_iter_next(it) : shale_iter_prev(it);
        });
      }
      ok = rc == SHALE_NOT_FOUND;
    }
    Call("shale_iter_free", [&] { return shale_iter_free(it); });
    if (!ok) return false;
    EXPECT_EQ(fwd, bwd) << label_ << ": forward and backward disagree";
    *out = std::move(fwd);
    return true;
  }

  void Iterate() {
    if (!db_) return;
    State st;
    if (!ReadAll(&st)) return;
    EXPECT_EQ(st, model_.visible)
        << label_ << ": iteration sees " << Describe(st) << ", acknowledged "
        << Describe(model_.visible);
  }

  const std::string dir_;
  std::string label_;
  uint64_t left_;  // allocations before the failure; 0: fired or none
  bool fired_ = false;
  shale_db *db_ = nullptr;
  Model model_;
  uint64_t errors_ = 0;
  uint64_t acked_ = 0;
};

TEST(OomLoop, CallingThread) {
  Watchdog watchdog;
  uint64_t iterations = 0, injected = 0, errors = 0, acked = 0;
  // SHALE_FAULT_LOOP_FIRST_K: start there (to reproduce one iteration).
  const char *first = ::getenv("SHALE_FAULT_LOOP_FIRST_K");
  for (uint64_t k = first ? std::max(1L, ::atol(first)) : 1;;
       k += Stride()) {
    ScratchDir root;
    OomIteration it(root.path() + "/db", k);
    watchdog.Arm(it.label(), std::chrono::seconds(30));
    it.RunWorkload();
    it.VerifyRecovery();
    watchdog.Disarm();
    ++iterations;
    injected += it.fired();
    errors += it.errors();
    acked += it.acked();
    if (::testing::Test::HasFailure()) {
      std::printf("oom loop: stopped at %s\n", it.label().c_str());
      return;
    }
    if (!it.fired()) break;  // the workload no longer meets the failure
  }
  std::printf(
      "oom loop [calling thread]: %llu iterations, %llu allocation failures "
      "injected, %llu errors returned, %llu acknowledged writes verified, 0 "
      "failures\n",
      static_cast<unsigned long long>(iterations),
      static_cast<unsigned long long>(injected),
      static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(acked));
}

}  // namespace
}  // namespace shale::fault_loops

namespace shale::fault_loops {
namespace {

// Checks a call made while the process-wide countdown runs: OK, or an error
// with a message that is not an internal error.
void ExpectContract(int32_t rc, const char *what, uint64_t k) {
  if (rc >= 0) return;
  const char *msg = shale_last_error();
  EXPECT_TRUE(msg[0] != '\0') << "k=" << k << ": " << what << " failed with "
                              << shale_status_name(rc) << " and no message";
  EXPECT_NE(rc, SHALE_E_INTERNAL) << "k=" << k << ": " << what << ": " << msg;
}

// The k-th allocation on any thread fails while a flush and a compaction
// run: the background thread meets it and must report an error (the calls
// waiting for it return one), not terminate the process. Afterwards the db
// reopens with every acknowledged write.
TEST(OomLoop, BackgroundThreads) {
  Watchdog watchdog;
  const int n = 40 * Scale();
  uint64_t iterations = 0, injected = 0, errors = 0, verified = 0;
  const char *first = ::getenv("SHALE_FAULT_LOOP_FIRST_K");
  for (uint64_t k = first ? std::max(1L, ::atol(first)) : 1;;
       k += Stride()) {
    ScratchDir root;
    const std::string dir = root.path() + "/db";
    watchdog.Arm("background k=" + std::to_string(k),
                 std::chrono::seconds(30));
    shale_db *db = nullptr;
    ASSERT_EQ(shale_db_open(dir.c_str(), nullptr, &db), SHALE_OK)
        << shale_last_error();
    std::map<std::string, std::string> acked;
    for (int i = 0; i < n; ++i) {
      const std::string key = Key(i), value = "v" + std::to_string(i);
      ASSERT_EQ(shale_db_put(db, key.data(), key.size(), value.data(),
                             value.size()),
                SHALE_OK);
      acked[key] = value;
    }
    // Two tables on level 0 to compact, the second flushed under the hook.
    ASSERT_EQ(shale_db_flush(db), SHALE_OK);
    for (int i = 0; i < n; i += 2) {
      const std::string key = Key(i);
      ASSERT_EQ(shale_db_put(db, key.data(), key.size(), "w", 1), SHALE_OK);
      acked[key] = "w";
    }
    alloc_hook::ArmProcess(k);
    int32_t rc = shale_db_flush(db);
    const int32_t flush_rc = rc;
    int32_t compact_rc = SHALE_OK;
    if (rc == SHALE_OK) {
      compact_rc =
          shale_db_compact_range(db, nullptr, 0, nullptr, 0, nullptr, nullptr);
    }
    const bool fired = alloc_hook::DisarmProcess();
    ExpectContract(flush_rc, "shale_db_flush", k);
    ExpectContract(compact_rc, "shale_db_compact_range", k);
    errors += (flush_rc < 0) + (compact_rc < 0);
    rc = shale_db_close(db);
    ExpectContract(rc, "shale_db_close", k);

    ASSERT_EQ(shale_db_open(dir.c_str(), nullptr, &db), SHALE_OK)
        << "k=" << k << ": reopen: " << shale_last_error();
    char *report = nullptr;
    EXPECT_EQ(shale_db_verify(db, nullptr, nullptr, &report), SHALE_OK)
        << "k=" << k << ": " << (report ? report : "");
    shale_free(report);
    for (const auto &[key, value] : acked) {
      void *v = nullptr;
      size_t len = 0;
      rc = shale_db_get(db, nullptr, key.data(), key.size(), &v, &len);
      EXPECT_EQ(rc, SHALE_OK) << "k=" << k << ": " << key << " lost";
      if (rc == SHALE_OK) {
        EXPECT_EQ(std::string(static_cast<char *>(v), len), value);
        ++verified;
      }
      shale_free(v);
    }
    EXPECT_EQ(shale_db_close(db), SHALE_OK) << shale_last_error();
    watchdog.Disarm();
    ++iterations;
    injected += fired;
    if (::testing::Test::HasFailure()) {
      std::printf("oom loop [background]: stopped at k=%llu\n",
                  static_cast<unsigned long long>(k));
      return;
    }
    if (!fired) break;
  }
  std::printf(
      "oom loop [background]: %llu iterations, %llu allocation failures "
      "injected, %llu errors returned, %llu acknowledged writes verified, 0 "
      "failures\n",
      static_cast<unsigned long long>(iterations),
      static_cast<unsigned long long>(injected),
      static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(verified));
}

}  // namespace
}  // namespace shale::fault_loops
