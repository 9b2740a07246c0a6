/* cmd_stat.c — stat: the store's figures, readable or as JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_output.h"
#include "cli_store.h"
#include "commands.h"

/* A property's text, or "" (the stats still print without it). */
static char *property(shale_db *db, const char *name) {
  char *text = NULL;
  if (shale_db_property(db, name, &text) != SHALE_OK) return NULL;
  return text;
}

static void print_human(const char *path, const char *sequence,
                        const char *recovery, const shale_stats *s) {
  char a[32], b[32], c[32], d[32];
#define BYTES(v, buf) (cli_format_bytes((v), (buf), sizeof(buf)), (buf))
#define COUNT(v, buf) (cli_format_count((v), (buf), sizeof(buf)), (buf))
  printf("store          %s\n", path);
  printf("library        shale %s\n", shale_version());
  printf("sequence       %s\n", sequence != NULL ? sequence : "?");
  printf("entries        %s (approximate, every version)\n",
         COUNT(s->approximate_keys, a));
  printf("live data      %s\n", BYTES(s->live_bytes, a));
  printf("on disk        %s\n", BYTES(s->disk_bytes, a));
  printf("memtable       %s\n", BYTES(s->memtable_bytes, a));
  printf("levels         files        bytes\n");
  for (int i = 0; i < SHALE_STATS_LEVELS; ++i) {
    if (s->level_files[i] == 0 && i > 1) continue;
    printf("  L%d     %12s %12s\n", i, COUNT(s->level_files[i], a),
           BYTES(s->level_bytes[i], b));
  }
  printf("block cache    %s of %s; %s hits, %s misses\n",
         BYTES(s->cache_usage, a), BYTES(s->cache_capacity, b),
         COUNT(s->cache_hits, c), COUNT(s->cache_misses, d));
  printf("open tables    %s\n", COUNT(s->open_tables, a));
  printf("since open     %s flushes, %s compactions, %s written to the log\n",
         COUNT(s->flushes, a), COUNT(s->compactions, b),
         BYTES(s->wal_bytes_written, c));
  /* The recovery report, one line per step, aligned under its title. */
  const char *title = "recovery       ";
  for (const char *line = recovery; line != NULL && *line != '\0';) {
    const char *nl = strchr(line, '\n');
    int len = nl != NULL ? (int)(nl - line) : (int)strlen(line);
    printf("%s%.*s\n", title, len, line);
    title = "               ";
    line += len + (nl != NULL);
  }
#undef BYTES
#undef COUNT
}

static void print_json(const char *path, const char *sequence,
                       const char *recovery, const shale_stats *s) {
  fputs("{\n  \"path\": ", stdout);
  cli_json_string(stdout, path);
  fputs(",\n  \"version\": ", stdout);
  cli_json_string(stdout, shale_version());
  printf(",\n  \"sequence\": %s", sequence != NULL ? sequence : "null");
  fputs(",\n  \"recovery\": ", stdout);
  cli_json_string(stdout, recovery != NULL ? recovery : "");
  const struct {
    const char *name;
    uint64_t value;
  } fields[] = {
      {"approximate_keys", s->approximate_keys},
      {"live_bytes", s->live_bytes},
      {"disk_bytes", s->disk_bytes},
      {"memtable_bytes", s->memtable_bytes},
      {"cache_capacity", s->cache_capacity},
      {"cache_usage", s->cache_usage},
      {"cache_hits", s->cache_hits},
      {"cache_misses", s->cache_misses},
      {"open_tables", s->open_tables},
      {"flushes", s->flushes},
      {"compactions", s->compactions},
      {"compaction_bytes_read", s->compaction_bytes_read},
      {"compaction_bytes_written", s->compaction_bytes_written},
      {"flush_bytes_written", s->flush_bytes_written},
      {"wal_bytes_written", s->wal_bytes_written},
      {"user_bytes_written", s->user_bytes_written},
      {"bloom_checks", s->bloom_checks},
      {"bloom_negatives", s->bloom_negatives},
      {"write_stalls", s->write_stalls},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; ++i) {
    printf(",\n  \"%s\": %" PRIu64, fields[i].name, fields[i].value);
  }
  const uint64_t *arrays[] = {s->level_files, s->level_bytes};
  const char *names[] = {"level_files", "level_bytes"};
  for (int k = 0; k < 2; ++k) {
    printf(",\n  \"%s\": [", names[k]);
    for (int i = 0; i < SHALE_STATS_LEVELS; ++i) {
      printf("%s%" PRIu64, i > 0 ? ", " : "", arrays[k][i]);
    }
    fputc(']', stdout);
  }
  printf(",\n  \"write_amplification\": %.3f\n}\n", s->write_amplification);
}

static int run_stat(const cli_args *a) {
  shale_db *db = NULL;
  int rc = cli_open("stat", a->positional[0], CLI_OPEN_READ_ONLY,
                    SHALE_SYNC_GROUP, &db);
  if (rc != 0) return rc;
  shale_stats stats;
  SHALE_STATS_INIT(&stats);
  int32_t st = shale_db_stats(db, &stats);
  if (st != SHALE_OK) return cli_close("stat", db, cli_report("stat", st));
  char *path = property(db, "shale.path");
  char *sequence = property(db, "shale.sequence");
  char *recovery = property(db, "shale.recovery");
  const char *shown = path != NULL ? path : a->positional[0];
  if (a->json) {
    print_json(shown, sequence, recovery, &stats);
  } else {
    print_human(shown, sequence, recovery, &stats);
  }
  shale_free(path);
  shale_free(sequence);
  shale_free(recovery);
  return cli_close("stat", db, rc);
}

const cli_command cli_command_stat = {
    "stat",
    "figures of the store: entries, sizes, levels, cache",
    "DB [--json]",
    "Prints the store's figures (shale_db_stats and the shale.* "
    "properties):\n"
    "path, library version, latest sequence number, approximate entries,\n"
    "live and on-disk bytes, files and bytes per level, memtable, block\n"
    "cache, and counters since the open (the open made by stat itself,\n"
    "whose recovery line says what it replayed). Opens the store\n"
    "read-only.\n\n"
    "Options:\n"
    "  --json                  one JSON object, named after the shale_stats\n"
    "                          fields\n",
    CLI_OPT_JSON,
    1,
    1,
    run_stat,
    0, /* Ctrl-C ends it at once */
};
