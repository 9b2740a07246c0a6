// Focused salvage cases, each a shape of damage salvage=1 could not open
// before (only damaged log records were skipped): a damaged or truncated
// table, a lost manifest and CURRENT, a missing log. Each checks what is
// kept, what is reported, and that the result is an ordinary db.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "checker.h"

namespace corruption {
namespace {

namespace fs = std::filesystem;

Damage Make(const std::string &file, FileKind kind, Op op, uint64_t offset = 0,
            uint8_t mask = 0) {
  Damage d;
  d.file = file;
  d.kind = kind;
  d.op = op;
  d.offset = offset;
  d.mask = mask;
  return d;
}

class Salvage : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ScratchBase() + "/shale-sv-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    db_ = root_ + "/db";
    ASSERT_EQ(BuildPristine(db_, &model_), "");
    ASSERT_EQ(ClassifyFiles(db_, &files_), "");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string File(FileKind kind) {
    for (const DbFile &f : files_) {
      if (f.kind == kind) return f.name;
    }
    ADD_FAILURE() << "no " << KindName(kind);
    return "";
  }
  // Opens with salvage, returns the recovery report; counts the keys that
  // kept their final value (*kept) and fails on any error or value that
  // is not one of the key's states.
  std::string SalvageOpen(uint64_t *kept, std::string *log) {
    shale_options o = DbOptions();
    o.salvage = 1;
    o.logger = [](void *u, int32_t level, const char *m) {
      if (level >= SHALE_LOG_WARN) *static_cast<std::string *>(u) += m;
      return 0;
    };
    o.logger_user = log;
    shale_db *db = nullptr;
    EXPECT_EQ(shale_db_open(db_.c_str(), &o, &db), SHALE_OK)
        << shale_last_error();
    if (db == nullptr) return "";
    *kept = 0;
    for (const auto &[k, h] : model_.history) {
      void *v = nullptr;
      size_t n = 0;
      const int32_t rc = shale_db_get(db, nullptr, k.data(), k.size(), &v, &n);
      EXPECT_TRUE(rc == SHALE_OK || rc == SHALE_NOT_FOUND)
          << k << ": " << shale_last_error();
      Value got;
      if (rc == SHALE_OK) {
        got = std::string(static_cast<char *>(v), n);
        shale_free(v);
      }
      EXPECT_NE(std::find(h.begin(), h.end(), got), h.end()) << k;
      if (got == h.back()) ++*kept;
    }
    char *p = nullptr;
    EXPECT_EQ(shale_db_property(db, "shale.recovery", &p), SHALE_OK);
    const std::string recovery = p;
    shale_free(p);
    EXPECT_EQ(shale_db_verify(db, nullptr, nullptr, nullptr), SHALE_OK);
    EXPECT_EQ(shale_db_close(db), SHALE_OK);
    o = DbOptions();  // and it is an ordinary db again
    EXPECT_EQ(shale_db_open(db_.c_str(), &o, &db), SHALE_OK)
        << shale_last_error();
    shale_db_close(db);
    return recovery;
  }

  std::string root_, db_;
  Model model_;
  std::vector<DbFile> files_;
};

TEST_F(Salvage, DamagedDataBlockIsDroppedAndTheRestOfTheTableKept) {
  const std::string table = File(FileKind::kTableL0);
  const std::string bytes = ReadAll(db_ + "/" + table);
  Damage d = Make(table, FileKind::kTableL0, Op::kFlip, bytes.size() / 3, 0x40);
  ASSERT_EQ(d.Apply(db_), "");
  uint64_t kept = 0;
  std::string log;
  const std::string report = SalvageOpen(&kept, &log);
  EXPECT_NE(report.find("salvage skipped"), std::string::npos) << report;
  EXPECT_NE(report.find(table + " offset "), std::string::npos) << report;
  EXPECT_NE(log.find(table), std::string::npos) << log;
  EXPECT_GE(kept, model_.history.size() - 8);
  EXPECT_LT(kept, model_.history.size());
  // The damaged original is kept for inspection.
  EXPECT_EQ(ReadAll(db_ + "/lost/" + table).size(), bytes.size());
}

TEST_F(Salvage, TruncatedTableKeepsItsWholeBlocks) {
  const std::string table = File(FileKind::kTableL0);
  const uint64_t size = fs::file_size(db_ + "/" + table);
  Damage d = Make(table, FileKind::kTableL0, Op::kTruncate, size / 2);
  ASSERT_EQ(d.Apply(db_), "");
  uint64_t kept = 0;
  std::string log;
  const std::string report = SalvageOpen(&kept, &log);
  EXPECT_NE(report.find("salvage rewrote"), std::string::npos) << report;
  // About half of the table's entries (phase B wrote about 180 of them)
  // are past the cut; the first half is kept.
  EXPECT_GT(kept, model_.history.size() - 120);
  EXPECT_LT(kept, model_.history.size());
}

TEST_F(Salvage, LostManifestAndCurrentAreRebuiltFromTheTables) {
  ASSERT_EQ(Make(File(FileKind::kManifest), FileKind::kManifest, Op::kRemove)
                .Apply(db_),
            "");
  ASSERT_EQ(Make("CURRENT", FileKind::kCurrent, Op::kRemove).Apply(db_), "");
  uint64_t kept = 0;
  std::string log;
  const std::string report = SalvageOpen(&kept, &log);
  EXPECT_NE(report.find("rebuilt the table list"), std::string::npos)
      << report;
  EXPECT_EQ(kept, model_.history.size());
}

TEST_F(Salvage, DamagedSnapshotRecordRebuildsInsteadOfFailing) {
  // Record 0 of the manifest is the snapshot: nothing before it to keep.
  ASSERT_EQ(Make(File(FileKind::kManifest), FileKind::kManifest, Op::kFlip, 20,
                 0x08)
                .Apply(db_),
            "");
  uint64_t kept = 0;
  std::string log;
  const std::string report = SalvageOpen(&kept, &log);
  EXPECT_NE(report.find(File(FileKind::kManifest)), std::string::npos)
      << report;
  EXPECT_EQ(kept, model_.history.size());
}

TEST_F(Salvage, MissingLogLosesOnlyItsWritesAndTheNextOpenIsPlain) {
  const std::string log_file = File(FileKind::kLog);
  ASSERT_EQ(Make(log_file, FileKind::kLog, Op::kRemove).Apply(db_), "");
  uint64_t kept = 0;
  std::string log;
  const std::string report = SalvageOpen(&kept, &log);
  EXPECT_NE(report.find(log_file + ", named by the manifest, is missing"),
            std::string::npos)
      << report;
  uint64_t changed_by_log = 0;
  for (const std::string &k : model_.log_keys) {
    if (model_.BeforeLog(k) != model_.Final(k)) ++changed_by_log;
  }
  EXPECT_EQ(kept, model_.history.size() - changed_by_log);
}

}  // namespace
}  // namespace corruption
