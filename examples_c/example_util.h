/*
 * example_util.h — the little bits every example needs and none is about:
 * reporting a failed call, and a scratch directory for the db.
 *
 * Not part of shale. Include it after defining _POSIX_C_SOURCE (for mkdtemp,
 * opendir and friends) and after <shale.h>.
 */
#ifndef SHALE_EXAMPLE_UTIL_H
#define SHALE_EXAMPLE_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Returns 1 if status is what we expected. Otherwise prints the call, the
 * status name and shale_last_error() to stderr and returns 0.
 *
 * Read shale_last_error() before anything else: it is valid only until the
 * next shale call on this thread (shale_status_name() does not touch it).
 */
static inline int expect(int32_t status, int32_t expected, const char *what) {
  const char *message;
  if (status == expected) {
    return 1;
  }
  message = shale_last_error();
  fprintf(stderr, "FAILED: %s returned %s (expected %s): %s\n", what,
          shale_status_name(status), shale_status_name(expected), message);
  return 0;
}

/* The common case: the call must succeed. */
static inline int ok(int32_t status, const char *what) {
  return expect(status, SHALE_OK, what);
}

/*
 * Picks the db directory: argv[1] if given (left in place afterwards),
 * else a fresh one made with mkdtemp under $TMPDIR or /tmp (removed by
 * scratch_dir_cleanup). Returns 1 on success.
 */
static inline int scratch_dir(int argc, char **argv, char *buf, size_t cap,
                              int *created) {
  const char *tmp = getenv("TMPDIR");
  *created = 0;
  if (argc > 1) {
    if (strlen(argv[1]) + 1 > cap) {
      fprintf(stderr, "FAILED: path too long: %s\n", argv[1]);
      return 0;
    }
    strcpy(buf, argv[1]);
    return 1;
  }
  if (tmp == NULL || tmp[0] == '\0') {
    tmp = "/tmp";
  }
  if ((size_t)snprintf(buf, cap, "%s/shale-example-XXXXXX", tmp) >= cap) {
    fprintf(stderr, "FAILED: TMPDIR too long\n");
    return 0;
  }
  if (mkdtemp(buf) == NULL) {
    perror("FAILED: mkdtemp");
    return 0;
  }
  *created = 1;
  return 1;
}

/* Removes path and everything below it (rm -r). Returns 0 on success. */
static inline int remove_tree(const char *path) {
  struct stat st;
  DIR *dir;
  struct dirent *entry;
  int rc = 0;
  if (lstat(path, &st) != 0) {
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    return unlink(path);
  }
  dir = opendir(path);
  if (dir == NULL) {
    return -1;
  }
  while ((entry = readdir(dir)) != NULL) {
    char child[4096];
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
      continue;
    }
    if ((size_t)snprintf(child, sizeof child, "%s/%s", path, entry->d_name) >=
        sizeof child) {
      rc = -1;
      continue;
    }
    if (remove_tree(child) != 0) {
      rc = -1;
    }
  }
  closedir(dir);
  if (rmdir(path) != 0) {
    rc = -1;
  }
  return rc;
}

/* Removes the directory if scratch_dir created it. */
static inline void scratch_dir_cleanup(const char *path, int created) {
  if (created && remove_tree(path) != 0) {
    fprintf(stderr, "warning: could not remove %s\n", path);
  }
}

/* Prints len bytes as text, escaping anything that is not printable. */
static inline void print_bytes(const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  size_t i;
  for (i = 0; i < len; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
      putchar(p[i]);
    } else {
      printf("\\x%02x", p[i]);
    }
  }
}

#endif /* SHALE_EXAMPLE_UTIL_H */
