/* cli_store.c — see cli_store.h. */
#include "cli_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_progress.h"

int cli_exit_status(int32_t status) {
  switch (status) {
    case SHALE_OK:
      return CLI_EXIT_OK;
    case SHALE_NOT_FOUND:
      return CLI_EXIT_NOT_FOUND;
    case SHALE_E_INVALID_ARGUMENT:
      return CLI_EXIT_USAGE;
    case SHALE_E_CORRUPTION:
      return CLI_EXIT_CORRUPT;
    case SHALE_E_LOCKED:
      return CLI_EXIT_LOCKED;
    case SHALE_E_CANCELLED:
      return CLI_EXIT_INTERRUPTED;
    default:
      return CLI_EXIT_STORE;
  }
}

int cli_report(const char *command, int32_t status) {
  const char *message = shale_last_error();
  cli_progress_clear_line();
  fflush(stdout); /* what was printed before the error comes first */
  fprintf(stderr, "shale %s: %s\n", command,
          message[0] != '\0' ? message : shale_status_name(status));
  return cli_exit_status(status);
}

/* Library diagnostics worth a user's attention (recovery dropping a torn
 * tail, a damaged file skipped) go to stderr. */
static int log_to_stderr(void *user, int32_t level, const char *message) {
  (void)user;
  cli_progress_clear_line();
  fprintf(stderr, "shale: %s: %s\n",
          level >= SHALE_LOG_ERROR ? "error" : "warning", message);
  return 0;
}

static int open_with(const char *command, const char *path, cli_open_mode mode,
                     uint32_t sync_mode, int salvage, shale_db **db) {
  *db = NULL;
  shale_options options;
  SHALE_OPTIONS_INIT(&options);
  options.salvage = (uint32_t)salvage;
  options.read_only = mode == CLI_OPEN_READ_ONLY;
  options.create_if_missing = mode == CLI_OPEN_CREATE;
  options.sync_mode = sync_mode;
  /* Warnings only where they concern a change the command makes: a
   * read-only open leaves a torn log tail in place and would warn about it
   * on every command (verify and stat report it), and salvage prints its
   * whole recovery report instead. */
  options.log_level =
      salvage || mode == CLI_OPEN_READ_ONLY ? SHALE_LOG_ERROR : SHALE_LOG_WARN;
  options.logger = log_to_stderr;
  int32_t st = shale_db_open(path, &options, db);
  if (st == SHALE_OK) return CLI_EXIT_OK;
  int32_t err = shale_last_errno();
  int rc = cli_report(command, st);
  if (st == SHALE_E_LOCKED) {
    fprintf(stderr,
            "hint: a store is open in one process at a time; close it "
            "there, or work on a copy made with 'shale backup'\n");
  } else if (st == SHALE_E_IO && err == ENOENT && mode != CLI_OPEN_CREATE) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
      fprintf(stderr, "hint: there is no store at %s%s\n", path,
              mode == CLI_OPEN_READ_ONLY
                  ? " (reading commands never create one; 'shale put' and "
                    "'shale load' do)"
                  : "");
    } else {
      fprintf(stderr, "hint: %s exists but is not a shale store\n", path);
    }
  }
  return rc;
}

int cli_open(const char *command, const char *path, cli_open_mode mode,
             uint32_t sync_mode, shale_db **db) {
  return open_with(command, path, mode, sync_mode, 0, db);
}

int cli_open_salvage(const char *command, const char *path, shale_db **db) {
  return open_with(command, path, CLI_OPEN_WRITE, SHALE_SYNC_GROUP, 1, db);
}

int cli_close(const char *command, shale_db *db, int rc) {
  if (db == NULL) return rc;
  int32_t st = shale_db_close(db);
  if (st != SHALE_OK && rc == CLI_EXIT_OK) return cli_report(command, st);
  return rc;
}
