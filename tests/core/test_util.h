// Helpers shared by the core tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "db/db.h"

namespace shale::testing {

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/shale-core-XXXXXX";
    char *p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p != nullptr ? p : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  // A path inside the directory that does not exist yet.
  std::string Sub(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const std::string &path, const std::string &data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Options for tests that are not about durability: no fsync per write
// (writes still reach the OS, so they survive a reopen in the process).
inline Options NoSyncOptions() {
  Options o;
  o.sync_mode = SyncMode::kNone;
  return o;
}

inline std::unique_ptr<DB> OpenOrDie(const std::string &path,
                                     Options options = NoSyncOptions()) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return db;
}

inline std::string GetOr(DB *db, std::string_view key,
                         std::string missing = "<missing>") {
  std::string v;
  Status s = db->Get(ReadOptions(), key, &v);
  if (s.IsNotFound()) return missing;
  EXPECT_TRUE(s.ok()) << s.ToString();
  return v;
}

inline ::testing::AssertionResult IsOk(const Status &s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s.ToString();
}

}  // namespace shale::testing

#define ASSERT_OK(expr) ASSERT_TRUE(::shale::testing::IsOk(expr))
#define EXPECT_OK(expr) EXPECT_TRUE(::shale::testing::IsOk(expr))
