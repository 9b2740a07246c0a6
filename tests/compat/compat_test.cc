// A store written by libshale 0.3.0 (v0.3-store/, made by make_store.py)
// opens with this library and reads unchanged: read-only, read-write,
// through gets and iterators both ways, verified; its tables are rewritten
// in the current format only when a compaction touches them, and read the
// same afterwards.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "db/db.h"

#ifndef SHALE_COMPAT_DIR
#error "SHALE_COMPAT_DIR must name tests/compat"
#endif

namespace shale {
namespace {

namespace fs = std::filesystem;

std::string Key(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "key-%05d", i);
  return b;
}

std::string Value(int i, int gen) {
  char b[32];
  std::snprintf(b, sizeof b, "v%d-%05d-", gen, i);
  return std::string(b) + std::string(i % 40, static_cast<char>('a' + i % 26));
}

// What make_store.py wrote (keep the two in step).
std::map<std::string, std::string> Expected() {
  std::map<std::string, std::string> m;
  for (int i = 0; i < 4000; ++i) {
    if (i % 7 == 0) continue;
    m[Key(i)] = Value(i, i % 3 == 0 ? 2 : 1);
  }
  return m;
}

class Compat : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shale-compat-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    path_ = root_ + "/store";
    fs::copy(std::string(SHALE_COMPAT_DIR) + "/v0.3-store", path_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::unique_ptr<DB> Open(bool read_only) {
    Options o;
    o.sync_mode = SyncMode::kNone;
    o.read_only = read_only;
    o.create_if_missing = false;
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, path_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return db;
  }

  // Every key through Get (present, deleted, never written), both scans.
  void CheckContents(DB *db) {
    const auto want = Expected();
    for (int i = -1; i <= 4000; ++i) {
      std::string v;
      Status s = db->Get(ReadOptions(), Key(i), &v);
      auto it = want.find(Key(i));
      if (it == want.end()) {
        ASSERT_TRUE(s.IsNotFound()) << Key(i) << ": " << s.ToString();
      } else {
        ASSERT_TRUE(s.ok()) << Key(i) << ": " << s.ToString();
        ASSERT_EQ(it->second, v) << Key(i);
      }
    }
    auto it = db->NewIterator(ReadOptions());
    auto w = want.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++w) {
      ASSERT_NE(w, want.end());
      ASSERT_EQ(w->first, it->key());
      ASSERT_EQ(w->second, it->value());
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    ASSERT_EQ(w, want.end());
    auto r = want.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
      ASSERT_NE(r, want.rend());
      ASSERT_EQ(r->first, it->key());
    }
    ASSERT_EQ(r, want.rend());
    std::string report;
    Status s = db->Verify(nullptr, &report);
    ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << report;
  }

  std::string root_, path_;
};

TEST_F(Compat, OpensReadOnlyAndReadsUnchanged) {
  auto db = Open(true);
  ASSERT_TRUE(db);
  CheckContents(db.get());
}

TEST_F(Compat, OpensReadWriteReadsAndTakesWrites) {
  {
    auto db = Open(false);
    ASSERT_TRUE(db);
    CheckContents(db.get());
  }
  auto db = Open(false);  // a second open: the replayed log is a table now
  ASSERT_TRUE(db);
  CheckContents(db.get());
  ASSERT_TRUE(db->Put("new", "x").ok());
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "new", &v).ok());
  EXPECT_EQ("x", v);
}

TEST_F(Compat, CompactionRewritesTheOldTables) {
  auto db = Open(false);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr, nullptr).ok());
  CheckContents(db.get());
  db.reset();
  db = Open(true);
  CheckContents(db.get());
}

}  // namespace
}  // namespace shale
