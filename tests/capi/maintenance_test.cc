// maintenance_test.cc — flush, compact_range, backup and verify (the
// synchronous forms), with progress and cancellation.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "maintenance_util.h"

namespace shale_test {
namespace {

struct ProgressCount {
  std::atomic<int> calls{0};
  std::atomic<uint64_t> last_done{0};
  std::atomic<uint64_t> last_total{0};
  int cancel_after = -1;  // return non-zero on this call (1-based)
  bool regressed = false;
  uint64_t prev_done = 0;
};

int CountProgress(void *user, uint64_t done, uint64_t total) {
  auto *p = static_cast<ProgressCount *>(user);
  int n = ++p->calls;
  if (done < p->prev_done) p->regressed = true;
  p->prev_done = done;
  p->last_done = done;
  p->last_total = total;
  return (p->cancel_after > 0 && n >= p->cancel_after) ? 1 : 0;
}

using MaintenanceTest = FilledDbTest;

TEST_F(MaintenanceTest, FlushKeepsData) {
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_)) << shale_last_error();
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_)) << shale_last_error();  // empty
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000001", 11));
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000599", 11));
}

TEST_F(MaintenanceTest, CompactAllWithProgress) {
  ProgressCount p;
  ASSERT_EQ(SHALE_OK, shale_db_compact_range(db_, nullptr, 0, nullptr, 0,
                                             CountProgress, &p))
      << shale_last_error();
  EXPECT_GT(p.calls.load(), 0);
  EXPECT_FALSE(p.regressed);
  EXPECT_LE(p.last_done.load(), p.last_total.load());
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000400", 11));
  void *v = nullptr;
  size_t n = 0;
  ASSERT_EQ(SHALE_OK, shale_db_get(db_, nullptr, "key00000027", 11, &v, &n));
  EXPECT_EQ(1000u, n);
  EXPECT_EQ('b', static_cast<char *>(v)[0]);
  shale_free(v);
}

TEST_F(MaintenanceTest, CompactRangeDropsDeletedKeys) {
  for (int i = 0; i < 300; ++i) {
    char key[32];
    snprintf(key, sizeof(key), "key%08d", i);
    ASSERT_EQ(SHALE_OK, shale_db_delete(db_, key, strlen(key)));
  }
  ASSERT_EQ(SHALE_OK, shale_db_compact_range(db_, "key", 3, "key00000299", 11,
                                             nullptr, nullptr))
      << shale_last_error();
  EXPECT_EQ(SHALE_NOT_FOUND, shale_db_exists(db_, nullptr, "key00000200", 11));
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000550", 11));
  // Without a progress callback, and an empty range.
  EXPECT_EQ(SHALE_OK,
            shale_db_compact_range(db_, "zz", 2, "zzz", 3, nullptr, nullptr))
      << shale_last_error();
}

TEST_F(MaintenanceTest, CompactCancelledByProgress) {
  ProgressCount p;
  p.cancel_after = 1;
  EXPECT_EQ(SHALE_E_CANCELLED, shale_db_compact_range(db_, nullptr, 0, nullptr,
                                                      0, CountProgress, &p));
  EXPECT_EQ(1, p.calls.load());
  EXPECT_NE(std::string(shale_last_error()), "");
  // The db is sound and complete.
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000599", 11));
  char *report = nullptr;
  EXPECT_EQ(SHALE_OK, shale_db_verify(db_, nullptr, nullptr, &report))
      << (report ? report : "");
  shale_free(report);
}

TEST_F(MaintenanceTest, CompactArgumentErrors) {
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_compact_range(db_, nullptr, 1, nullptr, 0, nullptr, nullptr));
  EXPECT_NE(std::string(shale_last_error()).find("start"), std::string::npos);
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_compact_range(db_, nullptr, 0, nullptr, 2, nullptr, nullptr));
  EXPECT_NE(std::string(shale_last_error()).find("end"), std::string::npos);
  std::string big(SHALE_MAX_KEY_SIZE + 1, 'k');
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_compact_range(db_, big.data(), big.size(), nullptr, 0,
                                   nullptr, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_compact_range(BogusDb(), nullptr, 0, nullptr, 0, nullptr,
                                   nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_compact_range(nullptr, nullptr, 0, nullptr, 0, nullptr,
                                   nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_flush(nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_flush(BogusDb()));
}

TEST_F(MaintenanceTest, BackupOpensAsADb) {
  std::string dest = dir_.Sub("backup");
  ProgressCount p;
  ASSERT_EQ(SHALE_OK, shale_db_backup(db_, dest.c_str(), CountProgress, &p))
      << shale_last_error();
  EXPECT_GT(p.calls.load(), 0);
  // Writes after the backup are not in it.
  ASSERT_EQ(SHALE_OK, shale_db_put(db_, "after", 5, "x", 1));
  shale_db *copy = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dest.c_str(), nullptr, &copy))
      << shale_last_error();
  EXPECT_EQ(SHALE_OK, shale_db_exists(copy, nullptr, "key00000000", 11));
  EXPECT_EQ(SHALE_OK, shale_db_exists(copy, nullptr, "key00000599", 11));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_db_exists(copy, nullptr, "after", 5));
  char *report = nullptr;
  EXPECT_EQ(SHALE_OK, shale_db_verify(copy, nullptr, nullptr, &report));
  shale_free(report);
  EXPECT_EQ(SHALE_OK, shale_db_close(copy));
}

TEST_F(MaintenanceTest, BackupIntoEmptyDirectory) {
  std::string dest = dir_.Sub("empty");
  std::filesystem::create_directory(dest);
  ASSERT_EQ(SHALE_OK, shale_db_backup(db_, dest.c_str(), nullptr, nullptr))
      << shale_last_error();
  shale_db *copy = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dest.c_str(), nullptr, &copy));
  EXPECT_EQ(SHALE_OK, shale_db_exists(copy, nullptr, "key00000042", 11));
  EXPECT_EQ(SHALE_OK, shale_db_close(copy));
}

TEST_F(MaintenanceTest, BackupDestErrors) {
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_backup(db_, nullptr, nullptr, nullptr));
  EXPECT_NE(std::string(shale_last_error()).find("dest_path"),
            std::string::npos);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_backup(db_, "", nullptr, nullptr));
  std::string full = dir_.Sub("full");
  std::filesystem::create_directory(full);
  std::ofstream(full + "/file") << "x";
  EXPECT_EQ(SHALE_E_EXISTS,
            shale_db_backup(db_, full.c_str(), nullptr, nullptr));
  EXPECT_NE(std::string(shale_last_error()).find(full), std::string::npos);
  EXPECT_EQ(SHALE_E_EXISTS,
            shale_db_backup(db_, (full + "/file").c_str(), nullptr, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_backup(BogusDb(), full.c_str(), nullptr, nullptr));
}

TEST_F(MaintenanceTest, BackupCancelledLeavesNoCopy) {
  std::string dest = dir_.Sub("cancelled");
  ProgressCount p;
  p.cancel_after = 1;
  EXPECT_EQ(SHALE_E_CANCELLED,
            shale_db_backup(db_, dest.c_str(), CountProgress, &p));
  std::error_code ec;
  bool gone =
      !std::filesystem::exists(dest, ec) || std::filesystem::is_empty(dest, ec);
  EXPECT_TRUE(gone);
}

TEST_F(MaintenanceTest, VerifySoundDb) {
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_));
  ProgressCount p;
  char *report = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_verify(db_, CountProgress, &p, &report))
      << shale_last_error();
  ASSERT_NE(nullptr, report);
  EXPECT_GT(strlen(report), 0u);
  shale_free(report);
  EXPECT_GT(p.calls.load(), 0);
  // report may be NULL.
  EXPECT_EQ(SHALE_OK, shale_db_verify(db_, nullptr, nullptr, nullptr));
}

TEST_F(MaintenanceTest, VerifyCancelled) {
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_));
  ProgressCount p;
  p.cancel_after = 1;
  char *report = nullptr;
  EXPECT_EQ(SHALE_E_CANCELLED,
            shale_db_verify(db_, CountProgress, &p, &report));
  shale_free(report);
}

TEST(Maintenance, VerifyFindsDamage) {
  TempDir dir;
  std::string path = dir.Sub("db");
  shale_db *db = nullptr;
  shale_options o = SmallBufferOptions();
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), &o, &db));
  Fill(db, 500);
  ASSERT_EQ(SHALE_OK, shale_db_flush(db));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  // Flip bytes in the middle of the largest table file.
  std::string victim;
  uintmax_t best = 0;
  for (auto &e : std::filesystem::directory_iterator(path)) {
    if (e.path().extension() == ".sst" || e.path().extension() == ".table" ||
        e.path().extension() == ".ldb") {
      if (e.file_size() > best) {
        best = e.file_size();
        victim = e.path();
      }
    }
  }
  ASSERT_FALSE(victim.empty()) << "no table file found in " << path;
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(best / 2));
    f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
  }
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), &o, &db))
      << shale_last_error();
  char *report = nullptr;
  EXPECT_EQ(SHALE_E_CORRUPTION, shale_db_verify(db, nullptr, nullptr, &report));
  ASSERT_NE(nullptr, report);
  std::string text(report);
  shale_free(report);
  std::string name = std::filesystem::path(victim).filename();
  EXPECT_NE(text.find(name), std::string::npos) << text;
  EXPECT_EQ(SHALE_OK, shale_db_close(db));
}

TEST(Maintenance, ReadOnlyAndClosed) {
  TempDir dir;
  std::string path = dir.Sub("db");
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db));
  ASSERT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  shale_options o;
  shale_options_init(&o, sizeof(o));
  o.read_only = 1;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), &o, &db));
  EXPECT_EQ(SHALE_E_READ_ONLY, shale_db_flush(db));
  EXPECT_EQ(SHALE_E_READ_ONLY, shale_db_compact_range(db, nullptr, 0, nullptr,
                                                      0, nullptr, nullptr));
  char *report = nullptr;
  EXPECT_EQ(SHALE_OK, shale_db_verify(db, nullptr, nullptr, &report))
      << shale_last_error();
  shale_free(report);
  std::string dest = dir.Sub("copy");
  EXPECT_EQ(SHALE_OK, shale_db_backup(db, dest.c_str(), nullptr, nullptr))
      << shale_last_error();
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_flush(db));
  report = reinterpret_cast<char *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_verify(db, nullptr, nullptr, &report));
  EXPECT_EQ(nullptr, report);
}

// A progress callback may read the db but not close it.
struct CloseFromProgress {
  shale_db *db;
  int32_t close_rc = 0;
  int32_t get_rc = 0;
};

int TryClose(void *user, uint64_t, uint64_t) {
  auto *c = static_cast<CloseFromProgress *>(user);
  if (c->close_rc == 0) {
    c->close_rc = shale_db_close(c->db);
    c->get_rc = shale_db_exists(c->db, nullptr, "key00000001", 11);
  }
  return 0;
}

TEST_F(MaintenanceTest, CloseFromProgressIsBusy) {
  CloseFromProgress c{db_};
  ASSERT_EQ(SHALE_OK, shale_db_verify(db_, TryClose, &c, nullptr))
      << shale_last_error();
  EXPECT_EQ(SHALE_E_BUSY, c.close_rc);
  EXPECT_EQ(SHALE_OK, c.get_rc);
  // The last error is that of verify (OK), not of the nested calls.
  EXPECT_EQ(SHALE_OK, shale_last_status());
}

}  // namespace
}  // namespace shale_test
