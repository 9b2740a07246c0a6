/*
 * header_use.c — the public header in every language mode of the matrix
 * (tests/c/CMakeLists.txt): C89 to C2x and, compiled with -x c++, C++98 to
 * C++20, by gcc and clang, with -Wall -Wextra -pedantic -Werror and more.
 * So this file is itself C89 and C++98: block comments, declarations first,
 * no designated initializers. It uses every macro of the header in an
 * expression (a macro that warns in a user's strict build fails here),
 * a callback of each type, and calls a few functions that need no db, so
 * linking and running it proves the declarations match the library.
 */
/* First, so that the header is shown to compile on its own. */
/* clang-format off */
#include "shale.h"
/* clang-format on */

#include <stdio.h>
#include <string.h>

static int on_log(void *user, int32_t level, const char *message) {
  (void)user;
  (void)level;
  (void)message;
  return 0;
}

static int on_scan(void *user, const void *key, size_t key_len,
                   const void *value, size_t value_len) {
  (void)user;
  (void)key;
  (void)value;
  return key_len + value_len > 0 ? 0 : 1;
}

static int on_change(void *user, int32_t kind, const void *key, size_t key_len,
                     const void *value, size_t value_len) {
  (void)user;
  (void)key;
  (void)key_len;
  (void)value;
  (void)value_len;
  return kind == SHALE_CHANGE_PUT || kind == SHALE_CHANGE_DELETE ? 0 : 1;
}

static int on_progress(void *user, uint64_t done, uint64_t total) {
  (void)user;
  return done > total ? 1 : 0;
}

static int on_done(void *user, int32_t status, const char *message) {
  (void)user;
  (void)message;
  return status == SHALE_OK ? 0 : 1;
}

static void on_free(void *user) { (void)user; }

int main(void) {
  static const int32_t codes[] = {SHALE_OK,
                                  SHALE_NOT_FOUND,
                                  SHALE_E_INVALID_ARGUMENT,
                                  SHALE_E_INVALID_HANDLE,
                                  SHALE_E_CLOSED,
                                  SHALE_E_IO,
                                  SHALE_E_CORRUPTION,
                                  SHALE_E_LOCKED,
                                  SHALE_E_NOMEM,
                                  SHALE_E_BUFFER_TOO_SMALL,
                                  SHALE_E_READ_ONLY,
                                  SHALE_E_CANCELLED,
                                  SHALE_E_NOT_SUPPORTED,
                                  SHALE_E_INTERNAL,
                                  SHALE_E_EXISTS,
                                  SHALE_E_BUSY,
                                  SHALE_E_FORKED,
                                  SHALE_E_TIMEOUT};
  static const int32_t levels[] = {SHALE_LOG_DEBUG, SHALE_LOG_INFO,
                                   SHALE_LOG_WARN, SHALE_LOG_ERROR};
  static const uint32_t modes[] = {SHALE_SYNC_NONE, SHALE_SYNC_EVERY,
                                   SHALE_SYNC_GROUP};
  static const int32_t others[] = {
      SHALE_ITER_FORWARD,  SHALE_ITER_BACKWARD, SHALE_JOB_RUNNING,
      SHALE_JOB_FINISHED,  SHALE_STATS_LEVELS,  SHALE_ABI_VERSION,
      SHALE_VERSION_MAJOR, SHALE_VERSION_MINOR, SHALE_VERSION_PATCH};
  shale_options options;
  shale_iter_options iter_options;
  shale_stats stats;
  shale_log_fn log_fn = on_log;
  shale_scan_fn scan_fn = on_scan;
  shale_change_fn change_fn = on_change;
  shale_progress_fn progress_fn = on_progress;
  shale_job_done_fn done_fn = on_done;
  shale_user_free_fn free_fn = on_free;
  shale_db *db = NULL;
  size_t limits = SHALE_MAX_KEY_SIZE + SHALE_MAX_VALUE_SIZE;
  size_t missing = SHALE_MISSING;
  uint32_t flags = SHALE_SCAN_REVERSE;
  int32_t number = SHALE_VERSION_NUMBER;
  size_t i;
  int bad = 0;

  if (SHALE_OPTIONS_INIT(&options) != SHALE_OK) bad = 1;
  if (SHALE_ITER_OPTIONS_INIT(&iter_options) != SHALE_OK) bad = 1;
  if (SHALE_STATS_INIT(&stats) != SHALE_OK) bad = 1;
  options.logger = log_fn;
  options.logger_user_free = free_fn;
  if (strcmp(shale_version(), SHALE_VERSION_STRING) != 0) bad = 1;
  if (shale_version_number() != number) bad = 1;
  if (shale_abi_version() != SHALE_ABI_VERSION) bad = 1;
  for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (strcmp(shale_status_name(codes[i]), "SHALE_E_UNKNOWN") == 0) bad = 1;
  }
  if (shale_db_close(db) != SHALE_OK) bad = 1; /* NULL: a no-op */
  if (shale_db_scan(db, &iter_options, flags, scan_fn, NULL) !=
      SHALE_E_INVALID_HANDLE) {
    bad = 1;
  }
  if (limits < SHALE_MAX_BATCH_SIZE / 8 || missing != SIZE_MAX) bad = 1;
  (void)levels;
  (void)modes;
  (void)others;
  (void)change_fn;
  (void)progress_fn;
  (void)done_fn;
  printf("shale.h %s: %s\n", SHALE_VERSION_STRING, bad ? "FAILED" : "OK");
  return bad;
}
