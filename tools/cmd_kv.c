/* cmd_kv.c — get, put and del: one key at a time. */
#include <stdio.h>
#include <string.h>

#include "cli_input.h"
#include "cli_store.h"
#include "commands.h"

/* get --json: {"key": K, "value": V}, V null for a missing key. */
static void print_get_json(const cli_args *a, const cli_bytes *key,
                           const void *value, size_t value_len, int found) {
  fputs("{\"key\": ", stdout);
  cli_encode_json(stdout, a->key_output, key->data, key->len);
  fputs(", \"value\": ", stdout);
  if (found) {
    cli_encode_json(stdout, a->value_output, value, value_len);
  } else {
    fputs("null", stdout);
  }
  fputs("}\n", stdout);
}

static int run_get(const cli_args *a) {
  if (a->json &&
      (a->key_encoding == CLI_ENC_RAW || a->value_encoding == CLI_ENC_RAW)) {
    fputs(
        "shale get: --json cannot show raw bytes (JSON strings are text); "
        "use the default escaped text or --hex\n"
        "Try 'shale get --help'.\n",
        stderr);
    return CLI_EXIT_USAGE;
  }
  cli_bytes key = {0};
  int rc =
      cli_decode_arg("get", "KEY", a->key_encoding, a->positional[1], &key);
  shale_db *db = NULL;
  if (rc == 0)
    rc = cli_open("get", a->positional[0], CLI_OPEN_READ_ONLY, SHALE_SYNC_GROUP,
                  &db);
  if (rc == 0) {
    void *value = NULL;
    size_t value_len = 0;
    int32_t st = shale_db_get(db, NULL, key.data, key.len, &value, &value_len);
    if (st == SHALE_OK) {
      if (a->json) {
        print_get_json(a, &key, value, value_len, 1);
      } else {
        cli_encode(stdout, a->value_output, value, value_len);
        if (a->value_encoding != CLI_ENC_RAW) fputc('\n', stdout);
      }
      shale_free(value);
    } else if (st == SHALE_NOT_FOUND) {
      if (a->json) print_get_json(a, &key, NULL, 0, 0);
      fflush(stdout);
      fprintf(stderr, "shale get: not found: %s\n", a->positional[1]);
      rc = CLI_EXIT_NOT_FOUND;
    } else {
      rc = cli_report("get", st);
    }
  }
  cli_bytes_free(&key);
  return cli_close("get", db, rc);
}

const cli_command cli_command_get = {
    "get",
    "print the value of a key",
    "DB KEY [--json]",
    "Writes the value of KEY and a newline (with --raw or --value-raw: the\n"
    "value's bytes exactly, no newline). A missing key prints 'not found'\n"
    "on stderr and exits 1. Opens the store read-only.\n\n"
    "Options:\n"
    "  --json                  {\"key\": K, \"value\": V} (V null for a "
    "missing\n"
    "                          key, which still exits 1)\n" CLI_HELP_ENCODINGS
        CLI_HELP_UTF8,
    CLI_OPTS_OUTPUT_ENCODING | CLI_OPT_JSON,
    2,
    2,
    run_get,
    0, /* Ctrl-C ends it at once */
};

static int run_put(const cli_args *a) {
  const int from_file = a->value_file != NULL;
  if (from_file == (a->positional_count == 3)) {
    fprintf(stderr,
            "shale put: give the value either as VALUE or with "
            "--value-file FILE, %s\nTry 'shale put --help'.\n",
            from_file ? "not both" : "one of them");
    return CLI_EXIT_USAGE;
  }
  cli_bytes key = {0}, value = {0};
  int rc =
      cli_decode_arg("put", "KEY", a->key_encoding, a->positional[1], &key);
  if (rc == 0) {
    rc = from_file ? cli_read_file("put", a->value_file, &value)
                   : cli_decode_arg("put", "VALUE", a->value_encoding,
                                    a->positional[2], &value);
  }
  shale_db *db = NULL;
  if (rc == 0) {
    rc = cli_open("put", a->positional[0],
                  a->no_create ? CLI_OPEN_WRITE : CLI_OPEN_CREATE,
                  SHALE_SYNC_GROUP, &db);
  }
  if (rc == 0) {
    int32_t st = shale_db_put(db, key.data, key.len, value.data, value.len);
    if (st != SHALE_OK) rc = cli_report("put", st);
  }
  cli_bytes_free(&key);
  cli_bytes_free(&value);
  return cli_close("put", db, rc);
}

const cli_command cli_command_put = {
    "put",
    "set a key to a value",
    "DB KEY VALUE | DB KEY --value-file FILE",
    "Sets KEY to VALUE, durably (group commit) before it returns. Creates\n"
    "the store if the directory does not exist.\n\n"
    "Options:\n"
    "  --value-file FILE       read the value's bytes from FILE ('-': "
    "stdin),\n"
    "                          exactly, whatever the value encoding\n"
    "  --no-create             fail if there is no store at "
    "DB\n" CLI_HELP_ENCODINGS,
    CLI_OPTS_ENCODING | CLI_OPT_VALUE_FILE | CLI_OPT_NO_CREATE,
    2,
    3,
    run_put,
    0, /* Ctrl-C ends it at once */
};

static int run_del(const cli_args *a) {
  const int count = a->positional_count - 1;
  cli_bytes key = {0};
  shale_batch *batch = NULL;
  shale_db *db = NULL;
  int missing = 0;
  int32_t st = shale_batch_new(&batch);
  int rc = st == SHALE_OK ? 0 : cli_report("del", st);
  /* Every key is decoded before the store is touched: a typo in the third
   * key deletes nothing. */
  for (int i = 0; rc == 0 && i < count; ++i) {
    rc = cli_decode_arg("del", "KEY", a->key_encoding, a->positional[1 + i],
                        &key);
  }
  if (rc == 0) {
    rc = cli_open("del", a->positional[0], CLI_OPEN_WRITE, SHALE_SYNC_GROUP,
                  &db);
  }
  for (int i = 0; rc == 0 && i < count; ++i) {
    (void)cli_decode_arg("del", "KEY", a->key_encoding, a->positional[1 + i],
                         &key);
    st = shale_db_exists(db, NULL, key.data, key.len);
    if (st == SHALE_NOT_FOUND) {
      if (!a->force) {
        fprintf(stderr, "shale del: not found: %s\n", a->positional[1 + i]);
        missing = 1;
      }
      continue;
    }
    if (st == SHALE_OK) st = shale_batch_delete(batch, key.data, key.len);
    if (st != SHALE_OK) rc = cli_report("del", st);
  }
  size_t pending = 0;
  if (rc == 0 && shale_batch_count(batch, &pending) == SHALE_OK &&
      pending > 0) {
    st = shale_db_write(db, batch);
    if (st != SHALE_OK) rc = cli_report("del", st);
  }
  if (rc == 0 && missing) rc = CLI_EXIT_NOT_FOUND;
  shale_batch_free(batch);
  cli_bytes_free(&key);
  return cli_close("del", db, rc);
}

const cli_command cli_command_del = {
    "del",
    "delete keys",
    "DB KEY...",
    "Deletes each KEY, all in one atomic batch. A key that does not exist\n"
    "is reported on stderr and makes the exit status 1 (the others are\n"
    "still deleted).\n\n"
    "Options:\n"
    "  -f, --force             a missing key is not an "
    "error\n" CLI_HELP_KEY_ENCODINGS,
    CLI_OPTS_KEY_ENCODING | CLI_OPT_FORCE,
    2,
    -1,
    run_del,
    0, /* Ctrl-C ends it at once */
};
