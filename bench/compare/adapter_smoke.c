/*
 * adapter_smoke.c — checks the LevelDB and RocksDB adapters against the
 * engine.h contract (put/get/missing/del/batch, iterator moves and snapshot,
 * threads, reopen, settle), then times a few small operations.
 *
 *   gcc -O2 -pthread -I bench/compare bench/compare/adapter_smoke.c \
 *     bench/compare/engine_leveldb.c bench/compare/engine_rocksdb.c \
 *     -DBENCH_ROCKSDB_VERSION='"7.8.3"' -lleveldb -lrocksdb -o adapter_smoke
 *   ./adapter_smoke [keys]        (default 100000; uses a temp directory)
 *
 * Prints one line per check and the timings; exits 1 on the first failure.
 * The timings are a smoke reading on a shared box, not the comparison.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

enum { KEY_LEN = 16, VALUE_LEN = 100, THREADS = 4 };

static const bench_engine *engine;
static void *db;

#define CHECK(cond, ctx)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s: FAILED %s:%d: %s [%s]\n", engine->name, __FILE__, \
              __LINE__, #cond, (ctx) ? engine->error(ctx) : "");             \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

/* Keys are "k" + 15 digits, so they sort numerically (i < 10^15). */
static void make_key(char *k, uint64_t i) {
  char buf[32];
  snprintf(buf, sizeof buf, "k%015llu",
           (unsigned long long)(i % 1000000000000000ull));
  memcpy(k, buf, KEY_LEN + 1);
}
static void make_value(char *v, uint64_t i, int gen) {
  for (int j = 0; j < VALUE_LEN; j++)
    v[j] = (char)('a' + (i * 7 + (uint64_t)j + (uint64_t)gen) % 26);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec +
         r.ru_stime.tv_usec / 1e6;
}

/* Expects key i to hold generation gen's value (gen < 0: absent). */
static void expect(void *ctx, uint64_t i, int gen) {
  char k[KEY_LEN + 1], want[VALUE_LEN];
  make_key(k, i);
  int found = -1;
  const void *v = NULL;
  size_t vlen = 0;
  CHECK(engine->get(ctx, k, KEY_LEN, &found, &v, &vlen) == 0, ctx);
  if (gen < 0) {
    CHECK(found == 0, ctx);
    return;
  }
  make_value(want, i, gen);
  CHECK(found == 1 && vlen == VALUE_LEN && memcmp(v, want, VALUE_LEN) == 0,
        ctx);
}

static void entry_is(void *it, void *ctx, uint64_t i) {
  char k[KEY_LEN + 1];
  make_key(k, i);
  const void *ek, *ev;
  size_t kl, vl;
  engine->iter_entry(it, &ek, &kl, &ev, &vl);
  CHECK(kl == KEY_LEN && memcmp(ek, k, KEY_LEN) == 0 && vl == VALUE_LEN, ctx);
}

typedef struct worker {
  int id;
  uint64_t per_thread;
} worker;

/* Each thread writes, reads back and scans its own key range. */
static void *worker_main(void *arg) {
  worker *w = arg;
  void *ctx = engine->attach(db);
  CHECK(ctx != NULL, NULL);
  char k[KEY_LEN + 1], v[VALUE_LEN];
  uint64_t base = 1000000000ull * (uint64_t)(w->id + 1);
  for (uint64_t i = base; i < base + w->per_thread; i++) {
    make_key(k, i);
    make_value(v, i, w->id);
    CHECK(engine->put(ctx, k, KEY_LEN, v, VALUE_LEN) == 0, ctx);
  }
  for (uint64_t i = base; i < base + w->per_thread; i++) expect(ctx, i, w->id);
  void *it = engine->iter_new(ctx);
  CHECK(it != NULL, ctx);
  make_key(k, base);
  uint64_t seen = 0;
  for (int r = engine->iter_seek(it, k, KEY_LEN);
       r == 1 && seen < w->per_thread; r = engine->iter_next(it))
    entry_is(it, ctx, base + seen++);
  CHECK(seen == w->per_thread, ctx);
  engine->iter_free(it);
  engine->detach(ctx);
  return NULL;
}

static void open_db(const char *dir, const bench_settings *s) {
  char err[512] = "";
  db = engine->open(dir, s, err, sizeof err);
  if (db == NULL) {
    fprintf(stderr, "%s: open failed: %s\n", engine->name, err);
    exit(1);
  }
}

static void report(const char *what, uint64_t ops, double t0, double c0) {
  double wall = now() - t0, c = cpu() - c0;
  printf("  %-22s %9llu ops %8.3f s wall %8.3f s cpu %10.0f ops/s\n", what,
         (unsigned long long)ops, wall, c, ops / wall);
}

static void run(const bench_engine *e, uint64_t n) {
  engine = e;
  char dir[] = "/tmp/adapter_smoke_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, NULL);
  bench_settings s = {.sync = 0,
                      .cache_bytes = 8 << 20,
                      .write_buffer_bytes = 4 << 20,
                      .expected_keys = n,
                      .value_size = VALUE_LEN};
  printf("%s %s\n  %s\n", e->name, e->version(), e->describe(&s));
  open_db(dir, &s);
  void *ctx = e->attach(db);
  CHECK(ctx != NULL, NULL);
  char k[KEY_LEN + 1], v[VALUE_LEN];

  /* Empty store: every move reports "no entry". */
  void *it = e->iter_new(ctx);
  CHECK(it && e->iter_first(it) == 0 && e->iter_last(it) == 0, ctx);
  e->iter_free(it);
  expect(ctx, 5, -1);

  /* Load even keys 0, 2, ... 2(n-1) in random-ish order, then check. */
  double t0 = now(), c0 = cpu();
  for (uint64_t j = 0; j < n; j++) {
    uint64_t i = 2 * ((j * 2654435761u) % n); /* a permutation when n odd */
    make_key(k, i);
    make_value(v, i, 0);
    CHECK(e->put(ctx, k, KEY_LEN, v, VALUE_LEN) == 0, ctx);
  }
  report("put (scrambled)", n, t0, c0);
  if (e->settle) {
    t0 = now(), c0 = cpu();
    CHECK(e->settle(ctx) == 0, ctx);
    report("settle", 1, t0, c0);
  }
  t0 = now(), c0 = cpu();
  for (uint64_t j = 0; j < n; j++) expect(ctx, 2 * ((j * 40503u) % n), 0);
  report("get (hit)", n, t0, c0);
  t0 = now(), c0 = cpu();
  for (uint64_t j = 0; j < n; j++) expect(ctx, 2 * ((j * 40503u) % n) + 1, -1);
  report("get (missing)", n, t0, c0);

  /* Iterators: first/last/seek between keys/next/prev at both ends. */
  it = e->iter_new(ctx);
  CHECK(it != NULL, ctx);
  CHECK(e->iter_first(it) == 1, ctx);
  entry_is(it, ctx, 0);
  CHECK(e->iter_prev(it) == 0, ctx);
  CHECK(e->iter_last(it) == 1, ctx);
  entry_is(it, ctx, 2 * (n - 1));
  CHECK(e->iter_next(it) == 0, ctx);
  CHECK(e->iter_next(it) == 0 && e->iter_prev(it) == 0, ctx); /* off the end */
  make_key(k, 7);
  CHECK(e->iter_seek(it, k, KEY_LEN) == 1, ctx);
  entry_is(it, ctx, 8);
  CHECK(e->iter_prev(it) == 1, ctx);
  entry_is(it, ctx, 6);
  make_key(k, 2 * n);
  CHECK(e->iter_seek(it, k, KEY_LEN) == 0, ctx);
  t0 = now(), c0 = cpu();
  uint64_t seen = 0;
  for (int r = e->iter_first(it); r == 1; r = e->iter_next(it))
    entry_is(it, ctx, 2 * seen++);
  CHECK(seen == n, ctx);
  report("scan forward", n, t0, c0);
  t0 = now(), c0 = cpu();
  seen = 0;
  for (int r = e->iter_last(it); r == 1; r = e->iter_prev(it))
    entry_is(it, ctx, 2 * (n - 1 - seen++));
  CHECK(seen == n, ctx);
  report("scan reverse", n, t0, c0);

  /* Snapshot: the open iterator must not see writes made after it. */
  make_key(k, 1);
  make_value(v, 1, 0);
  CHECK(e->put(ctx, k, KEY_LEN, v, VALUE_LEN) == 0, ctx);
  make_key(k, 0);
  CHECK(e->del(ctx, k, KEY_LEN) == 0, ctx);
  CHECK(e->iter_first(it) == 1, ctx);
  entry_is(it, ctx, 0);
  CHECK(e->iter_next(it) == 1, ctx);
  entry_is(it, ctx, 2);
  e->iter_free(it);
  expect(ctx, 0, -1);
  expect(ctx, 1, 0);
  CHECK(e->del(ctx, k, KEY_LEN) == 0, ctx); /* deleting a deleted key is OK */

  /* Batches: overwrite keys 2, 4, ... with generation 1, 1000 per batch
   * (key 0 stays deleted). */
  enum { BATCH = 1000 };
  char *keys = malloc(BATCH * KEY_LEN + 1), *vals = malloc(BATCH * VALUE_LEN);
  uint64_t batched = n - 1 < 10 * BATCH ? n - 1 : 10 * BATCH;
  t0 = now(), c0 = cpu();
  for (uint64_t b = 0; b < batched; b += BATCH) {
    size_t m = batched - b < BATCH ? batched - b : BATCH;
    for (size_t i = 0; i < m; i++) {
      make_key(keys + i * KEY_LEN, 2 * (b + i + 1));
      make_value(vals + i * VALUE_LEN, 2 * (b + i + 1), 1);
    }
    CHECK(e->put_batch(ctx, m, keys, KEY_LEN, vals, VALUE_LEN) == 0, ctx);
  }
  report("put_batch x1000", batched, t0, c0);
  for (uint64_t i = 1; i <= batched; i++) expect(ctx, 2 * i, 1);
  if (batched + 1 < n) expect(ctx, 2 * (batched + 1), 0);
  expect(ctx, 0, -1);
  free(keys);
  free(vals);

  /* Two gets in a row: the first value must have been copied or pinned
   * per call (the second get replaces it), never corrupted by the other. */
  expect(ctx, 2, 1);
  expect(ctx, 2 * (n - 1), n - 1 <= batched ? 1 : 0);

  /* Threads: THREADS writers/readers on disjoint ranges at once. */
  pthread_t th[THREADS];
  worker w[THREADS];
  t0 = now(), c0 = cpu();
  for (int i = 0; i < THREADS; i++) {
    w[i] = (worker){i, n / THREADS};
    CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0, NULL);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  report("4 threads put+get+scan", 3 * (n / THREADS) * THREADS, t0, c0);
  if (e->settle) CHECK(e->settle(ctx) == 0, ctx);
  e->detach(ctx);
  e->close(db);

  /* Reopen (synced writes this time): everything is still there. */
  s.sync = 1;
  open_db(dir, &s);
  ctx = e->attach(db);
  expect(ctx, 0, -1);
  expect(ctx, 1, 0);
  expect(ctx, 2, 1);
  expect(ctx, 2 * (n - 1), n - 1 <= batched ? 1 : 0);
  expect(ctx, 1000000000ull * THREADS + n / THREADS - 1, THREADS - 1);
  enum { SYNCED = 200 };
  t0 = now(), c0 = cpu();
  for (uint64_t i = 0; i < SYNCED; i++) {
    make_key(k, 3 + 2 * i);
    make_value(v, 3 + 2 * i, 2);
    CHECK(e->put(ctx, k, KEY_LEN, v, VALUE_LEN) == 0, ctx);
  }
  report("put (sync=1)", SYNCED, t0, c0);
  expect(ctx, 3, 2);
  e->detach(ctx);
  e->close(db);
  e->detach(NULL);
  e->close(NULL);

  /* Opening a path that cannot be a directory reports an error. */
  char err[512] = "";
  CHECK(e->open("/proc/version/x", &s, err, sizeof err) == NULL, NULL);
  CHECK(err[0] != '\0', NULL);
  printf("  open error reported: %.100s\n", err);

  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK(system(cmd) == 0, NULL);
  printf("%s: all checks passed\n", e->name);
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  if (n % 2 == 0) n++; /* the scrambled order is a permutation for odd n */
  run(&bench_engine_leveldb, n);
  run(&bench_engine_rocksdb, n);
  return 0;
}
