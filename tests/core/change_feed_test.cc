#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/db.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::OpenOrDie;
using testing::TempDir;

// Captured by a ChangeFn: the token dies (and counts) when the last copy of
// the function holding it is destroyed.
struct Token {
  explicit Token(std::atomic<int> *n) : n(n) {}
  ~Token() { n->fetch_add(1); }
  std::atomic<int> *n;
};

std::shared_ptr<Token> MakeToken(std::atomic<int> *n) {
  return std::make_shared<Token>(n);
}

TEST(ChangeFeedTest, PrefixFilterAndBatchOrder) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  std::vector<std::string> got_user, got_all;
  auto id = db->Subscribe(
      "user:", [&](ChangeKind kind, std::string_view k, std::string_view v) {
        got_user.push_back((kind == ChangeKind::kPut ? "put " : "del ") +
                           std::string(k) + "=" + std::string(v));
      });
  auto all =
      db->Subscribe("", [&](ChangeKind, std::string_view k, std::string_view) {
        got_all.emplace_back(k);
      });
  WriteBatch b;
  ASSERT_OK(b.Put("user:2", "bob"));
  ASSERT_OK(b.Put("other", "x"));
  ASSERT_OK(b.Delete("user:1"));
  ASSERT_OK(b.Put("user:0", ""));
  ASSERT_OK(db->Write(b));
  ASSERT_OK(db->Put("use", "no"));
  EXPECT_EQ((std::vector<std::string>{"put user:2=bob",
                                      "del user:1=", "put user:0="}),
            got_user);
  EXPECT_EQ(
      (std::vector<std::string>{"user:2", "other", "user:1", "user:0", "use"}),
      got_all);
  db->Unsubscribe(id);
  db->Unsubscribe(id);  // unknown ids are ignored
  ASSERT_OK(db->Put("user:3", "z"));
  EXPECT_EQ(3u, got_user.size());
  db->Unsubscribe(all);
}

TEST(ChangeFeedTest, DeliveredAfterVisible) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  DB *raw = db.get();
  bool checked = false;
  auto id = raw->Subscribe(
      "", [&](ChangeKind, std::string_view k, std::string_view v) {
        std::string got;
        EXPECT_TRUE(raw->Get(ReadOptions(), k, &got).ok());  // may call reads
        EXPECT_EQ(v, got);
        checked = true;
      });
  ASSERT_OK(db->Put("k", "v"));
  EXPECT_TRUE(checked);
  db->Unsubscribe(id);
}

TEST(ChangeFeedTest, FnDestroyedExactlyOnce) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  std::atomic<int> destroyed{0};
  auto id =
      db->Subscribe("", [t = MakeToken(&destroyed)](
                            ChangeKind, std::string_view, std::string_view) {});
  ASSERT_OK(db->Put("a", "1"));
  EXPECT_EQ(0, destroyed.load());
  db->Unsubscribe(id);
  EXPECT_EQ(1, destroyed.load());
  db->Unsubscribe(id);
  ASSERT_OK(db->Close());
  EXPECT_EQ(1, destroyed.load());
}

TEST(ChangeFeedTest, UnsubscribeWaitsForInFlightCallOnOtherThread) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  std::atomic<bool> in_call{false}, release{false}, finished{false};
  auto id =
      db->Subscribe("", [&](ChangeKind, std::string_view, std::string_view) {
        in_call = true;
        while (!release.load()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        finished = true;
      });
  std::thread writer([&] { EXPECT_TRUE(db->Put("k", "v").ok()); });
  while (!in_call.load()) std::this_thread::yield();
  std::atomic<bool> unsubscribed{false};
  std::thread unsub([&] {
    db->Unsubscribe(id);
    EXPECT_TRUE(finished.load());  // fn is not running when it returns
    unsubscribed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(unsubscribed.load());  // still waiting for the call
  release = true;
  unsub.join();
  writer.join();
  EXPECT_TRUE(unsubscribed.load());
  finished = false;
  ASSERT_OK(db->Put("k2", "v"));  // never runs again
  EXPECT_FALSE(finished.load());
}

TEST(ChangeFeedTest, UnsubscribeFromInsideCallback) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  DB *raw = db.get();
  std::atomic<int> calls{0}, destroyed{0};
  SubscriptionId id = 0;
  id = raw->Subscribe("",
                      [t = MakeToken(&destroyed), &calls, &id, raw, &destroyed](
                          ChangeKind, std::string_view, std::string_view) {
                        ++calls;
                        raw->Unsubscribe(id);  // must not deadlock
                        // fn is still alive while it runs.
                        EXPECT_EQ(0, destroyed.load());
                      });
  WriteBatch b;
  ASSERT_OK(b.Put("a", "1"));
  ASSERT_OK(b.Put("b", "2"));  // not delivered: ended after the first entry
  ASSERT_OK(db->Write(b));
  EXPECT_EQ(1, calls.load());
  EXPECT_EQ(1, destroyed.load());  // destroyed right after it returned
  ASSERT_OK(db->Put("c", "3"));
  EXPECT_EQ(1, calls.load());
}

TEST(ChangeFeedTest, CloseEndsSubscriptions) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  std::atomic<int> destroyed{0};
  db->Subscribe("a", [t = MakeToken(&destroyed)](ChangeKind, std::string_view,
                                                 std::string_view) {});
  db->Subscribe("b", [t = MakeToken(&destroyed)](ChangeKind, std::string_view,
                                                 std::string_view) {});
  ASSERT_OK(db->Close());
  EXPECT_EQ(2, destroyed.load());
  db.reset();
  EXPECT_EQ(2, destroyed.load());
}

TEST(ChangeFeedTest, ConcurrentWritersAndUnsubscribes) {
  TempDir dir;
  Options o;
  o.sync_mode = SyncMode::kNone;
  auto db = OpenOrDie(dir.Sub("db"), o);
  std::atomic<int> destroyed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        EXPECT_TRUE(db->Put("k" + std::to_string(t), std::to_string(i)).ok());
      }
    });
  }
  for (int round = 0; round < 200; ++round) {
    auto alive = std::make_shared<std::atomic<bool>>(true);
    auto id =
        db->Subscribe("k", [t = MakeToken(&destroyed), alive](
                               ChangeKind, std::string_view, std::string_view) {
          EXPECT_TRUE(alive->load());
        });
    std::this_thread::yield();
    db->Unsubscribe(id);
    alive->store(false);  // a late call would fail the expectation
  }
  stop = true;
  for (auto &th : writers) th.join();
  EXPECT_EQ(200, destroyed.load());
}

}  // namespace
}  // namespace shale
