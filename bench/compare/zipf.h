/*
 * zipf.h — YCSB's scrambled zipfian key chooser (Gray et al., "Quickly
 * generating billion-record synthetic databases"), constant 0.99 by default.
 * Ranks follow the zipfian law; each rank is hashed (FNV-1a) onto the key
 * space so that the hot keys are scattered, as YCSB does. Header-only.
 */
#ifndef SHALE_BENCH_COMPARE_ZIPF_H
#define SHALE_BENCH_COMPARE_ZIPF_H

#include <math.h>
#include <stdint.h>

#include "bench_util.h"

typedef struct zipf {
  uint64_t n;
  double theta, alpha, zetan, eta, half_pow_theta;
} zipf;

/* O(n) once (the zeta sum); call outside the timed region. */
static inline void zipf_init(zipf *z, uint64_t n, double theta) {
  double zeta2 = 1.0 + pow(0.5, theta);
  uint64_t i;
  z->n = n;
  z->theta = theta;
  z->zetan = 0.0;
  for (i = 1; i <= n; i++) z->zetan += 1.0 / pow((double)i, theta);
  z->alpha = 1.0 / (1.0 - theta);
  z->eta = (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / z->zetan);
  z->half_pow_theta = pow(0.5, theta);
}

static inline uint64_t zipf_fnv(uint64_t x) {
  uint64_t h = 0xCBF29CE484222325ull;
  int i;
  for (i = 0; i < 8; i++) {
    h ^= x & 0xff;
    h *= 0x100000001B3ull;
    x >>= 8;
  }
  return h;
}

/* A key index in [0, n); z is read-only, so threads may share it. */
static inline uint64_t zipf_next(const zipf *z, bench_rng *r) {
  double u = (double)(bench_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
  double uz = u * z->zetan;
  uint64_t rank;
  if (uz < 1.0)
    rank = 0;
  else if (uz < 1.0 + z->half_pow_theta)
    rank = 1;
  else
    rank = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
  if (rank >= z->n) rank = z->n - 1;
  return zipf_fnv(rank) % z->n;
}

#endif /* SHALE_BENCH_COMPARE_ZIPF_H */
