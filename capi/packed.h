// packed.h — the argument shape of the *_many functions: count byte strings
// laid end to end in one buffer, with their lengths in an array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "db/write_batch.h"

namespace shale::capi {

struct PackedSpec {
  const char *data_name;  // "keys"
  const char *lens_name;  // "key_lens"
  size_t max_each;        // SHALE_MAX_KEY_SIZE
  const char *max_name;   // "SHALE_MAX_KEY_SIZE"
};

extern const PackedSpec kPackedKeys;
extern const PackedSpec kPackedValues;

// Checks the list (NULL pointers, each length against its limit, the total
// against overflow) and appends a view of each element to *out. Records
// SHALE_E_INVALID_ARGUMENT naming the first bad index.
int32_t ReadPacked(const PackedSpec &spec, size_t count, const void *data,
                   const size_t *lens, std::vector<std::string_view> *out);

// Appends to *batch the count puts (puts: keys with values) or deletes of
// the lists, after checking them all; on error *batch may be partly filled
// (build into a fresh batch and Append it for all-or-nothing).
int32_t PackedToBatch(size_t count, const void *keys, const size_t *key_lens,
                      bool puts, const void *values, const size_t *value_lens,
                      shale::WriteBatch *batch);

}  // namespace shale::capi
