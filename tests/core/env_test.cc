#include "env/env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "env/atomic_file.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(EnvTest, WriteReadTruncateRename) {
  TempDir dir;
  Env *env = Env::Default();
  const std::string f = dir.Sub("f");
  std::unique_ptr<WritableFile> w;
  ASSERT_OK(env->NewWritableFile(f, &w));
  ASSERT_OK(w->Append("hello "));
  ASSERT_OK(w->Append("world"));
  // Appended bytes are with the OS at once (no user-space buffer).
  EXPECT_EQ("hello world", ReadFile(f));
  ASSERT_OK(w->Sync());
  ASSERT_OK(w->Close());
  uint64_t size = 0;
  ASSERT_OK(env->GetFileSize(f, &size));
  EXPECT_EQ(11u, size);
  ASSERT_OK(env->TruncateFile(f, 5));
  std::string data;
  ASSERT_OK(env->ReadFileToString(f, &data));
  EXPECT_EQ("hello", data);
  ASSERT_OK(env->NewAppendableFile(f, &w));
  ASSERT_OK(w->Append("!"));
  ASSERT_OK(w->Close());
  EXPECT_EQ("hello!", ReadFile(f));
  ASSERT_OK(env->RenameFile(f, dir.Sub("g")));
  EXPECT_FALSE(env->FileExists(f));
  std::vector<std::string> names;
  ASSERT_OK(env->GetChildren(dir.path(), &names));
  EXPECT_EQ(std::vector<std::string>{"g"}, names);
  ASSERT_OK(env->RemoveFile(dir.Sub("g")));
  ASSERT_OK(env->SyncDir(dir.path()));
  ASSERT_OK(env->CreateDir(dir.Sub("d")));
  ASSERT_OK(env->CreateDir(dir.Sub("d")));  // already there: fine
}

TEST(EnvTest, ErrorsCarryPathAndErrno) {
  TempDir dir;
  Env *env = Env::Default();
  std::unique_ptr<SequentialFile> r;
  Status s = env->NewSequentialFile(dir.Sub("missing"), &r);
  ASSERT_TRUE(s.IsIOError());
  EXPECT_EQ(ENOENT, s.sys_errno());
  EXPECT_NE(std::string::npos, s.message().find(dir.Sub("missing")));
  EXPECT_NE(std::string::npos, s.message().find("No such file"));
  EXPECT_TRUE(env->RemoveFile(dir.Sub("missing")).IsIOError());
  uint64_t size = 1;
  EXPECT_TRUE(env->GetFileSize(dir.Sub("missing"), &size).IsIOError());
}

TEST(EnvTest, LockConflictsWithinTheProcess) {
  TempDir dir;
  Env *env = Env::Default();
  std::unique_ptr<FileLock> a, b;
  ASSERT_OK(env->LockFile(dir.Sub("LOCK"), &a));
  Status s = env->LockFile(dir.Sub("LOCK"), &b);
  EXPECT_EQ(Status::Code::kLocked, s.code()) << s.ToString();
  EXPECT_EQ(std::to_string(::getpid()) + "\n", ReadFile(dir.Sub("LOCK")));
  ASSERT_OK(env->UnlockFile(std::move(a)));
  ASSERT_OK(env->LockFile(dir.Sub("LOCK"), &b));
  ASSERT_OK(env->UnlockFile(std::move(b)));
}

TEST(AtomicFileTest, ReplacesAndLeavesNoTemp) {
  TempDir dir;
  const std::string f = dir.Sub("CURRENT");
  ASSERT_OK(ReplaceFileAtomically(Env::Default(), f, "one\n"));
  EXPECT_EQ("one\n", ReadFile(f));
  ASSERT_OK(ReplaceFileAtomically(Env::Default(), f, "two\n"));
  EXPECT_EQ("two\n", ReadFile(f));
  EXPECT_FALSE(std::filesystem::exists(AtomicTempName(f)));
  std::vector<std::string> names;
  ASSERT_OK(Env::Default()->GetChildren(dir.path(), &names));
  EXPECT_EQ(std::vector<std::string>{"CURRENT"}, names);
}

TEST(AtomicFileTest, FailureLeavesOldContents) {
  TempDir dir;
  const std::string f = dir.Sub("CURRENT");
  WriteFile(f, "old\n");
  // The temp path is a directory: creating it fails, the target survives.
  std::filesystem::create_directory(AtomicTempName(f));
  Status s = ReplaceFileAtomically(Env::Default(), f, "new\n");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(std::string::npos, s.message().find(AtomicTempName(f)));
  EXPECT_EQ("old\n", ReadFile(f));
}

TEST(AtomicFileTest, DirName) {
  EXPECT_EQ("/a/b", DirName("/a/b/c"));
  EXPECT_EQ("/", DirName("/c"));
  EXPECT_EQ(".", DirName("c"));
}

}  // namespace
}  // namespace shale
