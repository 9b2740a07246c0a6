// A failing fsync (or write) makes the write fail and the db refuse further
// writes, with a clear message; the failure is never retried into success.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "db/db.h"
#include "env/env_wrapper.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::GetOr;
using testing::OpenOrDie;
using testing::TempDir;

// Wraps the default Env; writable files' Sync/Append fail on demand.
class FaultEnv final : public EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(Env::Default()) {}

  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_append{false};
  std::atomic<int> syncs{0};

  Status NewWritableFile(const std::string &p,
                         std::unique_ptr<WritableFile> *out) override {
    return Wrap(base()->NewWritableFile(p, out), out);
  }
  Status NewAppendableFile(const std::string &p,
                           std::unique_ptr<WritableFile> *out) override {
    return Wrap(base()->NewAppendableFile(p, out), out);
  }

 private:
  class File final : public WritableFileWrapper {
   public:
    File(FaultEnv *env, std::unique_ptr<WritableFile> f)
        : WritableFileWrapper(std::move(f)), env_(env) {}
    Status Append(std::string_view d) override {
      if (env_->fail_append) return Status::IOError("write: injected", EIO);
      return WritableFileWrapper::Append(d);
    }
    Status Sync() override {
      env_->syncs++;
      if (env_->fail_sync) {
        return Status::IOError("fsync: injected failure", EIO);
      }
      return WritableFileWrapper::Sync();
    }

   private:
    FaultEnv *env_;
  };

  Status Wrap(Status s, std::unique_ptr<WritableFile> *out) {
    if (s.ok()) *out = std::make_unique<File>(this, std::move(*out));
    return s;
  }
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
