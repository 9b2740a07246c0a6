/*
 * bench_util.h — small helpers shared by the benchmark programs: a clock,
 * a seeded xorshift generator, fixed-width decimal keys, a latency
 * histogram, peak RSS. C99 + POSIX; header-only (static functions).
 */
#ifndef SHALE_BENCH_UTIL_H
#define SHALE_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Monotonic time in nanoseconds. */
static inline uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64* — deterministic for a given seed, never 0 state. */
typedef struct bench_rng {
  uint64_t s;
} bench_rng;

static inline void bench_rng_seed(bench_rng *r, uint64_t seed) {
  /* splitmix64 step so that nearby seeds give unrelated streams */
  uint64_t z = seed + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  r->s = z ? z : 0x2545F4914F6CDD1Dull;
}

static inline uint64_t bench_rng_next(bench_rng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant here. */
static inline uint64_t bench_rng_uniform(bench_rng *r, uint64_t n) {
  return bench_rng_next(r) % n;
}

/* Writes index as a zero-padded decimal of exactly width bytes (no NUL);
 * digits beyond width are dropped from the left. */
static inline void bench_format_key(char *out, size_t width, uint64_t index) {
  size_t i = width;
  while (i > 0) {
    out[--i] = (char)('0' + (int)(index % 10));
    index /= 10;
  }
}

/* Log-linear latency histogram: 32 sub-buckets per power of two
 * (about 3% resolution), values in nanoseconds. */
#define BENCH_HIST_SUB 32
#define BENCH_HIST_BUCKETS (64 * BENCH_HIST_SUB)

typedef struct bench_hist {
  uint64_t count;
  uint64_t sum;
  uint64_t min;
  uint64_t max;
  uint64_t buckets[BENCH_HIST_BUCKETS];
} bench_hist;

static inline void bench_hist_clear(bench_hist *h) {
  memset(h, 0, sizeof(*h));
  h->min = UINT64_MAX;
}

static inline unsigned bench_hist_index(uint64_t v) {
  unsigned e;
  if (v < BENCH_HIST_SUB) return (unsigned)v;
  e = 63u - (unsigned)__builtin_clzll(v); /* >= 5 */
  return (e - 4u) * BENCH_HIST_SUB +
         (unsigned)((v >> (e - 5u)) & (BENCH_HIST_SUB - 1));
}

/* The smallest value that falls into bucket idx. */
static inline uint64_t bench_hist_lower(unsigned idx) {
  unsigned e, sub;
  if (idx < BENCH_HIST_SUB) return idx;
  e = idx / BENCH_HIST_SUB + 4u;
  sub = idx % BENCH_HIST_SUB;
  return ((uint64_t)(BENCH_HIST_SUB + sub)) << (e - 5u);
}

static inline void bench_hist_add(bench_hist *h, uint64_t v) {
  h->count++;
  h->sum += v;
  if (v < h->min) h->min = v;
  if (v > h->max) h->max = v;
  h->buckets[bench_hist_index(v)]++;
}

static inline void bench_hist_merge(bench_hist *into, const bench_hist *from) {
  unsigned i;
  into->count += from->count;
  into->sum += from->sum;
  if (from->min < into->min) into->min = from->min;
  if (from->max > into->max) into->max = from->max;
  for (i = 0; i < BENCH_HIST_BUCKETS; i++) into->buckets[i] += from->buckets[i];
}

/* The value at quantile q (0..1): midpoint of the bucket holding it. */
static inline double bench_hist_quantile(const bench_hist *h, double q) {
  uint64_t want, seen = 0;
  unsigned i;
  if (h->count == 0) return 0.0;
  want = (uint64_t)(q * (double)h->count);
  if (want < 1) want = 1;
  for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
    seen += h->buckets[i];
    if (seen >= want) {
      double lo = (double)bench_hist_lower(i);
      double hi = (i + 1 < BENCH_HIST_BUCKETS) ? (double)bench_hist_lower(i + 1)
                                               : lo;
      double mid = (lo + hi) / 2.0;
      if (mid > (double)h->max) mid = (double)h->max;
      if (mid < (double)h->min) mid = (double)h->min;
      return mid;
    }
  }
  return (double)h->max;
}

static inline void bench_hist_print(const bench_hist *h, FILE *out) {
  if (h->count == 0) return;
  fprintf(out,
          "  latency (us): avg %.2f  p50 %.2f  p99 %.2f  p99.9 %.2f  "
          "max %.2f  (%llu samples)\n",
          (double)h->sum / (double)h->count / 1000.0,
          bench_hist_quantile(h, 0.50) / 1000.0,
          bench_hist_quantile(h, 0.99) / 1000.0,
          bench_hist_quantile(h, 0.999) / 1000.0, (double)h->max / 1000.0,
          (unsigned long long)h->count);
}

/* Peak resident set size of this process in KiB (Linux ru_maxrss). */
static inline long bench_peak_rss_kib(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return ru.ru_maxrss;
}

#endif /* SHALE_BENCH_UTIL_H */
