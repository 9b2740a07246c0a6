// Crash recovery through the C API: a writer child is SIGKILLed at random
// moments; after reopening, every acknowledged write must be present with
// exactly its value, nothing past the last attempted write may exist, and
// every present value must be intact.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "test_util.h"

using namespace shale_test;

namespace {

std::string KeyOf(uint32_t i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%010u", i);
  return buf;
}

// 8-byte index followed by a pattern of a length derived from the index:
// a torn, shortened or misplaced value does not match.
std::string ValueOf(uint32_t i) {
  std::string v(8, '\0');
  uint64_t x = i;
  memcpy(v.data(), &x, 8);
  size_t len = (static_cast<uint64_t>(i) * 2654435761u) % 3000;
  for (size_t j = 0; j < len; ++j) {
    v.push_back(static_cast<char>((i * 31 + j * 7) & 0xff));
  }
  return v;
}

[[noreturn]] void Writer(const std::string &path, uint32_t sync_mode, int fd) {
  shale_options o;
  if (SHALE_OPTIONS_INIT(&o) != SHALE_OK) _exit(2);
  o.sync_mode = sync_mode;
  shale_db *db = nullptr;
  if (shale_db_open(path.c_str(), &o, &db) != SHALE_OK) _exit(3);
  for (uint32_t i = 0;; ++i) {
    std::string k = KeyOf(i), v = ValueOf(i);
    if (shale_db_put(db, k.data(), k.size(), v.data(), v.size()) != SHALE_OK) {
      _exit(4);
    }
    if (write(fd, &i, sizeof(i)) != sizeof(i)) _exit(5);
  }
}

// Reads acknowledgements until the deadline (or EOF when deadline_ms < 0).
void Drain(int fd, int64_t *last_acked, int deadline_ms) {
  auto end = std::chrono::steady_clock::now() +
             std::chrono::milliseconds(deadline_ms < 0 ? 0 : deadline_ms);
  for (;;) {
    int timeout = -1;
    if (deadline_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      end - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return;
      timeout = static_cast<int>(left);
    }
    pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout);
    if (r <= 0) {
      if (deadline_ms >= 0) continue;
      return;
    }
    uint32_t buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) return;  // EOF: the writer is gone
    // Whole 4-byte records: a pipe write of <= PIPE_BUF is atomic.
    for (ssize_t j = 0; j < n / 4; ++j) {
      if (static_cast<int64_t>(buf[j]) > *last_acked) *last_acked = buf[j];
    }
  }
}

void RunRound(uint32_t sync_mode, int delay_ms, int round) {
  TempDir dir;
  std::string path = dir.Sub("db");
  int fds[2];
  ASSERT_EQ(0, pipe(fds));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    Writer(path, sync_mode, fds[1]);
  }
  close(fds[1]);
  int64_t last_acked = -1;
  // Let it start, then kill it at the chosen moment.
  while (last_acked < 0) {
    int64_t before = last_acked;
    Drain(fds[0], &last_acked, 5);
    int status;
    if (before == last_acked && waitpid(pid, &status, WNOHANG) == pid) {
      FAIL() << "writer exited early, status " << status;
    }
  }
  Drain(fds[0], &last_acked, delay_ms);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  ASSERT_TRUE(WIFSIGNALED(status)) << "writer failed, status " << status;
  Drain(fds[0], &last_acked, -1);
  close(fds[0]);

  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db))
      << shale_last_error();
  for (int64_t i = 0; i <= last_acked; ++i) {
    std::string k = KeyOf(static_cast<uint32_t>(i));
    void *v = nullptr;
    size_t n = 0;
    ASSERT_EQ(SHALE_OK, shale_db_get(db, nullptr, k.data(), k.size(), &v, &n))
        << "round " << round << ": acknowledged key " << i << " of "
        << last_acked << " lost";
    std::string got(static_cast<char *>(v), n);
    shale_free(v);
    ASSERT_EQ(ValueOf(static_cast<uint32_t>(i)), got)
        << "round " << round << ": wrong value for key " << i;
  }
  // Nothing beyond the last attempted write (at most last_acked + 1), and
  // every present value intact.
  struct Check {
    int64_t last_acked;
    int64_t max_seen = -1;
    int bad = 0;
  } check{last_acked};
  ASSERT_EQ(
      SHALE_OK,
      shale_db_scan(
          db, nullptr, 0,
          [](void *u, const void *k, size_t kn, const void *v, size_t vn) {
            auto *c = static_cast<Check *>(u);
            std::string key(static_cast<const char *>(k), kn);
            uint32_t i = 0;
            if (sscanf(key.c_str(), "key%10u", &i) != 1) {
              c->bad++;
              return 0;
            }
            if (ValueOf(i) != std::string(static_cast<const char *>(v), vn)) {
              c->bad++;
            }
            if (static_cast<int64_t>(i) > c->max_seen) c->max_seen = i;
            return 0;
          },
          &check));
  EXPECT_EQ(0, check.bad) << "round " << round;
  EXPECT_LE(check.max_seen, last_acked + 1) << "round " << round;
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
}

void RunMode(uint32_t sync_mode, int rounds, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay(0, 60);
  for (int r = 0; r < rounds; ++r) {
    RunRound(sync_mode, delay(rng), r);
    if (testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace

TEST(CrashRecovery, SyncGroup) { RunMode(SHALE_SYNC_GROUP, 20, 42); }
TEST(CrashRecovery, SyncEvery) { RunMode(SHALE_SYNC_EVERY, 15, 43); }
TEST(CrashRecovery, SyncNone) { RunMode(SHALE_SYNC_NONE, 20, 44); }
