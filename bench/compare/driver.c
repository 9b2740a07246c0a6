/*
 * shale_compare — runs the same workloads on shale and its peers (LevelDB,
 * RocksDB, LMDB, SQLite: every adapter that was built) side by side, and
 * writes one JSON line per measured run (format: docs of bench/compare,
 * /work/brief/BENCH.md) plus a human table of medians on stderr.
 *
 *   shale_compare [--engines=shale,leveldb,...] [--workloads=a,b,...]
 *     [--num=1000000] [--value_size=100] [--runs=3] [--dir=DIR]
 *     [--cache_mb=64] [--write_buffer_mb=8] [--reads=N] [--sync_ops=N]
 *     [--large_num=N] [--large_value_size=102400] [--out=FILE] [--keep]
 *     [--reuse] [--quick]
 *
 * Order: for each repetition, for each workload, every engine in turn, so
 * that machine noise hits all engines alike. Only one engine's store is open
 * at a time: each workload opens the store, runs, and closes it, so no
 * engine's background work overlaps another's measurement.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine.h"
#include "workloads.h"

/* ------------------------------------------------------------------ */
/* Engines that were built                                              */
/* ------------------------------------------------------------------ */

static const bench_engine *const kEngines[] = {
    &bench_engine_shale,   &bench_engine_shale_step,
#ifdef BENCH_HAVE_LEVELDB
    &bench_engine_leveldb,
#endif
#ifdef BENCH_HAVE_ROCKSDB
    &bench_engine_rocksdb,
#endif
#ifdef BENCH_HAVE_LMDB
    &bench_engine_lmdb,
#endif
#ifdef BENCH_HAVE_SQLITE
    &bench_engine_sqlite,
#endif
};
#define N_ENGINES (sizeof(kEngines) / sizeof(kEngines[0]))

/* ------------------------------------------------------------------ */
/* Workloads, in the order they run                                     */
/* ------------------------------------------------------------------ */

enum data_kind {
  D_FRESH,      /* its own new store, removed after the run */
  D_MAIN_FILL,  /* creates the repetition's main store (num keys) */
  D_MAIN,       /* uses the main store (loaded untimed if missing) */
  D_MAIN_DIRTY, /* uses the main store and leaves it without its keys */
  D_LARGE_FILL, /* creates the large-value store */
  D_LARGE       /* uses the large-value store */
};
enum ops_kind { O_NUM, O_READS, O_SEEKS, O_SYNC, O_LARGE };

typedef struct workload {
  const char *name;
  wl_fn fn;
  enum data_kind data;
  enum ops_kind ops;
  int threads;
  int sync;    /* every write fsync'ed */
  int write;   /* settle inside the timed region */
  int warm;    /* one untimed full scan after the open */
  int ordered; /* fill in key order (else the shared permutation) */
  double read_fraction;
  const char *note;
  /* 0: the cache budget of --cache_mb; else the cache is the data set's
   * key and value bytes divided by this, for every engine alike. */
  int cache_div;
} workload;

static const workload kWorkloads[] = {
    {"fillseq", wl_fill, D_FRESH, O_NUM, 1, 0, 1, 0, 1, 0,
     "fresh store, keys in ascending order", 0},
    {"fillrandom", wl_fill, D_MAIN_FILL, O_NUM, 1, 0, 1, 0, 0, 0,
     "fresh store, every key once in random order", 0},
    {"overwrite", wl_overwrite, D_MAIN, O_NUM, 1, 0, 1, 0, 0, 0,
     "uniformly random existing keys, new values", 0},
    {"readrandom", wl_readrandom, D_MAIN, O_READS, 1, 0, 0, 1, 0, 0,
     "reopened, one untimed full scan, then uniformly random gets; every key "
     "must be found",
     0},
    {"readrandom_4x", wl_readrandom, D_MAIN, O_READS, 1, 0, 0, 1, 0, 0,
     "reopened with a cache of a quarter of the data (keys + values), the "
     "same for every engine (LMDB has none: the OS page cache serves its "
     "map), one untimed full scan, then uniformly random gets; file bytes "
     "read per get (read/pread system calls) show what the cache missed",
     4},
    {"readmissing", wl_readmissing, D_MAIN, O_READS, 1, 0, 0, 1, 0, 0,
     "reopened + untimed scan; gets of absent keys between present ones", 0},
    {"readseq", wl_readseq, D_MAIN, O_NUM, 1, 0, 0, 0, 0, 0,
     "reopened; one forward scan of every entry", 0},
    {"readreverse", wl_readreverse, D_MAIN, O_NUM, 1, 0, 0, 0, 0, 0,
     "reopened; one backward scan of every entry", 0},
    {"seekrandom", wl_seekrandom, D_MAIN, O_SEEKS, 1, 0, 0, 1, 0, 0,
     "reopened + untimed scan; one iterator, seek to a random key then 10 "
     "nexts; ops = seeks",
     0},
    {"ycsb_a", wl_ycsb, D_MAIN, O_READS, 2, 0, 1, 1, 0, 0.50,
     "reopened + untimed scan; 1 reader thread (gets) + 1 writer thread "
     "(updates), 50/50 ops, scrambled zipfian 0.99; ops/s of both",
     0},
    {"ycsb_b", wl_ycsb, D_MAIN, O_READS, 2, 0, 1, 1, 0, 0.95,
     "reopened + untimed scan; 1 reader thread (gets) + 1 writer thread "
     "(updates), 95/5 ops, scrambled zipfian 0.99; ops/s of both",
     0},
    {"deleterandom", wl_deleterandom, D_MAIN_DIRTY, O_NUM, 1, 0, 1, 0, 0, 0,
     "every key deleted once, random order", 0},
    {"fillbatch", wl_fillbatch, D_FRESH, O_NUM, 1, 0, 1, 0, 0, 0,
     "fresh store, random order, 1000 puts per atomic batch", 0},
    {"fillsync1", wl_fill, D_FRESH, O_SYNC, 1, 1, 1, 0, 0, 0,
     "fresh store, every write synced, 1 writer thread", 0},
    {"fillsync2", wl_fill, D_FRESH, O_SYNC, 2, 1, 1, 0, 0, 0,
     "fresh store, every write synced, 2 writer threads", 0},
    {"fillsync4", wl_fill, D_FRESH, O_SYNC, 4, 1, 1, 0, 0, 0,
     "fresh store, every write synced, 4 writer threads", 0},
    {"fillrandom_large", wl_fill, D_LARGE_FILL, O_LARGE, 1, 0, 1, 0, 0, 0,
     "fresh store, large values, every key once in random order", 0},
    {"readrandom_large", wl_readrandom, D_LARGE, O_LARGE, 1, 0, 0, 1, 0, 0,
     "reopened + untimed scan; uniformly random gets of large values", 0},
};
#define N_WORKLOADS (sizeof(kWorkloads) / sizeof(kWorkloads[0]))

/* ------------------------------------------------------------------ */
/* Flags                                                                */
/* ------------------------------------------------------------------ */

static struct {
  const char *engines, *workloads, *dir, *out;
  uint64_t num, reads, sync_ops, large_num;
  size_t value_size, large_value_size;
  int runs, keep, reuse;
  uint64_t cache_mb, write_buffer_mb;
} F = {NULL,       NULL,    "/var/tmp/shale_compare",
       NULL,       1000000, 0,
       0,          0,       100,
       100 * 1024, 3,       0,
       0,          64,      8};

static void usage(FILE *f) {
  size_t i;
  fprintf(f,
          "usage: shale_compare [flags]\n"
          "  --engines=LIST        default: every engine built:");
  for (i = 0; i < N_ENGINES; i++)
    fprintf(f, "%s%s", i ? "," : " ", kEngines[i]->name);
  fprintf(f,
          "\n  --workloads=LIST      default: all, run in this order:\n     ");
  for (i = 0; i < N_WORKLOADS; i++)
    fprintf(f, "%s%s", i ? "," : " ", kWorkloads[i].name);
  fprintf(f,
          "\n  --num=N               keys (default 1000000; --quick 100000)\n"
          "  --value_size=N        bytes (default 100); keys are 16 bytes\n"
          "  --runs=N              repetitions (default 3; --quick 1)\n"
          "  --dir=DIR             work directory (default "
          "/var/tmp/shale_compare; not tmpfs: fsync must mean something)\n"
          "  --cache_mb=N          cache budget of every engine (default 64)\n"
          "  --write_buffer_mb=N   memtable size where there is one "
          "(default 8)\n"
          "  --reads=N             gets in readrandom/readmissing/ycsb "
          "(default num); seekrandom does reads/10 seeks\n"
          "  --sync_ops=N          synced writes per fillsync run, over all "
          "threads (default max(num/1000, 200))\n"
          "  --large_num=N         keys of the large-value run (default "
          "max(num/500, 100))\n"
          "  --large_value_size=N  (default 102400)\n"
          "  --out=FILE            JSON lines (default stdout)\n"
          "  --keep                keep the stores (default: removed)\n"
          "  --reuse               read workloads use the main/large store a\n"
          "                        --keep run left in --dir as it is, instead\n"
          "                        of loading it (to profile reads on one\n"
          "                        store; not for comparisons)\n"
          "  --quick               num 100000, runs 1\n");
}

static int flag(const char *arg, const char *name, const char **val) {
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0 || arg[n] != '=') return 0;
  *val = arg + n + 1;
  return 1;
}

static uint64_t number(const char *name, const char *v) {
  char *end;
  unsigned long long x;
  errno = 0;
  x = strtoull(v, &end, 10);
  if (errno || end == v || *end) {
    fprintf(stderr, "shale_compare: %s: not a number: %s\n", name, v);
    exit(2);
  }
  return x;
}

static void parse(int argc, char **argv) {
  const char *v;
  int i;
  for (i = 1; i < argc; i++)
    if (strcmp(argv[i], "--quick") == 0) {
      F.num = 100000;
      F.runs = 1;
    }
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--quick") == 0) continue;
    if (strcmp(a, "--keep") == 0)
      F.keep = 1;
    else if (strcmp(a, "--reuse") == 0)
      F.reuse = 1;
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (flag(a, "--engines", &v))
      F.engines = v;
    else if (flag(a, "--workloads", &v))
      F.workloads = v;
    else if (flag(a, "--dir", &v))
      F.dir = v;
    else if (flag(a, "--out", &v))
      F.out = v;
    else if (flag(a, "--num", &v))
      F.num = number(a, v);
    else if (flag(a, "--value_size", &v))
      F.value_size = number(a, v);
    else if (flag(a, "--runs", &v))
      F.runs = (int)number(a, v);
    else if (flag(a, "--cache_mb", &v))
      F.cache_mb = number(a, v);
    else if (flag(a, "--write_buffer_mb", &v))
      F.write_buffer_mb = number(a, v);
    else if (flag(a, "--reads", &v))
      F.reads = number(a, v);
    else if (flag(a, "--sync_ops", &v))
      F.sync_ops = number(a, v);
    else if (flag(a, "--large_num", &v))
      F.large_num = number(a, v);
    else if (flag(a, "--large_value_size", &v))
      F.large_value_size = number(a, v);
    else {
      fprintf(stderr, "shale_compare: unknown flag %s\n", a);
      usage(stderr);
      exit(2);
    }
  }
  if (!F.reads) F.reads = F.num;
  /* An fsync costs milliseconds: num/100 would make the synced runs most
   * of the total time. */
  if (!F.sync_ops) F.sync_ops = F.num / 1000 > 200 ? F.num / 1000 : 200;
  if (!F.large_num) F.large_num = F.num / 500 > 100 ? F.num / 500 : 100;
  if (F.num < 1 || F.runs < 1 || F.value_size > (1u << 20) ||
      F.large_value_size > (1u << 20)) {
    fprintf(stderr,
            "shale_compare: need num >= 1, runs >= 1, values <= 1 MiB\n");
    exit(2);
  }
}

/* Is name in the comma-separated list (NULL: everything)? */
static int listed(const char *list, const char *name) {
  size_t n = strlen(name);
  const char *p = list;
  if (!list) return 1;
  while (*p) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    p += len + (c ? 1 : 0);
  }
  return 0;
}

/* Every name in list must be known. */
static void check_list(const char *list, const char *what, int engines) {
  char buf[4096], *tok, *save = NULL;
  size_t i;
  if (!list) return;
  snprintf(buf, sizeof(buf), "%s", list);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int ok = 0;
    if (engines) {
      for (i = 0; i < N_ENGINES; i++) ok |= strcmp(kEngines[i]->name, tok) == 0;
    } else {
      for (i = 0; i < N_WORKLOADS; i++)
        ok |= strcmp(kWorkloads[i].name, tok) == 0;
    }
    if (!ok) {
      fprintf(stderr, "shale_compare: unknown %s '%s'%s\n", what, tok,
              engines ? " (not built: its library or adapter was not found "
                        "at configure time)"
                      : "");
      exit(2);
    }
  }
}

/* ------------------------------------------------------------------ */
/* Directories                                                          */
/* ------------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw) {
  (void)sb;
  (void)type;
  (void)ftw;
  return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void rm_rf(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
    fprintf(stderr, "shale_compare: cannot remove %s: %s\n", path,
            strerror(errno));
    exit(2);
  }
}

static void mkdir_p(const char *path) {
  char buf[4096];
  char *p;
  snprintf(buf, sizeof(buf), "%s", path);
  for (p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(buf, 0755);
    *p = '/';
  }
  if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "shale_compare: mkdir %s: %s\n", buf, strerror(errno));
    exit(2);
  }
}

static uint64_t g_du;
static int du_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw) {
  (void)path;
  (void)ftw;
  if (type == FTW_F) g_du += (uint64_t)sb->st_blocks * 512u;
  return 0;
}

/* Bytes allocated on disk under path (du; a sparse LMDB map counts only
 * what is written). */
static uint64_t disk_usage(const char *path) {
  g_du = 0;
  nftw(path, du_entry, 16, FTW_PHYS);
  return g_du;
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

static FILE *g_out;

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

typedef struct result {
  int have;
  double ops_per_s, cpu_us_per_op;
} result;

static result *g_results; /* [workload][engine][run] */

static result *slot(size_t w, size_t e, int run) {
  return &g_results[(w * N_ENGINES + e) * (size_t)F.runs + (size_t)run];
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(size_t w, size_t e, int cpu, int *have) {
  double v[64];
  int n = 0, r;
  for (r = 0; r < F.runs && n < 64; r++) {
    const result *s = slot(w, e, r);
    if (s->have) v[n++] = cpu ? s->cpu_us_per_op : s->ops_per_s;
  }
  *have = n > 0;
  if (!n) return 0;
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_table(const int *eng_on, const int *wl_on, int cpu) {
  size_t w, e;
  fprintf(stderr, "\n%s, median of %d run(s):\n%-18s",
          cpu ? "CPU microseconds per op (user+sys, all threads)"
              : "ops/s (wall clock)",
          F.runs, "workload");
  for (e = 0; e < N_ENGINES; e++)
    if (eng_on[e]) fprintf(stderr, " %12s", kEngines[e]->name);
  fputc('\n', stderr);
  for (w = 0; w < N_WORKLOADS; w++) {
    if (!wl_on[w]) continue;
    fprintf(stderr, "%-18s", kWorkloads[w].name);
    for (e = 0; e < N_ENGINES; e++) {
      int have;
      double m;
      if (!eng_on[e]) continue;
      m = median(w, e, cpu, &have);
      if (!have)
        fprintf(stderr, " %12s", "-");
      else if (cpu)
        fprintf(stderr, " %12.2f", m);
      else
        fprintf(stderr, " %12.0f", m);
    }
    fputc('\n', stderr);
  }
}

/* ------------------------------------------------------------------ */
/* Runs                                                                 */
/* ------------------------------------------------------------------ */

typedef struct rep_state {
  int main_state[N_ENGINES]; /* 0 none, 1 every key present, 2 dirty */
  int large_state[N_ENGINES];
  uint64_t *perm, *perm_del, *perm_large;
} rep_state;

static void fail(const bench_engine *e, const workload *w, int run,
                 const char *msg) {
  fflush(g_out);
  fprintf(stderr, "\nshale_compare: FAIL: engine %s, workload %s, run %d: %s\n",
          e->name, w->name, run, msg);
  exit(1);
}

static bench_settings settings_for(int sync, int large, int cache_div) {
  bench_settings s;
  memset(&s, 0, sizeof(s));
  s.sync = sync;
  s.cache_bytes = F.cache_mb << 20;
  if (cache_div > 0) {
    const uint64_t n = large ? F.large_num : F.num;
    const size_t vs = large ? F.large_value_size : F.value_size;
    s.cache_bytes = n * (WL_KEY_SIZE + vs) / (uint64_t)cache_div;
  }
  s.write_buffer_bytes = F.write_buffer_mb << 20;
  s.expected_keys = large ? F.large_num : F.num;
  s.value_size = large ? F.large_value_size : F.value_size;
  return s;
}

static void *open_or_fail(const bench_engine *e, const workload *w, int run,
                          const char *dir, const bench_settings *s) {
  char err[1024] = "";
  void *db = e->open(dir, s, err, sizeof(err));
  char msg[1200];
  if (db) return db;
  snprintf(msg, sizeof(msg), "open %s: %s", dir, err);
  fail(e, w, run, msg);
  return NULL;
}

/* Untimed: (re)creates the main or large store with every key present. */
static void load_store(const bench_engine *e, const workload *w, int run,
                       const char *dir, int large, const rep_state *st) {
  bench_settings s = settings_for(0, large, 0);
  wl_run r;
  void *db;
  rm_rf(dir);
  mkdir_p(dir);
  db = open_or_fail(e, w, run, dir, &s);
  memset(&r, 0, sizeof(r));
  r.engine = e;
  r.db = db;
  r.main_ctx = e->attach(db);
  r.num = large ? F.large_num : F.num;
  r.value_size = s.value_size;
  r.perm = large ? st->perm_large : st->perm;
  if (!r.main_ctx) fail(e, w, run, "attach failed");
  fprintf(stderr, "  (loading %s store of %s untimed)\n",
          large ? "large-value" : "main", e->name);
  if (wl_load(&r)) fail(e, w, run, r.err);
  e->detach(r.main_ctx);
  if (e->close) e->close(db);
}

static uint64_t ops_of(const workload *w) {
  switch (w->ops) {
    case O_NUM:
      return F.num;
    case O_READS:
      return F.reads;
    case O_SEEKS:
      return F.reads / 10 ? F.reads / 10 : 1;
    case O_SYNC:
      return F.sync_ops;
    case O_LARGE:
      return F.large_num;
  }
  return F.num;
}

static void run_one(size_t wi, size_t ei, int run, rep_state *st) {
  const workload *w = &kWorkloads[wi];
  const bench_engine *e = kEngines[ei];
  int large = w->data == D_LARGE_FILL || w->data == D_LARGE;
  bench_settings s = settings_for(w->sync, large, w->cache_div);
  char dir[4096];
  wl_run r;
  void *db;
  uint64_t disk = 0;
  int fill =
      w->data == D_FRESH || w->data == D_MAIN_FILL || w->data == D_LARGE_FILL;
  size_t bytes_per_op;

  if (w->data == D_FRESH)
    snprintf(dir, sizeof(dir), "%s/r%d/%s/%s", F.dir, run, e->name, w->name);
  else
    snprintf(dir, sizeof(dir), "%s/r%d/%s/%s", F.dir, run, e->name,
             large ? "large" : "main");
  if (fill) {
    rm_rf(dir);
    mkdir_p(dir);
  } else if ((large ? st->large_state : st->main_state)[ei] != 1 &&
             !(F.reuse && access(dir, F_OK) == 0)) {
    load_store(e, w, run, dir, large, st);
  }

  db = open_or_fail(e, w, run, dir, &s);
  memset(&r, 0, sizeof(r));
  r.engine = e;
  r.db = db;
  r.main_ctx = e->attach(db);
  if (!r.main_ctx) fail(e, w, run, "attach failed");
  r.settle = w->write;
  r.num = large ? F.large_num : F.num;
  r.ops = ops_of(w);
  r.value_size = s.value_size;
  r.threads = w->threads;
  r.seed = 7000 + (uint64_t)run;
  r.perm = w->ordered                ? NULL
           : w->data == D_MAIN_DIRTY ? st->perm_del
           : large                   ? st->perm_large
                                     : st->perm;
  r.read_fraction = w->read_fraction;
  if (w->warm && wl_warm(&r)) fail(e, w, run, r.err);
  if (w->fn(&r)) fail(e, w, run, r.err);
  e->detach(r.main_ctx);
  if (e->close) e->close(db);

  if (fill) disk = disk_usage(dir);
  if (w->data == D_FRESH && !F.keep) rm_rf(dir);
  if (w->data == D_MAIN_FILL) st->main_state[ei] = 1;
  if (w->data == D_LARGE_FILL) st->large_state[ei] = 1;
  if (w->data == D_MAIN_DIRTY) st->main_state[ei] = 2;

  bytes_per_op = WL_KEY_SIZE + s.value_size;
  if (w->fn == wl_readmissing || w->fn == wl_deleterandom)
    bytes_per_op = WL_KEY_SIZE;
  if (w->fn == wl_seekrandom) bytes_per_op *= 1 + WL_SEEK_NEXT;
  {
    double ops_s = r.t.wall_s > 0 ? (double)r.done / r.t.wall_s : 0;
    double cpu = r.t.user_s + r.t.sys_s;
    result *res = slot(wi, ei, run);
    res->have = 1;
    res->ops_per_s = ops_s;
    res->cpu_us_per_op = r.done ? cpu * 1e6 / (double)r.done : 0;
    fprintf(g_out,
            "{\"suite\": \"c\", \"engine\": \"%s\", \"workload\": \"%s\", "
            "\"run\": %d, \"ops\": %llu, \"threads\": %d, \"value_size\": %zu, "
            "\"sync\": %d, \"wall_s\": %.6f, \"user_s\": %.6f, "
            "\"sys_s\": %.6f, \"ops_per_s\": %.1f, \"bytes_per_op\": %zu, ",
            e->name, w->name, run, (unsigned long long)r.done, w->threads,
            s.value_size, w->sync, r.t.wall_s, r.t.user_s, r.t.sys_s, ops_s,
            bytes_per_op);
    if (fill)
      fprintf(g_out, "\"disk_bytes\": %llu, ", (unsigned long long)disk);
    if (r.t.read_bytes >= 0)
      fprintf(g_out, "\"read_bytes\": %.0f, ", r.t.read_bytes);
    if (w->cache_div)
      fprintf(g_out, "\"cache_bytes\": %llu, ",
              (unsigned long long)s.cache_bytes);
    fprintf(g_out, "\"note\": ");
    json_str(g_out, w->note);
    fprintf(g_out, "}\n");
    fflush(g_out);
    fprintf(stderr,
            "run %d %-17s %-8s %11.0f ops/s  wall %7.3f s  user %6.3f s  "
            "sys %6.3f s  %5.2f us cpu/op",
            run, w->name, e->name, ops_s, r.t.wall_s, r.t.user_s, r.t.sys_s,
            res->cpu_us_per_op);
    if (fill) fprintf(stderr, "  disk %.1f MiB", (double)disk / 1048576.0);
    fputc('\n', stderr);
  }
}

static void write_headers(const int *eng_on) {
  struct statfs fs;
  size_t e;
  int tmpfs = statfs(F.dir, &fs) == 0 && fs.f_type == 0x01021994;
  char env[1024];
  snprintf(env, sizeof(env),
           "keys 16 bytes, values %zu bytes (large-value run: %llu keys of "
           "%zu bytes), %llu keys, %d run(s), reads %llu, seeks %llu, synced "
           "writes per fillsync run %llu, cache %llu MiB and write buffer "
           "%llu MiB for every engine, %ld CPUs, dir %s%s; engines run in "
           "turn per workload, one store open at a time; wall and "
           "getrusage(RUSAGE_SELF) CPU time (all threads) of the timed region",
           F.value_size, (unsigned long long)F.large_num, F.large_value_size,
           (unsigned long long)F.num, F.runs, (unsigned long long)F.reads,
           (unsigned long long)(F.reads / 10 ? F.reads / 10 : 1),
           (unsigned long long)F.sync_ops, (unsigned long long)F.cache_mb,
           (unsigned long long)F.write_buffer_mb, sysconf(_SC_NPROCESSORS_ONLN),
           F.dir, tmpfs ? " (TMPFS: fsync costs nothing here)" : "");
  if (tmpfs)
    fprintf(stderr,
            "shale_compare: WARNING: %s is tmpfs; synced runs "
            "measure nothing\n",
            F.dir);
  fprintf(g_out,
          "{\"suite\": \"c\", \"kind\": \"environment\", \"describe\": ");
  json_str(g_out, env);
  fprintf(g_out, "}\n");
  for (e = 0; e < N_ENGINES; e++) {
    bench_settings async_s = settings_for(0, 0, 0),
                   sync_s = settings_for(1, 0, 0);
    char d_async[2048];
    if (!eng_on[e]) continue;
    snprintf(d_async, sizeof(d_async), "%s", kEngines[e]->describe(&async_s));
    fprintf(g_out, "{\"suite\": \"c\", \"kind\": \"settings\", \"engine\": ");
    json_str(g_out, kEngines[e]->name);
    fprintf(g_out, ", \"version\": ");
    json_str(g_out, kEngines[e]->version());
    fprintf(g_out, ", \"describe\": ");
    json_str(g_out, d_async);
    fprintf(g_out, ", \"describe_sync\": ");
    json_str(g_out, kEngines[e]->describe(&sync_s));
    fprintf(g_out, "}\n");
    fprintf(stderr, "%s %s: %s\n", kEngines[e]->name, kEngines[e]->version(),
            d_async);
  }
  fflush(g_out);
}

int main(int argc, char **argv) {
  int eng_on[N_ENGINES], wl_on[N_WORKLOADS];
  size_t e, w;
  int run;

  parse(argc, argv);
  check_list(F.engines, "engine", 1);
  check_list(F.workloads, "workload", 0);
  for (e = 0; e < N_ENGINES; e++)
    eng_on[e] = listed(F.engines, kEngines[e]->name);
  for (w = 0; w < N_WORKLOADS; w++)
    wl_on[w] = listed(F.workloads, kWorkloads[w].name);
  g_out = stdout;
  if (F.out && !(g_out = fopen(F.out, "w"))) {
    fprintf(stderr, "shale_compare: %s: %s\n", F.out, strerror(errno));
    return 2;
  }
  g_results = calloc(N_WORKLOADS * N_ENGINES * (size_t)F.runs, sizeof(result));
  mkdir_p(F.dir);
  wl_init_data();
  write_headers(eng_on);

  for (run = 0; run < F.runs; run++) {
    rep_state st;
    char dir[4096];
    memset(&st, 0, sizeof(st));
    st.perm = wl_permutation(F.num, 1000 + (uint64_t)run);
    st.perm_del = wl_permutation(F.num, 2000 + (uint64_t)run);
    st.perm_large = wl_permutation(F.large_num, 3000 + (uint64_t)run);
    if (!st.perm || !st.perm_del || !st.perm_large) {
      fprintf(stderr, "shale_compare: out of memory\n");
      return 2;
    }
    snprintf(dir, sizeof(dir), "%s/r%d", F.dir, run);
    if (!F.reuse) rm_rf(dir);
    for (w = 0; w < N_WORKLOADS; w++) {
      if (!wl_on[w]) continue;
      for (e = 0; e < N_ENGINES; e++)
        if (eng_on[e]) run_one(w, e, run, &st);
    }
    if (!F.keep) rm_rf(dir);
    free(st.perm);
    free(st.perm_del);
    free(st.perm_large);
  }
  print_table(eng_on, wl_on, 0);
  print_table(eng_on, wl_on, 1);
  if (g_out != stdout) fclose(g_out);
  return 0;
}
