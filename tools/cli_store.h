/* cli_store.h — opening and closing the store, and turning shale's status
 * codes into the tool's messages and exit statuses (docs/cli.md, "Exit
 * status"). */
#ifndef SHALE_CLI_STORE_H
#define SHALE_CLI_STORE_H

#include <stdint.h>

#include "shale.h"

/* Exit statuses. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_NOT_FOUND 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_STORE 3
#define CLI_EXIT_CORRUPT 4
#define CLI_EXIT_LOCKED 5
#define CLI_EXIT_BAD_INPUT 6

typedef enum cli_open_mode {
  CLI_OPEN_READ_ONLY, /* never creates, changes nothing on disk */
  CLI_OPEN_WRITE,     /* an existing store */
  CLI_OPEN_CREATE     /* creates the store if it is missing */
} cli_open_mode;

/* Opens the store at path. Returns 0 with *db set, or an exit status after
 * printing why (with a hint for a lock or a missing store). */
int cli_open(const char *command, const char *path, cli_open_mode mode,
             uint32_t sync_mode, shale_db **db);

/* Opens the store at path read-write in repair mode (salvage). Returns as
 * cli_open. */
int cli_open_salvage(const char *command, const char *path, shale_db **db);

/* Closes db. Returns rc, or an exit status if rc was 0 and the close
 * failed. */
int cli_close(const char *command, shale_db *db, int rc);

/* The exit status for a failed shale call. */
int cli_exit_status(int32_t status);

/* Prints "shale COMMAND: shale's message" for the last failed call and
 * returns its exit status. */
int cli_report(const char *command, int32_t status);

#endif
