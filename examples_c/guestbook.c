/*
 * guestbook.c — read what others wrote into a store, and add a line.
 *
 *   usage: guestbook DB_DIR NAME MESSAGE
 *
 * Opens an existing store (it does not create one), prints every entry whose
 * key starts with "hello:" (in key order, with an iterator), then sets
 * "hello:NAME" to MESSAGE, reads it back and closes the store. scripts/demo
 * runs it on the store the shale tool created, before Python and Ruby sign
 * the same guestbook.
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include "example_util.h"

int main(int argc, char **argv) {
  shale_options options;
  shale_iter_options range;
  shale_db *db = NULL;
  shale_iter *it = NULL;
  char key[256];
  void *value = NULL;
  size_t value_len = 0;
  int count = 0;
  int success = 0;
  int32_t st;

  if (argc != 4) {
    fprintf(stderr, "usage: guestbook DB_DIR NAME MESSAGE\n");
    return 2;
  }
  if ((size_t)snprintf(key, sizeof key, "hello:%s", argv[2]) >= sizeof key) {
    fprintf(stderr, "guestbook: NAME is too long\n");
    return 2;
  }

  if (!ok(SHALE_OPTIONS_INIT(&options), "shale_options_init")) {
    return 1;
  }
  options.create_if_missing = 0; /* the store must be there already */
  if (!ok(shale_db_open(argv[1], &options, &db), "shale_db_open")) {
    return 1;
  }

  /* Everything under "hello:", in key order. */
  if (!ok(SHALE_ITER_OPTIONS_INIT(&range), "shale_iter_options_init")) {
    goto out;
  }
  range.prefix = "hello:";
  range.prefix_len = strlen("hello:");
  if (!ok(shale_iter_new(db, &range, &it), "shale_iter_new")) {
    goto out;
  }
  printf("the guestbook so far:\n");
  for (st = shale_iter_first(it); st == SHALE_OK; st = shale_iter_next(it)) {
    const void *k;
    const void *v;
    size_t k_len;
    size_t v_len;
    if (!ok(shale_iter_key(it, &k, &k_len), "shale_iter_key") ||
        !ok(shale_iter_value(it, &v, &v_len), "shale_iter_value")) {
      goto out;
    }
    printf("  ");
    print_bytes(k, k_len);
    printf(" = ");
    print_bytes(v, v_len);
    printf("\n");
    count++;
  }
  if (!expect(st, SHALE_NOT_FOUND, "shale_iter_next")) { /* the end */
    goto out;
  }
  printf("  (%d %s)\n", count, count == 1 ? "entry" : "entries");

  /* Sign it, and read the line back. */
  if (!ok(shale_db_put(db, key, strlen(key), argv[3], strlen(argv[3])),
          "shale_db_put")) {
    goto out;
  }
  printf("put %s = %s\n", key, argv[3]);
  if (!ok(shale_db_get(db, NULL, key, strlen(key), &value, &value_len),
          "shale_db_get")) {
    goto out;
  }
  printf("get %s -> ", key);
  print_bytes(value, value_len);
  printf("\n");
  success =
      value_len == strlen(argv[3]) && memcmp(value, argv[3], value_len) == 0;
  if (!success) {
    fprintf(stderr, "FAILED: read back a different value\n");
  }

out:
  shale_free(value);
  shale_iter_free(it);
  if (!ok(shale_db_close(db), "shale_db_close")) {
    success = 0;
  }
  return success ? 0 : 1;
}
