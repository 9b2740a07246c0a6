/*
 * consumer.c — a program built against an *installed* shale, the way a user
 * would build it (as C, and as C++). Opens a db in the given directory,
 * writes, reads back (a copy, and a pinned read, new in 0.3.0), and prints
 * "consumer: OK".
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, int32_t status) {
  fprintf(stderr, "FAILED: %s: %s: %s\n", what, shale_status_name(status),
          shale_last_error());
  return 1;
}

int main(int argc, char **argv) {
  char path[4096];
  shale_db *db = NULL;
  shale_pin *pin = NULL;
  const void *pinned = NULL;
  void *value = NULL;
  size_t len = 0;
  int32_t st;

  if (argc != 2) {
    fprintf(stderr, "usage: consumer DB_DIR\n");
    return 2;
  }
  snprintf(path, sizeof path, "%s", argv[1]);
  if (shale_abi_version() != SHALE_ABI_VERSION) {
    fprintf(stderr, "FAILED: ABI %d, built for %d\n", (int)shale_abi_version(),
            SHALE_ABI_VERSION);
    return 1;
  }
  if (strcmp(shale_version(), SHALE_VERSION_STRING) != 0) {
    fprintf(stderr, "FAILED: library %s, header %s\n", shale_version(),
            SHALE_VERSION_STRING);
    return 1;
  }
  if ((st = shale_db_open(path, NULL, &db)) != SHALE_OK) {
    return fail("shale_db_open", st);
  }
  if ((st = shale_db_put(db, "k", 1, "installed", 9)) != SHALE_OK) {
    return fail("shale_db_put", st);
  }
  if ((st = shale_db_get(db, NULL, "k", 1, &value, &len)) != SHALE_OK) {
    return fail("shale_db_get", st);
  }
  if (len != 9 || memcmp(value, "installed", 9) != 0) {
    fprintf(stderr, "FAILED: wrong value\n");
    return 1;
  }
  shale_free(value);
  st = shale_db_get_pinned(db, NULL, "k", 1, &pin, &pinned, &len);
  if (st != SHALE_OK) {
    return fail("shale_db_get_pinned", st);
  }
  if (len != 9 || memcmp(pinned, "installed", 9) != 0) {
    fprintf(stderr, "FAILED: wrong pinned value\n");
    return 1;
  }
  if ((st = shale_pin_free(pin)) != SHALE_OK) {
    return fail("shale_pin_free", st);
  }
  if ((st = shale_db_close(db)) != SHALE_OK) {
    return fail("shale_db_close", st);
  }
  printf("shale %s: consumer: OK\n", shale_version());
  return 0;
}
