// The log-structured merge engine: flushes, compactions, file lifetimes,
// snapshots across them, bounded memory.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "db/db.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::GetOr;
using testing::OpenOrDie;
using testing::TempDir;

Options SmallOptions() {
  Options o;
  o.write_buffer_size = 64 * 1024;
  o.target_file_size = 32 * 1024;
  o.block_cache_capacity = 64 * 1024;
  o.level1_max_bytes = 256 * 1024;
  o.level_size_multiplier = 4;
  o.sync_mode = SyncMode::kNone;
  return o;
}

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}

std::string Value(int i, int gen) {
  return "v" + std::to_string(gen) + "-" + std::to_string(i) +
         std::string(100, static_cast<char>('a' + (i + gen) % 26));
}

int CountFiles(const std::string &dir, const std::string &suffix) {
  int n = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      ++n;
    }
  }
  return n;
}

TEST(Lsm, FlushWritesTableAndGetReadsIt) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto db = OpenOrDie(path, SmallOptions());
  ASSERT_OK(db->Put("a", "1"));
  ASSERT_OK(db->Put("b", "2"));
  ASSERT_OK(db->Delete("a"));
  ASSERT_OK(db->Flush());
  EXPECT_EQ(1, CountFiles(path, ".sst"));
  DbStats st;
  db->GetStats(&st);
  EXPECT_EQ(1u, st.level_files[0]);
  EXPECT_EQ(1u, st.flushes);
  EXPECT_EQ("<missing>", GetOr(db.get(), "a"));
  EXPECT_EQ("2", GetOr(db.get(), "b"));
  // The memtable is empty: the answers came from the table.
  ASSERT_OK(db->Put("a", "3"));
  EXPECT_EQ("3", GetOr(db.get(), "a"));
  ASSERT_OK(db->Close());
  db = OpenOrDie(path, SmallOptions());
  EXPECT_EQ("3", GetOr(db.get(), "a"));
  EXPECT_EQ("2", GetOr(db.get(), "b"));
}

// The memtable is flushed when about write_buffer_size of data is in it,
// also at the smallest write buffer (64 KiB): not on every write.
TEST(Lsm, FlushesTrackTheDataAtTheSmallestWriteBuffer) {
  TempDir dir;
  Options o;
  o.write_buffer_size = 64 * 1024;
  o.sync_mode = SyncMode::kNone;
  auto db = OpenOrDie(dir.Sub("db"), o);
  const std::string value(100, 'v');
  uint64_t data = 0;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_OK(db->Put(Key(i), value));
    data += Key(i).size() + value.size();
  }
  DbStats st;
  db->GetStats(&st);
  const uint64_t expected = data / o.write_buffer_size;  // 8
  EXPECT_GE(st.flushes, expected / 2) << data << " bytes";
  EXPECT_LE(st.flushes, 2 * expected + 4) << data << " bytes";
  EXPECT_LE(st.memtable_bytes, 2 * o.write_buffer_size);
  for (int i = 0; i < 5000; i += 97) EXPECT_EQ(value, GetOr(db.get(), Key(i)));
}

// Bloom counters run since open: compactions that remove the tables that
// answered do not take them back. approximate_keys counts table entries
// (from the manifest, so also after a reopen).
TEST(Lsm, StatsCountersAreMonotonicAndCountTableEntries) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  Options o = SmallOptions();
  o.max_open_files = 2;  // the table cache closes readers often
  auto db = OpenOrDie(path, o);
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db->Put(Key(i), Value(i, 0)));
  ASSERT_OK(db->Flush());
  DbStats st;
  db->GetStats(&st);
  EXPECT_EQ(3000u, st.approximate_keys);
  uint64_t checks = 0, negatives = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3000; i += 7) {
      EXPECT_EQ(Value(i, round), GetOr(db.get(), Key(i)));
      EXPECT_EQ("<missing>", GetOr(db.get(), Key(i) + "-absent"));
    }
    db->GetStats(&st);
    EXPECT_GT(st.bloom_checks, checks);
    EXPECT_GE(st.bloom_negatives, negatives);
    checks = st.bloom_checks;
    negatives = st.bloom_negatives;
    // Rewrite and compact everything: every table read above is removed.
    for (int i = 0; i < 3000; ++i) {
      ASSERT_OK(db->Put(Key(i), Value(i, round + 1)));
    }
    ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
    db->GetStats(&st);
    EXPECT_GE(st.bloom_checks, checks) << "round " << round;
    EXPECT_GE(st.bloom_negatives, negatives) << "round " << round;
    EXPECT_EQ(3000u, st.approximate_keys) << "round " << round;
  }
  EXPECT_GT(negatives, 0u);
  ASSERT_OK(db->Close());
  db = OpenOrDie(path, o);
  db->GetStats(&st);
  EXPECT_EQ(3000u, st.approximate_keys);
  EXPECT_EQ(0u, st.bloom_checks);
  EXPECT_EQ(0u, st.open_tables) << "GetStats opened tables";
}

TEST(Lsm, ManyFlushesAndCompactionsRoundTrip) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  std::map<std::string, std::string> model;
  {
    auto db = OpenOrDie(path, SmallOptions());
    for (int gen = 0; gen < 4; ++gen) {
      for (int i = 0; i < 3000; ++i) {
        int k = (i * 7919 + gen * 13) % 3000;
        if ((k + gen) % 11 == 0) {
          ASSERT_OK(db->Delete(Key(k)));
          model.erase(Key(k));
        } else {
          ASSERT_OK(db->Put(Key(k), Value(k, gen)));
          model[Key(k)] = Value(k, gen);
        }
      }
    }
    DbStats st;
    db->GetStats(&st);
    EXPECT_GT(st.flushes, 5u);
    ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
    db->GetStats(&st);
    EXPECT_GT(st.compactions, 0u);
    EXPECT_EQ(0u, st.level_files[0]);
    for (auto &[k, v] : model) ASSERT_EQ(v, GetOr(db.get(), k)) << k;
  }
  auto db = OpenOrDie(path, SmallOptions());
  auto it = db->NewIterator(ReadOptions());
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(m->first, it->key());
    ASSERT_EQ(m->second, it->value());
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(m, model.end());
  // Backwards too.
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    ASSERT_EQ(r->first, it->key());
  }
  EXPECT_EQ(r, model.rend());
}

TEST(Lsm, ObsoleteFilesAreDeleted) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto db = OpenOrDie(path, SmallOptions());
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 500; ++i) ASSERT_OK(db->Put(Key(i), Value(i, round)));
    ASSERT_OK(db->Flush());
  }
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  DbStats st;
  db->GetStats(&st);
  uint64_t live = 0;
  for (uint64_t n : st.level_files) live += n;
  EXPECT_EQ(static_cast<int>(live), CountFiles(path, ".sst"));
  EXPECT_EQ(1, CountFiles(path, ".log"));
  int manifests = 0;
  for (const auto &e : std::filesystem::directory_iterator(path)) {
    if (e.path().filename().string().rfind("MANIFEST-", 0) == 0) ++manifests;
  }
  EXPECT_EQ(1, manifests);
  // Overwritten 5 times, compacted: about one version's worth of bytes.
  EXPECT_LT(st.level_bytes[1] + st.level_bytes[2] + st.level_bytes[3],
            uint64_t{500} * 200);
}

TEST(Lsm, SnapshotsSurviveFlushAndCompaction) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto db = OpenOrDie(path, SmallOptions());
  for (int i = 0; i < 200; ++i) ASSERT_OK(db->Put(Key(i), Value(i, 0)));
  auto snap = db->GetSnapshot();
  for (int i = 0; i < 200; ++i) {
    if (i % 2 == 0) {
      ASSERT_OK(db->Delete(Key(i)));
    } else {
      ASSERT_OK(db->Put(Key(i), Value(i, 1)));
    }
  }
  ASSERT_OK(db->Flush());
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  ReadOptions ro;
  ro.snapshot = snap;
  for (int i = 0; i < 200; ++i) {
    std::string v;
    ASSERT_OK(db->Get(ro, Key(i), &v));
    EXPECT_EQ(Value(i, 0), v);
    EXPECT_EQ(i % 2 == 0 ? "<missing>" : Value(i, 1), GetOr(db.get(), Key(i)));
  }
  int n = 0;
  auto it = db->NewIterator(ro);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(200, n);
}

TEST(Lsm, TombstonesDroppedAtBottomWithoutSnapshots) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto db = OpenOrDie(path, SmallOptions());
  for (int i = 0; i < 2000; ++i) ASSERT_OK(db->Put(Key(i), Value(i, 0)));
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  DbStats before;
  db->GetStats(&before);
  for (int i = 0; i < 2000; ++i) ASSERT_OK(db->Delete(Key(i)));
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  DbStats after;
  db->GetStats(&after);
  uint64_t files = 0;
  for (uint64_t n : after.level_files) files += n;
  EXPECT_EQ(0u, files) << "tombstones and the data they hid are gone";
  auto it = db->NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

TEST(Lsm, TombstonesKeptWhileASnapshotNeedsThem) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto db = OpenOrDie(path, SmallOptions());
  for (int i = 0; i < 300; ++i) ASSERT_OK(db->Put(Key(i), Value(i, 0)));
  auto snap = db->GetSnapshot();
  for (int i = 0; i < 300; ++i) ASSERT_OK(db->Delete(Key(i)));
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  ReadOptions ro;
  ro.snapshot = snap;
  std::string v;
  ASSERT_OK(db->Get(ro, Key(7), &v));
  EXPECT_EQ(Value(7, 0), v);
  EXPECT_EQ("<missing>", GetOr(db.get(), Key(7)));
  snap.reset();
  ro.snapshot.reset();
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  DbStats st;
  db->GetStats(&st);
  uint64_t files = 0;
  for (uint64_t n : st.level_files) files += n;
  EXPECT_EQ(0u, files);
}

TEST(Lsm, CompactRangeCancelKeepsDbSound) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto db = OpenOrDie(path, SmallOptions());
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db->Put(Key(i), Value(i, 0)));
  int calls = 0;
  Status s = db->CompactRange(nullptr, nullptr,
                              [&](uint64_t, uint64_t) { return ++calls < 3; });
  EXPECT_EQ(Status::Code::kCancelled, s.code()) << s.ToString();
  for (int i = 0; i < 3000; i += 7)
    ASSERT_EQ(Value(i, 0), GetOr(db.get(), Key(i)));
  ASSERT_OK(db->Put("after", "cancel"));
  ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
  ASSERT_OK(db->Close());
  db = OpenOrDie(path, SmallOptions());
  for (int i = 0; i < 3000; i += 7)
    ASSERT_EQ(Value(i, 0), GetOr(db.get(), Key(i)));
  EXPECT_EQ("cancel", GetOr(db.get(), "after"));
}

TEST(Lsm, LargerThanMemory) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  Options o;
  o.write_buffer_size = 256 * 1024;
  o.block_cache_capacity = 256 * 1024;
  o.target_file_size = 512 * 1024;
  o.level1_max_bytes = 2 << 20;
  o.sync_mode = SyncMode::kNone;
  const int n = 12 * 1024;  // ~1 KiB each: 12 MiB
  auto value = [](int i) {
    std::string v(1000, static_cast<char>('a' + i % 26));
    v += std::to_string(i);
    return v;
  };
  uint64_t max_mem = 0;
  {
    auto db = OpenOrDie(path, o);
    for (int i = 0; i < n; ++i) {
      ASSERT_OK(db->Put(Key((i * 7919) % n), value((i * 7919) % n)));
      if (i % 512 == 0) {
        DbStats st;
        db->GetStats(&st);
        max_mem = std::max(max_mem, st.memtable_bytes);
        EXPECT_LE(st.cache_usage, st.cache_capacity);
      }
    }
    DbStats st;
    db->GetStats(&st);
    EXPECT_GT(st.flushes, 20u);
    EXPECT_GT(st.compactions, 0u);
    std::string text;
    ASSERT_OK(db->GetProperty("shale.stats", &text));
    std::printf("%s", text.c_str());
  }
  // Two memtables (one being flushed) plus one batch and arena slack.
  EXPECT_LE(max_mem, 2 * o.write_buffer_size + 64 * 1024);
  auto db = OpenOrDie(path, o);
  std::string report;
  ASSERT_OK(db->GetProperty("shale.recovery", &report));
  // Only the unflushed log was replayed: one "recovered" line.
  size_t lines = 0;
  for (size_t p = report.find("recovered "); p != std::string::npos;
       p = report.find("recovered ", p + 1)) {
    ++lines;
  }
  EXPECT_EQ(1u, lines) << report;
  DbStats st;
  db->GetStats(&st);
  EXPECT_LT(st.memtable_bytes, o.write_buffer_size + 64 * 1024);
  for (int i = 0; i < n; ++i) ASSERT_EQ(value(i), GetOr(db.get(), Key(i))) << i;
  db->GetStats(&st);
  EXPECT_LE(st.cache_usage, st.cache_capacity);
}

TEST(Lsm, UpgradesFormat1Db) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto db = OpenOrDie(path, SmallOptions());
    ASSERT_OK(db->Put("k", "v"));
  }
  // Make it look like a format-1 db: CURRENT names the log, no manifest.
  std::string log;
  for (const auto &e : std::filesystem::directory_iterator(path)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("MANIFEST-", 0) == 0) std::filesystem::remove(e.path());
    if (name.size() > 4 && name.substr(name.size() - 4) == ".log") log = name;
  }
  testing::WriteFile(path + "/CURRENT", "shale-format 1\n" + log + "\n");
  {
    auto db = OpenOrDie(path, SmallOptions());
    EXPECT_EQ("v", GetOr(db.get(), "k"));
  }
  EXPECT_EQ(0u, testing::ReadFile(path + "/CURRENT").find("shale-format 2\n"));
  auto db = OpenOrDie(path, SmallOptions());
  EXPECT_EQ("v", GetOr(db.get(), "k"));
}

}  // namespace
}  // namespace shale
