/*
 * engine_leveldb.c — LevelDB behind bench/compare's engine interface, through
 * LevelDB's own C API (leveldb/c.h, Debian libleveldb-dev).
 *
 * The leveldb_t handle is thread-safe, so a context is only the db plus the
 * per-thread buffers the interface needs: the error message, the last value
 * returned by get (leveldb_get returns malloc'd memory, freed at the next get)
 * and a reusable write batch.
 */
#include <leveldb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

typedef struct ldb_store {
  leveldb_t *db;
  leveldb_options_t *options;
  leveldb_cache_t *cache;
  leveldb_filterpolicy_t *bloom;
  leveldb_readoptions_t *read;
  leveldb_writeoptions_t *write;
} ldb_store;

typedef struct ldb_ctx {
  ldb_store *store;
  char *value; /* last leveldb_get result, owned here */
  leveldb_writebatch_t *batch;
  char error[512];
} ldb_ctx;

typedef struct ldb_iter {
  ldb_ctx *ctx; /* where errors go */
  leveldb_iterator_t *it;
} ldb_iter;

enum { BLOOM_BITS_PER_KEY = 10 }; /* shale's default */

/* Reports *errptr (if set) as "<call>: <message>" into buf and frees it.
 * Returns 0 if there was no error. */
static int take_error(char *buf, size_t len, const char *call, char *err) {
  if (err == NULL) return 0;
  snprintf(buf, len, "leveldb %s: %s", call, err);
  leveldb_free(err);
  return -1;
}

static const char *ldb_version(void) {
  static char v[32];
  snprintf(v, sizeof v, "%d.%d", leveldb_major_version(),
           leveldb_minor_version());
  return v;
}

static const char *ldb_describe(const bench_settings *s) {
  static char d[640];
  snprintf(d, sizeof d,
           "compression off (leveldb_no_compression); LRU block cache %.1f "
           "MiB; bloom filter %d bits/key (shale's default); write buffer "
           "%.1f MiB; WAL on, %s; reads verify block checksums (off by "
           "default in LevelDB, on in shale and RocksDB); max_open_files "
           "default (1000), other options default; iterators read an "
           "implicit snapshot; no settle (LevelDB has no public way to wait "
           "for compactions)",
           s->cache_bytes / 1048576.0, BLOOM_BITS_PER_KEY,
           s->write_buffer_bytes / 1048576.0,
           s->sync ? "every write synced (write option sync=1)"
                   : "unsynced (write option sync=0)");
  return d;
}

static void store_free(ldb_store *st) {
  if (st->db) leveldb_close(st->db);
  if (st->read) leveldb_readoptions_destroy(st->read);
  if (st->write) leveldb_writeoptions_destroy(st->write);
  if (st->options) leveldb_options_destroy(st->options);
  /* The options only borrow the cache and the filter policy. */
  if (st->bloom) leveldb_filterpolicy_destroy(st->bloom);
  if (st->cache) leveldb_cache_destroy(st->cache);
  free(st);
}

static void *ldb_open(const char *dir, const bench_settings *s, char *err,
                      size_t err_len) {
  ldb_store *st = calloc(1, sizeof *st);
  if (st == NULL) {
    snprintf(err, err_len, "leveldb open: out of memory");
    return NULL;
  }
  st->options = leveldb_options_create();
  st->cache = leveldb_cache_create_lru((size_t)s->cache_bytes);
  st->bloom = leveldb_filterpolicy_create_bloom(BLOOM_BITS_PER_KEY);
  leveldb_options_set_create_if_missing(st->options, 1);
  leveldb_options_set_compression(st->options, leveldb_no_compression);
  leveldb_options_set_cache(st->options, st->cache);
  leveldb_options_set_filter_policy(st->options, st->bloom);
  leveldb_options_set_write_buffer_size(st->options,
                                        (size_t)s->write_buffer_bytes);

  st->read = leveldb_readoptions_create();
  leveldb_readoptions_set_verify_checksums(st->read, 1);
  st->write = leveldb_writeoptions_create();
  leveldb_writeoptions_set_sync(st->write, s->sync ? 1 : 0);

  char *e = NULL;
  st->db = leveldb_open(st->options, dir, &e);
  if (take_error(err, err_len, "leveldb_open", e)) {
    st->db = NULL;
    store_free(st);
    return NULL;
  }
  return st;
}

static void ldb_close(void *db) {
  if (db) store_free(db);
}

static void *ldb_attach(void *db) {
  ldb_ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->store = db;
  c->batch = leveldb_writebatch_create();
  return c;
}

static void ldb_detach(void *ctx) {
  ldb_ctx *c = ctx;
  if (c == NULL) return;
  if (c->value) leveldb_free(c->value);
  leveldb_writebatch_destroy(c->batch);
  free(c);
}

static const char *ldb_error(void *ctx) { return ((ldb_ctx *)ctx)->error; }

static int ldb_put(void *ctx, const void *key, size_t key_len,
                   const void *value, size_t value_len) {
  ldb_ctx *c = ctx;
  char *e = NULL;
  leveldb_put(c->store->db, c->store->write, key, key_len, value, value_len,
              &e);
  return take_error(c->error, sizeof c->error, "leveldb_put", e);
}

static int ldb_get(void *ctx, const void *key, size_t key_len, int *found,
                   const void **value, size_t *value_len) {
  ldb_ctx *c = ctx;
  if (c->value) {
    leveldb_free(c->value);
    c->value = NULL;
  }
  char *e = NULL;
  size_t len = 0;
  c->value = leveldb_get(c->store->db, c->store->read, key, key_len, &len, &e);
  if (take_error(c->error, sizeof c->error, "leveldb_get", e)) return -1;
  *found = c->value != NULL;
  *value = c->value;
  *value_len = c->value ? len : 0;
  return 0;
}

static int ldb_del(void *ctx, const void *key, size_t key_len) {
  ldb_ctx *c = ctx;
  char *e = NULL;
  leveldb_delete(c->store->db, c->store->write, key, key_len, &e);
  return take_error(c->error, sizeof c->error, "leveldb_delete", e);
}

static int ldb_put_batch(void *ctx, size_t n, const char *keys, size_t key_len,
                         const char *values, size_t value_len) {
  ldb_ctx *c = ctx;
  leveldb_writebatch_clear(c->batch);
  for (size_t i = 0; i < n; i++)
    leveldb_writebatch_put(c->batch, keys + i * key_len, key_len,
                           values + i * value_len, value_len);
  char *e = NULL;
  leveldb_write(c->store->db, c->store->write, c->batch, &e);
  return take_error(c->error, sizeof c->error, "leveldb_write", e);
}

static void *ldb_iter_new(void *ctx) {
  ldb_ctx *c = ctx;
  ldb_iter *i = malloc(sizeof *i);
  if (i == NULL) {
    snprintf(c->error, sizeof c->error, "leveldb iterator: out of memory");
    return NULL;
  }
  i->ctx = c;
  /* No snapshot in the read options: the iterator pins the current state. */
  i->it = leveldb_create_iterator(c->store->db, c->store->read);
  return i;
}

static void ldb_iter_free(void *it) {
  ldb_iter *i = it;
  if (i == NULL) return;
  leveldb_iter_destroy(i->it);
  free(i);
}

/* 1 if on an entry, 0 at the end, -1 if the iterator hit an error. */
static int position(ldb_iter *i, const char *call) {
  if (leveldb_iter_valid(i->it)) return 1;
  char *e = NULL;
  leveldb_iter_get_error(i->it, &e);
  return take_error(i->ctx->error, sizeof i->ctx->error, call, e);
}

static int ldb_iter_seek(void *it, const void *key, size_t key_len) {
  ldb_iter *i = it;
  leveldb_iter_seek(i->it, key, key_len);
  return position(i, "leveldb_iter_seek");
}

static int ldb_iter_first(void *it) {
  ldb_iter *i = it;
  leveldb_iter_seek_to_first(i->it);
  return position(i, "leveldb_iter_seek_to_first");
}

static int ldb_iter_last(void *it) {
  ldb_iter *i = it;
  leveldb_iter_seek_to_last(i->it);
  return position(i, "leveldb_iter_seek_to_last");
}

static int ldb_iter_next(void *it) {
  ldb_iter *i = it;
  /* Moving an invalid iterator is undefined: report where it stands. */
  if (!leveldb_iter_valid(i->it)) return position(i, "leveldb_iter_next");
  leveldb_iter_next(i->it);
  return position(i, "leveldb_iter_next");
}

static int ldb_iter_prev(void *it) {
  ldb_iter *i = it;
  /* Moving an invalid iterator is undefined: report where it stands. */
  if (!leveldb_iter_valid(i->it)) return position(i, "leveldb_iter_prev");
  leveldb_iter_prev(i->it);
  return position(i, "leveldb_iter_prev");
}

static void ldb_iter_entry(void *it, const void **key, size_t *key_len,
                           const void **value, size_t *value_len) {
  ldb_iter *i = it;
  *key = leveldb_iter_key(i->it, key_len);
  *value = leveldb_iter_value(i->it, value_len);
}

const bench_engine bench_engine_leveldb = {
    .name = "leveldb",
    .version = ldb_version,
    .describe = ldb_describe,
    .open = ldb_open,
    .close = ldb_close,
    .attach = ldb_attach,
    .detach = ldb_detach,
    .error = ldb_error,
    .put = ldb_put,
    .get = ldb_get,
    .del = ldb_del,
    .put_batch = ldb_put_batch,
    .iter_new = ldb_iter_new,
    .iter_free = ldb_iter_free,
    .iter_seek = ldb_iter_seek,
    .iter_first = ldb_iter_first,
    .iter_last = ldb_iter_last,
    .iter_next = ldb_iter_next,
    .iter_prev = ldb_iter_prev,
    .iter_entry = ldb_iter_entry,
    /* LevelDB exposes no pending-compaction state (its properties are the
     * file counts per level, stats, sstables and memory usage), so there is
     * nothing documented to wait on. */
    .settle = NULL,
};
