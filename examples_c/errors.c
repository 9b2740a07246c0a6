/*
 * errors.c — what a program sees when it misuses the API. shale never
 * crashes on a bad argument or a stale handle: it returns a status and
 * shale_last_error() says what was wrong. Each line below shows one misuse,
 * the status name and the message.
 *
 *   usage: errors [DB_DIR]       (default: a fresh temporary directory)
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include <stdint.h>

#include "example_util.h"

static int unexpected = 0;

/*
 * Prints one outcome and checks it: the status must be `expected`, and an
 * error must come with a message (and, if `mention` is not NULL, a message
 * that contains it).
 */
static void show(const char *what, int32_t status, int32_t expected,
                 const char *mention) {
  /* Copy the message first: it is valid only until the next shale call.
   * Only a failure has one of its own (a successful _free/_close leaves the
   * previous message in place, so print nothing for SHALE_OK). */
  char message[512];
  snprintf(message, sizeof message, "%s",
           status == SHALE_OK ? "" : shale_last_error());
  if (message[0] != '\0') {
    printf("%-38s -> %-24s %s\n", what, shale_status_name(status), message);
  } else {
    printf("%-38s -> %s\n", what, shale_status_name(status));
  }
  if (status != expected) {
    printf("  UNEXPECTED: wanted %s\n", shale_status_name(expected));
    unexpected++;
  } else if (status < 0 && message[0] == '\0') {
    printf("  UNEXPECTED: no message for an error\n");
    unexpected++;
  } else if (mention != NULL && strstr(message, mention) == NULL) {
    printf("  UNEXPECTED: the message does not mention %s\n", mention);
    unexpected++;
  }
}

int main(int argc, char **argv) {
  char path[4096];
  char missing[4200];
  char small[4];
  char *big_key = NULL;
  int created = 0;
  int32_t status;
  size_t needed = 0;
  size_t len = 0;
  void *value = NULL;
  shale_options options;
  shale_db *db = NULL;
  shale_db *other = NULL;
  shale_batch *batch = NULL;
  shale_snapshot *snap = NULL;
  shale_iter *iter = NULL;

  if (!scratch_dir(argc, argv, path, sizeof path, &created)) {
    return 1;
  }
  if (!ok(shale_db_open(path, NULL, &db), "shale_db_open") ||
      !ok(shale_db_put(db, "greeting", 8, "hello world", 11), "shale_db_put")) {
    shale_db_close(db);
    scratch_dir_cleanup(path, created);
    return 1;
  }

  printf("-- NULL arguments\n");
  other = db; /* a failed open sets *out to NULL, whatever it was */
  show("open(path=NULL)", shale_db_open(NULL, NULL, &other),
       SHALE_E_INVALID_ARGUMENT, NULL);
  if (other != NULL) {
    printf("  UNEXPECTED: *out was not set to NULL\n");
    unexpected++;
  }
  show("open(out=NULL)", shale_db_open(path, NULL, NULL),
       SHALE_E_INVALID_ARGUMENT, NULL);
  show("put(key=NULL, key_len=3)", shale_db_put(db, NULL, 3, "v", 1),
       SHALE_E_INVALID_ARGUMENT, NULL);
  show("get(value=NULL)", shale_db_get(db, NULL, "k", 1, NULL, &len),
       SHALE_E_INVALID_ARGUMENT, NULL);
  /* The one legal NULL: (NULL, 0) is the empty key. */
  show("put(key=NULL, key_len=0)", shale_db_put(db, NULL, 0, "v", 1),
       SHALE_OK, NULL);

  printf("-- limits\n");
  big_key = (char *)calloc(1, SHALE_MAX_KEY_SIZE + 1);
  if (big_key != NULL) {
    show("put(key of MAX_KEY_SIZE+1 bytes)",
         shale_db_put(db, big_key, SHALE_MAX_KEY_SIZE + 1, "v", 1),
         SHALE_E_INVALID_ARGUMENT, NULL);
    free(big_key);
  }

  printf("-- caller buffer too small\n");
  status = shale_db_get_into(db, NULL, "greeting", 8, small, sizeof small,
                             &needed);
  show("get_into(capacity=4)", status, SHALE_E_BUFFER_TOO_SMALL, NULL);
  printf("  needed = %zu (retry with a buffer that big)\n", needed);
  if (needed != 11) {
    printf("  UNEXPECTED: needed should be 11\n");
    unexpected++;
  }

  printf("-- stale and wrong handles\n");
  if (ok(shale_batch_new(&batch), "shale_batch_new")) {
    show("batch_free(batch)", shale_batch_free(batch), SHALE_OK, NULL);
    show("batch_put(freed batch)", shale_batch_put(batch, "k", 1, "v", 1),
         SHALE_E_INVALID_HANDLE, NULL);
    show("batch_free(freed batch) (double free)", shale_batch_free(batch),
         SHALE_E_INVALID_HANDLE, NULL);
  }
  if (ok(shale_snapshot_new(db, &snap), "shale_snapshot_new")) {
    /* A snapshot passed where a db is expected. */
    show("get(db=<a snapshot handle>)",
         shale_db_get((shale_db *)snap, NULL, "k", 1, &value, &len),
         SHALE_E_INVALID_HANDLE, NULL);
    show("snapshot_free(snapshot)", shale_snapshot_free(snap), SHALE_OK,
         NULL);
  }
  show("put(db=<never issued>)",
       shale_db_put((shale_db *)(uintptr_t)0xdeadbeef, "k", 1, "v", 1),
       SHALE_E_INVALID_HANDLE, NULL);
  show("db_close(NULL)", shale_db_close(NULL), SHALE_OK, NULL);

  printf("-- a directory is open at most once\n");
  show("open(same directory again)", shale_db_open(path, NULL, &other),
       SHALE_E_LOCKED, path);

  printf("-- children of a closed db\n");
  if (ok(shale_iter_new(db, NULL, &iter), "shale_iter_new")) {
    show("db_close(db)", shale_db_close(db), SHALE_OK, NULL);
    show("iter_first(iterator of closed db)", shale_iter_first(iter),
         SHALE_E_CLOSED, NULL);
    show("iter_free(iterator of closed db)", shale_iter_free(iter), SHALE_OK,
         NULL);
    show("put(closed db)", shale_db_put(db, "k", 1, "v", 1),
         SHALE_E_INVALID_HANDLE, NULL);
    show("db_close(closed db) (double close)", shale_db_close(db),
         SHALE_E_INVALID_HANDLE, NULL);
  } else {
    shale_db_close(db);
  }
  db = NULL;

  printf("-- read-only\n");
  SHALE_OPTIONS_INIT(&options);
  options.read_only = 1;
  if (ok(shale_db_open(path, &options, &db), "shale_db_open(read_only)")) {
    show("put(read-only db)", shale_db_put(db, "k", 1, "v", 1),
         SHALE_E_READ_ONLY, NULL);
    ok(shale_db_close(db), "shale_db_close");
  } else {
    unexpected++;
  }

  printf("-- a db that does not exist\n");
  snprintf(missing, sizeof missing, "%s/no-such-db", path);
  SHALE_OPTIONS_INIT(&options);
  options.create_if_missing = 0;
  status = shale_db_open(missing, &options, &other);
  show("open(missing, create_if_missing=0)", status, SHALE_E_IO, missing);
  printf("  errno = %d\n", (int)shale_last_errno());

  printf("-- a successful call clears the message\n");
  SHALE_OPTIONS_INIT(&options);
  printf("  after shale_options_init: shale_last_error() = \"%s\"\n",
         shale_last_error());
  if (shale_last_error()[0] != '\0') {
    printf("  UNEXPECTED: the message was not cleared\n");
    unexpected++;
  }
  printf("  shale_status_name(-999) = %s\n", shale_status_name(-999));
  if (strcmp(shale_status_name(-999), "SHALE_E_UNKNOWN") != 0) {
    printf("  UNEXPECTED: wrong name for an unknown status\n");
    unexpected++;
  }

  scratch_dir_cleanup(path, created);
  if (unexpected != 0) {
    printf("FAILED: %d unexpected outcomes\n", unexpected);
    return 1;
  }
  printf("errors: OK\n");
  return 0;
}
