// A failing fsync (or write) makes the write fail and the db refuse further
// writes, with a clear message; the failure is never retried into success.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "db/db.h"
#include "env/env.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::GetOr;
using testing::OpenOrDie;
using testing::TempDir;

// Wraps the default Env; log files' Sync/Append fail on demand.
class FaultEnv final : public Env {
 public:
  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_append{false};
  std::atomic<int> syncs{0};

  Status NewSequentialFile(const std::string &p,
                           std::unique_ptr<SequentialFile> *out) override {
    return base_->NewSequentialFile(p, out);
  }
  Status NewRandomAccessFile(const std::string &p,
                             std::unique_ptr<RandomAccessFile> *out) override {
    return base_->NewRandomAccessFile(p, out);
  }
  Status NewWritableFile(const std::string &p,
                         std::unique_ptr<WritableFile> *out) override {
    std::unique_ptr<WritableFile> f;
    Status s = base_->NewWritableFile(p, &f);
    if (s.ok()) *out = std::make_unique<File>(this, std::move(f));
    return s;
  }
  Status NewAppendableFile(const std::string &p,
                           std::unique_ptr<WritableFile> *out) override {
    std::unique_ptr<WritableFile> f;
    Status s = base_->NewAppendableFile(p, &f);
    if (s.ok()) *out = std::make_unique<File>(this, std::move(f));
    return s;
  }
  bool FileExists(const std::string &p) override {
    return base_->FileExists(p);
  }
  Status GetChildren(const std::string &d,
                     std::vector<std::string> *n) override {
    return base_->GetChildren(d, n);
  }
  Status RemoveFile(const std::string &p) override {
    return base_->RemoveFile(p);
  }
  Status CreateDir(const std::string &d) override {
    return base_->CreateDir(d);
  }
  Status GetFileSize(const std::string &p, uint64_t *s) override {
    return base_->GetFileSize(p, s);
  }
  Status RenameFile(const std::string &f, const std::string &t) override {
    return base_->RenameFile(f, t);
  }
  Status TruncateFile(const std::string &p, uint64_t s) override {
    return base_->TruncateFile(p, s);
  }
  Status SyncDir(const std::string &d) override { return base_->SyncDir(d); }
  Status RemoveDir(const std::string &d) override {
    return base_->RemoveDir(d);
  }
  Status LinkFile(const std::string &f, const std::string &t) override {
    return base_->LinkFile(f, t);
  }
  Status LockFile(const std::string &p, std::unique_ptr<FileLock> *l) override {
    return base_->LockFile(p, l);
  }
  Status UnlockFile(std::unique_ptr<FileLock> l) override {
    return base_->UnlockFile(std::move(l));
  }

 private:
  class File final : public WritableFile {
   public:
    File(FaultEnv *env, std::unique_ptr<WritableFile> f)
        : env_(env), f_(std::move(f)) {}
    Status Append(std::string_view d) override {
      if (env_->fail_append) return Status::IOError("write: injected", EIO);
      return f_->Append(d);
    }
    Status Flush() override { return f_->Flush(); }
    Status Sync() override {
      env_->syncs++;
      if (env_->fail_sync) {
        return Status::IOError("fsync: injected failure", EIO);
      }
      return f_->Sync();
    }
    Status Close() override { return f_->Close(); }

   private:
    FaultEnv *env_;
    std::unique_ptr<WritableFile> f_;
  };
  Env *base_ = Env::Default();
};

TEST(FaultEnvTest, FailedSyncFailsTheWriteAndIsSticky) {
  TempDir dir;
  FaultEnv env;
  Options o;
  o.env = &env;
  o.sync_mode = SyncMode::kGroup;
  std::vector<std::string> errors;
  o.logger = [&](LogLevel l, std::string_view m) {
    if (l == LogLevel::kError) errors.emplace_back(m);
  };
  auto db = OpenOrDie(dir.Sub("db"), o);
  ASSERT_OK(db->Put("a", "1"));
  env.fail_sync = true;
  Status s = db->Put("b", "2");
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(EIO, s.sys_errno());
  EXPECT_NE(std::string::npos, s.message().find("000001.log"));
  EXPECT_NE(std::string::npos, s.message().find("refuses further writes"));
  EXPECT_EQ("<missing>", GetOr(db.get(), "b"));  // not acknowledged, not seen
  env.fail_sync = false;  // the device "recovers": still refused
  Status s2 = db->Put("c", "3");
  EXPECT_TRUE(s2.IsIOError());
  EXPECT_EQ(s.message(), s2.message());
  EXPECT_TRUE(db->Sync().IsIOError());
  EXPECT_EQ("1", GetOr(db.get(), "a"));  // reads still work
  ASSERT_FALSE(errors.empty());
  (void)db->Close();
  db.reset();
  // Reopening recovers.
  db = OpenOrDie(dir.Sub("db"), o);
  EXPECT_EQ("1", GetOr(db.get(), "a"));
  ASSERT_OK(db->Put("d", "4"));
}

TEST(FaultEnvTest, FailedAppendIsSticky) {
  TempDir dir;
  FaultEnv env;
  Options o;
  o.env = &env;
  o.sync_mode = SyncMode::kNone;
  auto db = OpenOrDie(dir.Sub("db"), o);
  env.fail_append = true;
  EXPECT_TRUE(db->Put("a", "1").IsIOError());
  env.fail_append = false;
  EXPECT_TRUE(db->Put("a", "1").IsIOError());
}

TEST(FaultEnvTest, SyncModes) {
  TempDir dir;
  FaultEnv env;
  Options o;
  o.env = &env;
  o.sync_mode = SyncMode::kNone;
  {
    auto db = OpenOrDie(dir.Sub("none"), o);
    int before = env.syncs.load();
    for (int i = 0; i < 10; ++i) ASSERT_OK(db->Put("k", "v"));
    EXPECT_EQ(before, env.syncs.load());  // no fsync per write
  }
  o.sync_mode = SyncMode::kEvery;
  {
    auto db = OpenOrDie(dir.Sub("every"), o);
    int before = env.syncs.load();
    for (int i = 0; i < 10; ++i) ASSERT_OK(db->Put("k", "v"));
    EXPECT_EQ(before + 10, env.syncs.load());
  }
  o.sync_mode = SyncMode::kGroup;
  {
    auto db = OpenOrDie(dir.Sub("group"), o);
    int before = env.syncs.load();
    for (int i = 0; i < 10; ++i) ASSERT_OK(db->Put("k", "v"));
    EXPECT_EQ(before + 10, env.syncs.load());  // one writer: one fsync each
  }
}

}  // namespace
}  // namespace shale
