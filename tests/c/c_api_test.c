/* c_api_test.c — the C API exercised from plain C99 (TAP-style output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shale.h"

static int g_failures = 0;
static int g_count = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    ++g_count;                                                             \
    if (cond) {                                                            \
      printf("ok %d - %s\n", g_count, #cond);                              \
    } else {                                                               \
      ++g_failures;                                                        \
      printf("not ok %d - %s (line %d; last error: %s)\n", g_count, #cond, \
             __LINE__, shale_last_error());                                \
    }                                                                      \
  } while (0)

struct counter {
  int calls;
  int frees;
};

static int count_scan(void *user, const void *key, size_t key_len,
                      const void *value, size_t value_len) {
  struct counter *c = (struct counter *)user;
  (void)key;
  (void)key_len;
  (void)value;
  (void)value_len;
  c->calls++;
  return c->calls >= 2 ? 1 : 0;
}

static int on_change(void *user, int32_t kind, const void *key, size_t key_len,
                     const void *value, size_t value_len) {
  struct counter *c = (struct counter *)user;
  (void)key;
  (void)key_len;
  (void)value;
  (void)value_len;
  if (kind == SHALE_CHANGE_PUT || kind == SHALE_CHANGE_DELETE) c->calls++;
  return 0;
}

static void free_counter(void *user) { ((struct counter *)user)->frees++; }

static int count_progress(void *user, uint64_t done, uint64_t total) {
  struct counter *c = (struct counter *)user;
  (void)done;
  (void)total;
  c->calls++;
  return 0;
}

static int on_done(void *user, int32_t status, const char *message) {
  struct counter *c = (struct counter *)user;
  (void)message;
  if (status == SHALE_OK) c->calls += 1000;
  return 0;
}

int main(void) {
  char dir[] = "/tmp/shale-c-test-XXXXXX";
  char path[256];
  shale_options options;
  shale_db *db = NULL;
  shale_batch *batch = NULL;
  shale_snapshot *snap = NULL;
  shale_iter *iter = NULL;
  shale_subscription *sub = NULL;
  struct counter scan = {0, 0};
  struct counter changes = {0, 0};
  void *value = NULL;
  size_t value_len = 0;
  char buf[16];
  size_t needed = 0;
  size_t count = 0;
  const void *kp = NULL;
  size_t kn = 0;
  int rc;

  if (mkdtemp(dir) == NULL) return 2;
  snprintf(path, sizeof(path), "%s/db", dir);

  CHECK(shale_abi_version() == SHALE_ABI_VERSION);
  CHECK(strcmp(shale_version(), SHALE_VERSION_STRING) == 0);
  CHECK(SHALE_OPTIONS_INIT(&options) == SHALE_OK);
  options.sync_mode = SHALE_SYNC_NONE;
  CHECK(shale_db_open(path, &options, &db) == SHALE_OK);

  CHECK(shale_db_put(db, "hello", 5, "world", 5) == SHALE_OK);
  CHECK(shale_db_get(db, NULL, "hello", 5, &value, &value_len) == SHALE_OK);
  CHECK(value_len == 5 && memcmp(value, "world", 5) == 0);
  shale_free(value);
  CHECK(shale_db_get_into(db, NULL, "hello", 5, buf, sizeof(buf), &needed) ==
        SHALE_OK);
  CHECK(needed == 5 && memcmp(buf, "world", 5) == 0);
  CHECK(shale_db_get_into(db, NULL, "hello", 5, buf, 2, &needed) ==
        SHALE_E_BUFFER_TOO_SMALL);
  CHECK(needed == 5);
  CHECK(shale_db_exists(db, NULL, "hello", 5) == SHALE_OK);
  CHECK(shale_db_delete(db, "hello", 5) == SHALE_OK);
  CHECK(shale_db_exists(db, NULL, "hello", 5) == SHALE_NOT_FOUND);
  CHECK(shale_db_get(db, NULL, "hello", 5, &value, &value_len) ==
        SHALE_NOT_FOUND);
  CHECK(value == NULL && value_len == 0);

  /* Empty value. */
  CHECK(shale_db_put(db, "e", 1, NULL, 0) == SHALE_OK);
  CHECK(shale_db_get(db, NULL, "e", 1, &value, &value_len) == SHALE_OK);
  CHECK(value != NULL && value_len == 0);
  shale_free(value);

  /* Subscription. */
  CHECK(shale_db_subscribe(db, "b", 1, on_change, &changes, free_counter,
                           &sub) == SHALE_OK);

  /* Batch. */
  CHECK(shale_batch_new(&batch) == SHALE_OK);
  CHECK(shale_batch_put(batch, "b1", 2, "1", 1) == SHALE_OK);
  CHECK(shale_batch_put(batch, "b2", 2, "2", 1) == SHALE_OK);
  CHECK(shale_batch_delete(batch, "e", 1) == SHALE_OK);
  CHECK(shale_batch_count(batch, &count) == SHALE_OK && count == 3);
  CHECK(shale_db_write(db, batch) == SHALE_OK);
  CHECK(shale_batch_free(batch) == SHALE_OK);
  CHECK(changes.calls == 2);
  CHECK(shale_unsubscribe(sub) == SHALE_OK);
  CHECK(changes.frees == 1);

  /* Snapshot and iterator. */
  CHECK(shale_snapshot_new(db, &snap) == SHALE_OK);
  CHECK(shale_db_put(db, "b3", 2, "3", 1) == SHALE_OK);
  {
    shale_iter_options io;
    int n = 0;
    CHECK(SHALE_ITER_OPTIONS_INIT(&io) == SHALE_OK);
    io.snapshot = snap;
    io.prefix = "b";
    io.prefix_len = 1;
    CHECK(shale_iter_new(db, &io, &iter) == SHALE_OK);
    for (rc = shale_iter_first(iter); rc == SHALE_OK;
         rc = shale_iter_next(iter)) {
      n++;
    }
    CHECK(rc == SHALE_NOT_FOUND);
    CHECK(n == 2);
    CHECK(shale_iter_last(iter) == SHALE_OK);
    CHECK(shale_iter_key(iter, &kp, &kn) == SHALE_OK && kn == 2 &&
          memcmp(kp, "b2", 2) == 0);
    CHECK(shale_iter_free(iter) == SHALE_OK);
  }
  CHECK(shale_snapshot_free(snap) == SHALE_OK);

  /* Scan, stopped by the callback. */
  CHECK(shale_db_scan(db, NULL, 0, count_scan, &scan) == SHALE_E_CANCELLED);
  CHECK(scan.calls == 2);

  /* Maintenance, statistics and a background job (since 0.2.0). */
  {
    struct counter progress = {0, 0};
    struct counter job_user = {0, 0};
    char backup[300];
    char *report = NULL;
    char *message = NULL;
    shale_stats stats;
    shale_job *job = NULL;
    int32_t state = -1, result = -1;
    CHECK(shale_db_flush(db) == SHALE_OK);
    CHECK(shale_db_compact_range(db, NULL, 0, NULL, 0, count_progress,
                                 &progress) == SHALE_OK);
    CHECK(shale_db_verify(db, NULL, NULL, &report) == SHALE_OK);
    CHECK(report != NULL);
    shale_free(report);
    snprintf(backup, sizeof(backup), "%s/backup", dir);
    CHECK(shale_db_backup(db, backup, NULL, NULL) == SHALE_OK);
    CHECK(SHALE_STATS_INIT(&stats) == SHALE_OK);
    CHECK(stats.struct_size == sizeof(stats));
    CHECK(shale_db_stats(db, &stats) == SHALE_OK);
    CHECK(stats.flushes >= 1);
    CHECK(shale_db_verify_async(db, NULL, on_done, &job_user, free_counter,
                                &job) == SHALE_OK);
    CHECK(job != NULL);
    CHECK(shale_job_wait(job, -1) == SHALE_OK);
    CHECK(shale_job_status(job, &state, &result, NULL, NULL, &message) ==
          SHALE_OK);
    CHECK(state == SHALE_JOB_FINISHED);
    CHECK(result == SHALE_OK);
    CHECK(message != NULL);
    shale_free(message);
    CHECK(job_user.calls >= 1000);
    CHECK(job_user.frees == 1);
    CHECK(shale_job_free(job) == SHALE_OK);
    CHECK(shale_job_free(NULL) == SHALE_OK);
    CHECK(strcmp(shale_status_name(SHALE_E_TIMEOUT), "SHALE_E_TIMEOUT") == 0);
  }

  /* Errors. */
  CHECK(shale_db_put(db, NULL, 3, "v", 1) == SHALE_E_INVALID_ARGUMENT);
  CHECK(shale_last_status() == SHALE_E_INVALID_ARGUMENT);
  CHECK(strlen(shale_last_error()) > 0);
  CHECK(shale_db_put((shale_db *)(uintptr_t)0x1234, "k", 1, "v", 1) ==
        SHALE_E_INVALID_HANDLE);
  CHECK(strcmp(shale_status_name(SHALE_E_CLOSED), "SHALE_E_CLOSED") == 0);

  /* A successful release keeps the previous call's error (so a finalizer
   * cannot erase it); the next ordinary call clears it. */
  CHECK(shale_db_close(db) == SHALE_OK);
  CHECK(shale_last_status() == SHALE_E_INVALID_HANDLE);
  CHECK(strstr(shale_last_error(), "0x1234") != NULL);
  CHECK(shale_abi_version() == SHALE_ABI_VERSION);
  CHECK(strcmp(shale_last_error(), "") == 0);
  CHECK(shale_db_close(NULL) == SHALE_OK);
  CHECK(shale_db_put(db, "k", 1, "v", 1) == SHALE_E_INVALID_HANDLE);

  {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
  }
  printf("1..%d\n", g_count);
  if (g_failures != 0) printf("# %d of %d failed\n", g_failures, g_count);
  return g_failures == 0 ? 0 : 1;
}
