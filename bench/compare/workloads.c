/*
 * workloads.c — the timed workloads of the comparison (see workloads.h).
 *
 * Every workload runs its operations on worker threads (one unless the
 * workload says otherwise) started by run_threads(): each worker attaches
 * its context, all meet at a barrier, the clock and getrusage start, the
 * workers run, meet again, settle runs if asked, the clock stops, then the
 * workers detach. So attach/detach (an SQLite connection, say) is never
 * timed, and background threads' CPU is (RUSAGE_SELF covers all threads).
 */
#define _GNU_SOURCE

#include "workloads.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "zipf.h"

/* ------------------------------------------------------------------ */
/* Data                                                                 */
/* ------------------------------------------------------------------ */

#define POOL_SPAN (1u << 20)       /* value offsets vary over 1 MiB */
#define POOL_SIZE (2u * POOL_SPAN) /* so values up to 1 MiB fit */
static char g_pool[POOL_SIZE];
/* Every value read is folded into this, so that no read can be dropped. */
volatile uint64_t wl_sink;

void wl_init_data(void) {
  bench_rng rng;
  size_t i = 0;
  bench_rng_seed(&rng, 301);
  /* Runs of 50 random letters, each written twice: about 2:1 compressible
   * (LevelDB's db_bench uses the same ratio), though no engine compresses. */
  while (i < POOL_SIZE) {
    char run[50];
    size_t j, k;
    for (j = 0; j < sizeof(run); j++)
      run[j] = (char)('a' + (int)bench_rng_uniform(&rng, 26));
    for (k = 0; k < 2; k++)
      for (j = 0; j < sizeof(run) && i < POOL_SIZE; j++) g_pool[i++] = run[j];
  }
}

void wl_key(char *out, uint64_t i) {
  bench_format_key(out, WL_KEY_SIZE, 2 * i);
}

static void missing_key(char *out, uint64_t i) {
  bench_format_key(out, WL_KEY_SIZE, 2 * i + 1);
}

static void make_value(char *out, size_t vs, uint64_t i, unsigned gen) {
  size_t head = vs < WL_KEY_SIZE ? vs : WL_KEY_SIZE;
  size_t off = (size_t)((i * 131u + gen * 7919u) % POOL_SPAN);
  wl_key(out, i); /* needs WL_KEY_SIZE bytes: the caller's buffer has them */
  if (vs > head) memcpy(out + head, g_pool + off, vs - head);
}

uint64_t *wl_permutation(uint64_t n, uint64_t seed) {
  uint64_t *p = malloc((n ? n : 1) * sizeof(uint64_t));
  bench_rng rng;
  uint64_t i;
  if (!p) return NULL;
  for (i = 0; i < n; i++) p[i] = i;
  bench_rng_seed(&rng, seed);
  for (i = n; i > 1; i--) { /* Fisher-Yates */
    uint64_t j = bench_rng_uniform(&rng, i), t = p[i - 1];
    p[i - 1] = p[j];
    p[j] = t;
  }
  return p;
}

/* ------------------------------------------------------------------ */
/* Threads and timing                                                   */
/* ------------------------------------------------------------------ */

typedef struct wl_thread {
  wl_run *r;
  int index;
  void *ctx;
  uint64_t done;
  uint64_t sink; /* folds every value read, so no read can be skipped */
  int failed;
  char err[1024];
  int (*work)(struct wl_thread *);
  pthread_barrier_t *barrier;
  const zipf *z;
} wl_thread;

typedef struct timer {
  uint64_t ns;
  struct rusage ru;
  long long rchar; /* -1: unknown */
} timer;

/* /proc/self/io's rchar, or -1. */
static long long read_chars(void) {
  char line[128];
  long long v = -1;
  FILE *f = fopen("/proc/self/io", "r");
  if (!f) return -1;
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "rchar: %lld", &v) == 1) break;
  fclose(f);
  return v;
}

static void timer_now(timer *t) {
  getrusage(RUSAGE_SELF, &t->ru);
  t->rchar = read_chars();
  t->ns = bench_now_ns();
}

static double tv_s(struct timeval a, struct timeval b) {
  return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
}

static void timer_delta(const timer *a, const timer *b, wl_timing *out) {
  out->wall_s = (double)(b->ns - a->ns) / 1e9;
  out->user_s = tv_s(a->ru.ru_utime, b->ru.ru_utime);
  out->sys_s = tv_s(a->ru.ru_stime, b->ru.ru_stime);
  /* The stop's own read of /proc/self/io is counted: a few hundred bytes
   * in a run of many thousand operations. */
  out->read_bytes = a->rchar >= 0 && b->rchar >= a->rchar
                        ? (double)(b->rchar - a->rchar)
                        : -1;
}

static int engine_fail(wl_thread *t, const char *what, uint64_t i) {
  const char *msg = t->r->engine->error(t->ctx);
  snprintf(t->err, sizeof(t->err), "%s (key index %llu): %s", what,
           (unsigned long long)i, msg && *msg ? msg : "(no message)");
  t->failed = 1;
  return 1;
}

static int check_fail(wl_thread *t, const char *fmt, uint64_t a, uint64_t b) {
  char what[256];
  snprintf(what, sizeof(what), fmt, (unsigned long long)a,
           (unsigned long long)b);
  snprintf(t->err, sizeof(t->err), "CHECK FAILED: %s", what);
  t->failed = 1;
  return 1;
}

static void *thread_main(void *arg) {
  wl_thread *t = arg;
  const bench_engine *e = t->r->engine;
  t->ctx = e->attach(t->r->db);
  if (!t->ctx) {
    snprintf(t->err, sizeof(t->err), "%s attach failed", e->name);
    t->failed = 1;
  }
  pthread_barrier_wait(t->barrier); /* all attached */
  pthread_barrier_wait(t->barrier); /* clock started */
  if (!t->failed) t->work(t);
  pthread_barrier_wait(t->barrier); /* all done */
  if (t->ctx) e->detach(t->ctx);
  return NULL;
}

/* Runs work on n threads inside the timed region; fills r->t, r->done. */
static int run_threads(wl_run *r, int n, int (*work)(wl_thread *),
                       const zipf *z) {
  wl_thread *ts = calloc((size_t)n, sizeof(*ts));
  pthread_t *ids = calloc((size_t)n, sizeof(*ids));
  pthread_barrier_t barrier;
  timer a, b;
  int i, rc = 0;
  if (!ts || !ids) {
    snprintf(r->err, sizeof(r->err), "out of memory");
    free(ts);
    free(ids);
    return 1;
  }
  pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
  for (i = 0; i < n; i++) {
    ts[i].r = r;
    ts[i].index = i;
    ts[i].work = work;
    ts[i].barrier = &barrier;
    ts[i].z = z;
    if (pthread_create(&ids[i], NULL, thread_main, &ts[i]) != 0) {
      fprintf(stderr, "shale_compare: pthread_create failed\n");
      exit(2); /* the others would wait at the barrier forever */
    }
  }
  pthread_barrier_wait(&barrier);
  timer_now(&a);
  pthread_barrier_wait(&barrier);
  pthread_barrier_wait(&barrier);
  if (r->settle && r->engine->settle) {
    if (r->engine->settle(r->main_ctx) != 0) {
      snprintf(r->err, sizeof(r->err), "settle: %s",
               r->engine->error(r->main_ctx));
      rc = 1;
    }
  }
  timer_now(&b);
  for (i = 0; i < n; i++) pthread_join(ids[i], NULL);
  pthread_barrier_destroy(&barrier);
  timer_delta(&a, &b, &r->t);
  r->done = 0;
  for (i = 0; i < n; i++) {
    r->done += ts[i].done;
    wl_sink += ts[i].sink;
    if (ts[i].failed && !rc) {
      snprintf(r->err, sizeof(r->err), "thread %d: %s", i, ts[i].err);
      rc = 1;
    }
  }
  free(ts);
  free(ids);
  return rc;
}

/* Operations [begin, end) of n for thread t of nthreads (contiguous). */
static void slice(uint64_t n, int t, int nthreads, uint64_t *begin,
                  uint64_t *end) {
  *begin = n * (uint64_t)t / (uint64_t)nthreads;
  *end = n * (uint64_t)(t + 1) / (uint64_t)nthreads;
}

static uint64_t fold(const void *p, size_t len) {
  const unsigned char *c = p;
  uint64_t acc = 0, w;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    memcpy(&w, c + i, 8);
    acc ^= w;
  }
  for (; i < len; i++) acc += c[i];
  return acc;
}

/* A found value must be value_size bytes starting with its key. */
static int check_value(wl_thread *t, const char *key, const void *v,
                       size_t len) {
  size_t vs = t->r->value_size;
  size_t head = vs < WL_KEY_SIZE ? vs : WL_KEY_SIZE;
  if (len != vs)
    return check_fail(t, "value of %llu bytes, expected %llu", len, vs);
  if (memcmp(v, key, head) != 0)
    return check_fail(t, "value does not start with its key", 0, 0);
  t->sink += fold(v, len);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Writes                                                               */
/* ------------------------------------------------------------------ */

static int work_fill(wl_thread *t) {
  const wl_run *r = t->r;
  char key[WL_KEY_SIZE];
  char *val = malloc(r->value_size + WL_KEY_SIZE);
  uint64_t j, begin, end;
  slice(r->ops, t->index, r->threads, &begin, &end);
  for (j = begin; j < end; j++) {
    uint64_t i = r->perm ? r->perm[j] : j;
    wl_key(key, i);
    make_value(val, r->value_size, i, 0);
    if (r->engine->put(t->ctx, key, WL_KEY_SIZE, val, r->value_size)) {
      free(val);
      return engine_fail(t, "put", i);
    }
    t->done++;
  }
  free(val);
  return 0;
}

int wl_fill(wl_run *r) { return run_threads(r, r->threads, work_fill, NULL); }

static int work_overwrite(wl_thread *t) {
  const wl_run *r = t->r;
  char key[WL_KEY_SIZE];
  char *val = malloc(r->value_size + WL_KEY_SIZE);
  bench_rng rng;
  uint64_t j;
  bench_rng_seed(&rng, r->seed * 64 + (uint64_t)t->index);
  for (j = 0; j < r->ops; j++) {
    uint64_t i = bench_rng_uniform(&rng, r->num);
    wl_key(key, i);
    make_value(val, r->value_size, i, 1);
    if (r->engine->put(t->ctx, key, WL_KEY_SIZE, val, r->value_size)) {
      free(val);
      return engine_fail(t, "put", i);
    }
    t->done++;
  }
  free(val);
  return 0;
}

int wl_overwrite(wl_run *r) { return run_threads(r, 1, work_overwrite, NULL); }

static int batch_put(wl_thread *t, void *ctx, uint64_t from, uint64_t to) {
  const wl_run *r = t->r;
  size_t n = (size_t)(to - from), k;
  char *keys = malloc(n * WL_KEY_SIZE);
  char *vals = malloc(n * r->value_size + WL_KEY_SIZE);
  int rc = 0;
  for (k = 0; k < n; k++) {
    uint64_t i = r->perm ? r->perm[from + k] : from + k;
    wl_key(keys + k * WL_KEY_SIZE, i);
    make_value(vals + k * r->value_size, r->value_size, i, 0);
  }
  if (r->engine->put_batch(ctx, n, keys, WL_KEY_SIZE, vals, r->value_size))
    rc = 1;
  free(keys);
  free(vals);
  return rc;
}

static int work_fillbatch(wl_thread *t) {
  uint64_t j;
  for (j = 0; j < t->r->ops; j += WL_BATCH) {
    uint64_t to = j + WL_BATCH < t->r->ops ? j + WL_BATCH : t->r->ops;
    if (batch_put(t, t->ctx, j, to)) return engine_fail(t, "put_batch", j);
    t->done += to - j;
  }
  return 0;
}

int wl_fillbatch(wl_run *r) { return run_threads(r, 1, work_fillbatch, NULL); }

static int work_delete(wl_thread *t) {
  const wl_run *r = t->r;
  char key[WL_KEY_SIZE];
  uint64_t j;
  for (j = 0; j < r->ops; j++) {
    uint64_t i = r->perm[j];
    wl_key(key, i);
    if (r->engine->del(t->ctx, key, WL_KEY_SIZE))
      return engine_fail(t, "del", i);
    t->done++;
  }
  return 0;
}

int wl_deleterandom(wl_run *r) {
  wl_thread chk;
  uint64_t j;
  if (run_threads(r, 1, work_delete, NULL)) return 1;
  /* Untimed spot check: the first deleted keys are gone. */
  memset(&chk, 0, sizeof(chk));
  chk.r = r;
  chk.ctx = r->main_ctx;
  for (j = 0; j < r->ops && j < 1000; j++) {
    char key[WL_KEY_SIZE];
    const void *v;
    size_t len;
    int found;
    wl_key(key, r->perm[j]);
    if (r->engine->get(r->main_ctx, key, WL_KEY_SIZE, &found, &v, &len)) {
      engine_fail(&chk, "get after delete", r->perm[j]);
      memcpy(r->err, chk.err, sizeof(r->err));
      return 1;
    }
    if (found) {
      snprintf(r->err, sizeof(r->err),
               "CHECK FAILED: key index %llu found after its delete",
               (unsigned long long)r->perm[j]);
      return 1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Reads                                                                */
/* ------------------------------------------------------------------ */

static int work_readrandom(wl_thread *t) {
  const wl_run *r = t->r;
  char key[WL_KEY_SIZE];
  bench_rng rng;
  uint64_t j;
  bench_rng_seed(&rng, r->seed * 64 + 16 + (uint64_t)t->index);
  for (j = 0; j < r->ops; j++) {
    uint64_t i = bench_rng_uniform(&rng, r->num);
    const void *v;
    size_t len;
    int found;
    wl_key(key, i);
    if (r->engine->get(t->ctx, key, WL_KEY_SIZE, &found, &v, &len))
      return engine_fail(t, "get", i);
    if (!found) return check_fail(t, "key index %llu not found", i, 0);
    if (check_value(t, key, v, len)) return 1;
    t->done++;
  }
  return 0;
}

int wl_readrandom(wl_run *r) {
  return run_threads(r, 1, work_readrandom, NULL);
}

static int work_readmissing(wl_thread *t) {
  const wl_run *r = t->r;
  char key[WL_KEY_SIZE];
  bench_rng rng;
  uint64_t j;
  bench_rng_seed(&rng, r->seed * 64 + 32 + (uint64_t)t->index);
  for (j = 0; j < r->ops; j++) {
    uint64_t i = bench_rng_uniform(&rng, r->num);
    const void *v;
    size_t len;
    int found;
    missing_key(key, i);
    if (r->engine->get(t->ctx, key, WL_KEY_SIZE, &found, &v, &len))
      return engine_fail(t, "get", i);
    if (found) return check_fail(t, "absent key 2*%llu+1 found", i, 0);
    t->done++;
  }
  return 0;
}

int wl_readmissing(wl_run *r) {
  return run_threads(r, 1, work_readmissing, NULL);
}

/* Full scan, forward (dir 1) or backward (-1): every entry checked for
 * order and sizes; the count must be r->num. */
static int scan(wl_thread *t, void *ctx, int dir, int check) {
  const wl_run *r = t->r;
  const bench_engine *e = r->engine;
  char prev[WL_KEY_SIZE];
  uint64_t count = 0;
  int on;
  void *it = e->iter_new(ctx);
  if (!it) return engine_fail(t, "iter_new", 0);
  on = dir > 0 ? e->iter_first(it) : e->iter_last(it);
  while (on == 1) {
    const void *k, *v;
    size_t klen, vlen;
    e->iter_entry(it, &k, &klen, &v, &vlen);
    if (check) {
      if (klen != WL_KEY_SIZE) {
        e->iter_free(it);
        return check_fail(t, "key of %llu bytes at entry %llu", klen, count);
      }
      if (count > 0 && memcmp(k, prev, WL_KEY_SIZE) * dir <= 0) {
        e->iter_free(it);
        return check_fail(t, "entry %llu out of order", count, 0);
      }
      memcpy(prev, k, WL_KEY_SIZE);
      if (check_value(t, k, v, vlen)) {
        e->iter_free(it);
        return 1;
      }
    } else {
      t->sink += fold(v, vlen); /* warm-up: touch the values too */
    }
    count++;
    on = dir > 0 ? e->iter_next(it) : e->iter_prev(it);
  }
  e->iter_free(it);
  if (on < 0) return engine_fail(t, dir > 0 ? "iter_next" : "iter_prev", count);
  t->done = count;
  if (check && count != r->num)
    return check_fail(t, "scan saw %llu entries, expected %llu", count, r->num);
  return 0;
}

static int work_readseq(wl_thread *t) { return scan(t, t->ctx, 1, 1); }
static int work_readreverse(wl_thread *t) { return scan(t, t->ctx, -1, 1); }

int wl_readseq(wl_run *r) { return run_threads(r, 1, work_readseq, NULL); }
int wl_readreverse(wl_run *r) {
  return run_threads(r, 1, work_readreverse, NULL);
}

/* One iterator for the whole run (as RocksDB's db_bench), re-seeked. */
static int work_seekrandom(wl_thread *t) {
  const wl_run *r = t->r;
  const bench_engine *e = r->engine;
  char key[WL_KEY_SIZE];
  bench_rng rng;
  uint64_t j;
  void *it = e->iter_new(t->ctx);
  if (!it) return engine_fail(t, "iter_new", 0);
  bench_rng_seed(&rng, r->seed * 64 + 48 + (uint64_t)t->index);
  for (j = 0; j < r->ops; j++) {
    uint64_t i = bench_rng_uniform(&rng, r->num);
    const void *k, *v;
    size_t klen, vlen;
    int on, n;
    wl_key(key, i);
    on = e->iter_seek(it, key, WL_KEY_SIZE);
    if (on < 0) {
      e->iter_free(it);
      return engine_fail(t, "iter_seek", i);
    }
    e->iter_entry(it, &k, &klen, &v, &vlen);
    if (on != 1 || klen != WL_KEY_SIZE || memcmp(k, key, WL_KEY_SIZE) != 0) {
      e->iter_free(it);
      return check_fail(t, "seek to key index %llu did not land on it", i, 0);
    }
    t->sink += fold(v, vlen);
    for (n = 0; n < WL_SEEK_NEXT; n++) {
      on = e->iter_next(it);
      if (on < 0) {
        e->iter_free(it);
        return engine_fail(t, "iter_next", i);
      }
      if (on == 0) break;
      e->iter_entry(it, &k, &klen, &v, &vlen);
      t->sink += fold(k, klen) + fold(v, vlen);
    }
    t->done++;
  }
  e->iter_free(it);
  return 0;
}

int wl_seekrandom(wl_run *r) {
  return run_threads(r, 1, work_seekrandom, NULL);
}

/* ------------------------------------------------------------------ */
/* YCSB-like: thread 0 reads, thread 1 updates, both zipfian            */
/* ------------------------------------------------------------------ */

static int work_ycsb(wl_thread *t) {
  const wl_run *r = t->r;
  char key[WL_KEY_SIZE];
  char *val = malloc(r->value_size + WL_KEY_SIZE);
  uint64_t reads = (uint64_t)((double)r->ops * r->read_fraction + 0.5);
  uint64_t mine = t->index == 0 ? reads : r->ops - reads, j;
  bench_rng rng;
  bench_rng_seed(&rng, r->seed * 64 + 56 + (uint64_t)t->index);
  for (j = 0; j < mine; j++) {
    uint64_t i = zipf_next(t->z, &rng);
    wl_key(key, i);
    if (t->index == 0) {
      const void *v;
      size_t len;
      int found;
      if (r->engine->get(t->ctx, key, WL_KEY_SIZE, &found, &v, &len)) {
        free(val);
        return engine_fail(t, "get", i);
      }
      if (!found) {
        free(val);
        return check_fail(t, "key index %llu not found", i, 0);
      }
      if (check_value(t, key, v, len)) {
        free(val);
        return 1;
      }
    } else {
      make_value(val, r->value_size, i, 2);
      if (r->engine->put(t->ctx, key, WL_KEY_SIZE, val, r->value_size)) {
        free(val);
        return engine_fail(t, "put", i);
      }
    }
    t->done++;
  }
  free(val);
  return 0;
}

int wl_ycsb(wl_run *r) {
  zipf z;
  zipf_init(&z, r->num, 0.99); /* O(num), before the clock starts */
  return run_threads(r, 2, work_ycsb, &z);
}

/* ------------------------------------------------------------------ */
/* Untimed helpers                                                      */
/* ------------------------------------------------------------------ */

static int copy_err(wl_run *r, wl_thread *t) {
  memcpy(r->err, t->err, sizeof(r->err));
  return 1;
}

int wl_warm(wl_run *r) {
  wl_thread t;
  memset(&t, 0, sizeof(t));
  t.r = r;
  t.ctx = r->main_ctx;
  if (scan(&t, r->main_ctx, 1, 0)) return copy_err(r, &t);
  wl_sink += t.sink;
  return 0;
}

int wl_load(wl_run *r) {
  wl_thread t;
  uint64_t j;
  memset(&t, 0, sizeof(t));
  t.r = r;
  t.ctx = r->main_ctx;
  for (j = 0; j < r->num; j += WL_BATCH) {
    uint64_t to = j + WL_BATCH < r->num ? j + WL_BATCH : r->num;
    if (batch_put(&t, r->main_ctx, j, to)) {
      engine_fail(&t, "put_batch (load)", j);
      return copy_err(r, &t);
    }
  }
  return 0;
}
