/* cmd_scan.c — scan: list the entries of a range. */
#include <stdio.h>

#include "cli_progress.h"
#include "cli_range.h"
#include "cli_store.h"
#include "commands.h"

typedef struct scan_output {
  const cli_args *a;
  unsigned long long count;
} scan_output;

static int print_entry(void *user, const void *key, size_t key_len,
                       const void *value, size_t value_len) {
  scan_output *out = user;
  const cli_args *a = out->a;
  if (a->count) {
    /* counted only */
  } else if (a->json) {
    fputs(out->count == 0 ? "\n  {\"key\": " : ",\n  {\"key\": ", stdout);
    cli_encode_json(stdout, a->key_output, key, key_len);
    if (!a->keys_only) {
      fputs(", \"value\": ", stdout);
      cli_encode_json(stdout, a->value_output, value, value_len);
    }
    fputc('}', stdout);
  } else {
    cli_encode(stdout, a->key_output, key, key_len);
    if (!a->keys_only) {
      fputc('\t', stdout);
      cli_encode(stdout, a->value_output, value, value_len);
    }
    fputc('\n', stdout);
  }
  ++out->count;
  /* A reader that went away (head, a closed pipe) ends the scan. */
  return ferror(stdout) != 0;
}

static int run_scan(const cli_args *a) {
  if (a->json && (a->key_encoding == CLI_ENC_RAW ||
                  (!a->keys_only && a->value_encoding == CLI_ENC_RAW))) {
    fputs(
        "shale scan: --json cannot show raw bytes (JSON strings are "
        "text); use the default escaped text or --hex\n"
        "Try 'shale scan --help'.\n",
        stderr);
    return CLI_EXIT_USAGE;
  }
  cli_range range;
  int rc = cli_range_init("scan", a, &range);
  shale_db *db = NULL;
  if (rc == 0)
    rc = cli_open("scan", a->positional[0], CLI_OPEN_READ_ONLY,
                  SHALE_SYNC_GROUP, &db);
  if (rc == 0) {
    scan_output out = {a, 0};
    if (a->json && !a->count) fputc('[', stdout);
    int32_t st = cli_walk(db, &range, a->reverse, a->limit, print_entry, &out);
    if (a->json && !a->count) fputs(out.count > 0 ? "\n]\n" : "]\n", stdout);
    if (st == SHALE_OK && a->count) {
      if (a->json) {
        printf("{\"count\": %llu}\n", out.count);
      } else {
        printf("%llu\n", out.count);
      }
    }
    if (st == SHALE_E_CANCELLED && cli_interrupted()) {
      fprintf(stderr, "shale scan: interrupted after %llu entries\n",
              out.count);
      rc = CLI_EXIT_INTERRUPTED;
    } else if (st != SHALE_OK && !ferror(stdout)) {
      rc = cli_report("scan", st);
    }
  }
  cli_range_free(&range);
  return cli_close("scan", db, rc);
}

const cli_command cli_command_scan = {
    "scan",
    "list keys and values in order",
    "DB [--from K] [--to K | --through K] [--prefix P] [--reverse] "
    "[--limit N] [--keys-only] [--count] [--json]",
    "Lists the entries in key order, one per line: KEY<TAB>VALUE (KEY with\n"
    "--keys-only), all from one point in time. Opens the store read-only.\n\n"
    "Options:\n"
    "  --from K                start at the first key >= K\n"
    "  --to K                  stop before K (exclusive)\n"
    "  --through K             stop after K (inclusive)\n"
    "  --prefix P              only keys that start with P\n"
    "  -r, --reverse           from the largest key down\n"
    "  -n, --limit N           at most N entries\n"
    "  -k, --keys-only         keys without values\n"
    "  -c, --count             print only the number of entries\n"
    "  --json                  a JSON array of {\"key\", \"value\"} objects\n"
    "                          ({\"count\": N} with "
    "--count)\n" CLI_HELP_ENCODINGS CLI_HELP_UTF8,
    CLI_OPTS_OUTPUT_ENCODING | CLI_OPT_FROM | CLI_OPT_TO | CLI_OPT_THROUGH |
        CLI_OPT_PREFIX | CLI_OPT_REVERSE | CLI_OPT_LIMIT | CLI_OPT_KEYS_ONLY |
        CLI_OPT_COUNT | CLI_OPT_JSON,
    1,
    1,
    run_scan,
    1, /* interruptible */
};
