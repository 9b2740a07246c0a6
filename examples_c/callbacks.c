/*
 * callbacks.c — the library calling back into your code:
 *   1. shale_db_scan calls a function for each entry; returning non-zero
 *      stops the scan early (it then returns SHALE_E_CANCELLED);
 *   2. shale_db_subscribe calls a function for every put and delete under a
 *      prefix, until shale_unsubscribe.
 *
 *   usage: callbacks [DB_DIR]    (default: a fresh temporary directory)
 *
 * Every callback gets a `void *user` you choose at registration. A
 * registration can also take a `user_free` function, called exactly once
 * when it ends.
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include "example_util.h"

/* ---- 1. scan ---------------------------------------------------------- */

struct scan_state {
  int visited;
  int limit;
};

/* key/value are borrowed for the duration of the call only. */
static int on_entry(void *user, const void *key, size_t key_len,
                    const void *value, size_t value_len) {
  struct scan_state *state = (struct scan_state *)user;
  printf("  scan: %.*s = %.*s\n", (int)key_len, (const char *)key,
         (int)value_len, (const char *)value);
  state->visited++;
  return state->visited >= state->limit; /* non-zero: stop here */
}

/* ---- 2. subscription ---------------------------------------------------- */

struct watcher {
  int puts;
  int deletes;
  int released;
};

/* Runs on the thread that made the write, after the write is visible and
 * before the write call returns. */
static int on_change(void *user, int32_t kind, const void *key,
                     size_t key_len, const void *value, size_t value_len) {
  struct watcher *w = (struct watcher *)user;
  if (kind == SHALE_CHANGE_PUT) {
    w->puts++;
    printf("  change: put    %.*s = %.*s\n", (int)key_len, (const char *)key,
           (int)value_len, (const char *)value);
  } else if (kind == SHALE_CHANGE_DELETE) {
    w->deletes++;
    printf("  change: delete %.*s\n", (int)key_len, (const char *)key);
  }
  return 0; /* ignored for subscriptions */
}

/* Called once when the subscription ends. Here `user` lives on main's
 * stack, so there is nothing to free; we only note that it happened. A
 * program that malloc'ed its state would free it here. */
static void on_release(void *user) {
  ((struct watcher *)user)->released++;
}

static int put(shale_db *db, const char *key, const char *value) {
  return ok(shale_db_put(db, key, strlen(key), value, strlen(value)),
            "shale_db_put");
}

int main(int argc, char **argv) {
  static const char *const items[] = {"item:1", "item:2", "item:3",
                                      "item:4", "item:5"};
  char path[4096];
  int created = 0;
  int success = 0;
  size_t i;
  shale_db *db = NULL;
  shale_batch *batch = NULL;
  shale_subscription *sub = NULL;
  shale_iter_options scan_range;
  struct scan_state state = {0, 3};
  struct watcher watcher = {0, 0, 0};
  int32_t status;

  if (!scratch_dir(argc, argv, path, sizeof path, &created)) {
    return 1;
  }
  if (!ok(shale_db_open(path, NULL, &db), "shale_db_open")) {
    goto out;
  }
  for (i = 0; i < sizeof items / sizeof items[0]; i++) {
    if (!put(db, items[i], "x")) {
      goto out;
    }
  }

  /* 1. Scan the "item:" prefix, stopping after state.limit entries. */
  printf("scan of item:*, stopping after %d entries:\n", state.limit);
  if (!ok(SHALE_ITER_OPTIONS_INIT(&scan_range), "shale_iter_options_init")) {
    goto out;
  }
  scan_range.prefix = "item:";
  scan_range.prefix_len = 5;
  status = shale_db_scan(db, &scan_range, 0, on_entry, &state);
  if (!expect(status, SHALE_E_CANCELLED, "shale_db_scan")) {
    goto out;
  }
  printf("scan returned %s after %d entries\n", shale_status_name(status),
         state.visited);
  if (state.visited != state.limit) {
    fprintf(stderr, "FAILED: the scan did not stop when asked\n");
    goto out;
  }

  /* 2. Watch keys starting with "user:". */
  if (!ok(shale_db_subscribe(db, "user:", 5, on_change, &watcher, on_release,
                             &sub),
          "shale_db_subscribe")) {
    goto out;
  }
  printf("subscribed to user:*\n");
  if (!put(db, "user:1", "alice") || !put(db, "config:theme", "dark")) {
    goto out; /* config:theme is outside the prefix: not delivered */
  }
  /* The entries of a batch are delivered in batch order. */
  if (!ok(shale_batch_new(&batch), "shale_batch_new") ||
      !ok(shale_batch_put(batch, "user:2", 6, "bob", 3), "shale_batch_put") ||
      !ok(shale_batch_delete(batch, "user:1", 6), "shale_batch_delete") ||
      !ok(shale_db_write(db, batch), "shale_db_write") ||
      !ok(shale_db_delete(db, "user:2", 6), "shale_db_delete")) {
    goto out;
  }

  /* After shale_unsubscribe returns, on_change is not running and never
   * runs again, and on_release has run. */
  status = shale_unsubscribe(sub);
  sub = NULL; /* the handle is gone whatever the status */
  if (!ok(status, "shale_unsubscribe")) {
    goto out;
  }
  printf("unsubscribed (user_free called %d time)\n", watcher.released);
  if (!put(db, "user:3", "carol")) { /* nobody is listening now */
    goto out;
  }
  printf("saw %d puts and %d deletes\n", watcher.puts, watcher.deletes);
  if (watcher.puts != 2 || watcher.deletes != 2 || watcher.released != 1) {
    fprintf(stderr, "FAILED: expected 2 puts, 2 deletes, 1 release\n");
    goto out;
  }

  success = 1;
out:
  /* Each of these is a no-op on NULL. */
  if (!ok(shale_unsubscribe(sub), "shale_unsubscribe")) {
    success = 0;
  }
  if (!ok(shale_batch_free(batch), "shale_batch_free")) {
    success = 0;
  }
  if (!ok(shale_db_close(db), "shale_db_close")) {
    success = 0;
  }
  scratch_dir_cleanup(path, created);
  if (success) {
    printf("callbacks: OK\n");
  }
  return success ? 0 : 1;
}
