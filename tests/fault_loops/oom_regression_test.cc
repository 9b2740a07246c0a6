// Focused regression tests for the bugs the out-of-memory loop found. Each
// fails the k-th allocation of one C call for k = 1, 2, ... until the call
// succeeds, so it does not depend on the exact allocation order.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

#include "alloc_hook.h"
#include "loop_util.h"
#include "shale.h"

namespace shale::fault_loops {
namespace {

// Runs call with its k-th allocation failing; true if the failure fired.
template <class F>
bool WithFailure(uint64_t k, int32_t *rc, F &&call) {
  alloc_hook::ArmThread(k);
  *rc = call();
  return alloc_hook::DisarmThread();
}

std::string Get(shale_db *db, const std::string &key) {
  void *v = nullptr;
  size_t len = 0;
  int32_t rc = shale_db_get(db, nullptr, key.data(), key.size(), &v, &len);
  std::string out = rc == SHALE_OK ? std::string(static_cast<char *>(v), len)
                                   : "<" + std::string(shale_status_name(rc)) +
                                         ">";
  shale_free(v);
  return out;
}

// Bug: a bad_alloc in the lock registry or after the flock left the path
// "already open in this process" / locked by a leaked descriptor for good.
TEST(OomRegression, FailedOpenLeavesTheDbUnlocked) {
  ScratchDir root;
  const std::string dir = root.path() + "/db";
  uint64_t failures = 0;  // the loop must inject some
  for (uint64_t k = 1;; ++k) {
    shale_db *db = nullptr;
    int32_t rc = 0;
    const bool fired =
        WithFailure(k, &rc, [&] { return shale_db_open(dir.c_str(), nullptr, &db); });
    if (rc == SHALE_OK) {
      ASSERT_EQ(shale_db_close(db), SHALE_OK);
    }
    if (fired && rc != SHALE_OK) {
      EXPECT_EQ(rc, SHALE_E_NOMEM) << k;
    }
    ASSERT_EQ(shale_db_open(dir.c_str(), nullptr, &db), SHALE_OK)
        << "k=" << k << ": " << shale_last_error();
    ASSERT_EQ(shale_db_close(db), SHALE_OK);
    failures += fired;
    if (!fired) break;
  }
  EXPECT_GT(failures, 0u) << "no allocation failure was injected";
}

// Bug: a bad_alloc inside WriteBatch::Put left half an entry in the batch;
// the batch then wrote garbage or failed to parse.
TEST(OomRegression, FailedBatchPutLeavesTheBatchUnchanged) {
  ScratchDir root;
  shale_db *db = nullptr;
  ASSERT_EQ(shale_db_open((root.path() + "/db").c_str(), nullptr, &db),
            SHALE_OK);
  uint64_t failures = 0;  // the loop must inject some
  for (uint64_t k = 1;; ++k) {
    shale_batch *b = nullptr;
    ASSERT_EQ(shale_batch_new(&b), SHALE_OK);
    ASSERT_EQ(shale_batch_put(b, "a", 1, "1", 1), SHALE_OK);
    const std::string big(300, 'x');  // the batch's buffer must grow
    int32_t rc = 0;
    const bool fired = WithFailure(k, &rc, [&] {
      return shale_batch_put(b, "b", 1, big.data(), big.size());
    });
    size_t count = 0;
    ASSERT_EQ(shale_batch_count(b, &count), SHALE_OK);
    EXPECT_EQ(count, rc == SHALE_OK ? 2u : 1u) << "k=" << k;
    ASSERT_EQ(shale_batch_put(b, "c", 1, "3", 1), SHALE_OK);
    ASSERT_EQ(shale_db_write(db, b), SHALE_OK) << "k=" << k << ": "
                                               << shale_last_error();
    ASSERT_EQ(shale_batch_free(b), SHALE_OK);
    EXPECT_EQ(Get(db, "a"), "1");
    EXPECT_EQ(Get(db, "c"), "3");
    ASSERT_EQ(shale_db_delete(db, "b", 1), SHALE_OK);
    failures += fired;
    if (!fired || ::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(failures, 0u) << "no allocation failure was injected";
  ASSERT_EQ(shale_db_close(db), SHALE_OK);
}

// Bug: a bad_alloc in the commit (building the group, appending to the
// log, inserting into the memtable) escaped with the group still queued:
// the next writer waited forever, and a failure after the log write left
// the memtable ahead of the published sequence. Now the group is answered,
// and a failure after the log write makes the db refuse writes until it
// is reopened; the reopened db holds every acknowledged write.
TEST(OomRegression, FailedCommitAnswersTheQueueAndIsStickyAfterTheLog) {
  uint64_t failures = 0;  // the loop must inject some
  uint64_t sticky_cases = 0;  // ... and reach the one after the log write
  for (uint64_t k = 1;; ++k) {
    ScratchDir root;
    const std::string dir = root.path() + "/db";
    shale_db *db = nullptr;
    ASSERT_EQ(shale_db_open(dir.c_str(), nullptr, &db), SHALE_OK);
    ASSERT_EQ(shale_db_put(db, "before", 6, "1", 1), SHALE_OK);
    int32_t rc = 0;
    // Larger than an arena block: the memtable insert allocates, after
    // the log write.
    const std::string value(100 * 1024, 'v');
    const bool fired = WithFailure(k, &rc, [&] {
      return shale_db_put(db, "k", 1, value.data(), value.size());
    });
    if (rc != SHALE_OK) {
      EXPECT_EQ(rc, SHALE_E_NOMEM) << shale_last_error();
    }
    // Another thread's write must be answered (not queued forever).
    auto other = std::async(std::launch::async, [db] {
      return shale_db_put(db, "after", 5, "2", 1);
    });
    ASSERT_EQ(other.wait_for(std::chrono::seconds(20)),
              std::future_status::ready)
        << "k=" << k << ": a writer after the failed commit hangs";
    const int32_t after = other.get();
    const bool sticky = after != SHALE_OK;
    sticky_cases += sticky;
    if (sticky) {
      EXPECT_EQ(after, SHALE_E_NOMEM);
      EXPECT_NE(std::string(shale_last_error()), "");
    }
    // Visible state: the failed write is not visible.
    EXPECT_EQ(Get(db, "k"), rc == SHALE_OK ? value : "<SHALE_NOT_FOUND>");
    (void)shale_db_close(db);
    ASSERT_EQ(shale_db_open(dir.c_str(), nullptr, &db), SHALE_OK)
        << shale_last_error();
    EXPECT_EQ(Get(db, "before"), "1");
    if (rc == SHALE_OK) {
      EXPECT_EQ(Get(db, "k"), value);
    }
    if (!sticky) {
      EXPECT_EQ(Get(db, "after"), "2");
    }
    char *report = nullptr;
    EXPECT_EQ(shale_db_verify(db, nullptr, nullptr, &report), SHALE_OK);
    shale_free(report);
    ASSERT_EQ(shale_db_close(db), SHALE_OK);
    failures += fired;
    if (!fired || ::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(sticky_cases, 0u) << "no failure after the log write";
  EXPECT_GT(failures, 0u) << "no allocation failure was injected";
}

// Bug: a bad_alloc inside CompactRange skipped the reset of its "manual
// compaction running" flag: the next CompactRange (and every background
// compaction) waited forever.
TEST(OomRegression, FailedCompactRangeDoesNotBlockTheNextOne) {
  uint64_t failures = 0;  // the loop must inject some
  for (uint64_t k = 1;; ++k) {
    ScratchDir root;
    shale_db *db = nullptr;
    ASSERT_EQ(shale_db_open((root.path() + "/db").c_str(), nullptr, &db),
              SHALE_OK);
    for (int i = 0; i < 20; ++i) {
      const std::string key = "key" + std::to_string(i);
      ASSERT_EQ(shale_db_put(db, key.data(), key.size(), "v", 1), SHALE_OK);
      if (i == 10) {
        ASSERT_EQ(shale_db_flush(db), SHALE_OK);
      }
    }
    int32_t rc = 0;
    const bool fired = WithFailure(k, &rc, [&] {
      return shale_db_compact_range(db, nullptr, 0, nullptr, 0, nullptr,
                                    nullptr);
    });
    if (rc != SHALE_OK) {
      EXPECT_EQ(rc, SHALE_E_NOMEM) << shale_last_error();
    }
    auto again = std::async(std::launch::async, [db] {
      return shale_db_compact_range(db, nullptr, 0, nullptr, 0, nullptr,
                                    nullptr);
    });
    ASSERT_EQ(again.wait_for(std::chrono::seconds(20)),
              std::future_status::ready)
        << "k=" << k << ": the next CompactRange hangs";
    (void)again.get();
    (void)shale_db_close(db);
    failures += fired;
    if (!fired || ::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(failures, 0u) << "no allocation failure was injected";
}

}  // namespace
}  // namespace shale::fault_loops
