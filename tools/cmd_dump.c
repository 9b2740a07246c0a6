/* cmd_dump.c — dump: the store (or a range) in the portable text format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_dump_format.h"
#include "cli_progress.h"
#include "cli_range.h"
#include "cli_store.h"
#include "commands.h"

typedef struct dump_output {
  FILE *f;
  cli_encoding enc;
  unsigned long long count;
} dump_output;

static int write_record(void *user, const void *key, size_t key_len,
                        const void *value, size_t value_len) {
  dump_output *out = user;
  cli_dump_write_record(out->f, out->enc, key, key_len, value, value_len);
  ++out->count;
  return ferror(out->f) != 0;
}

/* Flushes, syncs and closes a dump file; returns 0 or errno. */
static int finish_file(FILE *f) {
  int err = 0;
  if (fflush(f) != 0 || ferror(f)) err = errno != 0 ? errno : EIO;
  if (err == 0 && fsync(fileno(f)) != 0) err = errno;
  if (fclose(f) != 0 && err == 0) err = errno;
  return err;
}

static int run_dump(const cli_args *a) {
  const char *file = a->positional_count > 1 ? a->positional[1] : "-";
  const int to_stdout = strcmp(file, "-") == 0;
  cli_range range;
  int rc = cli_range_init("dump", a, &range);
  shale_db *db = NULL;
  if (rc == 0)
    rc = cli_open("dump", a->positional[0], CLI_OPEN_READ_ONLY,
                  SHALE_SYNC_GROUP, &db);
  /* A dump to FILE goes to FILE.tmp, renamed when complete: an existing
   * FILE is never left half-overwritten. */
  char *tmp = NULL;
  dump_output out = {
      stdout, (a->given & CLI_OPT_HEX) ? CLI_ENC_HEX : CLI_ENC_ESCAPED, 0};
  if (rc == 0 && !to_stdout) {
    size_t n = strlen(file) + 5;
    tmp = malloc(n);
    if (tmp == NULL) {
      fputs("shale dump: out of memory\n", stderr);
      rc = CLI_EXIT_STORE;
    } else {
      snprintf(tmp, n, "%s.tmp", file);
      out.f = fopen(tmp, "wb");
      if (out.f == NULL) {
        fprintf(stderr, "shale dump: cannot create %s: %s\n", tmp,
                strerror(errno));
        rc = CLI_EXIT_STORE;
      }
    }
  }
  if (rc == 0) {
    char *path = NULL;
    if (shale_db_property(db, "shale.path", &path) != SHALE_OK) path = NULL;
    cli_dump_write_header(out.f, out.enc,
                          path != NULL ? path : a->positional[0]);
    shale_free(path);
    int32_t st = cli_walk(db, &range, 0, -1, write_record, &out);
    if (st == SHALE_OK) cli_dump_write_trailer(out.f, out.count);
    if (st == SHALE_E_CANCELLED && cli_interrupted()) {
      fprintf(stderr, "shale dump: interrupted after %llu records%s\n",
              out.count,
              to_stdout ? "; the output has no 'end' line, so load refuses it"
                        : "; the file was not written");
      rc = CLI_EXIT_INTERRUPTED;
    } else if (st != SHALE_OK && !ferror(out.f)) {
      rc = cli_report("dump", st);
    }
    if (!to_stdout) {
      int err = finish_file(out.f);
      if (rc == 0 && err != 0) {
        fprintf(stderr, "shale dump: cannot write %s: %s\n", tmp,
                strerror(err));
        rc = CLI_EXIT_STORE;
      }
      if (rc == 0 && rename(tmp, file) != 0) {
        fprintf(stderr, "shale dump: cannot rename %s to %s: %s\n", tmp, file,
                strerror(errno));
        rc = CLI_EXIT_STORE;
      }
      if (rc != 0) unlink(tmp);
      if (rc == 0) {
        printf("dumped %llu records to %s\n", out.count, file);
      }
    }
  }
  free(tmp);
  cli_range_free(&range);
  return cli_close("dump", db, rc);
}

const cli_command cli_command_dump = {
    "dump",
    "write keys and values in the portable text format",
    "DB [FILE] [--hex] [--from K] [--to K | --through K] [--prefix P]",
    "Writes every entry (or those in range), all from one point in time,\n"
    "in the dump format to FILE (default or '-': stdout). A FILE is written\n"
    "to FILE.tmp and renamed when complete. Format (man shale):\n"
    "  shale-dump 1 escaped     (or: shale-dump 1 hex)\n"
    "  # from PATH, shale VERSION, TIME\n"
    "  KEY<TAB>VALUE            one line per record\n"
    "  end N                    the number of records\n"
    "Opens the store read-only.\n\n"
    "Options:\n"
    "  --hex                   records in hexadecimal (default: escaped)\n"
    "  --from K, --to K, --through K, --prefix P\n"
    "                          a range, as for scan (--to exclusive,\n"
    "                          --through inclusive); K and P are escaped\n"
    "                          text, or hex with --hex or --key-hex\n",
    CLI_OPT_HEX | CLI_OPT_KEY_HEX | CLI_OPT_FROM | CLI_OPT_TO |
        CLI_OPT_THROUGH | CLI_OPT_PREFIX,
    1,
    2,
    run_dump,
    1, /* interruptible */
};
