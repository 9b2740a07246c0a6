/*
 * fake.h — a tiny library with the shape of shale's ABI, built in variants by
 * tests/abi/abi_selftest.sh to prove that abi_diff.py accepts additions and
 * rejects breaks. FAKE_VARIANT selects the change made to version 1:
 *   0 none; 1 a function added; 2 a field appended to a struct_size struct;
 *   3 a function removed; 4 a field's type changed; 5 a field inserted in
 *   the middle; 6 a parameter's type changed; 7 a function renamed.
 */
#ifndef FAKE_H
#define FAKE_H

#include <stddef.h>
#include <stdint.h>

#ifndef FAKE_VARIANT
#define FAKE_VARIANT 0
#endif

#define FAKE_API __attribute__((visibility("default")))

typedef struct shale_fake_options {
  size_t struct_size;
#if FAKE_VARIANT == 5
  uint32_t inserted;
#endif
#if FAKE_VARIANT == 4
  uint64_t mode;
#else
  uint32_t mode;
#endif
  uint32_t level;
#if FAKE_VARIANT == 2
  uint64_t appended;
#endif
} shale_fake_options;

FAKE_API int32_t shale_fake_options_init(shale_fake_options *options,
                                         size_t struct_size);
#if FAKE_VARIANT == 6
FAKE_API int32_t shale_fake_get(const void *key, uint32_t key_len);
#else
FAKE_API int32_t shale_fake_get(const void *key, size_t key_len);
#endif
#if FAKE_VARIANT == 7
FAKE_API int32_t shale_fake_store(const void *key, size_t key_len);
#elif FAKE_VARIANT != 3
FAKE_API int32_t shale_fake_put(const void *key, size_t key_len);
#endif
#if FAKE_VARIANT == 1
FAKE_API int32_t shale_fake_put_many(size_t count, const void *keys,
                                     const size_t *key_lens);
#endif

#endif /* FAKE_H */
