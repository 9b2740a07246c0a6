/*
 * snapshot.c — a snapshot is a point in time: reads through it do not see
 * writes made after it was taken, while plain reads see the latest state.
 *
 *   usage: snapshot [DB_DIR]     (default: a fresh temporary directory)
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include "example_util.h"

/* Reads key through snap (NULL: the latest state), prints what it finds
 * and checks it is `want` (NULL: the key must be absent). */
static int read_and_check(shale_db *db, shale_snapshot *snap, const char *label,
                          const char *key, const char *want) {
  void *value = NULL;
  size_t value_len = 0;
  int32_t status =
      shale_db_get(db, snap, key, strlen(key), &value, &value_len);
  int good;
  if (status == SHALE_OK) {
    printf("  %-8s %s -> %.*s\n", label, key, (int)value_len,
           (const char *)value);
    good = want != NULL && strlen(want) == value_len &&
           memcmp(want, value, value_len) == 0;
  } else if (status == SHALE_NOT_FOUND) {
    printf("  %-8s %s -> (not found)\n", label, key);
    good = want == NULL;
  } else {
    return ok(status, "shale_db_get");
  }
  shale_free(value);
  if (!good) {
    fprintf(stderr, "FAILED: %s read of %s: expected %s\n", label, key,
            want ? want : "(not found)");
  }
  return good;
}

int main(int argc, char **argv) {
  char path[4096];
  int created = 0;
  int success = 0;
  shale_db *db = NULL;
  shale_snapshot *snap = NULL;
  shale_iter *iter = NULL;
  shale_iter_options iter_options;
  size_t seen = 0;
  int32_t status;

  if (!scratch_dir(argc, argv, path, sizeof path, &created)) {
    return 1;
  }
  if (!ok(shale_db_open(path, NULL, &db), "shale_db_open") ||
      !ok(shale_db_put(db, "color", 5, "blue", 4), "shale_db_put")) {
    goto out;
  }
  printf("put color = blue\n");

  /* The snapshot sees exactly the writes acknowledged before this call. It
   * is an owned handle: free it with shale_snapshot_free. */
  if (!ok(shale_snapshot_new(db, &snap), "shale_snapshot_new")) {
    goto out;
  }
  printf("took a snapshot\n");

  /* Later writes: a change, a new key. */
  if (!ok(shale_db_put(db, "color", 5, "green", 5), "shale_db_put") ||
      !ok(shale_db_put(db, "shape", 5, "circle", 6), "shale_db_put")) {
    goto out;
  }
  printf("put color = green, shape = circle\n");

  printf("reads:\n");
  if (!read_and_check(db, snap, "snapshot", "color", "blue") ||
      !read_and_check(db, snap, "snapshot", "shape", NULL) ||
      !read_and_check(db, NULL, "latest", "color", "green") ||
      !read_and_check(db, NULL, "latest", "shape", "circle")) {
    goto out;
  }

  /* An iterator can read through the same snapshot; it keeps its own
   * reference, so the snapshot could even be freed first. */
  if (!ok(SHALE_ITER_OPTIONS_INIT(&iter_options), "shale_iter_options_init")) {
    goto out;
  }
  iter_options.snapshot = snap;
  if (!ok(shale_iter_new(db, &iter_options, &iter), "shale_iter_new")) {
    goto out;
  }
  printf("iterating the snapshot:\n");
  for (status = shale_iter_first(iter); status == SHALE_OK;
       status = shale_iter_next(iter)) {
    const void *key;
    const void *value;
    size_t key_len;
    size_t value_len;
    if (!ok(shale_iter_key(iter, &key, &key_len), "shale_iter_key") ||
        !ok(shale_iter_value(iter, &value, &value_len), "shale_iter_value")) {
      goto out;
    }
    printf("  %.*s = %.*s\n", (int)key_len, (const char *)key,
           (int)value_len, (const char *)value);
    seen++;
  }
  if (!expect(status, SHALE_NOT_FOUND, "shale_iter_next")) {
    goto out;
  }
  if (seen != 1) {
    fprintf(stderr, "FAILED: the snapshot iterator saw %zu keys, not 1\n",
            seen);
    goto out;
  }

  success = 1;
out:
  /* Children (iterators, snapshots) are freed before or after the db is
   * closed; freeing them is required either way. */
  if (!ok(shale_iter_free(iter), "shale_iter_free")) {
    success = 0;
  }
  if (!ok(shale_snapshot_free(snap), "shale_snapshot_free")) {
    success = 0;
  }
  if (!ok(shale_db_close(db), "shale_db_close")) {
    success = 0;
  }
  scratch_dir_cleanup(path, created);
  if (success) {
    printf("snapshot: OK\n");
  }
  return success ? 0 : 1;
}
