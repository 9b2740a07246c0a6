/*
 * engine_rocksdb.c — RocksDB behind bench/compare's engine interface, through
 * RocksDB's own C API (rocksdb/c.h, Debian librocksdb-dev).
 *
 * The rocksdb_t handle is thread-safe, so a context is only the db plus the
 * per-thread buffers the interface needs: the error message, the pinned
 * value of the last get (rocksdb_get_pinned avoids copying the value out of
 * the block cache or memtable; released at the next get) and a reusable
 * write batch.
 *
 * Version: rocksdb/version.h is C++ (it includes <string>), so the build
 * passes its ROCKSDB_MAJOR.MINOR.PATCH as -DBENCH_ROCKSDB_VERSION="x.y.z".
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

#ifndef BENCH_ROCKSDB_VERSION
#define BENCH_ROCKSDB_VERSION \
  "unknown (build did not define BENCH_ROCKSDB_VERSION)"
#endif

typedef struct rdb_store {
  rocksdb_t *db;
  rocksdb_readoptions_t *read;
  rocksdb_writeoptions_t *write;
} rdb_store;

typedef struct rdb_ctx {
  rdb_store *store;
  rocksdb_pinnableslice_t *value; /* last get's value, pinned until next */
  rocksdb_writebatch_t *batch;
  char error[512];
} rdb_ctx;

typedef struct rdb_iter {
  rdb_ctx *ctx; /* where errors go */
  rocksdb_iterator_t *it;
} rdb_iter;

enum {
  BLOOM_BITS_PER_KEY = 10, /* shale's default */
  BACKGROUND_JOBS = 2,     /* RocksDB's default; the bench box has 2 cores */
  SETTLE_POLL_MS = 5,      /* between background-work property polls */
  SETTLE_TIMEOUT_S = 1800, /* a stuck compaction fails the run instead */
};

/* Reports *errptr (if set) as "<call>: <message>" into buf and frees it.
 * Returns 0 if there was no error. */
static int take_error(char *buf, size_t len, const char *call, char *err) {
  if (err == NULL) return 0;
  snprintf(buf, len, "rocksdb %s: %s", call, err);
  rocksdb_free(err);
  return -1;
}

static const char *rdb_version(void) { return BENCH_ROCKSDB_VERSION; }

static const char *rdb_describe(const bench_settings *s) {
  static char d[896];
  snprintf(d, sizeof d,
           "compression off (rocksdb_no_compression; bottommost compression "
           "is off by default); LRU block cache %.1f MiB, index and filter "
           "blocks kept outside it (cache_index_and_filter_blocks=0, RocksDB's "
           "default, as in LevelDB and shale); full bloom filter %d bits/key "
           "(shale's default); write buffer %.1f MiB; WAL on, %s; "
           "max_background_jobs=%d (RocksDB's default, stated since the box "
           "has 2 cores; increase_parallelism not used); statistics off; "
           "max_open_files default (-1: all open); reads verify block "
           "checksums (RocksDB's default); other options default; gets use "
           "rocksdb_get_pinned (no copy); iterators read an implicit "
           "snapshot; settle polls rocksdb.mem-table-flush-pending, "
           "compaction-pending, num-running-flushes and "
           "num-running-compactions until all are 0",
           s->cache_bytes / 1048576.0, BLOOM_BITS_PER_KEY,
           s->write_buffer_bytes / 1048576.0,
           s->sync ? "every write synced (write option sync=1)"
                   : "unsynced (write option sync=0)",
           BACKGROUND_JOBS);
  return d;
}

static void store_free(rdb_store *st) {
  if (st->db) rocksdb_close(st->db);
  if (st->read) rocksdb_readoptions_destroy(st->read);
  if (st->write) rocksdb_writeoptions_destroy(st->write);
  free(st);
}

static void *rdb_open(const char *dir, const bench_settings *s, char *err,
                      size_t err_len) {
  rdb_store *st = calloc(1, sizeof *st);
  if (st == NULL) {
    snprintf(err, err_len, "rocksdb open: out of memory");
    return NULL;
  }
  rocksdb_options_t *options = rocksdb_options_create();
  rocksdb_options_set_create_if_missing(options, 1);
  rocksdb_options_set_compression(options, rocksdb_no_compression);
  rocksdb_options_set_write_buffer_size(options, (size_t)s->write_buffer_bytes);
  rocksdb_options_set_max_background_jobs(options, BACKGROUND_JOBS);

  /* The table options share the cache and take the filter policy; the
   * factory copies them, so all three can be released once it is set. */
  rocksdb_cache_t *cache = rocksdb_cache_create_lru((size_t)s->cache_bytes);
  rocksdb_block_based_table_options_t *table =
      rocksdb_block_based_options_create();
  rocksdb_block_based_options_set_block_cache(table, cache);
  rocksdb_block_based_options_set_filter_policy(
      table, rocksdb_filterpolicy_create_bloom_full(BLOOM_BITS_PER_KEY));
  rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 0);
  rocksdb_options_set_block_based_table_factory(options, table);
  rocksdb_block_based_options_destroy(table);
  rocksdb_cache_destroy(cache);

  st->read = rocksdb_readoptions_create();
  st->write = rocksdb_writeoptions_create();
  rocksdb_writeoptions_set_sync(st->write, s->sync ? 1 : 0);

  char *e = NULL;
  st->db = rocksdb_open(options, dir, &e);
  rocksdb_options_destroy(options);
  if (take_error(err, err_len, "rocksdb_open", e)) {
    st->db = NULL;
    store_free(st);
    return NULL;
  }
  return st;
}

static void rdb_close(void *db) {
  if (db) store_free(db);
}

static void *rdb_attach(void *db) {
  rdb_ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->store = db;
  c->batch = rocksdb_writebatch_create();
  return c;
}

static void rdb_detach(void *ctx) {
  rdb_ctx *c = ctx;
  if (c == NULL) return;
  if (c->value) rocksdb_pinnableslice_destroy(c->value);
  rocksdb_writebatch_destroy(c->batch);
  free(c);
}

static const char *rdb_error(void *ctx) { return ((rdb_ctx *)ctx)->error; }

static int rdb_put(void *ctx, const void *key, size_t key_len,
                   const void *value, size_t value_len) {
  rdb_ctx *c = ctx;
  char *e = NULL;
  rocksdb_put(c->store->db, c->store->write, key, key_len, value, value_len,
              &e);
  return take_error(c->error, sizeof c->error, "rocksdb_put", e);
}

static int rdb_get(void *ctx, const void *key, size_t key_len, int *found,
                   const void **value, size_t *value_len) {
  rdb_ctx *c = ctx;
  if (c->value) {
    rocksdb_pinnableslice_destroy(c->value);
    c->value = NULL;
  }
  char *e = NULL;
  c->value = rocksdb_get_pinned(c->store->db, c->store->read, key, key_len, &e);
  if (take_error(c->error, sizeof c->error, "rocksdb_get_pinned", e)) return -1;
  /* NULL without an error means not found. */
  *found = c->value != NULL;
  if (c->value) {
    *value = rocksdb_pinnableslice_value(c->value, value_len);
  } else {
    *value = NULL;
    *value_len = 0;
  }
  return 0;
}

static int rdb_del(void *ctx, const void *key, size_t key_len) {
  rdb_ctx *c = ctx;
  char *e = NULL;
  rocksdb_delete(c->store->db, c->store->write, key, key_len, &e);
  return take_error(c->error, sizeof c->error, "rocksdb_delete", e);
}

static int rdb_put_batch(void *ctx, size_t n, const char *keys, size_t key_len,
                         const char *values, size_t value_len) {
  rdb_ctx *c = ctx;
  rocksdb_writebatch_clear(c->batch);
  for (size_t i = 0; i < n; i++)
    rocksdb_writebatch_put(c->batch, keys + i * key_len, key_len,
                           values + i * value_len, value_len);
  char *e = NULL;
  rocksdb_write(c->store->db, c->store->write, c->batch, &e);
  return take_error(c->error, sizeof c->error, "rocksdb_write", e);
}

static void *rdb_iter_new(void *ctx) {
  rdb_ctx *c = ctx;
  rdb_iter *i = malloc(sizeof *i);
  if (i == NULL) {
    snprintf(c->error, sizeof c->error, "rocksdb iterator: out of memory");
    return NULL;
  }
  i->ctx = c;
  /* No snapshot in the read options: the iterator pins the current state. */
  i->it = rocksdb_create_iterator(c->store->db, c->store->read);
  return i;
}

static void rdb_iter_free(void *it) {
  rdb_iter *i = it;
  if (i == NULL) return;
  rocksdb_iter_destroy(i->it);
  free(i);
}

/* 1 if on an entry, 0 at the end, -1 if the iterator hit an error. */
static int position(rdb_iter *i, const char *call) {
  if (rocksdb_iter_valid(i->it)) return 1;
  char *e = NULL;
  rocksdb_iter_get_error(i->it, &e);
  return take_error(i->ctx->error, sizeof i->ctx->error, call, e);
}

static int rdb_iter_seek(void *it, const void *key, size_t key_len) {
  rdb_iter *i = it;
  rocksdb_iter_seek(i->it, key, key_len);
  return position(i, "rocksdb_iter_seek");
}

static int rdb_iter_first(void *it) {
  rdb_iter *i = it;
  rocksdb_iter_seek_to_first(i->it);
  return position(i, "rocksdb_iter_seek_to_first");
}

static int rdb_iter_last(void *it) {
  rdb_iter *i = it;
  rocksdb_iter_seek_to_last(i->it);
  return position(i, "rocksdb_iter_seek_to_last");
}

static int rdb_iter_next(void *it) {
  rdb_iter *i = it;
  /* Moving an invalid iterator is undefined: report where it stands. */
  if (!rocksdb_iter_valid(i->it)) return position(i, "rocksdb_iter_next");
  rocksdb_iter_next(i->it);
  return position(i, "rocksdb_iter_next");
}

static int rdb_iter_prev(void *it) {
  rdb_iter *i = it;
  /* Moving an invalid iterator is undefined: report where it stands. */
  if (!rocksdb_iter_valid(i->it)) return position(i, "rocksdb_iter_prev");
  rocksdb_iter_prev(i->it);
  return position(i, "rocksdb_iter_prev");
}

static void rdb_iter_entry(void *it, const void **key, size_t *key_len,
                           const void **value, size_t *value_len) {
  rdb_iter *i = it;
  *key = rocksdb_iter_key(i->it, key_len);
  *value = rocksdb_iter_value(i->it, value_len);
}

/* RocksDB 7.8's C API has no rocksdb_wait_for_compact (added in 8.x), so
 * settle polls the documented DB properties for pending or running
 * background work until there is none. */
static int rdb_settle(void *ctx) {
  static const char *const busy[] = {
      "rocksdb.mem-table-flush-pending",
      "rocksdb.num-running-flushes",
      "rocksdb.compaction-pending",
      "rocksdb.num-running-compactions",
  };
  rdb_ctx *c = ctx;
  const struct timespec pause = {0, SETTLE_POLL_MS * 1000000L};
  for (long waited_ms = 0;; waited_ms += SETTLE_POLL_MS) {
    int idle = 1;
    for (size_t p = 0; p < sizeof busy / sizeof busy[0] && idle; p++) {
      uint64_t v = 0;
      if (rocksdb_property_int(c->store->db, busy[p], &v) != 0) {
        snprintf(c->error, sizeof c->error,
                 "rocksdb rocksdb_property_int: cannot read %s", busy[p]);
        return -1;
      }
      idle = v == 0;
    }
    if (idle) return 0;
    if (waited_ms >= SETTLE_TIMEOUT_S * 1000L) {
      snprintf(c->error, sizeof c->error,
               "rocksdb settle: background work still pending after %d s",
               SETTLE_TIMEOUT_S);
      return -1;
    }
    nanosleep(&pause, NULL);
  }
}

const bench_engine bench_engine_rocksdb = {
    .name = "rocksdb",
    .version = rdb_version,
    .describe = rdb_describe,
    .open = rdb_open,
    .close = rdb_close,
    .attach = rdb_attach,
    .detach = rdb_detach,
    .error = rdb_error,
    .put = rdb_put,
    .get = rdb_get,
    .del = rdb_del,
    .put_batch = rdb_put_batch,
    .iter_new = rdb_iter_new,
    .iter_free = rdb_iter_free,
    .iter_seek = rdb_iter_seek,
    .iter_first = rdb_iter_first,
    .iter_last = rdb_iter_last,
    .iter_next = rdb_iter_next,
    .iter_prev = rdb_iter_prev,
    .iter_entry = rdb_iter_entry,
    .settle = rdb_settle,
};
