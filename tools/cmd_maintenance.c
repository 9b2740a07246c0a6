/* cmd_maintenance.c — verify, compact and backup: the long operations,
 * with a progress bar and Ctrl-C through the progress callback. */
#include <stdio.h>
#include <string.h>

#include "cli_input.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "cli_range.h"
#include "cli_store.h"
#include "commands.h"

/* Prints the report's lines that matter (every line with --verbose, else
 * the problems), then "PATH: sound|DAMAGED (summary)", the summary being the
 * report's last line ("N files, B bytes checked, P problems"). */
static void print_report(const char *path, const char *report, int verbose,
                         int sound) {
  const char *summary = "";
  int summary_len = 0;
  for (const char *line = report; *line != '\0';) {
    const char *nl = strchr(line, '\n');
    int len = nl != NULL ? (int)(nl - line) : (int)strlen(line);
    if (verbose || strncmp(line, "PROBLEM ", 8) == 0) {
      printf("%.*s\n", len, line);
    }
    if (len > 0) {
      summary = line;
      summary_len = len;
    }
    line += len + (nl != NULL);
  }
  if (path != NULL) {
    printf("%s: %s (%.*s)\n", path, sound ? "sound" : "DAMAGED", summary_len,
           summary);
  }
}

/* Writes the lines of report that start with `prefix` (without it) as a
 * JSON array of strings. */
static void json_lines(const char *report, const char *prefix) {
  size_t plen = strlen(prefix);
  int first = 1;
  fputc('[', stdout);
  for (const char *line = report; *line != '\0';) {
    const char *nl = strchr(line, '\n');
    size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
    if (len > plen && strncmp(line, prefix, plen) == 0) {
      fputs(first ? "" : ", ", stdout);
      first = 0;
      cli_encode_json(stdout, CLI_ENC_TEXT, line + plen, len - plen);
    }
    line += len + (nl != NULL);
  }
  fputc(']', stdout);
}

/* verify --json: {"path", "opens", "sound", "files", "bytes_checked",
 * "problems": [...], "summary"} (+ "report": every line, with --verbose),
 * from the report of shale_db_verify. */
static void print_report_json(const char *path, const char *report, int verbose,
                              int sound) {
  const char *summary = "";
  size_t summary_len = 0;
  for (const char *line = report; *line != '\0';) {
    const char *nl = strchr(line, '\n');
    size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
    if (len > 0) {
      summary = line;
      summary_len = len;
    }
    line += len + (nl != NULL);
  }
  fputs("{\"path\": ", stdout);
  cli_json_string(stdout, path);
  printf(", \"opens\": true, \"sound\": %s", sound ? "true" : "false");
  unsigned long long files = 0, bytes = 0, problems = 0;
  char line[256];
  snprintf(line, sizeof line, "%.*s", (int)summary_len, summary);
  if (sscanf(line, "%llu files, %llu bytes checked, %llu problem", &files,
             &bytes, &problems) == 3) {
    printf(", \"files\": %llu, \"bytes_checked\": %llu", files, bytes);
  }
  fputs(", \"problems\": ", stdout);
  json_lines(report, "PROBLEM ");
  fputs(", \"summary\": ", stdout);
  cli_encode_json(stdout, CLI_ENC_TEXT, summary, summary_len);
  if (verbose) {
    fputs(", \"report\": ", stdout);
    json_lines(report, "");
  }
  fputs("}\n", stdout);
}

static int run_verify(const cli_args *a) {
  const char *path = a->positional[0];
  shale_db *db = NULL;
  int rc = cli_open("verify", path, CLI_OPEN_READ_ONLY, SHALE_SYNC_GROUP, &db);
  if (rc != 0) {
    if (rc == CLI_EXIT_CORRUPT && a->json) {
      /* The open's message: no shale call since it failed. */
      fputs("{\"path\": ", stdout);
      cli_json_string(stdout, path);
      fputs(", \"opens\": false, \"sound\": false, \"error\": ", stdout);
      cli_json_string(stdout, shale_last_error());
      fputs("}\n", stdout);
    } else if (rc == CLI_EXIT_CORRUPT) {
      printf(
          "%s: DAMAGED (the store does not open; 'shale salvage %s' "
          "recovers what is readable)\n",
          path, path);
    }
    return rc;
  }
  cli_progress progress;
  cli_progress_start(&progress, "verify", a->progress);
  char *report = NULL;
  int32_t st = shale_db_verify(db, cli_progress_callback, &progress, &report);
  cli_progress_end(&progress);
  if (st == SHALE_E_CANCELLED) {
    fprintf(stderr, "shale verify: interrupted; nothing was changed\n");
    rc = CLI_EXIT_INTERRUPTED;
  } else if (st == SHALE_OK || st == SHALE_E_CORRUPTION) {
    if (report != NULL && a->json) {
      print_report_json(path, report, a->verbose, st == SHALE_OK);
    } else if (report != NULL) {
      print_report(path, report, a->verbose, st == SHALE_OK);
    }
    if (st != SHALE_OK) {
      rc = cli_report("verify", st);
      fprintf(stderr,
              "hint: 'shale salvage %s' keeps what is readable "
              "(on a copy, if you want the damaged files as they are)\n",
              path);
    }
  } else {
    if (report != NULL && a->verbose) print_report(NULL, report, 1, 0);
    rc = cli_report("verify", st);
  }
  shale_free(report);
  return cli_close("verify", db, rc);
}

const cli_command cli_command_verify = {
    "verify",
    "read every file and check every checksum",
    "DB [--verbose] [--json]",
    "Reads every file of the store and checks every checksum. Prints\n"
    "'DB: sound (...)' and exits 0, or each problem found (file, offset,\n"
    "what) and exits 4. A store too damaged to open is reported with exit\n"
    "4 (3 for an I/O error). Opens the store read-only.\n\n"
    "Options:\n"
    "  -v, --verbose           print the whole report (every file "
    "checked)\n"
    "  --json                  one JSON object: path, opens, sound, files,\n"
    "                          bytes_checked, problems (a list), summary\n"
    "                          (and report, every line, with "
    "--verbose)\n" CLI_HELP_PROGRESS,
    CLI_OPT_VERBOSE | CLI_OPT_PROGRESS | CLI_OPT_JSON,
    1,
    1,
    run_verify,
    1, /* interruptible */
};

static uint64_t disk_bytes(shale_db *db) {
  shale_stats stats;
  SHALE_STATS_INIT(&stats);
  return shale_db_stats(db, &stats) == SHALE_OK ? stats.disk_bytes : 0;
}

static int run_compact(const cli_args *a) {
  cli_range range;
  int rc = cli_range_init("compact", a, &range);
  const void *start = NULL, *end = NULL;
  size_t start_len = 0, end_len = 0;
  int any = rc == 0 && cli_range_compaction_bounds(&range, &start, &start_len,
                                                   &end, &end_len);
  shale_db *db = NULL;
  if (rc == 0)
    rc = cli_open("compact", a->positional[0], CLI_OPEN_WRITE, SHALE_SYNC_GROUP,
                  &db);
  if (rc == 0 && !any) {
    printf("compacted %s: nothing, the range holds no key\n", a->positional[0]);
  } else if (rc == 0) {
    uint64_t before = disk_bytes(db);
    double t0 = cli_now();
    cli_progress progress;
    cli_progress_start(&progress, "compact", a->progress);
    int32_t st = shale_db_compact_range(db, start, start_len, end, end_len,
                                        cli_progress_callback, &progress);
    cli_progress_end(&progress);
    char b[24], c[24], done[24];
    cli_format_bytes(before, b, sizeof b);
    cli_format_bytes(disk_bytes(db), c, sizeof c);
    cli_format_bytes(progress.done, done, sizeof done);
    if (st == SHALE_OK) {
      printf("compacted %s: %s compacted in %.1f s; on disk %s -> %s\n",
             a->positional[0], done, cli_now() - t0, b, c);
    } else if (st == SHALE_E_CANCELLED) {
      fprintf(stderr,
              "shale compact: interrupted after %s; the work already done "
              "is kept and the store is sound\n",
              done);
      rc = CLI_EXIT_INTERRUPTED;
    } else {
      rc = cli_report("compact", st);
    }
  }
  cli_range_free(&range);
  return cli_close("compact", db, rc);
}

const cli_command cli_command_compact = {
    "compact",
    "compact a key range (default: all) down the levels",
    "DB [--from K] [--to K | --through K]",
    "Compacts the keys in range (default: every key) down the levels:\n"
    "overwritten versions and deletions are dropped and the disk space\n"
    "returned. Prints the size on disk before and after. Interrupted, it\n"
    "keeps the work already done.\n\n"
    "Options (the range, as for scan):\n"
    "  --from K                from the first key >= K\n"
    "  --to K                  stop before K (exclusive)\n"
    "  --through K             stop after K "
    "(inclusive)\n" CLI_HELP_KEY_ENCODINGS CLI_HELP_PROGRESS,
    CLI_OPTS_KEY_ENCODING | CLI_OPT_FROM | CLI_OPT_TO | CLI_OPT_THROUGH |
        CLI_OPT_PROGRESS,
    1,
    1,
    run_compact,
    1, /* interruptible */
};

static int run_backup(const cli_args *a) {
  const char *dest = a->positional[1];
  shale_db *db = NULL;
  int rc = cli_open("backup", a->positional[0], CLI_OPEN_READ_ONLY,
                    SHALE_SYNC_GROUP, &db);
  if (rc == 0) {
    double t0 = cli_now();
    cli_progress progress;
    cli_progress_start(&progress, "backup", a->progress);
    int32_t st = shale_db_backup(db, dest, cli_progress_callback, &progress);
    cli_progress_end(&progress);
    char done[24];
    cli_format_bytes(progress.done, done, sizeof done);
    if (st == SHALE_OK) {
      printf("backed up %s to %s: %s in %.1f s\n", a->positional[0], dest, done,
             cli_now() - t0);
    } else if (st == SHALE_E_CANCELLED) {
      fprintf(stderr,
              "shale backup: interrupted; the partial copy was removed\n");
      rc = CLI_EXIT_INTERRUPTED;
    } else {
      rc = cli_report("backup", st);
    }
  }
  return cli_close("backup", db, rc);
}

const cli_command cli_command_backup = {
    "backup",
    "write a consistent copy of the store to a new directory",
    "DB DEST",
    "Writes a consistent copy of the store into DEST, which must not exist\n"
    "or must be empty: immutable files are hard-linked where possible,\n"
    "copied otherwise, and everything is synced. The copy is an ordinary\n"
    "store. Interrupted or failed, the partial copy is removed. Opens the\n"
    "store read-only.\n\n"
    "Options:\n" CLI_HELP_PROGRESS,
    CLI_OPT_PROGRESS,
    2,
    2,
    run_backup,
    1, /* interruptible */
};
