#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "db/db.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::GetOr;
using testing::OpenOrDie;
using testing::TempDir;

TEST(DBConcurrency, GroupCommitManyWritersAllPresentAfterReopen) {
  for (SyncMode mode : {SyncMode::kGroup, SyncMode::kEvery, SyncMode::kNone}) {
    TempDir dir;
    const std::string path = dir.Sub("db");
    Options o;
    o.sync_mode = mode;
    const int kThreads = 6, kPerThread = 150;
    {
      auto db = OpenOrDie(path, o);
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kPerThread; ++i) {
            WriteBatch b;
            std::string k = "t" + std::to_string(t) + "_" + std::to_string(i);
            EXPECT_TRUE(b.Put(k, k + "_v").ok());
            EXPECT_TRUE(b.Put(k + "_twin", "x").ok());
            EXPECT_TRUE(db->Write(b).ok());
          }
        });
      }
      for (auto &th : threads) th.join();
      std::string seq;
      ASSERT_OK(db->GetProperty("shale.sequence", &seq));
      EXPECT_EQ(std::to_string(kThreads * kPerThread * 2), seq);
    }
    auto db = OpenOrDie(path, o);
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kPerThread; ++i) {
        std::string k = "t" + std::to_string(t) + "_" + std::to_string(i);
        ASSERT_EQ(k + "_v", GetOr(db.get(), k));
        ASSERT_EQ("x", GetOr(db.get(), k + "_twin"));
      }
    }
  }
}

TEST(DBConcurrency, ReadersSeeAtomicBatchesWhileWriting) {
  // Each batch writes the same counter to "a" and "b": a reader must never
  // see them differ at one snapshot.
  TempDir dir;
  Options o;
  o.sync_mode = SyncMode::kNone;
  auto db = OpenOrDie(dir.Sub("db"), o);
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        ReadOptions ro;
        ro.snapshot = db->GetSnapshot();
        std::string a, b;
        Status sa = db->Get(ro, "a", &a);
        Status sb = db->Get(ro, "b", &b);
        EXPECT_EQ(sa.ok(), sb.ok());
        if (sa.ok()) {
          EXPECT_EQ(a, b);
        }
        auto it = db->NewIterator(ReadOptions());
        std::vector<std::string> vals;
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          vals.emplace_back(it->value());
        }
        if (vals.size() == 2) {
          EXPECT_EQ(vals[0], vals[1]);
        }
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    WriteBatch b;
    ASSERT_OK(b.Put("a", std::to_string(i)));
    ASSERT_OK(b.Put("b", std::to_string(i)));
    ASSERT_OK(db->Write(b));
  }
  stop = true;
  for (auto &th : readers) th.join();
}

TEST(DBConcurrency, SnapshotSeesFixedPoint) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  ASSERT_OK(db->Put("k", "old"));
  ASSERT_OK(db->Put("gone", "here"));
  auto snap = db->GetSnapshot();
  ASSERT_OK(db->Put("k", "new"));
  ASSERT_OK(db->Delete("gone"));
  ASSERT_OK(db->Put("added", "later"));
  ReadOptions ro;
  ro.snapshot = snap;
  std::string v;
  ASSERT_OK(db->Get(ro, "k", &v));
  EXPECT_EQ("old", v);
  ASSERT_OK(db->Get(ro, "gone", &v));
  EXPECT_EQ("here", v);
  EXPECT_TRUE(db->Get(ro, "added", &v).IsNotFound());
  EXPECT_EQ("new", GetOr(db.get(), "k"));
  EXPECT_EQ("<missing>", GetOr(db.get(), "gone"));
  auto it = db->NewIterator(ro);
  std::string keys;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    keys += std::string(it->key()) + ",";
  EXPECT_EQ("gone,k,", keys);

  // A snapshot of another db is refused.
  TempDir dir2;
  auto other = OpenOrDie(dir2.Sub("db"));
  ReadOptions foreign;
  foreign.snapshot = other->GetSnapshot();
  EXPECT_EQ(Status::Code::kInvalidArgument, db->Get(foreign, "k", &v).code());
  EXPECT_EQ(Status::Code::kInvalidArgument,
            db->NewIterator(foreign)->status().code());
}

TEST(DBConcurrency, ExplicitSync) {
  TempDir dir;
  Options o;
  o.sync_mode = SyncMode::kNone;
  auto db = OpenOrDie(dir.Sub("db"), o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(db->Put("k" + std::to_string(t * 100 + i), "v").ok());
        if (i % 10 == 0) {
          EXPECT_TRUE(db->Sync().ok());
        }
      }
    });
  }
  for (auto &th : threads) th.join();
  ASSERT_OK(db->Sync());
}

}  // namespace
}  // namespace shale
