// The fault-injecting Env itself: its durability model (what survives a
// simulated power loss) and its failure rules. The reliability suites trust
// these answers, so each is checked against the files on disk.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "env/fault_env.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::IsOk;
using testing::ReadFile;
using testing::TempDir;

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  std::unique_ptr<WritableFile> Create(const std::string &name) {
    std::unique_ptr<WritableFile> f;
    EXPECT_TRUE(IsOk(env_.NewWritableFile(dir_.Sub(name), &f)));
    return f;
  }
  bool Exists(const std::string &name) {
    return Env::Default()->FileExists(dir_.Sub(name));
  }
  std::string Read(const std::string &name) { return ReadFile(dir_.Sub(name)); }
  void PowerLoss(TailMode mode = TailMode::kDrop,
                 FaultInjectionEnv::LossReport *r = nullptr) {
    ASSERT_TRUE(IsOk(env_.SimulatePowerLoss(mode, 7, r)));
  }

  TempDir dir_;
  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, SyncedBytesSurviveUnsyncedAreDropped) {
  auto f = Create("a");
  ASSERT_OK(f->Append("durable"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(env_.SyncDir(dir_.path()));
  ASSERT_OK(f->Append("-lost"));
  ASSERT_OK(f->Close());
  EXPECT_EQ("durable-lost", Read("a"));
  FaultInjectionEnv::LossReport r;
  PowerLoss(TailMode::kDrop, &r);
  EXPECT_EQ("durable", Read("a"));
  EXPECT_EQ(1u, r.files_rewound);
  EXPECT_EQ(5u, r.bytes_lost);
}

TEST_F(FaultInjectionEnvTest, TailModesDamageOnlyTheUnsyncedBytes) {
  for (TailMode mode : {TailMode::kKeepPrefix, TailMode::kZeros,
                        TailMode::kGarbage, TailMode::kTornGarbage}) {
    SCOPED_TRACE(TailModeName(mode));
    auto f = Create("t");
    ASSERT_OK(f->Append("head"));
    ASSERT_OK(f->Sync());
    ASSERT_OK(env_.SyncDir(dir_.path()));
    const std::string tail(64, 'x');
    ASSERT_OK(f->Append(tail));
    ASSERT_OK(f->Close());
    PowerLoss(mode);
    std::string got = Read("t");
    ASSERT_GE(got.size(), 4u);
    EXPECT_EQ("head", got.substr(0, 4));
    if (mode == TailMode::kKeepPrefix) {
      EXPECT_LE(got.size(), 4 + tail.size());
      EXPECT_EQ(tail.substr(0, got.size() - 4), got.substr(4));
    } else {
      ASSERT_EQ(4 + tail.size(), got.size());  // size kept, bytes replaced
      if (mode == TailMode::kZeros) {
        EXPECT_EQ(std::string(tail.size(), '\0'), got.substr(4));
      } else if (mode == TailMode::kGarbage) {
        EXPECT_NE(tail, got.substr(4));
      } else {
        // A kept prefix of the tail, then junk up to the old size; the
        // last byte at least is damaged.
        size_t kept = 0;
        while (kept < tail.size() && got[4 + kept] == tail[kept]) ++kept;
        EXPECT_LT(kept, tail.size());
      }
    }
  }
}

TEST_F(FaultInjectionEnvTest, CreationWithoutDirSyncIsUndone) {
  auto f = Create("new");
  ASSERT_OK(f->Append("data"));
  ASSERT_OK(f->Sync());  // data synced, directory entry not
  ASSERT_OK(f->Close());
  PowerLoss();
  EXPECT_FALSE(Exists("new"));

  f = Create("kept");
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());
  ASSERT_OK(env_.SyncDir(dir_.path() + "/"));  // trailing slash: same dir
  PowerLoss();
  EXPECT_TRUE(Exists("kept"));
}

TEST_F(FaultInjectionEnvTest, RenameWithoutDirSyncRestoresTheOldTarget) {
  auto f = Create("CURRENT");
  ASSERT_OK(f->Append("old"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());
  ASSERT_OK(env_.SyncDir(dir_.path()));
  f = Create("CURRENT.tmp");
  ASSERT_OK(f->Append("new"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());
  ASSERT_OK(env_.RenameFile(dir_.Sub("CURRENT.tmp"), dir_.Sub("CURRENT")));
  EXPECT_EQ("new", Read("CURRENT"));
  PowerLoss();
  EXPECT_EQ("old", Read("CURRENT"));
  EXPECT_FALSE(Exists("CURRENT.tmp"));  // its creation was not synced either

  // With the directory synced the rename is durable.
  f = Create("CURRENT.tmp");
  ASSERT_OK(f->Append("new"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());
  ASSERT_OK(env_.RenameFile(dir_.Sub("CURRENT.tmp"), dir_.Sub("CURRENT")));
  ASSERT_OK(env_.SyncDir(dir_.path()));
  PowerLoss();
  EXPECT_EQ("new", Read("CURRENT"));
}

TEST_F(FaultInjectionEnvTest, RemovalWithoutDirSyncBringsTheFileBack) {
  auto f = Create("old.log");
  ASSERT_OK(f->Append("synced"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("+unsynced"));
  ASSERT_OK(f->Close());
  ASSERT_OK(env_.SyncDir(dir_.path()));
  ASSERT_OK(env_.RemoveFile(dir_.Sub("old.log")));
  EXPECT_FALSE(Exists("old.log"));
  PowerLoss();
  EXPECT_EQ("synced", Read("old.log"));

  ASSERT_OK(env_.RemoveFile(dir_.Sub("old.log")));
  ASSERT_OK(env_.SyncDir(dir_.path()));
  PowerLoss();
  EXPECT_FALSE(Exists("old.log"));
}

TEST_F(FaultInjectionEnvTest, FilesPresentBeforeTheEnvCountAsDurable) {
  testing::WriteFile(dir_.Sub("pre"), "existing");
  std::unique_ptr<WritableFile> f;
  ASSERT_OK(env_.NewAppendableFile(dir_.Sub("pre"), &f));
  ASSERT_OK(f->Append("+more"));
  ASSERT_OK(f->Close());
  PowerLoss();
  EXPECT_EQ("existing", Read("pre"));
}

TEST_F(FaultInjectionEnvTest, PowerLossRefusesWhileFilesAreOpen) {
  auto f = Create("open");
  Status s = env_.SimulatePowerLoss(TailMode::kDrop, 1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("still open"));
  ASSERT_OK(f->Close());
  PowerLoss();
}

TEST_F(FaultInjectionEnvTest, NthCallFailsOnceOrPersistently) {
  auto f = Create("w");
  env_.FailNth(FaultKind::kWrite, 2, /*persistent=*/false, ENOSPC);
  ASSERT_OK(f->Append("1"));
  Status s = f->Append("2");
  ASSERT_TRUE(s.IsIOError());
  EXPECT_EQ(ENOSPC, s.sys_errno());
  EXPECT_NE(std::string::npos, s.message().find(dir_.Sub("w")));
  EXPECT_NE(std::string::npos, s.message().find("injected"));
  ASSERT_OK(f->Append("3"));   // once: the next call succeeds
  EXPECT_EQ("13", Read("w"));  // the failed write changed nothing

  env_.FailNth(FaultKind::kSync, 1, /*persistent=*/true, EIO);
  EXPECT_EQ(EIO, f->Sync().sys_errno());
  EXPECT_TRUE(f->Sync().IsIOError());
  EXPECT_TRUE(env_.SyncDir(dir_.path()).IsIOError());
  ASSERT_OK(f->Append("4"));  // other kinds are unaffected
  env_.ClearFaults();
  ASSERT_OK(f->Sync());
  EXPECT_EQ(4u, env_.faults_injected());
  ASSERT_OK(f->Close());
}

TEST_F(FaultInjectionEnvTest, AnyKindCountsEveryCall) {
  env_.FailNth(FaultKind::kAny, 3, false);
  auto f = Create("x");          // 1: open
  ASSERT_OK(f->Append("a"));     // 2: write
  EXPECT_FALSE(f->Sync().ok());  // 3: sync fails
  ASSERT_OK(f->Sync());          // 4
  std::unique_ptr<RandomAccessFile> r;
  env_.FailNth(FaultKind::kRead, 1, false);
  ASSERT_OK(env_.NewRandomAccessFile(dir_.Sub("x"), &r));
  char buf[4];
  std::string_view got;
  EXPECT_TRUE(r->Read(0, 1, &got, buf).IsIOError());
  ASSERT_OK(r->Read(0, 1, &got, buf));
  EXPECT_EQ("a", got);
  EXPECT_EQ(2u, env_.calls(FaultKind::kRead));
  ASSERT_OK(f->Close());
}

TEST_F(FaultInjectionEnvTest, CrashPointStopsEveryLaterMutation) {
  auto f = Create("c");
  ASSERT_OK(f->Append("kept"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(env_.SyncDir(dir_.path()));
  env_.CrashAfter(1);
  ASSERT_OK(f->Append("+1"));  // the one mutation still allowed
  EXPECT_FALSE(env_.crashed());
  Status s = f->Append("+2");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(std::string::npos, s.message().find("power loss"));
  EXPECT_TRUE(env_.crashed());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_FALSE(env_.RenameFile(dir_.Sub("c"), dir_.Sub("d")).ok());
  EXPECT_TRUE(Exists("c"));
  std::unique_ptr<SequentialFile> r;  // reads still work
  ASSERT_OK(env_.NewSequentialFile(dir_.Sub("c"), &r));
  ASSERT_OK(f->Close());
  PowerLoss();
  EXPECT_FALSE(env_.crashed());  // cleared for the next run
  EXPECT_EQ("kept", Read("c"));
  ASSERT_OK(env_.RemoveFile(dir_.Sub("c")));
}

}  // namespace
}  // namespace shale
