/*
 * engine_shale.c — shale behind the comparison interface (engine.h),
 * through its public C API only (include/shale.h).
 *
 * Settings mapping:
 *   sync 0 -> SHALE_SYNC_NONE: the write is in the log, handed to the OS,
 *             not fsync'ed (as LevelDB/RocksDB with sync=false).
 *   sync 1 -> SHALE_SYNC_GROUP: each write is fsync'ed before it returns;
 *             writers waiting at the same moment share one fsync. That is
 *             what LevelDB and RocksDB do with sync=true (their writer
 *             queue groups concurrent writers into one log write + fsync).
 *             SHALE_SYNC_GROUP is also shale's default. The environment
 *             variable SHALE_COMPARE_SYNC=every selects SHALE_SYNC_EVERY
 *             instead (one fsync per write, never shared).
 *   cache_bytes -> block_cache_capacity; write_buffer_bytes ->
 *             write_buffer_size; compression: shale has none.
 * settle is NULL: the C API has no "wait for background compactions" call,
 * and shale_db_flush would force work the peers are not asked to do.
 *
 * The db handle is thread-safe; the per-thread context holds the error
 * text and a reusable buffer for shale_db_get_into (no allocation per get).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "shale.h"

typedef struct shale_ctx {
  shale_db *db;
  char *buf; /* get_into target, grown on demand */
  size_t cap;
  size_t *lens; /* put_many key and value lengths, grown on demand */
  size_t lens_cap;
  char err[512];
} shale_ctx;

/* Iterators read ahead with shale_iter_next_many (one library call per
 * chunk instead of three per entry: next, key, value), as a C program
 * scanning many entries would. A chunk is 16 entries after a positioning
 * move (enough for seek + 10 nexts) and doubles, up to 1024, while the scan
 * goes on. */
#define CHUNK_FIRST 16
#define CHUNK_MAX 1024

typedef struct shale_it {
  shale_iter *it;
  shale_ctx *ctx;
  char *data; /* owned by shale: the chunk's keys and values end to end */
  size_t lens[2 * CHUNK_MAX];
  size_t offs[CHUNK_MAX]; /* where entry i starts in data */
  size_t count, pos, chunk;
  int32_t dir; /* SHALE_ITER_FORWARD or SHALE_ITER_BACKWARD */
} shale_it;

static int fail(shale_ctx *c, const char *call, int32_t st) {
  snprintf(c->err, sizeof(c->err), "shale %s: %s: %s", call,
           shale_status_name(st), shale_last_error());
  return 1;
}

static uint32_t sync_mode(int sync) {
  const char *env = getenv("SHALE_COMPARE_SYNC");
  if (!sync) return SHALE_SYNC_NONE;
  if (env && strcmp(env, "every") == 0) return SHALE_SYNC_EVERY;
  return SHALE_SYNC_GROUP;
}

static const char *sh_version(void) { return shale_version(); }

static const char *sh_describe(const bench_settings *s) {
  static char text[1024];
  snprintf(text, sizeof(text),
           "compression: none (shale has no compression); block cache %llu "
           "MiB; write buffer %llu MiB; write-ahead log on, %s; bloom 10 "
           "bits/key, 4 KiB blocks (defaults); put_batch = shale_db_put_many "
           "(one atomic write); get = shale_db_get_into (reused buffer); "
           "iterators read ahead with shale_iter_next_many (16 entries after "
           "a seek, doubling to 1024); settle: none (the C API cannot wait for "
           "compactions; they are not forced)",
           (unsigned long long)(s->cache_bytes >> 20),
           (unsigned long long)(s->write_buffer_bytes >> 20),
           !s->sync ? "unsynced (SHALE_SYNC_NONE)"
           : sync_mode(1) == SHALE_SYNC_EVERY
               ? "SHALE_SYNC_EVERY (one fsync per write)"
               : "SHALE_SYNC_GROUP (every write fsync'ed before it returns, "
                 "concurrent writers share an fsync, as LevelDB/RocksDB "
                 "sync=true; shale's default mode)");
  return text;
}

static void *sh_open(const char *dir, const bench_settings *s, char *err,
                     size_t err_len) {
  shale_options o;
  shale_db *db = NULL;
  int32_t st;
  SHALE_OPTIONS_INIT(&o);
  o.create_if_missing = 1;
  o.sync_mode = sync_mode(s->sync);
  o.block_cache_capacity = s->cache_bytes;
  if (s->write_buffer_bytes) o.write_buffer_size = s->write_buffer_bytes;
  st = shale_db_open(dir, &o, &db);
  if (st != SHALE_OK) {
    snprintf(err, err_len, "shale_db_open(%s): %s: %s", dir,
             shale_status_name(st), shale_last_error());
    return NULL;
  }
  return db;
}

static void sh_close(void *db) {
  int32_t st = shale_db_close((shale_db *)db);
  if (st != SHALE_OK)
    fprintf(stderr, "shale_db_close: %s: %s\n", shale_status_name(st),
            shale_last_error());
}

static void *sh_attach(void *db) {
  shale_ctx *c = calloc(1, sizeof(*c));
  if (c) c->db = db;
  return c;
}

static void sh_detach(void *ctx) {
  shale_ctx *c = ctx;
  if (!c) return;
  free(c->buf);
  free(c->lens);
  free(c);
}

static const char *sh_error(void *ctx) { return ((shale_ctx *)ctx)->err; }

static int sh_put(void *ctx, const void *key, size_t key_len, const void *value,
                  size_t value_len) {
  shale_ctx *c = ctx;
  int32_t st = shale_db_put(c->db, key, key_len, value, value_len);
  return st == SHALE_OK ? 0 : fail(c, "shale_db_put", st);
}

static int grow(char **buf, size_t *cap, size_t need) {
  char *p;
  if (*cap >= need) return 0;
  p = realloc(*buf, need);
  if (!p) return 1;
  *buf = p;
  *cap = need;
  return 0;
}

static int sh_get(void *ctx, const void *key, size_t key_len, int *found,
                  const void **value, size_t *value_len) {
  shale_ctx *c = ctx;
  size_t needed = 0;
  int32_t st;
  *found = 0;
  *value = NULL;
  *value_len = 0;
  for (;;) {
    st = shale_db_get_into(c->db, NULL, key, key_len, c->buf, c->cap, &needed);
    if (st != SHALE_E_BUFFER_TOO_SMALL) break;
    if (grow(&c->buf, &c->cap, needed)) {
      snprintf(c->err, sizeof(c->err), "shale get: out of memory");
      return 1;
    }
  }
  if (st == SHALE_NOT_FOUND) return 0;
  if (st != SHALE_OK) return fail(c, "shale_db_get_into", st);
  *found = 1;
  *value = c->buf;
  *value_len = needed;
  return 0;
}

static int sh_del(void *ctx, const void *key, size_t key_len) {
  shale_ctx *c = ctx;
  int32_t st = shale_db_delete(c->db, key, key_len);
  return st == SHALE_OK ? 0 : fail(c, "shale_db_delete", st);
}

static int sh_put_batch(void *ctx, size_t n, const char *keys, size_t key_len,
                        const char *values, size_t value_len) {
  shale_ctx *c = ctx;
  size_t i;
  int32_t st;
  if (c->lens_cap < n) {
    size_t *p = realloc(c->lens, 2 * n * sizeof(size_t));
    if (!p) {
      snprintf(c->err, sizeof(c->err), "shale put_batch: out of memory");
      return 1;
    }
    c->lens = p; /* key lengths, then (from lens_cap) value lengths */
    c->lens_cap = n;
  }
  /* Lengths are constant per call; refresh them (cheap next to the write). */
  for (i = 0; i < n; i++) {
    c->lens[i] = key_len;
    c->lens[c->lens_cap + i] = value_len;
  }
  st =
      shale_db_put_many(c->db, n, keys, c->lens, values, c->lens + c->lens_cap);
  return st == SHALE_OK ? 0 : fail(c, "shale_db_put_many", st);
}

static void *sh_iter_new(void *ctx) {
  shale_ctx *c = ctx;
  shale_it *it = calloc(1, sizeof(*it));
  int32_t st;
  if (!it) {
    snprintf(c->err, sizeof(c->err), "shale iter: out of memory");
    return NULL;
  }
  it->ctx = c;
  st = shale_iter_new(c->db, NULL, &it->it);
  if (st != SHALE_OK) {
    fail(c, "shale_iter_new", st);
    free(it);
    return NULL;
  }
  return it;
}

static void drop_chunk(shale_it *it) {
  shale_free(it->data);
  it->data = NULL;
  it->count = it->pos = 0;
}

static void sh_iter_free(void *p) {
  shale_it *it = p;
  if (!it) return;
  drop_chunk(it);
  shale_iter_free(it->it);
  free(it);
}

/* Reads the next chunk from where the shale iterator stands, in it->dir.
 * 1: on the chunk's first entry; 0: no entry; -1: error. */
static int fetch(shale_it *it, const char *call) {
  size_t i, off = 0;
  int32_t st;
  drop_chunk(it);
  st = shale_iter_next_many(it->it, it->dir, it->chunk, 0, (void **)&it->data,
                            it->lens, &it->count);
  if (st == SHALE_NOT_FOUND) return 0;
  if (st != SHALE_OK) {
    fail(it->ctx, call, st);
    return -1;
  }
  for (i = 0; i < it->count; i++) {
    it->offs[i] = off;
    off += it->lens[2 * i] + it->lens[2 * i + 1];
  }
  return 1;
}

/* After a positioning move that returned st: start a new walk in dir. */
static int positioned(shale_it *it, const char *call, int32_t st, int32_t dir) {
  drop_chunk(it);
  if (st == SHALE_NOT_FOUND) return 0;
  if (st != SHALE_OK) {
    fail(it->ctx, call, st);
    return -1;
  }
  it->dir = dir;
  it->chunk = CHUNK_FIRST;
  return fetch(it, call);
}

static int sh_iter_seek(void *p, const void *key, size_t key_len) {
  shale_it *it = p;
  return positioned(it, "shale_iter_seek",
                    shale_iter_seek(it->it, key, key_len), SHALE_ITER_FORWARD);
}
static int sh_iter_first(void *p) {
  shale_it *it = p;
  return positioned(it, "shale_iter_first", shale_iter_first(it->it),
                    SHALE_ITER_FORWARD);
}
static int sh_iter_last(void *p) {
  shale_it *it = p;
  return positioned(it, "shale_iter_last", shale_iter_last(it->it),
                    SHALE_ITER_BACKWARD);
}

/* One step in dir: within the chunk, else the next chunk (twice as big);
 * a change of direction repositions the shale iterator on the current
 * key and steps from there. */
static int step(shale_it *it, int32_t dir, const char *call) {
  if (it->count == 0) return 0; /* off the end stays off the end */
  if (dir != it->dir) {
    const char *key = it->data + it->offs[it->pos];
    size_t key_len = it->lens[2 * it->pos];
    int32_t st = dir == SHALE_ITER_FORWARD
                     ? shale_iter_seek(it->it, key, key_len)
                     : shale_iter_seek_for_prev(it->it, key, key_len);
    if (st == SHALE_OK)
      st = dir == SHALE_ITER_FORWARD ? shale_iter_next(it->it)
                                     : shale_iter_prev(it->it);
    return positioned(it, call, st, dir);
  }
  if (++it->pos < it->count) return 1;
  if (it->chunk < CHUNK_MAX) it->chunk *= 2;
  return fetch(it, call);
}

static int sh_iter_next(void *p) {
  return step(p, SHALE_ITER_FORWARD, "shale_iter_next");
}
static int sh_iter_prev(void *p) {
  return step(p, SHALE_ITER_BACKWARD, "shale_iter_prev");
}

static void sh_iter_entry(void *p, const void **key, size_t *key_len,
                          const void **value, size_t *value_len) {
  shale_it *it = p;
  const char *e = it->data + it->offs[it->pos];
  *key = e;
  *key_len = it->lens[2 * it->pos];
  *value = e + *key_len;
  *value_len = it->lens[2 * it->pos + 1];
}

/* ---- shale-step: iterators one entry per call -------------------------
 * The iterator as the header's guide teaches it: shale_iter_next (or
 * _prev), then shale_iter_key and shale_iter_value for each entry; three
 * library calls an entry. Everything else is the shale engine's. */

typedef struct step_it {
  shale_iter *it;
  shale_ctx *ctx;
} step_it;

static void *step_iter_new(void *ctx) {
  shale_ctx *c = ctx;
  step_it *it = calloc(1, sizeof(*it));
  int32_t st;
  if (!it) {
    snprintf(c->err, sizeof(c->err), "shale iter: out of memory");
    return NULL;
  }
  it->ctx = c;
  st = shale_iter_new(c->db, NULL, &it->it);
  if (st != SHALE_OK) {
    fail(c, "shale_iter_new", st);
    free(it);
    return NULL;
  }
  return it;
}

static void step_iter_free(void *p) {
  step_it *it = p;
  if (!it) return;
  shale_iter_free(it->it);
  free(it);
}

/* 1: on an entry; 0: none; -1: error (message in the ctx). */
static int step_result(step_it *it, const char *call, int32_t st) {
  if (st == SHALE_OK) return 1;
  if (st == SHALE_NOT_FOUND) return 0;
  fail(it->ctx, call, st);
  return -1;
}

static int step_seek(void *p, const void *key, size_t key_len) {
  step_it *it = p;
  return step_result(it, "shale_iter_seek",
                     shale_iter_seek(it->it, key, key_len));
}
static int step_first(void *p) {
  step_it *it = p;
  return step_result(it, "shale_iter_first", shale_iter_first(it->it));
}
static int step_last(void *p) {
  step_it *it = p;
  return step_result(it, "shale_iter_last", shale_iter_last(it->it));
}
static int step_next(void *p) {
  step_it *it = p;
  return step_result(it, "shale_iter_next", shale_iter_next(it->it));
}
static int step_prev(void *p) {
  step_it *it = p;
  return step_result(it, "shale_iter_prev", shale_iter_prev(it->it));
}

/* The driver checks what it gets (a failed call leaves NULL/0, which fails
 * its size check). */
static void step_entry(void *p, const void **key, size_t *key_len,
                       const void **value, size_t *value_len) {
  step_it *it = p;
  shale_iter_key(it->it, key, key_len);
  shale_iter_value(it->it, value, value_len);
}

static const char *step_describe(const bench_settings *s) {
  static char text[1280];
  snprintf(text, sizeof(text),
           "%s; except iterators: one entry per call, shale_iter_next/_prev "
           "then shale_iter_key and shale_iter_value (three calls an entry, "
           "as the header's guide teaches)",
           sh_describe(s));
  return text;
}

const bench_engine bench_engine_shale_step = {
    .name = "shale-step",
    .version = sh_version,
    .describe = step_describe,
    .open = sh_open,
    .close = sh_close,
    .attach = sh_attach,
    .detach = sh_detach,
    .error = sh_error,
    .put = sh_put,
    .get = sh_get,
    .del = sh_del,
    .put_batch = sh_put_batch,
    .iter_new = step_iter_new,
    .iter_free = step_iter_free,
    .iter_seek = step_seek,
    .iter_first = step_first,
    .iter_last = step_last,
    .iter_next = step_next,
    .iter_prev = step_prev,
    .iter_entry = step_entry,
    .settle = NULL,
};

const bench_engine bench_engine_shale = {
    .name = "shale",
    .version = sh_version,
    .describe = sh_describe,
    .open = sh_open,
    .close = sh_close,
    .attach = sh_attach,
    .detach = sh_detach,
    .error = sh_error,
    .put = sh_put,
    .get = sh_get,
    .del = sh_del,
    .put_batch = sh_put_batch,
    .iter_new = sh_iter_new,
    .iter_free = sh_iter_free,
    .iter_seek = sh_iter_seek,
    .iter_first = sh_iter_first,
    .iter_last = sh_iter_last,
    .iter_next = sh_iter_next,
    .iter_prev = sh_iter_prev,
    .iter_entry = sh_iter_entry,
    .settle = NULL,
};
