/*
 * engine_lmdb.c — LMDB behind the comparison's engine interface (engine.h).
 *
 * How the common settings map (describe() prints the same):
 * - LMDB has no log: a commit writes the changed pages into the data file.
 *   Async runs open with MDB_NOSYNC (commits reach the OS page cache, not
 *   synced); durable runs keep LMDB's default sync on every commit.
 * - No cache of its own: reads go through the memory map, i.e. the OS page
 *   cache, so cache_bytes does not apply. No compression exists.
 * - Map size: 3 x expected_keys x (16-byte key + value + 64 bytes of node and
 *   page overhead; values too big for a leaf page count as whole 4 KiB
 *   overflow pages), at least 1 GiB. It is address space, not memory; the
 *   factor 3 leaves room for copy-on-write pages still pinned by readers.
 * - Each put/del is its own write transaction; put_batch is one write
 *   transaction per batch. LMDB allows one writer at a time, so writer
 *   threads serialize on its write lock (no group commit).
 * - Reads: each ctx keeps one read-only transaction, renewed and reset
 *   around every get (LMDB's fast path: no allocation, a fresh snapshot each
 *   time). The value is copied into a ctx buffer before the reset, as the
 *   other engines copy it out: a snapshot left live between calls would pin
 *   every page freed after it (an idle ctx would grow the file until the map
 *   is full). MDB_NOTLS ties read transactions to the ctx instead of the
 *   thread, so ctxs may move between threads.
 * - Iterators hold their own read transaction and cursor for their life.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

enum {
  kAssumedKeyBytes = 16,   /* the comparison's key size */
  kNodeOverheadBytes = 64, /* node header, page slot, partly filled pages */
  kLeafValueMax = 2000,    /* larger values go to overflow pages (4K) */
  kPageBytes = 4096,
  kMaxReaders = 1024, /* one per ctx plus one per live iterator */
};
static const uint64_t kMapFloorBytes = 1ull << 30;

typedef struct lmdb_db {
  MDB_env *env;
  MDB_dbi dbi;
} lmdb_db;

typedef struct lmdb_ctx {
  lmdb_db *db;
  MDB_txn *read_txn; /* NULL until the first get; reset between gets */
  unsigned char *value_buf;
  size_t value_cap;
  char err[256];
} lmdb_ctx;

typedef struct lmdb_iter {
  lmdb_ctx *ctx; /* for the error buffer */
  MDB_txn *txn;
  MDB_cursor *cursor;
  MDB_val key, value;
  int valid;
} lmdb_iter;

static int fail(lmdb_ctx *ctx, const char *call, int rc) {
  snprintf(ctx->err, sizeof ctx->err, "lmdb %s: %s", call, mdb_strerror(rc));
  return -1;
}

static uint64_t map_size_for(const bench_settings *s) {
  uint64_t per_entry = kAssumedKeyBytes + s->value_size + kNodeOverheadBytes;
  if (s->value_size > kLeafValueMax) {
    uint64_t bytes = kAssumedKeyBytes + s->value_size;
    per_entry =
        (bytes + kPageBytes - 1) / kPageBytes * kPageBytes + kNodeOverheadBytes;
  }
  uint64_t size = 3 * s->expected_keys * per_entry;
  if (size < kMapFloorBytes) size = kMapFloorBytes;
  return (size + kPageBytes - 1) / kPageBytes * kPageBytes;
}

static const char *lmdb_version(void) {
  static char text[32];
  int major, minor, patch;
  mdb_version(&major, &minor, &patch);
  snprintf(text, sizeof text, "%d.%d.%d", major, minor, patch);
  return text;
}

static const char *lmdb_describe(const bench_settings *s) {
  static char text[768];
  snprintf(text, sizeof text,
           "no log: commits write pages to the data file; %s; map size "
           "%.2f GiB (3 x keys x (16+value+64 B), floor 1 GiB); no cache of "
           "its own: the OS page cache serves the memory map (cache setting "
           "n/a); no compression; each put/del its own write txn, put_batch "
           "one write txn per batch; one writer at a time (writer threads "
           "serialize); gets: one read txn per ctx reset/renewed per get "
           "(MDB_NOTLS), value copied out before the reset; iterators "
           "hold a read txn + cursor",
           s->sync
               ? "this run durable: every commit synced (LMDB default; async "
                 "runs: MDB_NOSYNC)"
               : "this run async: MDB_NOSYNC, not synced (durable runs: every "
                 "commit synced, LMDB default)",
           (double)map_size_for(s) / (1 << 30));
  return text;
}

static void *lmdb_open(const char *dir, const bench_settings *s, char *err,
                       size_t err_len) {
  lmdb_db *db = calloc(1, sizeof *db);
  const char *call = "calloc";
  int rc = ENOMEM;
  MDB_txn *txn = NULL;
  if (!db) goto failed;
  call = "mdb_env_create";
  if ((rc = mdb_env_create(&db->env)) != 0) goto failed;
  call = "mdb_env_set_mapsize";
  if ((rc = mdb_env_set_mapsize(db->env, map_size_for(s))) != 0) goto failed;
  call = "mdb_env_set_maxreaders";
  if ((rc = mdb_env_set_maxreaders(db->env, kMaxReaders)) != 0) goto failed;
  call = "mdb_env_open";
  unsigned flags = MDB_NOTLS | (s->sync ? 0 : MDB_NOSYNC);
  if ((rc = mdb_env_open(db->env, dir, flags, 0644)) != 0) goto failed;
  call = "mdb_txn_begin";
  if ((rc = mdb_txn_begin(db->env, NULL, 0, &txn)) != 0) goto failed;
  call = "mdb_dbi_open";
  if ((rc = mdb_dbi_open(txn, NULL, 0, &db->dbi)) != 0) goto failed;
  call = "mdb_txn_commit";
  rc = mdb_txn_commit(txn);
  txn = NULL;
  if (rc != 0) goto failed;
  return db;

failed:
  snprintf(err, err_len, "lmdb %s: %s", call, mdb_strerror(rc));
  if (txn) mdb_txn_abort(txn);
  if (db && db->env) mdb_env_close(db->env);
  free(db);
  return NULL;
}

static void lmdb_close(void *handle) {
  lmdb_db *db = handle;
  if (!db) return;
  mdb_env_close(db->env);
  free(db);
}

static void *lmdb_attach(void *handle) {
  lmdb_ctx *ctx = calloc(1, sizeof *ctx);
  if (ctx) ctx->db = handle;
  return ctx;
}

static void lmdb_detach(void *handle) {
  lmdb_ctx *ctx = handle;
  if (!ctx) return;
  if (ctx->read_txn) mdb_txn_abort(ctx->read_txn);
  free(ctx->value_buf);
  free(ctx);
}

static const char *lmdb_error(void *handle) {
  return ((lmdb_ctx *)handle)->err;
}

static int copy_value(lmdb_ctx *ctx, const MDB_val *v) {
  if (v->mv_size > ctx->value_cap) {
    size_t cap = v->mv_size < 256 ? 256 : v->mv_size;
    unsigned char *buf = realloc(ctx->value_buf, cap);
    if (!buf) {
      snprintf(ctx->err, sizeof ctx->err, "lmdb get: out of memory");
      return -1;
    }
    ctx->value_buf = buf;
    ctx->value_cap = cap;
  }
  if (v->mv_size) memcpy(ctx->value_buf, v->mv_data, v->mv_size);
  return 0;
}

static int lmdb_get(void *handle, const void *key, size_t key_len, int *found,
                    const void **value, size_t *value_len) {
  lmdb_ctx *ctx = handle;
  int rc, status = 0;
  if (ctx->read_txn) {
    if ((rc = mdb_txn_renew(ctx->read_txn)) != 0)
      return fail(ctx, "mdb_txn_renew", rc);
  } else if ((rc = mdb_txn_begin(ctx->db->env, NULL, MDB_RDONLY,
                                 &ctx->read_txn)) != 0) {
    ctx->read_txn = NULL;
    return fail(ctx, "mdb_txn_begin(read)", rc);
  }
  MDB_val k = {key_len, (void *)key}, v;
  rc = mdb_get(ctx->read_txn, ctx->db->dbi, &k, &v);
  if (rc == 0) {
    status = copy_value(ctx, &v);
    *found = 1;
    *value = ctx->value_buf;
    *value_len = v.mv_size;
  } else if (rc == MDB_NOTFOUND) {
    *found = 0;
  } else {
    status = fail(ctx, "mdb_get", rc);
  }
  mdb_txn_reset(ctx->read_txn);
  return status;
}

/* Runs one write transaction: begin, body(txn, arg), commit. */
typedef int (*write_body)(lmdb_ctx *ctx, MDB_txn *txn, const void *arg);

static int write_txn(lmdb_ctx *ctx, write_body body, const void *arg) {
  MDB_txn *txn;
  int rc;
  if ((rc = mdb_txn_begin(ctx->db->env, NULL, 0, &txn)) != 0)
    return fail(ctx, "mdb_txn_begin(write)", rc);
  if (body(ctx, txn, arg) != 0) {
    mdb_txn_abort(txn);
    return -1;
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return fail(ctx, "mdb_txn_commit", rc);
  return 0;
}

typedef struct put_args {
  size_t n;
  const char *keys, *values;
  size_t key_len, value_len;
} put_args;

static int put_body(lmdb_ctx *ctx, MDB_txn *txn, const void *arg) {
  const put_args *a = arg;
  for (size_t i = 0; i < a->n; i++) {
    MDB_val k = {a->key_len, (void *)(a->keys + i * a->key_len)};
    MDB_val v = {a->value_len, (void *)(a->values + i * a->value_len)};
    int rc = mdb_put(txn, ctx->db->dbi, &k, &v, 0);
    if (rc != 0) return fail(ctx, "mdb_put", rc);
  }
  return 0;
}

static int lmdb_put(void *ctx, const void *key, size_t key_len,
                    const void *value, size_t value_len) {
  put_args a = {1, key, value, key_len, value_len};
  return write_txn(ctx, put_body, &a);
}

static int lmdb_put_batch(void *ctx, size_t n, const char *keys, size_t key_len,
                          const char *values, size_t value_len) {
  put_args a = {n, keys, values, key_len, value_len};
  return write_txn(ctx, put_body, &a);
}

static int del_body(lmdb_ctx *ctx, MDB_txn *txn, const void *arg) {
  const MDB_val *k = arg;
  int rc = mdb_del(txn, ctx->db->dbi, (MDB_val *)k, NULL);
  /* Deleting an absent key succeeds, as in the other engines. */
  if (rc != 0 && rc != MDB_NOTFOUND) return fail(ctx, "mdb_del", rc);
  return 0;
}

static int lmdb_del(void *ctx, const void *key, size_t key_len) {
  MDB_val k = {key_len, (void *)key};
  return write_txn(ctx, del_body, &k);
}

static void *lmdb_iter_new(void *handle) {
  lmdb_ctx *ctx = handle;
  lmdb_iter *it = calloc(1, sizeof *it);
  int rc;
  if (!it) {
    snprintf(ctx->err, sizeof ctx->err, "lmdb iter_new: out of memory");
    return NULL;
  }
  it->ctx = ctx;
  if ((rc = mdb_txn_begin(ctx->db->env, NULL, MDB_RDONLY, &it->txn)) != 0) {
    fail(ctx, "mdb_txn_begin(iterator)", rc);
    free(it);
    return NULL;
  }
  if ((rc = mdb_cursor_open(it->txn, ctx->db->dbi, &it->cursor)) != 0) {
    fail(ctx, "mdb_cursor_open", rc);
    mdb_txn_abort(it->txn);
    free(it);
    return NULL;
  }
  return it;
}

static void lmdb_iter_free(void *handle) {
  lmdb_iter *it = handle;
  if (!it) return;
  mdb_cursor_close(it->cursor);
  mdb_txn_abort(it->txn);
  free(it);
}

static int cursor_move(lmdb_iter *it, MDB_cursor_op op) {
  int rc = mdb_cursor_get(it->cursor, &it->key, &it->value, op);
  if (rc == MDB_NOTFOUND) return it->valid = 0;
  if (rc != 0) {
    it->valid = 0;
    return fail(it->ctx, "mdb_cursor_get", rc);
  }
  return it->valid = 1;
}

static int lmdb_iter_seek(void *handle, const void *key, size_t key_len) {
  lmdb_iter *it = handle;
  it->key.mv_size = key_len;
  it->key.mv_data = (void *)key;
  return cursor_move(it, MDB_SET_RANGE);
}

static int lmdb_iter_first(void *it) { return cursor_move(it, MDB_FIRST); }
static int lmdb_iter_last(void *it) { return cursor_move(it, MDB_LAST); }

/* Past either end the iterator is on no entry and stays there (LMDB's
 * cursor would otherwise step back in from the end it left). */
static int lmdb_iter_next(void *handle) {
  lmdb_iter *it = handle;
  return it->valid ? cursor_move(it, MDB_NEXT) : 0;
}

static int lmdb_iter_prev(void *handle) {
  lmdb_iter *it = handle;
  return it->valid ? cursor_move(it, MDB_PREV) : 0;
}

static void lmdb_iter_entry(void *handle, const void **key, size_t *key_len,
                            const void **value, size_t *value_len) {
  lmdb_iter *it = handle;
  *key = it->key.mv_data;
  *key_len = it->key.mv_size;
  *value = it->value.mv_data;
  *value_len = it->value.mv_size;
}

const bench_engine bench_engine_lmdb = {
    .name = "lmdb",
    .version = lmdb_version,
    .describe = lmdb_describe,
    .open = lmdb_open,
    .close = lmdb_close,
    .attach = lmdb_attach,
    .detach = lmdb_detach,
    .error = lmdb_error,
    .put = lmdb_put,
    .get = lmdb_get,
    .del = lmdb_del,
    .put_batch = lmdb_put_batch,
    .iter_new = lmdb_iter_new,
    .iter_free = lmdb_iter_free,
    .iter_seek = lmdb_iter_seek,
    .iter_first = lmdb_iter_first,
    .iter_last = lmdb_iter_last,
    .iter_next = lmdb_iter_next,
    .iter_prev = lmdb_iter_prev,
    .iter_entry = lmdb_iter_entry,
    .settle = NULL, /* no background work */
};
