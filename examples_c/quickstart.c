/*
 * quickstart.c — open a store, put a key, read it back, delete it, close.
 *
 *   usage: quickstart [DB_DIR]     (default: a fresh temporary directory)
 *
 * Every shale function returns an int32_t status: SHALE_OK (0) on success,
 * SHALE_NOT_FOUND (1) for "no such key", a negative SHALE_E_* on error. On
 * an error, shale_last_error() says what went wrong.
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include "example_util.h"

int main(int argc, char **argv) {
  char path[4096];
  int created = 0;
  int success = 0;
  shale_db *db = NULL;
  shale_options options;
  void *value = NULL;
  size_t value_len = 0;
  int32_t status;

  if (!scratch_dir(argc, argv, path, sizeof path, &created)) {
    return 1;
  }
  printf("shale %s (ABI %d), db in %s\n", shale_version(),
         (int)shale_abi_version(), path);

  /* Options start from their defaults; SHALE_OPTIONS_INIT also records the
   * size of the struct this program was compiled with. */
  if (!ok(SHALE_OPTIONS_INIT(&options), "shale_options_init")) {
    goto out;
  }
  options.create_if_missing = 1; /* the default, spelled out */

  /* db is an owned handle: it must be closed with shale_db_close. */
  if (!ok(shale_db_open(path, &options, &db), "shale_db_open")) {
    goto out;
  }

  /* Keys and values are bytes with a length; they are copied. */
  if (!ok(shale_db_put(db, "hello", 5, "world", 5), "shale_db_put")) {
    goto out;
  }
  printf("put hello = world\n");

  /* The value comes back as an owned copy: free it with shale_free. */
  if (!ok(shale_db_get(db, NULL, "hello", 5, &value, &value_len),
          "shale_db_get")) {
    goto out;
  }
  printf("get hello -> %.*s\n", (int)value_len, (const char *)value);
  if (value_len != 5 || memcmp(value, "world", 5) != 0) {
    fprintf(stderr, "FAILED: wrong value\n");
    goto out;
  }
  shale_free(value);
  value = NULL;

  if (!ok(shale_db_delete(db, "hello", 5), "shale_db_delete")) {
    goto out;
  }
  printf("delete hello\n");

  /* A missing key is SHALE_NOT_FOUND: not an error, and never confused
   * with an empty value. */
  status = shale_db_get(db, NULL, "hello", 5, &value, &value_len);
  if (!expect(status, SHALE_NOT_FOUND, "shale_db_get after delete")) {
    goto out;
  }
  printf("get hello -> %s\n", shale_status_name(status));

  success = 1;

out:
  shale_free(value); /* NULL is a no-op */
  /* Close syncs the log and releases the directory lock. NULL is a no-op. */
  if (!ok(shale_db_close(db), "shale_db_close")) {
    success = 0;
  }
  scratch_dir_cleanup(path, created);
  if (success) {
    printf("quickstart: OK\n");
  }
  return success ? 0 : 1;
}
