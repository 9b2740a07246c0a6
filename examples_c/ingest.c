/*
 * ingest.c — C code that writes into a db opened by someone else, in the
 * same process.
 *
 * Built as a shared module (build/examples_c/libingest.so). scripts/demo
 * loads it into Python with ctypes and calls
 *
 *     ingest(db.c_handle, b"put city:oslo Norway\ndel city:quito\n")
 *
 * on a db that Python opened and subscribed to: every write made here goes
 * through the same db handle, so Python's subscription callback is called
 * for it, on this thread, before shale_db_put returns. The module opens
 * nothing and closes nothing: the db belongs to the caller. It is linked
 * against libshale.so.1, so it shares the copy of the library the caller
 * loaded (a handle is meaningful to that copy only).
 *
 * C99 on the public header only.
 */
#include <shale.h>
#include <stdio.h>
#include <string.h>

/* Reports a failed call; returns -1 for ingest to return. */
static int failed(int32_t status, const char *what, int line) {
  fprintf(stderr, "ingest: line %d: %s returned %s: %s\n", line, what,
          shale_status_name(status), shale_last_error());
  return -1;
}

/* The length of the word at p (up to a space, a newline or the end). */
static size_t word(const char *p) {
  size_t n = 0;
  while (p[n] != '\0' && p[n] != ' ' && p[n] != '\n') {
    n++;
  }
  return n;
}

/*
 * Applies `changes` to db, one line at a time, each line its own write:
 *
 *     put KEY VALUE      sets KEY (one word) to VALUE (the rest of the line)
 *     del KEY            deletes KEY
 *
 * Blank lines are skipped. Each call is printed before it is made (on
 * stdout, flushed, so that it interleaves in order with what the caller
 * prints from its callbacks).
 *
 * Returns the number of changes applied, or -1 if a line is malformed or a
 * write fails (the message on stderr; the lines before it stay applied).
 */
int ingest(shale_db *db, const char *changes) {
  const char *p = changes;
  int applied = 0;
  int line = 0;
  if (changes == NULL) {
    fprintf(stderr, "ingest: changes is NULL\n");
    return -1;
  }
  while (*p != '\0') {
    const char *end = strchr(p, '\n');
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
    const char *next = end != NULL ? end + 1 : p + len;
    line++;
    if (len == 0) {
      p = next;
      continue;
    }
    if (len > 4 && strncmp(p, "put ", 4) == 0) {
      const char *key = p + 4;
      size_t key_len = word(key);
      const char *value = key + key_len + 1;
      size_t value_len;
      int32_t st;
      if (key_len == 0 || value > p + len) {
        fprintf(stderr, "ingest: line %d: expected put KEY VALUE\n", line);
        return -1;
      }
      value_len = (size_t)(p + len - value);
      printf("C: shale_db_put(db, \"%.*s\", \"%.*s\")\n", (int)key_len, key,
             (int)value_len, value);
      fflush(stdout);
      st = shale_db_put(db, key, key_len, value, value_len);
      if (st != SHALE_OK) {
        return failed(st, "shale_db_put", line);
      }
    } else if (len > 4 && strncmp(p, "del ", 4) == 0) {
      const char *key = p + 4;
      size_t key_len = word(key);
      int32_t st;
      if (key_len == 0 || key + key_len != p + len) {
        fprintf(stderr, "ingest: line %d: expected del KEY\n", line);
        return -1;
      }
      printf("C: shale_db_delete(db, \"%.*s\")\n", (int)key_len, key);
      fflush(stdout);
      st = shale_db_delete(db, key, key_len);
      if (st != SHALE_OK) {
        return failed(st, "shale_db_delete", line);
      }
    } else {
      fprintf(stderr, "ingest: line %d: expected put KEY VALUE or del KEY\n",
              line);
      return -1;
    }
    applied++;
    p = next;
  }
  return applied;
}
