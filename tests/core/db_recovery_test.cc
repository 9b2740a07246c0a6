#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "db/db.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::GetOr;
using testing::OpenOrDie;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// Writes n single-put records and returns the log's size after each.
std::vector<uint64_t> Fill(const std::string &path, int n) {
  std::vector<uint64_t> ends;
  auto db = OpenOrDie(path);
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(db->Put("k" + std::to_string(i), "v" + std::to_string(i)).ok());
    ends.push_back(std::filesystem::file_size(path + "/000001.log"));
  }
  return ends;
}

TEST(DBRecovery, TornTailAtEveryTruncationPoint) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const int n = 4;
  auto ends = Fill(path, n);
  const std::string log_path = path + "/000001.log";
  const std::string full = ReadFile(log_path);
  const std::string pristine = dir.Sub("pristine");
  std::filesystem::copy(path, pristine);
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    std::filesystem::remove_all(path);
    std::filesystem::copy(pristine, path);
    WriteFile(log_path, full.substr(0, cut));
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) ++whole;
    {
      std::vector<std::string> msgs;
      Options o;
      o.sync_mode = SyncMode::kNone;  // not about durability
      o.logger = [&](LogLevel, std::string_view m) { msgs.emplace_back(m); };
      auto db = OpenOrDie(path, o);
      ASSERT_TRUE(db);
      for (int i = 0; i < n; ++i) {
        EXPECT_EQ(static_cast<size_t>(i) < whole ? "v" + std::to_string(i)
                                                 : "<missing>",
                  GetOr(db.get(), "k" + std::to_string(i)))
            << "cut " << cut;
      }
      const uint64_t good = whole == 0 ? 0 : ends[whole - 1];
      if (cut > good) {
        bool logged = false;
        for (auto &m : msgs) {
          if (m.find("torn tail of " + std::to_string(cut - good)) !=
              std::string::npos) {
            logged = true;
          }
        }
        EXPECT_TRUE(logged) << "cut " << cut;
      }
      // The whole records went to a table and the log with them; with none
      // the log was truncated to nothing and goes on.
      if (whole > 0) {
        EXPECT_FALSE(std::filesystem::exists(log_path)) << "cut " << cut;
      } else {
        EXPECT_EQ(0u, std::filesystem::file_size(log_path)) << "cut " << cut;
      }
      ASSERT_OK(db->Put("new", "x"));
    }
    auto db = OpenOrDie(path);
    EXPECT_EQ("x", GetOr(db.get(), "new")) << "cut " << cut;
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(static_cast<size_t>(i) < whole ? "v" + std::to_string(i)
                                               : "<missing>",
                GetOr(db.get(), "k" + std::to_string(i)))
          << "cut " << cut << " after a second open";
    }
  }
}

TEST(DBRecovery, ZeroFilledTail) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  Fill(path, 3);
  const std::string log_path = path + "/000001.log";
  const std::string good = ReadFile(log_path);
  WriteFile(log_path, good + std::string(4096, '\0'));
  auto db = OpenOrDie(path);
  EXPECT_EQ("v2", GetOr(db.get(), "k2"));
  // The good records went to a table, and the log with its zeroes is gone.
  EXPECT_FALSE(std::filesystem::exists(log_path));
  std::string report;
  ASSERT_OK(db->GetProperty("shale.recovery", &report));
  EXPECT_NE(std::string::npos, report.find("torn tail of 4096 bytes"))
      << report;
}

TEST(DBRecovery, MiddleCorruptionFailsOpenAndSalvageRepairs) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto ends = Fill(path, 3);
  const std::string log_path = path + "/000001.log";
  std::string data = ReadFile(log_path);
  const uint64_t bad_off = ends[0];
  data[bad_off + 12] ^= 0x20;  // a byte inside the second record
  WriteFile(log_path, data);

  std::unique_ptr<DB> db;
  Status s = DB::Open(Options(), path, &db);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(log_path)) << s.message();
  EXPECT_NE(std::string::npos,
            s.message().find("offset " + std::to_string(bad_off)))
      << s.message();
  EXPECT_NE(std::string::npos, s.message().find("salvage"));
  EXPECT_EQ(data, ReadFile(log_path));  // a failed open changes nothing

  std::vector<std::pair<LogLevel, std::string>> msgs;
  Options o;
  o.sync_mode = SyncMode::kNone;  // not about durability
  o.salvage = true;
  o.logger = [&](LogLevel l, std::string_view m) {
    msgs.emplace_back(l, std::string(m));
  };
  {
    db = OpenOrDie(path, o);
    ASSERT_TRUE(db);
    EXPECT_EQ("v0", GetOr(db.get(), "k0"));
    EXPECT_EQ("<missing>", GetOr(db.get(), "k1"));
    EXPECT_EQ("v2", GetOr(db.get(), "k2"));
    std::string report;
    ASSERT_OK(db->GetProperty("shale.recovery", &report));
    const std::string range = "offset " + std::to_string(bad_off) + " length " +
                              std::to_string(ends[1] - ends[0]);
    EXPECT_NE(std::string::npos, report.find(range)) << report;
    bool warned = false;
    for (auto &[level, m] : msgs) {
      if (level == LogLevel::kWarn && m.find(range) != std::string::npos) {
        warned = true;
      }
    }
    EXPECT_TRUE(warned);
    std::string seq;
    ASSERT_OK(db->GetProperty("shale.sequence", &seq));
    EXPECT_EQ("3", seq);
    ASSERT_OK(db->Put("k3", "v3"));
    ASSERT_OK(db->Close());
  }
  // The old log is gone (its recovered state went to a table) and CURRENT
  // names a fresh manifest: a plain open works.
  EXPECT_FALSE(std::filesystem::exists(log_path));
  EXPECT_EQ(0u, ReadFile(path + "/CURRENT").find("shale-format 2\nMANIFEST-"));
  db = OpenOrDie(path);
  ASSERT_TRUE(db);
  EXPECT_EQ("v0", GetOr(db.get(), "k0"));
  EXPECT_EQ("<missing>", GetOr(db.get(), "k1"));
  EXPECT_EQ("v2", GetOr(db.get(), "k2"));
  EXPECT_EQ("v3", GetOr(db.get(), "k3"));
  std::string report;
  ASSERT_OK(db->GetProperty("shale.recovery", &report));
  EXPECT_EQ(std::string::npos, report.find("salvage")) << report;
}

TEST(DBRecovery, SalvageReadOnlyChangesNothing) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  auto ends = Fill(path, 3);
  const std::string log_path = path + "/000001.log";
  std::string data = ReadFile(log_path);
  data[ends[0] + 10] ^= 0x01;
  WriteFile(log_path, data);
  const std::string current = ReadFile(path + "/CURRENT");
  Options o;
  o.sync_mode = SyncMode::kNone;  // not about durability
  o.salvage = true;
  o.read_only = true;
  {
    auto db = OpenOrDie(path, o);
    ASSERT_TRUE(db);
    EXPECT_EQ("v2", GetOr(db.get(), "k2"));
  }
  EXPECT_EQ(data, ReadFile(log_path));
  EXPECT_EQ(current, ReadFile(path + "/CURRENT"));
}

TEST(DBRecovery, OrphanFilesAreRemoved) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  Fill(path, 1);
  // Logs below the manifest's log number are obsolete (logs above it are
  // live: they follow a memtable switch).
  WriteFile(path + "/000000.log", "orphan from an interrupted rewrite");
  WriteFile(path + "/CURRENT.tmp", "half");
  {
    auto db = OpenOrDie(path);
    EXPECT_EQ("v0", GetOr(db.get(), "k0"));
  }
  EXPECT_FALSE(std::filesystem::exists(path + "/000000.log"));
  EXPECT_FALSE(std::filesystem::exists(path + "/CURRENT.tmp"));
}

TEST(DBRecovery, LargeValuesSurviveReopen) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  std::string big(3 << 20, 'q');
  big[12345] = 'z';
  {
    auto db = OpenOrDie(path);
    ASSERT_OK(db->Put("big", big));
  }
  auto db = OpenOrDie(path);
  EXPECT_EQ(big, GetOr(db.get(), "big"));
}

}  // namespace
}  // namespace shale
