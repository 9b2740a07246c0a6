/* cmd_salvage.c — salvage: open a damaged store in repair mode, keeping
 * everything readable (shale_options.salvage). */
#include <stdio.h>
#include <string.h>

#include "cli_store.h"
#include "commands.h"

static int run_salvage(const cli_args *a) {
  const char *path = a->positional[0];
  shale_db *db = NULL;
  int rc = cli_open_salvage("salvage", path, &db);
  if (rc != 0) return rc;
  char *recovery = NULL;
  if (shale_db_property(db, "shale.recovery", &recovery) == SHALE_OK) {
    fputs(recovery, stdout);
    size_t n = strlen(recovery);
    if (n > 0 && recovery[n - 1] != '\n') fputc('\n', stdout);
  }
  shale_free(recovery);
  /* Verify the result, so the user knows where the store now stands. */
  char *report = NULL;
  int32_t st = shale_db_verify(db, NULL, NULL, &report);
  if (st == SHALE_OK) {
    printf(
        "%s: salvaged: it verifies sound and opens normally (what "
        "could not be read is listed above)\n",
        path);
  } else {
    rc = cli_report("salvage", st);
  }
  shale_free(report);
  return cli_close("salvage", db, rc);
}

const cli_command cli_command_salvage = {
    "salvage",
    "repair a damaged store, keeping everything readable",
    "DB",
    "Opens the store in repair mode (shale_options.salvage): damaged log\n"
    "records are skipped, damaged tables are rewritten from their readable\n"
    "blocks (the originals are kept in DB/lost/), a damaged or missing\n"
    "manifest or CURRENT is rebuilt. Prints what recovery skipped, then\n"
    "verifies the result. Run it on a copy if you may want the damaged\n"
    "files as they were: it changes the store. Reads every table: slow on\n"
    "a large store.\n",
    0,
    1,
    1,
    run_salvage,
    0, /* Ctrl-C ends it at once */
};
