/* fake.c — see fake.h. */
#include "fake.h"

#include <string.h>

int32_t shale_fake_options_init(shale_fake_options *options,
                                size_t struct_size) {
  if (options == NULL || struct_size < sizeof(size_t)) return -1;
  memset(options, 0, struct_size);
  options->struct_size = struct_size;
  return 0;
}

#if FAKE_VARIANT == 6
int32_t shale_fake_get(const void *key, uint32_t key_len) {
#else
int32_t shale_fake_get(const void *key, size_t key_len) {
#endif
  return key == NULL && key_len != 0 ? -1 : 1;
}

#if FAKE_VARIANT == 7
int32_t shale_fake_store(const void *key, size_t key_len) {
  return key == NULL && key_len != 0 ? -1 : 0;
}
#elif FAKE_VARIANT != 3
int32_t shale_fake_put(const void *key, size_t key_len) {
  return key == NULL && key_len != 0 ? -1 : 0;
}
#endif

#if FAKE_VARIANT == 1
int32_t shale_fake_put_many(size_t count, const void *keys,
                            const size_t *key_lens) {
  return count != 0 && (keys == NULL || key_lens == NULL) ? -1 : 0;
}
#endif
