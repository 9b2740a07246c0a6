// test_util.h — helpers shared by the C API tests (public header only).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <string.h>

#include <filesystem>
#include <string>

#include "shale.h"

namespace shale_test {

// A fresh temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "shale-capi-XXXXXX").string();
    char *p = mkdtemp(tmpl.data());
    if (p == nullptr) abort();
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string Sub(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Fixture with an open db at <tmp>/db.
class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    ASSERT_EQ(SHALE_OK, shale_db_open(path_.c_str(), nullptr, &db_))
        << shale_last_error();
  }
  void TearDown() override {
    if (db_ != nullptr) {
      EXPECT_EQ(SHALE_OK, shale_db_close(db_)) << shale_last_error();
    }
  }
  void Put(const std::string &k, const std::string &v) {
    ASSERT_EQ(SHALE_OK,
              shale_db_put(db_, k.data(), k.size(), v.data(), v.size()))
        << shale_last_error();
  }
  // The value of k, or "<NOT_FOUND>" / "<ERR ...>".
  std::string Get(const std::string &k, shale_snapshot *snap = nullptr) {
    void *v = nullptr;
    size_t n = 0;
    int32_t rc = shale_db_get(db_, snap, k.data(), k.size(), &v, &n);
    if (rc == SHALE_NOT_FOUND) return "<NOT_FOUND>";
    if (rc != SHALE_OK)
      return std::string("<ERR ") + shale_status_name(rc) + ">";
    std::string s(static_cast<char *>(v), n);
    shale_free(v);
    return s;
  }

  TempDir dir_;
  std::string path_;
  shale_db *db_ = nullptr;
};

// Handle values that were never issued.
inline shale_db *BogusDb() { return reinterpret_cast<shale_db *>(0x1234); }

}  // namespace shale_test
