/*
 * workloads.h — the comparison's workloads, each one timed region run on an
 * open engine (engine.h), with the data they write and check.
 *
 * Data, identical for every engine: key i is the 16-digit decimal of 2i
 * (present keys are even, so readmissing uses 2i+1, absent but inside the
 * key range). A value is the key (its first 16 bytes) followed by bytes of
 * a fixed pool that is about half compressible (each run of 50 random
 * letters is written twice), at an offset that depends on the key and the
 * write's generation (fill 0, overwrite 1, ycsb update 2).
 *
 * Timing: wall clock and getrusage(RUSAGE_SELF) user/sys (every thread of
 * the process, the engines' background threads included). Worker threads
 * attach before and detach after the timed region.
 */
#ifndef SHALE_BENCH_COMPARE_WORKLOADS_H
#define SHALE_BENCH_COMPARE_WORKLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define WL_KEY_SIZE 16
#define WL_BATCH 1000   /* puts per put_batch in fillbatch */
#define WL_SEEK_NEXT 10 /* entries read after each seek */

typedef struct wl_timing {
  double wall_s, user_s, sys_s;
  /* Bytes the process read through read/pread system calls in the timed
   * region (/proc/self/io rchar; page-cache hits included; not what an
   * mmap reads): what a block cache did not hold. -1 if unknown. */
  double read_bytes;
} wl_timing;

/* One workload run on one open engine. The driver fills the inputs; the
 * workload fills the outputs or, on failure, err. */
typedef struct wl_run {
  /* inputs */
  const bench_engine *engine;
  void *db;
  void *main_ctx; /* the driver's own context (settle, checks) */
  int settle;     /* 1: call settle inside the timed region */
  uint64_t num;   /* keys in the data set: 0..num-1 */
  uint64_t ops;   /* operations to time (per workload meaning) */
  size_t value_size;
  int threads;
  uint64_t seed;
  const uint64_t *perm; /* a permutation of 0..num-1 (fills, deletes) */
  double read_fraction; /* ycsb: share of reads (thread 0 reads, 1 writes) */
  /* outputs */
  wl_timing t;
  uint64_t done;  /* operations performed */
  char note[256]; /* filled by some workloads */
  char err[1024];
} wl_run;

typedef int (*wl_fn)(wl_run *r);

/* Each returns 0, or non-zero with r->err set (engine error or a failed
 * correctness check). */
int wl_fill(wl_run *r);         /* puts of perm[0..ops) (perm NULL: 0..ops) */
int wl_overwrite(wl_run *r);    /* ops puts of uniformly random keys, gen 1 */
int wl_fillbatch(wl_run *r);    /* perm in put_batch calls of WL_BATCH */
int wl_readrandom(wl_run *r);   /* ops gets of random keys: all found */
int wl_readmissing(wl_run *r);  /* ops gets of absent keys: none found */
int wl_readseq(wl_run *r);      /* full forward scan: num entries in order */
int wl_readreverse(wl_run *r);  /* full backward scan */
int wl_seekrandom(wl_run *r);   /* ops seeks to random keys + WL_SEEK_NEXT */
int wl_deleterandom(wl_run *r); /* deletes of perm[0..ops) */
int wl_ycsb(wl_run *r);         /* 1 reader + 1 writer, zipfian 0.99 */

/* An untimed full forward scan (warms caches; checks nothing but errors). */
int wl_warm(wl_run *r);
/* Untimed load of keys 0..num-1 in perm order via put_batch. */
int wl_load(wl_run *r);

/* Sets up the shared value pool; call once before any workload. */
void wl_init_data(void);
/* Writes key i into out (WL_KEY_SIZE bytes). */
void wl_key(char *out, uint64_t i);
/* A permutation of 0..n-1 (malloc'ed) from seed. */
uint64_t *wl_permutation(uint64_t n, uint64_t seed);

#endif /* SHALE_BENCH_COMPARE_WORKLOADS_H */
