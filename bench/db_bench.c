/*
 * db_bench — a db_bench-style micro-benchmark of shale through its public
 * C API (include/shale.h only).
 *
 *   db_bench [--benchmarks=a,b,c] [--num=N] [--reads=N] [--threads=N]
 *            [--key_size=N] [--value_size=N] [--db=DIR] [--use_existing_db]
 *            [--write_buffer_size=BYTES] [--cache_size=BYTES]
 *            [--bloom_bits=N] [--block_size=BYTES] [--sync[=none|every|group]]
 *            [--sync_ops=N] [--histogram] [--seed=N]
 *
 * Workloads: fillseq fillrandom overwrite readrandom readmissing readseq
 * readreverse seekrandom deleterandom fillsync reopen compact stats
 * hashbaseline (see usage()). Sizes accept K, M, G suffixes (powers of 2).
 */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "shale.h"

/* ------------------------------------------------------------------ */
/* Flags                                                                */
/* ------------------------------------------------------------------ */

static const char *kDefaultBenchmarks =
    "fillseq,fillrandom,overwrite,readrandom,readmissing,readseq,"
    "readreverse,seekrandom,deleterandom,stats,fillsync,reopen";

static struct {
  const char *benchmarks;
  uint64_t num;
  int64_t reads; /* < 0: num */
  int threads;
  size_t key_size;
  size_t value_size;
  const char *db;
  int use_existing_db;
  uint64_t write_buffer_size; /* 0: library default */
  int64_t cache_size;         /* < 0: library default */
  int64_t bloom_bits;         /* < 0: library default */
  uint32_t block_size;        /* 0: library default */
  int sync_mode;              /* for ordinary writes */
  int64_t sync_ops;           /* fillsync ops; < 0: num / 100 */
  int histogram;
  uint64_t seed;
} FLAGS;

static char g_db_path[4096];
static int g_db_is_temp;
static shale_db *g_db;

static void die(const char *what, int32_t st) {
  fprintf(stderr, "db_bench: %s failed: %s: %s\n", what,
          shale_status_name(st), shale_last_error());
  exit(1);
}

static void usage(void) {
  fprintf(stderr,
      "usage: db_bench [flags]\n"
      "  --benchmarks=LIST   comma-separated; default:\n"
      "                      %s\n"
      "    fillseq       fresh db, keys 0..num-1 in order\n"
      "    fillrandom    fresh db, num puts of random keys\n"
      "    overwrite     num puts of random keys into the existing db\n"
      "    readrandom    reads gets of random keys (counts found)\n"
      "    readmissing   reads gets of keys that do not exist (bloom test)\n"
      "    readseq       full forward iteration\n"
      "    readreverse   full reverse iteration\n"
      "    seekrandom    reads seeks to random keys (+ key/value read)\n"
      "    deleterandom  num deletes of random keys\n"
      "    fillsync      sync_ops synced puts (SHALE_SYNC_EVERY; with\n"
      "                  --threads>1 SHALE_SYNC_GROUP: group commit)\n"
      "    reopen        close and reopen the db, timing the open\n"
      "    compact       compact the whole key range\n"
      "    flush         flush the memtable\n"
      "    stats         print the shale.stats property\n"
      "    hashbaseline  random lookups in an in-process hash table of\n"
      "                  num keys (the cost floor for readrandom)\n"
      "  --num=N (1000000)  --reads=N (num)  --threads=N (1)\n"
      "  --key_size=N (16)  --value_size=N (100)  --seed=N (301)\n"
      "  --db=DIR (a fresh temp dir, removed at the end)\n"
      "  --use_existing_db  keep and reuse DIR; skips fill* workloads\n"
      "  --write_buffer_size=BYTES --cache_size=BYTES --bloom_bits=N\n"
      "  --block_size=BYTES (library defaults when absent)\n"
      "  --sync[=none|every|group]  sync mode of ordinary writes\n"
      "                  (default none; bare --sync means every)\n"
      "  --sync_ops=N       ops of fillsync (num/100)\n"
      "  --histogram        print latency percentiles per workload\n",
      kDefaultBenchmarks);
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  unsigned long long v;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || end == s) return 0;
  switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
  }
  if ((*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b'))
    end += 2;
  if (*end != '\0') return 0;
  *out = v;
  return 1;
}

static const char *flag_value(const char *arg, const char *name) {
  size_t n = strlen(name);
  if (strncmp(arg, name, n) == 0 && arg[n] == '=') return arg + n + 1;
  return NULL;
}

static void parse_flags(int argc, char **argv) {
  int i;
  FLAGS.benchmarks = kDefaultBenchmarks;
  FLAGS.num = 1000000;
  FLAGS.reads = -1;
  FLAGS.threads = 1;
  FLAGS.key_size = 16;
  FLAGS.value_size = 100;
  FLAGS.db = NULL;
  FLAGS.cache_size = -1;
  FLAGS.bloom_bits = -1;
  FLAGS.sync_mode = SHALE_SYNC_NONE;
  FLAGS.sync_ops = -1;
  FLAGS.seed = 301;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    uint64_t n;
#define NUMFLAG(name, dest)                                           \
  if ((v = flag_value(a, name)) != NULL) {                            \
    if (!parse_u64(v, &n)) {                                          \
      fprintf(stderr, "db_bench: bad value in %s\n", a);              \
      exit(2);                                                        \
    }                                                                 \
    dest;                                                             \
    continue;                                                         \
  }
    if ((v = flag_value(a, "--benchmarks")) != NULL) {
      FLAGS.benchmarks = v;
      continue;
    }
    if ((v = flag_value(a, "--db")) != NULL) {
      FLAGS.db = v;
      continue;
    }
    NUMFLAG("--num", FLAGS.num = n)
    NUMFLAG("--reads", FLAGS.reads = (int64_t)n)
    NUMFLAG("--threads", FLAGS.threads = (int)n)
    NUMFLAG("--key_size", FLAGS.key_size = (size_t)n)
    NUMFLAG("--value_size", FLAGS.value_size = (size_t)n)
    NUMFLAG("--write_buffer_size", FLAGS.write_buffer_size = n)
    NUMFLAG("--cache_size", FLAGS.cache_size = (int64_t)n)
    NUMFLAG("--bloom_bits", FLAGS.bloom_bits = (int64_t)n)
    NUMFLAG("--block_size", FLAGS.block_size = (uint32_t)n)
    NUMFLAG("--sync_ops", FLAGS.sync_ops = (int64_t)n)
    NUMFLAG("--seed", FLAGS.seed = n)
    NUMFLAG("--use_existing_db", FLAGS.use_existing_db = n != 0)
    NUMFLAG("--histogram", FLAGS.histogram = n != 0)
#undef NUMFLAG
    if (strcmp(a, "--use_existing_db") == 0) {
      FLAGS.use_existing_db = 1;
      continue;
    }
    if (strcmp(a, "--histogram") == 0) {
      FLAGS.histogram = 1;
      continue;
    }
    if (strcmp(a, "--sync") == 0) {
      FLAGS.sync_mode = SHALE_SYNC_EVERY;
      continue;
    }
    if ((v = flag_value(a, "--sync")) != NULL) {
      if (strcmp(v, "none") == 0 || strcmp(v, "0") == 0)
        FLAGS.sync_mode = SHALE_SYNC_NONE;
      else if (strcmp(v, "every") == 0 || strcmp(v, "1") == 0)
        FLAGS.sync_mode = SHALE_SYNC_EVERY;
      else if (strcmp(v, "group") == 0)
        FLAGS.sync_mode = SHALE_SYNC_GROUP;
      else {
        fprintf(stderr, "db_bench: bad value in %s\n", a);
        exit(2);
      }
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage();
      exit(0);
    }
    fprintf(stderr, "db_bench: unknown flag %s\n", a);
    usage();
    exit(2);
  }
  if (FLAGS.threads < 1) FLAGS.threads = 1;
  if (FLAGS.key_size < 8 || FLAGS.key_size > 1024) {
    fprintf(stderr, "db_bench: --key_size must be 8..1024\n");
    exit(2);
  }
  if (FLAGS.num == 0) FLAGS.num = 1;
  if (FLAGS.reads < 0) FLAGS.reads = (int64_t)FLAGS.num;
  if (FLAGS.sync_ops < 0) {
    FLAGS.sync_ops = (int64_t)(FLAGS.num / 100);
    if (FLAGS.sync_ops < 1) FLAGS.sync_ops = 1;
  }
}

/* ------------------------------------------------------------------ */
/* The db directory                                                     */
/* ------------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw) {
  (void)sb;
  (void)type;
  (void)ftw;
  if (remove(path) != 0 && errno != ENOENT) {
    fprintf(stderr, "db_bench: cannot remove %s: %s\n", path,
            strerror(errno));
  }
  return 0;
}

static void remove_tree(const char *path) {
  nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void open_db(int sync_mode) {
  shale_options o;
  int32_t st;
  SHALE_OPTIONS_INIT(&o);
  o.create_if_missing = 1;
  o.sync_mode = (uint32_t)sync_mode;
  if (FLAGS.write_buffer_size) o.write_buffer_size = FLAGS.write_buffer_size;
  if (FLAGS.cache_size >= 0) o.block_cache_capacity = (uint64_t)FLAGS.cache_size;
  if (FLAGS.bloom_bits >= 0) o.bloom_bits_per_key = (uint32_t)FLAGS.bloom_bits;
  if (FLAGS.block_size) o.block_size = FLAGS.block_size;
  st = shale_db_open(g_db_path, &o, &g_db);
  if (st != SHALE_OK) die("shale_db_open", st);
}

static void close_db(void) {
  int32_t st = shale_db_close(g_db);
  g_db = NULL;
  if (st != SHALE_OK) die("shale_db_close", st);
}

/* Closes the db, removes its directory and opens an empty one. */
static void fresh_db(void) {
  if (g_db) close_db();
  remove_tree(g_db_path);
  open_db(FLAGS.sync_mode);
}

static void setup_db_path(void) {
  if (FLAGS.db) {
    if (strlen(FLAGS.db) >= sizeof(g_db_path)) {
      fprintf(stderr, "db_bench: --db path too long\n");
      exit(2);
    }
    strcpy(g_db_path, FLAGS.db);
    /* Refuse to wipe a directory that is neither empty nor a shale db. */
    if (!FLAGS.use_existing_db) {
      char probe[4200];
      struct stat sb;
      if (stat(g_db_path, &sb) == 0) {
        snprintf(probe, sizeof probe, "%s/CURRENT", g_db_path);
        if (stat(probe, &sb) != 0 && rmdir(g_db_path) != 0) {
          fprintf(stderr,
                  "db_bench: %s exists and is not a shale db; not wiping it\n",
                  g_db_path);
          exit(2);
        }
      }
    }
    g_db_is_temp = 0;
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(g_db_path, sizeof g_db_path, "%s/shale_bench_XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(g_db_path) == NULL) {
      fprintf(stderr, "db_bench: mkdtemp: %s\n", strerror(errno));
      exit(1);
    }
    g_db_is_temp = 1;
  }
}

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */

#define VALUE_POOL (1u << 20)
static char *g_values; /* VALUE_POOL + value_size random bytes */

static void init_values(void) {
  bench_rng r;
  size_t i, n = VALUE_POOL + FLAGS.value_size;
  g_values = malloc(n);
  if (!g_values) {
    fprintf(stderr, "db_bench: out of memory\n");
    exit(1);
  }
  bench_rng_seed(&r, FLAGS.seed ^ 0x5eedull);
  for (i = 0; i < n; i++) g_values[i] = (char)(' ' + bench_rng_uniform(&r, 95));
}

static const char *value_for(bench_rng *r) {
  return g_values + bench_rng_uniform(r, VALUE_POOL);
}

/* ------------------------------------------------------------------ */
/* Threads and reporting                                                */
/* ------------------------------------------------------------------ */

typedef enum {
  W_FILLSEQ,
  W_FILLRANDOM,
  W_DELETERANDOM,
  W_READRANDOM,
  W_READMISSING,
  W_READSEQ,
  W_READREVERSE,
  W_SEEKRANDOM
} work_kind;

typedef struct thread_state {
  int id;
  work_kind kind;
  uint64_t ops;   /* to do */
  uint64_t done;  /* done */
  uint64_t found; /* reads that found the key */
  uint64_t bytes; /* key + value bytes moved */
  bench_rng rng;
  bench_hist hist;
  pthread_barrier_t *barrier;
  pthread_t tid;
} thread_state;

static void *thread_main(void *arg) {
  thread_state *t = arg;
  const size_t ks = FLAGS.key_size, vs = FLAGS.value_size;
  const uint64_t nthreads = (uint64_t)FLAGS.threads;
  char key[1100];
  size_t cap = vs > 64 ? vs : 64;
  char *buf = malloc(cap);
  shale_iter *it = NULL;
  uint64_t i, t0 = 0;
  int32_t st;
  const int hist = FLAGS.histogram;

  if (!buf) {
    fprintf(stderr, "db_bench: out of memory\n");
    exit(1);
  }
  if (t->kind == W_READSEQ || t->kind == W_READREVERSE ||
      t->kind == W_SEEKRANDOM) {
    st = shale_iter_new(g_db, NULL, &it);
    if (st != SHALE_OK) die("shale_iter_new", st);
  }
  pthread_barrier_wait(t->barrier);

  if (t->kind == W_READSEQ || t->kind == W_READREVERSE) {
    const void *k, *v;
    size_t kl, vl;
    int fwd = t->kind == W_READSEQ;
    if (hist) t0 = bench_now_ns();
    st = fwd ? shale_iter_first(it) : shale_iter_last(it);
    while (st == SHALE_OK) {
      if (shale_iter_key(it, &k, &kl) != SHALE_OK ||
          shale_iter_value(it, &v, &vl) != SHALE_OK)
        die("shale_iter_key/value", shale_last_status());
      t->bytes += kl + vl;
      t->done++;
      st = fwd ? shale_iter_next(it) : shale_iter_prev(it);
      if (hist) {
        uint64_t t1 = bench_now_ns();
        bench_hist_add(&t->hist, t1 - t0);
        t0 = t1;
      }
    }
    if (st != SHALE_NOT_FOUND) die("iteration", st);
    t->found = t->done;
    goto out;
  }

  for (i = 0; i < t->ops; i++) {
    uint64_t idx;
    if (hist) t0 = bench_now_ns();
    switch (t->kind) {
      case W_FILLSEQ:
        idx = i * nthreads + (uint64_t)t->id;
        bench_format_key(key, ks, idx);
        st = shale_db_put(g_db, key, ks, value_for(&t->rng), vs);
        if (st != SHALE_OK) die("shale_db_put", st);
        t->bytes += ks + vs;
        break;
      case W_FILLRANDOM:
        idx = bench_rng_uniform(&t->rng, FLAGS.num);
        bench_format_key(key, ks, idx);
        st = shale_db_put(g_db, key, ks, value_for(&t->rng), vs);
        if (st != SHALE_OK) die("shale_db_put", st);
        t->bytes += ks + vs;
        break;
      case W_DELETERANDOM:
        idx = bench_rng_uniform(&t->rng, FLAGS.num);
        bench_format_key(key, ks, idx);
        st = shale_db_delete(g_db, key, ks);
        if (st != SHALE_OK) die("shale_db_delete", st);
        t->bytes += ks;
        break;
      case W_READRANDOM:
      case W_READMISSING: {
        size_t needed = 0, kl = ks;
        idx = bench_rng_uniform(&t->rng, FLAGS.num);
        bench_format_key(key, ks, idx);
        if (t->kind == W_READMISSING) key[kl++] = '.';
        st = shale_db_get_into(g_db, NULL, key, kl, buf, cap, &needed);
        if (st == SHALE_E_BUFFER_TOO_SMALL) {
          char *nb = realloc(buf, needed);
          if (!nb) {
            fprintf(stderr, "db_bench: out of memory\n");
            exit(1);
          }
          buf = nb;
          cap = needed;
          st = shale_db_get_into(g_db, NULL, key, kl, buf, cap, &needed);
        }
        if (st == SHALE_OK) {
          t->found++;
          t->bytes += kl + needed;
        } else if (st != SHALE_NOT_FOUND) {
          die("shale_db_get_into", st);
        }
        break;
      }
      case W_SEEKRANDOM: {
        const void *k, *v;
        size_t kl, vl;
        idx = bench_rng_uniform(&t->rng, FLAGS.num);
        bench_format_key(key, ks, idx);
        st = shale_iter_seek(it, key, ks);
        if (st == SHALE_OK) {
          if (shale_iter_key(it, &k, &kl) != SHALE_OK ||
              shale_iter_value(it, &v, &vl) != SHALE_OK)
            die("shale_iter_key/value", shale_last_status());
          if (kl == ks && memcmp(k, key, ks) == 0) t->found++;
          t->bytes += kl + vl;
        } else if (st != SHALE_NOT_FOUND) {
          die("shale_iter_seek", st);
        }
        break;
      }
      default:
        break;
    }
    t->done++;
    if (hist) bench_hist_add(&t->hist, bench_now_ns() - t0);
  }
out:
  if (it) shale_iter_free(it);
  free(buf);
  return NULL;
}

static void get_stats(shale_stats *s) {
  int32_t st;
  SHALE_STATS_INIT(s);
  st = shale_db_stats(g_db, s);
  if (st != SHALE_OK) die("shale_db_stats", st);
}

static int is_write(work_kind k) {
  return k == W_FILLSEQ || k == W_FILLRANDOM || k == W_DELETERANDOM;
}

/* Prints the result line of a workload: name, us/op, ops/s, MB/s, extra. */
static void report(const char *name, uint64_t ops, uint64_t bytes,
                   double secs, int threads, const char *extra) {
  double us_per_op = ops ? secs * 1e6 * threads / (double)ops : 0.0;
  double ops_s = secs > 0 ? (double)ops / secs : 0.0;
  double mb_s = secs > 0 ? (double)bytes / 1048576.0 / secs : 0.0;
  printf("%-13s: %10.3f micros/op; %10.0f ops/s; %8.1f MB/s; %llu ops%s%s\n",
         name, us_per_op, ops_s, mb_s, (unsigned long long)ops,
         extra && *extra ? "; " : "", extra ? extra : "");
  fflush(stdout);
}

static void print_engine_delta(const shale_stats *a, const shale_stats *b,
                               work_kind kind) {
  uint64_t user = b->user_bytes_written - a->user_bytes_written;
  uint64_t wr = (b->wal_bytes_written - a->wal_bytes_written) +
                (b->flush_bytes_written - a->flush_bytes_written) +
                (b->compaction_bytes_written - a->compaction_bytes_written);
  /* Counters are documented to run since the open; should one go
   * backwards anyway, say so instead of printing a wrapped difference. */
  int bloom_ok = b->bloom_checks >= a->bloom_checks &&
                 b->bloom_negatives >= a->bloom_negatives;
  uint64_t checks = bloom_ok ? b->bloom_checks - a->bloom_checks : 0;
  uint64_t negs = bloom_ok ? b->bloom_negatives - a->bloom_negatives : 0;
  uint64_t hits = b->cache_hits - a->cache_hits;
  uint64_t misses = b->cache_misses - a->cache_misses;
  printf("  engine: flushes %llu, compactions %llu, write_stalls %llu",
         (unsigned long long)(b->flushes - a->flushes),
         (unsigned long long)(b->compactions - a->compactions),
         (unsigned long long)(b->write_stalls - a->write_stalls));
  if (is_write(kind) && user)
    printf(", write-amp so far %.2f", (double)wr / (double)user);
  if (hits + misses)
    printf(", cache hit %.1f%%", 100.0 * (double)hits / (double)(hits + misses));
  if (!bloom_ok)
    printf(", bloom counters went backwards (%llu -> %llu checks)",
           (unsigned long long)a->bloom_checks,
           (unsigned long long)b->bloom_checks);
  if (checks) {
    printf(", bloom checks %llu negatives %llu", (unsigned long long)checks,
           (unsigned long long)negs);
    if (kind == W_READMISSING)
      printf(" (false-positive rate %.3f%%)",
             100.0 * (double)(checks - negs) / (double)checks);
  }
  printf("\n");
}

static void run_threads(const char *name, work_kind kind, uint64_t total_ops,
                        int nthreads) {
  thread_state *ts = calloc((size_t)nthreads, sizeof *ts);
  pthread_barrier_t barrier;
  shale_stats before, after;
  bench_hist hist;
  uint64_t t0, t1, ops = 0, found = 0, bytes = 0;
  int i;
  char extra[256] = "";

  static uint64_t run_counter;

  if (!ts) {
    fprintf(stderr, "db_bench: out of memory\n");
    exit(1);
  }
  run_counter++;
  get_stats(&before);
  pthread_barrier_init(&barrier, NULL, (unsigned)nthreads + 1);
  for (i = 0; i < nthreads; i++) {
    ts[i].id = i;
    ts[i].kind = kind;
    ts[i].ops = total_ops / (uint64_t)nthreads +
                ((uint64_t)i < total_ops % (uint64_t)nthreads ? 1 : 0);
    ts[i].barrier = &barrier;
    /* Each workload run gets its own key stream (overwrite must not
     * replay fillrandom's keys), reproducible for a given --seed. */
    bench_rng_seed(&ts[i].rng, FLAGS.seed * 1000003u + (uint64_t)i * 7919u +
                                   run_counter * 104729u + (uint64_t)kind);
    bench_hist_clear(&ts[i].hist);
    if (pthread_create(&ts[i].tid, NULL, thread_main, &ts[i]) != 0) {
      fprintf(stderr, "db_bench: pthread_create failed\n");
      exit(1);
    }
  }
  t0 = bench_now_ns();
  pthread_barrier_wait(&barrier);
  bench_hist_clear(&hist);
  for (i = 0; i < nthreads; i++) {
    pthread_join(ts[i].tid, NULL);
    ops += ts[i].done;
    found += ts[i].found;
    bytes += ts[i].bytes;
    bench_hist_merge(&hist, &ts[i].hist);
  }
  t1 = bench_now_ns();
  pthread_barrier_destroy(&barrier);
  get_stats(&after);

  if (kind == W_READRANDOM || kind == W_READMISSING || kind == W_SEEKRANDOM)
    snprintf(extra, sizeof extra, "%llu of %llu found",
             (unsigned long long)found, (unsigned long long)ops);
  if (nthreads > 1) {
    size_t n = strlen(extra);
    snprintf(extra + n, sizeof extra - n, "%s%d threads", n ? "; " : "",
             nthreads);
  }
  report(name, ops, bytes, (double)(t1 - t0) / 1e9, nthreads, extra);
  if (FLAGS.histogram) bench_hist_print(&hist, stdout);
  print_engine_delta(&before, &after, kind);
  free(ts);
}

/* ------------------------------------------------------------------ */
/* Other workloads                                                      */
/* ------------------------------------------------------------------ */

static void do_fillsync(void) {
  int mode = FLAGS.threads > 1 ? SHALE_SYNC_GROUP : SHALE_SYNC_EVERY;
  char name[32];
  close_db();
  open_db(mode);
  snprintf(name, sizeof name, "fillsync/%s",
           mode == SHALE_SYNC_GROUP ? "group" : "every");
  run_threads(name, W_FILLRANDOM, (uint64_t)FLAGS.sync_ops, FLAGS.threads);
  close_db();
  open_db(FLAGS.sync_mode);
}

static void do_reopen(void) {
  uint64_t t0, t1;
  shale_stats s;
  close_db();
  t0 = bench_now_ns();
  open_db(FLAGS.sync_mode);
  t1 = bench_now_ns();
  get_stats(&s);
  printf("%-13s: %10.3f ms to open; memtable after open %llu bytes, "
         "%llu table files, %llu bytes on disk\n",
         "reopen", (double)(t1 - t0) / 1e6,
         (unsigned long long)s.memtable_bytes,
         (unsigned long long)(s.level_files[0] + s.level_files[1] +
                              s.level_files[2] + s.level_files[3] +
                              s.level_files[4] + s.level_files[5] +
                              s.level_files[6]),
         (unsigned long long)s.disk_bytes);
  fflush(stdout);
}

static void do_compact(void) {
  uint64_t t0 = bench_now_ns(), t1;
  int32_t st = shale_db_compact_range(g_db, NULL, 0, NULL, 0, NULL, NULL);
  if (st != SHALE_OK) die("shale_db_compact_range", st);
  t1 = bench_now_ns();
  printf("%-13s: %10.3f ms\n", "compact", (double)(t1 - t0) / 1e6);
}

static void do_flush(void) {
  uint64_t t0 = bench_now_ns(), t1;
  int32_t st = shale_db_flush(g_db);
  if (st != SHALE_OK) die("shale_db_flush", st);
  t1 = bench_now_ns();
  printf("%-13s: %10.3f ms\n", "flush", (double)(t1 - t0) / 1e6);
}

static void do_stats(void) {
  char *text = NULL;
  shale_stats s;
  int32_t st = shale_db_property(g_db, "shale.stats", &text);
  if (st != SHALE_OK) die("shale_db_property(shale.stats)", st);
  printf("stats:\n%s%s", text,
         strlen(text) && text[strlen(text) - 1] == '\n' ? "" : "\n");
  shale_free(text);
  get_stats(&s);
  if (s.bloom_checks)
    printf("  bloom: %llu checks, %llu negatives (%.1f%% of table probes "
           "skipped)\n",
           (unsigned long long)s.bloom_checks,
           (unsigned long long)s.bloom_negatives,
           100.0 * (double)s.bloom_negatives / (double)s.bloom_checks);
  printf("  write amplification since open: %.2f\n", s.write_amplification);
  fflush(stdout);
}

/* ---- hashbaseline: open addressing, linear probing, same keys/values -- */

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 0x100000001b3ull;
  }
  return h ^ (h >> 29);
}

static void do_hashbaseline(void) {
  const size_t ks = FLAGS.key_size, vs = FLAGS.value_size, es = ks + vs;
  uint64_t n = FLAGS.num, cap = 16, i, found = 0, bytes = 0, t0, t1;
  char *arena;
  uint32_t *slots;
  char key[1100], *out = malloc(vs ? vs : 1);
  bench_rng r;
  bench_hist hist;
  volatile unsigned char sink = 0;

  while (cap < n * 2) cap <<= 1;
  arena = malloc((size_t)(n * es));
  slots = calloc((size_t)cap, sizeof *slots);
  if (!arena || !slots || !out || n >= UINT32_MAX) {
    fprintf(stderr, "db_bench: hashbaseline: out of memory or num too big\n");
    exit(1);
  }
  bench_rng_seed(&r, FLAGS.seed);
  t0 = bench_now_ns();
  for (i = 0; i < n; i++) {
    char *e = arena + i * es;
    uint64_t h;
    bench_format_key(e, ks, i);
    memcpy(e + ks, value_for(&r), vs);
    h = hash_bytes(e, ks) & (cap - 1);
    while (slots[h]) h = (h + 1) & (cap - 1);
    slots[h] = (uint32_t)(i + 1);
  }
  t1 = bench_now_ns();
  report("hashbuild", n, n * es, (double)(t1 - t0) / 1e9, 1, "");

  bench_hist_clear(&hist);
  bench_rng_seed(&r, FLAGS.seed * 1000003u + W_READRANDOM);
  t0 = bench_now_ns();
  for (i = 0; i < (uint64_t)FLAGS.reads; i++) {
    uint64_t h, q0 = FLAGS.histogram ? bench_now_ns() : 0;
    bench_format_key(key, ks, bench_rng_uniform(&r, n));
    h = hash_bytes(key, ks) & (cap - 1);
    while (slots[h]) {
      const char *e = arena + (uint64_t)(slots[h] - 1) * es;
      if (memcmp(e, key, ks) == 0) {
        memcpy(out, e + ks, vs);
        sink ^= (unsigned char)out[0];
        found++;
        bytes += es;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
    if (FLAGS.histogram) bench_hist_add(&hist, bench_now_ns() - q0);
  }
  t1 = bench_now_ns();
  {
    char extra[64];
    snprintf(extra, sizeof extra, "%llu of %llu found",
             (unsigned long long)found, (unsigned long long)FLAGS.reads);
    report("hashbaseline", (uint64_t)FLAGS.reads, bytes,
           (double)(t1 - t0) / 1e9, 1, extra);
  }
  if (FLAGS.histogram) bench_hist_print(&hist, stdout);
  (void)sink;
  free(arena);
  free(slots);
  free(out);
}

/* ------------------------------------------------------------------ */
/* Main                                                                 */
/* ------------------------------------------------------------------ */

static void run_benchmark(const char *name) {
  uint64_t reads = (uint64_t)FLAGS.reads;
  int thr = FLAGS.threads;
  int is_fill = strcmp(name, "fillseq") == 0 || strcmp(name, "fillrandom") == 0;

  if (is_fill && FLAGS.use_existing_db) {
    printf("%-13s: skipped (--use_existing_db)\n", name);
    return;
  }
  if (strcmp(name, "hashbaseline") == 0) {
    do_hashbaseline();
    return;
  }
  if (!g_db) open_db(FLAGS.sync_mode);
  if (strcmp(name, "fillseq") == 0) {
    fresh_db();
    run_threads(name, W_FILLSEQ, FLAGS.num, thr);
  } else if (strcmp(name, "fillrandom") == 0) {
    fresh_db();
    run_threads(name, W_FILLRANDOM, FLAGS.num, thr);
  } else if (strcmp(name, "overwrite") == 0) {
    run_threads(name, W_FILLRANDOM, FLAGS.num, thr);
  } else if (strcmp(name, "readrandom") == 0) {
    run_threads(name, W_READRANDOM, reads, thr);
  } else if (strcmp(name, "readmissing") == 0) {
    run_threads(name, W_READMISSING, reads, thr);
  } else if (strcmp(name, "readseq") == 0) {
    run_threads(name, W_READSEQ, 0, thr);
  } else if (strcmp(name, "readreverse") == 0) {
    run_threads(name, W_READREVERSE, 0, thr);
  } else if (strcmp(name, "seekrandom") == 0) {
    run_threads(name, W_SEEKRANDOM, reads, thr);
  } else if (strcmp(name, "deleterandom") == 0) {
    run_threads(name, W_DELETERANDOM, FLAGS.num, thr);
  } else if (strcmp(name, "fillsync") == 0) {
    do_fillsync();
  } else if (strcmp(name, "reopen") == 0) {
    do_reopen();
  } else if (strcmp(name, "compact") == 0) {
    do_compact();
  } else if (strcmp(name, "flush") == 0) {
    do_flush();
  } else if (strcmp(name, "stats") == 0) {
    do_stats();
  } else {
    fprintf(stderr, "db_bench: unknown benchmark '%s'\n", name);
    exit(2);
  }
}

int main(int argc, char **argv) {
  char *list, *save = NULL, *name;
  uint64_t t0, t1;

  parse_flags(argc, argv);
  if (shale_abi_version() != SHALE_ABI_VERSION) {
    fprintf(stderr, "db_bench: libshale ABI %d, built for %d\n",
            (int)shale_abi_version(), SHALE_ABI_VERSION);
    return 1;
  }
  setup_db_path();
  init_values();

  printf("shale:      version %s\n", shale_version());
  printf("Keys:       %zu bytes each\n", FLAGS.key_size);
  printf("Values:     %zu bytes each\n", FLAGS.value_size);
  printf("Entries:    %llu (reads %lld, threads %d, sync %s)\n",
         (unsigned long long)FLAGS.num, (long long)FLAGS.reads, FLAGS.threads,
         FLAGS.sync_mode == SHALE_SYNC_NONE    ? "none"
         : FLAGS.sync_mode == SHALE_SYNC_EVERY ? "every"
                                               : "group");
  printf("Raw size:   %.1f MiB (estimated)\n",
         (double)(FLAGS.key_size + FLAGS.value_size) * (double)FLAGS.num /
             1048576.0);
  printf("DB:         %s%s\n", g_db_path, g_db_is_temp ? " (temporary)" : "");
  printf("------------------------------------------------\n");
  fflush(stdout);

  list = strdup(FLAGS.benchmarks);
  t0 = bench_now_ns();
  for (name = strtok_r(list, ",", &save); name;
       name = strtok_r(NULL, ",", &save)) {
    if (*name) run_benchmark(name);
  }
  t1 = bench_now_ns();
  free(list);
  if (g_db) close_db();
  if (g_db_is_temp && !FLAGS.use_existing_db) remove_tree(g_db_path);
  free(g_values);
  printf("------------------------------------------------\n");
  printf("total time: %.2f s; peak RSS: %.1f MiB\n", (double)(t1 - t0) / 1e9,
         (double)bench_peak_rss_kib() / 1024.0);
  return 0;
}
