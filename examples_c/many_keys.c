/*
 * many_keys.c — many keys per call: shale_db_put_many writes a whole list
 * atomically, shale_db_get_many reads a list at one point in time, and
 * shale_iter_next_many walks a range in chunks. This is how a binding for
 * an interpreted language amortises the cost of crossing into C.
 *
 *   usage: many_keys [DB_DIR]   (default: a fresh temporary directory)
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include "example_util.h"

#define N 1000

int main(int argc, char **argv) {
  static char keys[N * 8];
  static char values[N * 8];
  static size_t key_lens[N];
  static size_t value_lens[N];
  static size_t lens[2 * 64];
  const char ask[] = "k0007k9999k0999";
  const size_t ask_lens[3] = {5, 5, 5};
  size_t got_lens[3];
  char path[4096];
  int created = 0;
  int success = 0;
  size_t i;
  size_t off = 0;
  size_t found = 0;
  size_t total = 0;
  size_t chunks = 0;
  int32_t status;
  void *got = NULL;
  shale_db *db = NULL;
  shale_iter *iter = NULL;

  if (!scratch_dir(argc, argv, path, sizeof path, &created)) {
    return 1;
  }
  if (!ok(shale_db_open(path, NULL, &db), "shale_db_open")) {
    goto out;
  }

  /* 1. Keys end to end in one buffer, their lengths in an array. */
  {
    size_t koff = 0;
    size_t voff = 0;
    for (i = 0; i < N; i++) {
      key_lens[i] = (size_t)sprintf(keys + koff, "k%04zu", i);
      value_lens[i] = (size_t)sprintf(values + voff, "v%zu", i * i % 977);
      koff += key_lens[i];
      voff += value_lens[i];
    }
  }
  if (!ok(shale_db_put_many(db, N, keys, key_lens, values, value_lens),
          "shale_db_put_many")) {
    goto out;
  }
  printf("put %d keys in one atomic call\n", N);

  /* 2. Values come back end to end in one owned buffer; a missing key's
   *    length is SHALE_MISSING. */
  if (!ok(shale_db_get_many(db, NULL, 3, ask, ask_lens, &got, got_lens, &found),
          "shale_db_get_many")) {
    goto out;
  }
  for (i = 0; i < 3; i++) {
    if (got_lens[i] == SHALE_MISSING) {
      printf("  %.5s -> (missing)\n", ask + 5 * i);
      continue;
    }
    printf("  %.5s -> %.*s\n", ask + 5 * i, (int)got_lens[i],
           (const char *)got + off);
    off += got_lens[i];
  }
  printf("get_many found %zu of 3\n", found);
  shale_free(got);
  got = NULL;

  /* 3. Walk everything in chunks of up to 64 entries: key 0, value 0,
   *    key 1, ... in one buffer per chunk. */
  if (!ok(shale_iter_new(db, NULL, &iter), "shale_iter_new")) {
    goto out;
  }
  status = shale_iter_first(iter);
  while (status == SHALE_OK) {
    size_t count = 0;
    void *data = NULL;
    status = shale_iter_next_many(iter, SHALE_ITER_FORWARD, 64, 0, &data, lens,
                                  &count);
    if (status != SHALE_OK) {
      break;
    }
    total += count;
    chunks++;
    shale_free(data);
  }
  if (!expect(status, SHALE_NOT_FOUND, "shale_iter_next_many")) {
    goto out;
  }
  printf("iterated %zu entries in %zu calls\n", total, chunks);
  if (total != N) {
    fprintf(stderr, "FAILED: expected %d entries\n", N);
    goto out;
  }
  success = 1;
out:
  if (!ok(shale_iter_free(iter), "shale_iter_free")) {
    success = 0;
  }
  if (!ok(shale_db_close(db), "shale_db_close")) {
    success = 0;
  }
  scratch_dir_cleanup(path, created);
  if (success) {
    printf("many_keys: OK\n");
  }
  return success ? 0 : 1;
}
