// Handles used in a forked child are refused with SHALE_E_FORKED.
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

using namespace shale_test;

namespace {

// Runs body in a child; returns its exit code (or -1).
template <class F>
int InChild(F body) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) _exit(body());
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

TEST_F(DbTest, HandleInForkedChildIsRefused) {
  Put("k", "v");
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  std::string other = dir_.Sub("child-db");
  int code = InChild([&]() -> int {
    if (shale_db_put(db_, "k", 1, "w", 1) != SHALE_E_FORKED) return 1;
    if (strstr(shale_last_error(), "fork") == nullptr) return 2;
    void *v = nullptr;
    size_t n = 0;
    if (shale_db_get(db_, nullptr, "k", 1, &v, &n) != SHALE_E_FORKED) return 3;
    if (shale_iter_first(it) != SHALE_E_FORKED) return 4;
    if (shale_batch_put(b, "k", 1, "v", 1) != SHALE_E_FORKED) return 5;
    if (shale_db_close(db_) != SHALE_E_FORKED) return 6;
    // New handles in the child work.
    shale_batch *cb = nullptr;
    if (shale_batch_new(&cb) != SHALE_OK) return 7;
    if (shale_batch_put(cb, "k", 1, "v", 1) != SHALE_OK) return 8;
    if (shale_batch_free(cb) != SHALE_OK) return 9;
    shale_db *cdb = nullptr;
    if (shale_db_open(other.c_str(), nullptr, &cdb) != SHALE_OK) return 10;
    if (shale_db_put(cdb, "c", 1, "d", 1) != SHALE_OK) return 11;
    if (shale_db_close(cdb) != SHALE_OK) return 12;
    return 0;
  });
  EXPECT_EQ(0, code);
  // The parent's handles are unaffected.
  EXPECT_EQ(SHALE_OK, shale_iter_first(it));
  EXPECT_EQ("v", Get("k"));
  EXPECT_EQ(SHALE_OK, shale_batch_put(b, "k", 1, "v", 1));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}
