/*
 * batch_iterate.c — write several keys atomically with a batch, then walk
 * parts of the key space with iterators: a [lower, upper) range forwards
 * and a prefix backwards.
 *
 *   usage: batch_iterate [DB_DIR]   (default: a fresh temporary directory)
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include "example_util.h"

/*
 * Walks the entries the options select, forwards (first/next) or backwards
 * (last/prev), prints them and checks that the keys are `expected` (a
 * NULL-terminated list). Returns 1 on success.
 */
static int walk(shale_db *db, const shale_iter_options *options, int reverse,
                const char *const *expected) {
  shale_iter *iter = NULL;
  int32_t status;
  size_t n = 0;
  int success = 0;

  /* An iterator sees one point in time: the state when it was created. */
  if (!ok(shale_iter_new(db, options, &iter), "shale_iter_new")) {
    return 0;
  }
  /* Each move returns SHALE_OK when it lands on an entry and
   * SHALE_NOT_FOUND when there is none left in that direction. */
  for (status = reverse ? shale_iter_last(iter) : shale_iter_first(iter);
       status == SHALE_OK;
       status = reverse ? shale_iter_prev(iter) : shale_iter_next(iter)) {
    const void *key;
    const void *value;
    size_t key_len;
    size_t value_len;
    /* key and value are borrowed: valid until the next move. */
    if (!ok(shale_iter_key(iter, &key, &key_len), "shale_iter_key") ||
        !ok(shale_iter_value(iter, &value, &value_len), "shale_iter_value")) {
      goto out;
    }
    printf("  %.*s = %.*s\n", (int)key_len, (const char *)key,
           (int)value_len, (const char *)value);
    if (expected[n] == NULL || strlen(expected[n]) != key_len ||
        memcmp(expected[n], key, key_len) != 0) {
      fprintf(stderr, "FAILED: unexpected key at position %zu\n", n);
      goto out;
    }
    n++;
  }
  if (!expect(status, SHALE_NOT_FOUND, "iterator move")) {
    goto out;
  }
  if (expected[n] != NULL) {
    fprintf(stderr, "FAILED: missing key %s\n", expected[n]);
    goto out;
  }
  success = 1;
out:
  /* Iterators are owned handles: free them. */
  if (!ok(shale_iter_free(iter), "shale_iter_free")) {
    success = 0;
  }
  return success;
}

int main(int argc, char **argv) {
  static const char *const fruit_b_to_d[] = {"fruit:banana", "fruit:cherry",
                                             NULL};
  static const char *const veg_reversed[] = {"veg:leek", "veg:carrot", NULL};
  static const char *const kv[][2] = {
      {"fruit:apple", "red"},    {"fruit:banana", "yellow"},
      {"fruit:cherry", "dark red"}, {"fruit:date", "brown"},
      {"veg:carrot", "orange"},  {"veg:leek", "green"},
  };
  char path[4096];
  int created = 0;
  int success = 0;
  size_t i;
  size_t count = 0;
  shale_db *db = NULL;
  shale_batch *batch = NULL;
  shale_iter_options range;
  shale_iter_options prefix;

  if (!scratch_dir(argc, argv, path, sizeof path, &created)) {
    return 1;
  }
  /* NULL options: the defaults (create the db if it is missing). */
  if (!ok(shale_db_open(path, NULL, &db), "shale_db_open")) {
    goto out;
  }
  /* A key that the batch below removes. */
  if (!ok(shale_db_put(db, "veg:kale", 8, "wilted", 6), "shale_db_put")) {
    goto out;
  }

  /* 1. A batch collects puts and deletes (copying keys and values) and
   *    shale_db_write applies all of them atomically: after a crash either
   *    every entry is there or none is. A batch is not tied to a db. */
  if (!ok(shale_batch_new(&batch), "shale_batch_new")) {
    goto out;
  }
  for (i = 0; i < sizeof kv / sizeof kv[0]; i++) {
    if (!ok(shale_batch_put(batch, kv[i][0], strlen(kv[i][0]), kv[i][1],
                            strlen(kv[i][1])),
            "shale_batch_put")) {
      goto out;
    }
  }
  if (!ok(shale_batch_delete(batch, "veg:kale", 8), "shale_batch_delete") ||
      !ok(shale_batch_count(batch, &count), "shale_batch_count") ||
      !ok(shale_db_write(db, batch), "shale_db_write")) {
    goto out;
  }
  printf("wrote a batch of %zu entries atomically\n", count);

  /* 2. Bounds: lower is inclusive, upper exclusive. Bound bytes are copied
   *    by shale_iter_new, so they may live on the stack. */
  if (!ok(SHALE_ITER_OPTIONS_INIT(&range), "shale_iter_options_init")) {
    goto out;
  }
  range.lower_bound = "fruit:b";
  range.lower_bound_len = 7;
  range.upper_bound = "fruit:d";
  range.upper_bound_len = 7;
  printf("keys in [fruit:b, fruit:d), forward:\n");
  if (!walk(db, &range, 0, fruit_b_to_d)) {
    goto out;
  }

  /* 3. A prefix, walked backwards from the last matching key. */
  if (!ok(SHALE_ITER_OPTIONS_INIT(&prefix), "shale_iter_options_init")) {
    goto out;
  }
  prefix.prefix = "veg:";
  prefix.prefix_len = 4;
  printf("keys with prefix veg:, reverse:\n");
  if (!walk(db, &prefix, 1, veg_reversed)) {
    goto out;
  }

  success = 1;
out:
  if (!ok(shale_batch_free(batch), "shale_batch_free")) {
    success = 0;
  }
  if (!ok(shale_db_close(db), "shale_db_close")) {
    success = 0;
  }
  scratch_dir_cleanup(path, created);
  if (success) {
    printf("batch_iterate: OK\n");
  }
  return success ? 0 : 1;
}
