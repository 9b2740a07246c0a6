/* cmd_load.c — load: a dump into the store, in atomic batches, as it is
 * read (so a dump of any size streams through). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_dump_format.h"
#include "cli_fs.h"
#include "cli_line_reader.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "cli_store.h"
#include "commands.h"

/* A batch is also cut at this many bytes of keys and values. */
#define LOAD_BATCH_BYTES (4u << 20)

typedef struct loader {
  const cli_args *a;
  const char *input_name;
  cli_line_reader reader;
  shale_db *db; /* NULL with --check */
  shale_batch *batch;
  size_t pending; /* records in the batch */
  size_t pending_bytes;
  unsigned long long records;   /* parsed */
  unsigned long long committed; /* written in whole batches */
  cli_progress progress;
} loader;

static int bad_input(loader *l, const char *what) {
  cli_progress_end(&l->progress);
  if (l->reader.line_number == 0) {
    fprintf(stderr, "shale load: %s: %s\n", l->input_name, what);
  } else {
    fprintf(stderr, "shale load: %s:%llu: %s\n", l->input_name,
            l->reader.line_number, what);
  }
  return CLI_EXIT_BAD_INPUT;
}

static int write_batch(loader *l) {
  if (l->pending == 0) return 0;
  if (l->db != NULL) {
    int32_t st = shale_db_write(l->db, l->batch);
    if (st != SHALE_OK) return cli_report("load", st);
    st = shale_batch_clear(l->batch);
    if (st != SHALE_OK) return cli_report("load", st);
  }
  l->committed += l->pending;
  l->pending = 0;
  l->pending_bytes = 0;
  cli_progress_update(&l->progress, l->reader.bytes_read, l->reader.size,
                      l->committed);
  return 0;
}

static int add_record(loader *l, const cli_bytes *key, const cli_bytes *value) {
  char why[160];
  if (key->len > SHALE_MAX_KEY_SIZE || value->len > SHALE_MAX_VALUE_SIZE) {
    snprintf(why, sizeof why, "%s of %zu bytes is over the limit of %zu",
             key->len > SHALE_MAX_KEY_SIZE ? "a key" : "a value",
             key->len > SHALE_MAX_KEY_SIZE ? key->len : value->len,
             key->len > SHALE_MAX_KEY_SIZE ? (size_t)SHALE_MAX_KEY_SIZE
                                           : (size_t)SHALE_MAX_VALUE_SIZE);
    return bad_input(l, why);
  }
  if (l->db != NULL) {
    int32_t st =
        shale_batch_put(l->batch, key->data, key->len, value->data, value->len);
    if (st != SHALE_OK) return cli_report("load", st);
  }
  ++l->records;
  ++l->pending;
  l->pending_bytes += key->len + value->len;
  if (l->pending >= l->a->batch_size || l->pending_bytes >= LOAD_BATCH_BYTES) {
    return write_batch(l);
  }
  return 0;
}

/* Reads the dump; returns 0 once the trailer checked out. */
static int read_dump(loader *l) {
  const char *line;
  size_t len;
  char why[256];
  cli_read_result got = cli_read_line(&l->reader, &line, &len);
  if (got == CLI_READ_EOF) {
    return bad_input(l, "empty input: not a shale dump");
  }
  cli_encoding enc = CLI_ENC_ESCAPED;
  if ((got == CLI_READ_LINE || got == CLI_READ_NO_NEWLINE) &&
      cli_dump_parse_header(line, len, &enc, why, sizeof why) != 0) {
    return bad_input(l, why);
  }
  cli_bytes key = {0}, value = {0};
  int ended = 0, rc = 0;
  unsigned long long end_count = 0;
  while (rc == 0 && (got == CLI_READ_LINE)) {
    got = cli_read_line(&l->reader, &line, &len);
    if (got != CLI_READ_LINE && got != CLI_READ_NO_NEWLINE) break;
    cli_dump_line kind = cli_dump_parse_line(enc, line, len, &key, &value,
                                             &end_count, why, sizeof why);
    if (ended && !(kind == CLI_DUMP_SKIP && len == 0)) {
      rc = bad_input(l, "text after the 'end' line");
    } else if (kind == CLI_DUMP_BAD) {
      rc = bad_input(l, why);
    } else if (kind == CLI_DUMP_END) {
      ended = 1;
      if (end_count != l->records) {
        snprintf(why, sizeof why,
                 "the trailer says %llu records but the dump holds %llu",
                 end_count, l->records);
        rc = bad_input(l, why);
      }
    } else if (kind == CLI_DUMP_RECORD) {
      rc = add_record(l, &key, &value);
      if (rc == 0 && (l->records & 255) == 0) {
        cli_progress_update(&l->progress, l->reader.bytes_read, l->reader.size,
                            l->records);
      }
    }
  }
  cli_bytes_free(&key);
  cli_bytes_free(&value);
  if (rc != 0) return rc;
  if (got == CLI_READ_INTERRUPTED) return CLI_EXIT_INTERRUPTED;
  if (got == CLI_READ_ERROR) {
    snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
    return bad_input(l, why);
  }
  if (!ended) {
    return bad_input(l,
                     "the dump ends without its 'end N' line (a "
                     "truncated file?)");
  }
  return write_batch(l); /* the last, partial batch: the dump is whole */
}

/* A load into a new path (nothing there, or an empty directory) is all or
 * nothing: the store is built in a sibling directory, DB.load-PID.tmp,
 * and renamed to DB once it is complete, closed and synced; if anything
 * fails it is removed, and DB is left as it was. */
typedef struct fresh_target {
  const char *path; /* DB */
  char *tmp;        /* where the store is built; NULL: not a fresh load */
} fresh_target;

static int fresh_begin(const cli_args *a, fresh_target *t) {
  t->path = a->positional[0];
  t->tmp = NULL;
  if (a->check || a->no_create) return 0;
  if (cli_path_state_of(t->path) == CLI_PATH_OTHER) return 0;
  size_t n = strlen(t->path);
  while (n > 1 && t->path[n - 1] == '/') --n;
  size_t size = n + 48;
  t->tmp = malloc(size);
  if (t->tmp == NULL) {
    fputs("shale load: out of memory\n", stderr);
    return CLI_EXIT_STORE;
  }
  snprintf(t->tmp, size, "%.*s.load-%ld.tmp", (int)n, t->path, (long)getpid());
  if (cli_path_state_of(t->tmp) != CLI_PATH_MISSING) {
    fprintf(stderr,
            "shale load: %s already exists (left by a load that was "
            "killed?); remove it and load again\n",
            t->tmp);
    free(t->tmp);
    t->tmp = NULL;
    return CLI_EXIT_STORE;
  }
  return 0;
}

/* After the store at t->tmp was closed: renames it into place (rc 0) or
 * removes it. Returns rc, or an exit status if the rename failed. */
static int fresh_finish(fresh_target *t, int rc) {
  if (t->tmp == NULL) return rc;
  if (rc == 0 && rename(t->tmp, t->path) != 0) {
    fprintf(stderr, "shale load: cannot rename %s to %s: %s\n", t->tmp, t->path,
            strerror(errno));
    rc = CLI_EXIT_STORE;
  }
  if (rc == 0) {
    int err = cli_sync_parent(t->path);
    if (err != 0) {
      fprintf(stderr, "shale load: cannot sync the directory of %s: %s\n",
              t->path, strerror(err));
      rc = CLI_EXIT_STORE;
    }
  } else {
    int err = cli_remove_tree(t->tmp);
    if (err != 0) {
      fprintf(stderr, "shale load: cannot remove %s: %s\n", t->tmp,
              strerror(err));
    }
  }
  free(t->tmp);
  t->tmp = NULL;
  return rc;
}

static int run_load(const cli_args *a) {
  const char *file = a->positional_count > 1 ? a->positional[1] : "-";
  const int from_stdin = strcmp(file, "-") == 0;
  loader l;
  memset(&l, 0, sizeof l);
  l.a = a;
  l.input_name = from_stdin ? "stdin" : file;
  int fd = from_stdin ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "shale load: cannot open %s: %s\n", file, strerror(errno));
    return CLI_EXIT_BAD_INPUT;
  }
  cli_line_reader_init(&l.reader, fd);
  fresh_target fresh;
  int rc = fresh_begin(a, &fresh);
  if (rc == 0 && !a->check) {
    /* Batches are written unsynced and synced once at the end: the load
     * is durable when it returns, and no faster path loses anything a
     * caller was told about. */
    rc = cli_open("load", fresh.tmp != NULL ? fresh.tmp : a->positional[0],
                  a->no_create ? CLI_OPEN_WRITE : CLI_OPEN_CREATE,
                  SHALE_SYNC_NONE, &l.db);
    if (rc != 0 && fresh.tmp != NULL) {
      fprintf(stderr,
              "(a load into a new path builds the store in %s and renames "
              "it to %s when it is complete)\n",
              fresh.tmp, a->positional[0]);
    }
    if (rc == 0) {
      int32_t st = shale_batch_new(&l.batch);
      if (st != SHALE_OK) rc = cli_report("load", st);
    }
  }
  double start = cli_now();
  if (rc == 0) {
    cli_progress_start(&l.progress, "load", a->progress);
    l.progress.item_name = "records";
    rc = read_dump(&l);
    cli_progress_end(&l.progress);
  }
  if (l.db != NULL && l.committed > 0) {
    int32_t st = shale_db_sync(l.db);
    if (st != SHALE_OK &&
        (rc == 0 || rc == CLI_EXIT_INTERRUPTED || rc == CLI_EXIT_BAD_INPUT)) {
      rc = cli_report("load", st);
    }
  }
  const int opened = l.db != NULL;
  const int was_fresh = fresh.tmp != NULL;
  shale_batch_free(l.batch);
  rc = cli_close("load", l.db, rc);
  rc = fresh_finish(&fresh, rc);
  char size[24];
  cli_format_bytes(l.reader.bytes_read, size, sizeof size);
  if (rc == 0 && a->check) {
    printf("%s: a valid dump of %llu records (%s)\n", l.input_name, l.records,
           size);
  } else if (rc == 0) {
    printf("loaded %llu records (%s) into %s in %.1f s\n", l.committed, size,
           a->positional[0], cli_now() - start);
  } else if (opened && (l.committed == 0 || was_fresh)) {
    fprintf(stderr, "shale load: %snothing was written%s\n",
            rc == CLI_EXIT_INTERRUPTED ? "interrupted; " : "",
            was_fresh ? "; no store was created" : "");
  } else if (opened) {
    fprintf(stderr,
            "shale load: %s after %llu records, written in whole batches "
            "and synced; the store is sound. Loading again is safe (it "
            "overwrites the same keys).\n",
            rc == CLI_EXIT_INTERRUPTED ? "interrupted" : "stopped",
            l.committed);
  }
  cli_line_reader_free(&l.reader);
  if (!from_stdin) close(fd);
  return rc;
}

const cli_command cli_command_load = {
    "load",
    "read a dump into the store, in batches",
    "DB [FILE] [--batch-size N] [--check] [--no-create]",
    "Reads a dump (see 'shale dump --help') from FILE (default or '-':\n"
    "stdin) and puts every record into the store, N records per atomic\n"
    "batch. Existing keys are overwritten, others kept. Durable when it\n"
    "returns. A bad line stops the load (exit 6) with its line number. A\n"
    "dump without its 'end N' line is refused.\n"
    "Into an existing store, the whole batches before a failure stay\n"
    "written. Into a new path (missing, or an empty directory) the load is\n"
    "all or nothing: the store is built in DB.load-PID.tmp and renamed to\n"
    "DB when complete; a failed load leaves nothing behind.\n\n"
    "Options:\n"
    "  --batch-size N          records per batch (default 1000; a batch is\n"
    "                          also cut at 4 MiB)\n"
    "  --check                 check the whole dump; open no store, write\n"
    "                          nothing\n"
    "  --no-create             fail if there is no store at "
    "DB\n" CLI_HELP_PROGRESS,
    CLI_OPT_BATCH_SIZE | CLI_OPT_CHECK | CLI_OPT_NO_CREATE | CLI_OPT_PROGRESS,
    1,
    2,
    run_load,
    1, /* interruptible */
};
