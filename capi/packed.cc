// packed.cc — checking and viewing the lists the *_many functions take.
#include "packed.h"

#include "error.h"
#include "shale.h"

namespace shale::capi {

const PackedSpec kPackedKeys = {"keys", "key_lens", SHALE_MAX_KEY_SIZE,
                                "SHALE_MAX_KEY_SIZE"};
const PackedSpec kPackedValues = {"values", "value_lens", SHALE_MAX_VALUE_SIZE,
                                  "SHALE_MAX_VALUE_SIZE"};

int32_t ReadPacked(const PackedSpec &spec, size_t count, const void *data,
                   const size_t *lens, std::vector<std::string_view> *out) {
  if (count == 0) return SHALE_OK;
  if (lens == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "%s is NULL but count is %zu",
                spec.lens_name, count);
  }
  out->reserve(out->size() + count);  // may throw: the barrier maps it
  const char *p = static_cast<const char *>(data);
  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t len = lens[i];
    if (len > spec.max_each) {
      return Fail(SHALE_E_INVALID_ARGUMENT,
                  "%s[%zu] is %zu, over %s (%zu bytes)", spec.lens_name, i, len,
                  spec.max_name, spec.max_each);
    }
    if (len != 0 && p == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "%s is NULL but %s[%zu] is %zu",
                  spec.data_name, spec.lens_name, i, len);
    }
    // Each length is at most 256 MiB, so the sum overflows only after
    // billions of entries; check anyway: the lengths come from the caller.
    if (offset > SIZE_MAX - len) {
      return Fail(SHALE_E_INVALID_ARGUMENT,
                  "the lengths in %s add up to more than SIZE_MAX (at index "
                  "%zu)",
                  spec.lens_name, i);
    }
    out->emplace_back(len == 0 ? std::string_view()
                               : std::string_view(p + offset, len));
    offset += len;
  }
  return SHALE_OK;
}

}  // namespace shale::capi
