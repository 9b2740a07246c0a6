/*
 * engine_sqlite.c — SQLite behind the comparison's engine interface
 * (engine.h).
 *
 * How the common settings map (describe() prints the same):
 * - One table kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID (a B-tree keyed
 *   by memcmp of k, like the other engines), in dir/kv.sqlite.
 * - journal_mode=WAL. Async runs: synchronous=OFF (WAL on, not synced: the
 *   closest equivalent to the others' unsynced log). Durable runs:
 *   synchronous=FULL (the WAL is synced at every commit).
 * - cache_size = -(cache_bytes / 1024) KiB per connection; each ctx (thread)
 *   has its own connection (SQLITE_OPEN_NOMUTEX: a connection is used by one
 *   thread at a time), busy_timeout so concurrent writers wait for the lock.
 * - Each put/del is its own autocommit transaction; put_batch is one
 *   BEGIN IMMEDIATE ... COMMIT per batch. SQLite has one writer at a time.
 * - Statements are prepared once per ctx. get copies the value into a ctx
 *   buffer (a column blob is only valid until the statement moves on).
 * - Iterators: ORDER BY range queries inside a read transaction (BEGIN,
 *   then a read that fixes the snapshot) held for their life; a change of
 *   direction re-queries from the current key. They run on a second
 *   connection of the ctx, opened at its first iterator, so that writes on
 *   the ctx stay autocommit instead of joining the iterator's transaction.
 * - No compression (SQLite has none).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

enum { kBusyTimeoutMs = 60000 };

typedef struct sqlite_db {
  char *path;
  int sync;
  long long cache_kib;
  sqlite3 *owner; /* keeps the schema and WAL mode; closed last */
} sqlite_db;

/* The range queries an iterator walks with; prepared lazily. */
enum {
  kIterAll,     /* first */
  kIterAllDesc, /* last */
  kIterFrom,    /* seek: k >= ? */
  kIterAfter,   /* next after a change of direction: k > ? */
  kIterBefore,  /* prev after a change of direction: k < ? */
  kIterCount
};
static const char *const kIterSql[kIterCount] = {
    "SELECT k, v FROM kv ORDER BY k",
    "SELECT k, v FROM kv ORDER BY k DESC",
    "SELECT k, v FROM kv WHERE k >= ?1 ORDER BY k",
    "SELECT k, v FROM kv WHERE k > ?1 ORDER BY k",
    "SELECT k, v FROM kv WHERE k < ?1 ORDER BY k DESC",
};

typedef struct iter_stmts {
  sqlite3_stmt *s[kIterCount];
} iter_stmts;

/* A connection and the statements prepared on it, by SQL text. */
typedef struct prepared_sql {
  sqlite3_stmt **stmt;
  const char *sql;
} prepared_sql;

/* The connection iterators of one ctx run on (see the top comment). */
typedef struct scan_conn {
  sqlite3 *conn;
  sqlite3_stmt *begin, *snapshot, *end;
  iter_stmts iter;     /* lent to one iterator at a time */
  int iter_stmts_lent; /* an iterator is using iter */
  int open_iters;      /* iterators sharing the read transaction */
} scan_conn;

typedef struct sqlite_ctx {
  sqlite_db *db;
  sqlite3 *conn; /* NULL if attach could not connect (err says why) */
  sqlite3_stmt *put, *get, *del, *begin, *commit, *rollback;
  scan_conn scan; /* scan.conn is NULL until the first iterator */
  unsigned char *value_buf;
  size_t value_cap;
  char err[256];
} sqlite_ctx;

typedef struct sqlite_iter {
  sqlite_ctx *ctx;
  iter_stmts own;    /* used when the scan connection's set is lent out */
  iter_stmts *stmts; /* ctx->scan.iter or own */
  sqlite3_stmt *cur; /* the query the iterator is walking, or NULL */
  int forward;       /* cur runs in ascending order */
  int valid;
  unsigned char *key_buf; /* current key, kept across a re-query */
  size_t key_cap;
} sqlite_iter;

static int fail(sqlite_ctx *ctx, sqlite3 *conn, const char *call) {
  snprintf(ctx->err, sizeof ctx->err, "sqlite %s: %s", call,
           sqlite3_errmsg(conn));
  return -1;
}

static const char *sqlite_version(void) { return sqlite3_libversion(); }

static long long cache_kib_for(const bench_settings *s) {
  long long kib = (long long)(s->cache_bytes / 1024);
  return kib > 0 ? kib : 1;
}

static const char *sqlite_describe(const bench_settings *s) {
  static char text[768];
  snprintf(
      text, sizeof text,
      "table kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID; "
      "journal_mode=WAL; %s; cache_size=-%lld (KiB) per connection, one "
      "connection per thread (NOMUTEX, busy_timeout %d ms); each "
      "put/del its own autocommit txn, put_batch one BEGIN IMMEDIATE/"
      "COMMIT per batch; one writer at a time; prepared statements per "
      "thread; iterators: a read txn + ORDER BY range queries (on a second "
      "connection of the thread); no compression",
      s->sync ? "this run durable: synchronous=FULL, WAL synced at every "
                "commit (async runs: synchronous=OFF)"
              : "this run async: synchronous=OFF, WAL on, not synced: the "
                "closest equivalent (durable runs: synchronous=FULL, WAL "
                "synced at every commit)",
      cache_kib_for(s), kBusyTimeoutMs);
  return text;
}

/* Opens one connection with the run's pragmas; NULL with err filled. */
static sqlite3 *open_connection(const sqlite_db *db, char *err,
                                size_t err_len) {
  sqlite3 *conn = NULL;
  int rc = sqlite3_open_v2(
      db->path, &conn,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  const char *call = "sqlite3_open_v2";
  if (rc == SQLITE_OK) {
    call = "sqlite3_busy_timeout";
    rc = sqlite3_busy_timeout(conn, kBusyTimeoutMs);
  }
  if (rc == SQLITE_OK) {
    char sql[160];
    snprintf(sql, sizeof sql, "PRAGMA synchronous=%s; PRAGMA cache_size=-%lld;",
             db->sync ? "FULL" : "OFF", db->cache_kib);
    call = "sqlite3_exec(pragmas)";
    rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);
  }
  if (rc != SQLITE_OK) {
    snprintf(err, err_len, "sqlite %s: %s", call,
             conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc));
    sqlite3_close(conn);
    return NULL;
  }
  return conn;
}

static void *sqlite_open(const char *dir, const bench_settings *s, char *err,
                         size_t err_len) {
  sqlite_db *db = calloc(1, sizeof *db);
  size_t path_len = strlen(dir) + sizeof "/kv.sqlite";
  if (!db || !(db->path = malloc(path_len))) {
    snprintf(err, err_len, "sqlite open: out of memory");
    free(db);
    return NULL;
  }
  snprintf(db->path, path_len, "%s/kv.sqlite", dir);
  db->sync = s->sync;
  db->cache_kib = cache_kib_for(s);
  if (!(db->owner = open_connection(db, err, err_len))) goto failed;
  /* WAL mode is stored in the file; later connections inherit it. */
  if (sqlite3_exec(db->owner,
                   "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS "
                   "kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID;",
                   NULL, NULL, NULL) != SQLITE_OK) {
    snprintf(err, err_len, "sqlite sqlite3_exec(schema): %s",
             sqlite3_errmsg(db->owner));
    goto failed;
  }
  return db;

failed:
  sqlite3_close(db->owner);
  free(db->path);
  free(db);
  return NULL;
}

static void sqlite_close(void *handle) {
  sqlite_db *db = handle;
  if (!db) return;
  sqlite3_close(db->owner); /* the last connection checkpoints the WAL */
  free(db->path);
  free(db);
}

static void finalize_iter_stmts(iter_stmts *set) {
  for (int i = 0; i < kIterCount; i++) sqlite3_finalize(set->s[i]);
  memset(set, 0, sizeof *set);
}

static int prepare_all(sqlite_ctx *ctx, sqlite3 *conn, const prepared_sql *list,
                       size_t n) {
  for (size_t i = 0; i < n; i++)
    if (sqlite3_prepare_v3(conn, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                           list[i].stmt, NULL) != SQLITE_OK)
      return fail(ctx, conn, "sqlite3_prepare_v3");
  return 0;
}

static void finalize_all(sqlite3_stmt **stmts, size_t n) {
  for (size_t i = 0; i < n; i++) {
    sqlite3_finalize(stmts[i]);
    stmts[i] = NULL;
  }
}

static void close_scan_conn(scan_conn *scan) {
  sqlite3_stmt *all[] = {scan->begin, scan->snapshot, scan->end};
  finalize_all(all, sizeof all / sizeof all[0]);
  finalize_iter_stmts(&scan->iter);
  sqlite3_close(scan->conn);
  memset(scan, 0, sizeof *scan);
}

static void close_main_conn(sqlite_ctx *ctx) {
  sqlite3_stmt *all[] = {ctx->put,   ctx->get,    ctx->del,
                         ctx->begin, ctx->commit, ctx->rollback};
  finalize_all(all, sizeof all / sizeof all[0]);
  sqlite3_close(ctx->conn);
  ctx->conn = NULL;
}

static void sqlite_detach(void *handle) {
  sqlite_ctx *ctx = handle;
  if (!ctx) return;
  close_scan_conn(&ctx->scan);
  close_main_conn(ctx);
  free(ctx->value_buf);
  free(ctx);
}

static void *sqlite_attach(void *handle) {
  sqlite_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NULL;
  ctx->db = handle;
  /* attach has no error channel but the ctx itself: on failure keep the
   * ctx, with the message, and no connection; every call then fails. */
  ctx->conn = open_connection(ctx->db, ctx->err, sizeof ctx->err);
  if (!ctx->conn) return ctx;
  const prepared_sql list[] = {
      {&ctx->put, "INSERT OR REPLACE INTO kv(k, v) VALUES(?1, ?2)"},
      {&ctx->get, "SELECT v FROM kv WHERE k = ?1"},
      {&ctx->del, "DELETE FROM kv WHERE k = ?1"},
      {&ctx->begin, "BEGIN IMMEDIATE"},
      {&ctx->commit, "COMMIT"},
      {&ctx->rollback, "ROLLBACK"},
  };
  if (prepare_all(ctx, ctx->conn, list, sizeof list / sizeof list[0]))
    close_main_conn(ctx);
  return ctx;
}

static const char *sqlite_error(void *handle) {
  return ((sqlite_ctx *)handle)->err;
}

static int no_connection(sqlite_ctx *ctx) {
  /* err already holds why attach could not connect */
  return ctx->conn ? 0 : -1;
}

/* Steps a statement that returns no rows, then resets it. */
static int run(sqlite_ctx *ctx, sqlite3_stmt *stmt, const char *call) {
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) return fail(ctx, sqlite3_db_handle(stmt), call);
  return 0;
}

static void roll_back(sqlite_ctx *ctx) {
  sqlite3_step(ctx->rollback); /* keeps the first error's message in err */
  sqlite3_reset(ctx->rollback);
}

static int insert(sqlite_ctx *ctx, const void *key, size_t key_len,
                  const void *value, size_t value_len) {
  sqlite3_bind_blob(ctx->put, 1, key, (int)key_len, SQLITE_STATIC);
  sqlite3_bind_blob(ctx->put, 2, value, (int)value_len, SQLITE_STATIC);
  return run(ctx, ctx->put, "sqlite3_step(INSERT OR REPLACE)");
}

static int sqlite_put(void *handle, const void *key, size_t key_len,
                      const void *value, size_t value_len) {
  sqlite_ctx *ctx = handle;
  if (no_connection(ctx)) return -1;
  return insert(ctx, key, key_len, value, value_len);
}

static int sqlite_put_batch(void *handle, size_t n, const char *keys,
                            size_t key_len, const char *values,
                            size_t value_len) {
  sqlite_ctx *ctx = handle;
  if (no_connection(ctx)) return -1;
  if (run(ctx, ctx->begin, "sqlite3_step(BEGIN IMMEDIATE)")) return -1;
  for (size_t i = 0; i < n; i++) {
    if (insert(ctx, keys + i * key_len, key_len, values + i * value_len,
               value_len)) {
      roll_back(ctx);
      return -1;
    }
  }
  if (run(ctx, ctx->commit, "sqlite3_step(COMMIT)")) {
    roll_back(ctx);
    return -1;
  }
  return 0;
}

static int sqlite_del(void *handle, const void *key, size_t key_len) {
  sqlite_ctx *ctx = handle;
  if (no_connection(ctx)) return -1;
  sqlite3_bind_blob(ctx->del, 1, key, (int)key_len, SQLITE_STATIC);
  return run(ctx, ctx->del, "sqlite3_step(DELETE)");
}

static int copy_value(sqlite_ctx *ctx, const void *data, size_t len) {
  if (len > ctx->value_cap) {
    size_t cap = len < 256 ? 256 : len;
    unsigned char *buf = realloc(ctx->value_buf, cap);
    if (!buf) {
      snprintf(ctx->err, sizeof ctx->err, "sqlite get: out of memory");
      return -1;
    }
    ctx->value_buf = buf;
    ctx->value_cap = cap;
  }
  if (len) memcpy(ctx->value_buf, data, len);
  return 0;
}

static int sqlite_get(void *handle, const void *key, size_t key_len, int *found,
                      const void **value, size_t *value_len) {
  sqlite_ctx *ctx = handle;
  if (no_connection(ctx)) return -1;
  sqlite3_bind_blob(ctx->get, 1, key, (int)key_len, SQLITE_STATIC);
  int rc = sqlite3_step(ctx->get), status = 0;
  if (rc == SQLITE_ROW) {
    const void *data = sqlite3_column_blob(ctx->get, 0);
    size_t len = (size_t)sqlite3_column_bytes(ctx->get, 0);
    status = copy_value(ctx, data, len);
    *found = 1;
    *value = ctx->value_buf;
    *value_len = len;
  } else if (rc == SQLITE_DONE) {
    *found = 0;
  } else {
    status = fail(ctx, ctx->conn, "sqlite3_step(SELECT v)");
  }
  sqlite3_reset(ctx->get); /* ends the read transaction */
  return status;
}

/* --- iterators --- */

static int open_scan_conn(sqlite_ctx *ctx) {
  scan_conn *scan = &ctx->scan;
  scan->conn = open_connection(ctx->db, ctx->err, sizeof ctx->err);
  if (!scan->conn) return -1;
  const prepared_sql list[] = {
      {&scan->begin, "BEGIN"},
      {&scan->snapshot, "SELECT 1 FROM kv LIMIT 1"},
      {&scan->end, "COMMIT"},
  };
  if (prepare_all(ctx, scan->conn, list, sizeof list / sizeof list[0])) {
    close_scan_conn(scan);
    return -1;
  }
  return 0;
}

/* Starts the read transaction the iterators of ctx share. */
static int begin_snapshot(sqlite_ctx *ctx) {
  scan_conn *scan = &ctx->scan;
  if (run(ctx, scan->begin, "sqlite3_step(BEGIN)")) return -1;
  /* A deferred BEGIN takes no snapshot until the first read: this one. */
  int rc = sqlite3_step(scan->snapshot);
  sqlite3_reset(scan->snapshot);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return 0;
  fail(ctx, scan->conn, "sqlite3_step(snapshot read)");
  sqlite3_step(scan->end);
  sqlite3_reset(scan->end);
  return -1;
}

static void *sqlite_iter_new(void *handle) {
  sqlite_ctx *ctx = handle;
  if (no_connection(ctx)) return NULL;
  if (!ctx->scan.conn && open_scan_conn(ctx)) return NULL;
  sqlite_iter *it = calloc(1, sizeof *it);
  if (!it) {
    snprintf(ctx->err, sizeof ctx->err, "sqlite iter_new: out of memory");
    return NULL;
  }
  if (ctx->scan.open_iters == 0 && begin_snapshot(ctx)) {
    free(it);
    return NULL;
  }
  it->ctx = ctx;
  ctx->scan.open_iters++;
  if (ctx->scan.iter_stmts_lent) {
    it->stmts = &it->own;
  } else {
    ctx->scan.iter_stmts_lent = 1;
    it->stmts = &ctx->scan.iter;
  }
  return it;
}

static void sqlite_iter_free(void *handle) {
  sqlite_iter *it = handle;
  if (!it) return;
  scan_conn *scan = &it->ctx->scan;
  if (it->cur) sqlite3_reset(it->cur);
  if (it->stmts == &scan->iter)
    scan->iter_stmts_lent = 0;
  else
    finalize_iter_stmts(&it->own);
  if (--scan->open_iters == 0) {
    /* Read-only: COMMIT only releases the snapshot, and cannot fail once
     * no statement is running. */
    sqlite3_step(scan->end);
    sqlite3_reset(scan->end);
  }
  free(it->key_buf);
  free(it);
}

/* Steps the current query: 1 on a row, 0 at its end, -1 on error. */
static int step(sqlite_iter *it) {
  int rc = sqlite3_step(it->cur);
  if (rc == SQLITE_ROW) return it->valid = 1;
  it->valid = 0;
  if (rc == SQLITE_DONE) return 0;
  return fail(it->ctx, it->ctx->scan.conn, "sqlite3_step(range SELECT)");
}
/* Starts query `which`, bound to key if non-NULL (copied: the caller's key
 * need not outlive the call), and steps to its first row. */
static int start(sqlite_iter *it, int which, const void *key, size_t len) {
  if (it->cur) sqlite3_reset(it->cur);
  it->cur = NULL;
  it->valid = 0;
  sqlite3_stmt **stmt = &it->stmts->s[which];
  if (!*stmt &&
      sqlite3_prepare_v3(it->ctx->scan.conn, kIterSql[which], -1,
                         SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
    return fail(it->ctx, it->ctx->scan.conn,
                "sqlite3_prepare_v3(range SELECT)");
  if (key) sqlite3_bind_blob(*stmt, 1, key, (int)len, SQLITE_TRANSIENT);
  it->cur = *stmt;
  it->forward = which == kIterAll || which == kIterFrom || which == kIterAfter;
  return step(it);
}

/* Copies the current key, which the next re-query starts from (the
 * column's memory goes away when the old query is reset). */
static int save_key(sqlite_iter *it, size_t *len) {
  const void *key = sqlite3_column_blob(it->cur, 0);
  *len = (size_t)sqlite3_column_bytes(it->cur, 0);
  if (*len > it->key_cap) {
    unsigned char *buf = realloc(it->key_buf, *len);
    if (!buf) {
      snprintf(it->ctx->err, sizeof it->ctx->err,
               "sqlite iterator: out of memory");
      return -1;
    }
    it->key_buf = buf;
    it->key_cap = *len;
  }
  if (*len) memcpy(it->key_buf, key, *len);
  return 0;
}

static int sqlite_iter_seek(void *it, const void *key, size_t key_len) {
  return start(it, kIterFrom, key, key_len);
}

static int sqlite_iter_first(void *it) { return start(it, kIterAll, NULL, 0); }

static int sqlite_iter_last(void *it) {
  return start(it, kIterAllDesc, NULL, 0);
}

static int sqlite_iter_next(void *handle) {
  sqlite_iter *it = handle;
  if (!it->valid) return 0;
  if (it->forward) return step(it);
  size_t len;
  if (save_key(it, &len)) return -1;
  return start(it, kIterAfter, it->key_buf, len);
}

static int sqlite_iter_prev(void *handle) {
  sqlite_iter *it = handle;
  if (!it->valid) return 0;
  if (!it->forward) return step(it);
  size_t len;
  if (save_key(it, &len)) return -1;
  return start(it, kIterBefore, it->key_buf, len);
}

static void sqlite_iter_entry(void *handle, const void **key, size_t *key_len,
                              const void **value, size_t *value_len) {
  sqlite_iter *it = handle;
  *key = sqlite3_column_blob(it->cur, 0);
  *key_len = (size_t)sqlite3_column_bytes(it->cur, 0);
  *value = sqlite3_column_blob(it->cur, 1);
  *value_len = (size_t)sqlite3_column_bytes(it->cur, 1);
}

const bench_engine bench_engine_sqlite = {
    .name = "sqlite",
    .version = sqlite_version,
    .describe = sqlite_describe,
    .open = sqlite_open,
    .close = sqlite_close,
    .attach = sqlite_attach,
    .detach = sqlite_detach,
    .error = sqlite_error,
    .put = sqlite_put,
    .get = sqlite_get,
    .del = sqlite_del,
    .put_batch = sqlite_put_batch,
    .iter_new = sqlite_iter_new,
    .iter_free = sqlite_iter_free,
    .iter_seek = sqlite_iter_seek,
    .iter_first = sqlite_iter_first,
    .iter_last = sqlite_iter_last,
    .iter_next = sqlite_iter_next,
    .iter_prev = sqlite_iter_prev,
    .iter_entry = sqlite_iter_entry,
    .settle = NULL, /* no background work: checkpoints run in the writer */
};
