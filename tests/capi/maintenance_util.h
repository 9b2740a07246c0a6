// maintenance_util.h — helpers for the maintenance, job and stats tests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "test_util.h"

namespace shale_test {

// Options with a small write buffer, so that a few MB of writes make
// several table files.
inline shale_options SmallBufferOptions() {
  shale_options o;
  shale_options_init(&o, sizeof(o));
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.sync_mode = SHALE_SYNC_NONE;  // fsync per put would make the fill slow
  return o;
}

// Writes `n` keys of about 1 KiB each.
inline void Fill(shale_db *db, int n, const std::string &prefix = "key") {
  std::string value(1000, 'v');
  for (int i = 0; i < n; ++i) {
    char key[64];
    snprintf(key, sizeof(key), "%s%08d", prefix.c_str(), i);
    value[0] = static_cast<char>('a' + i % 26);
    ASSERT_EQ(SHALE_OK,
              shale_db_put(db, key, strlen(key), value.data(), value.size()))
        << shale_last_error();
  }
}

// A db with several table files: the fixture of the maintenance tests.
class FilledDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    shale_options o = SmallBufferOptions();
    ASSERT_EQ(SHALE_OK, shale_db_open(path_.c_str(), &o, &db_))
        << shale_last_error();
    Fill(db_, 600);
  }
  void TearDown() override {
    if (db_ != nullptr) {
      EXPECT_EQ(SHALE_OK, shale_db_close(db_)) << shale_last_error();
    }
  }

  TempDir dir_;
  std::string path_;
  shale_db *db_ = nullptr;
};

// A gate a callback blocks on until the test opens it.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // Blocks until open; counts the waiters that arrived.
  void Pass() {
    std::unique_lock lock(mu_);
    ++arrived_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  // Waits until a callback arrived at the gate (or 10 s passed).
  bool WaitArrived() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10),
                        [&] { return arrived_ > 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int arrived_ = 0;
};

}  // namespace shale_test
