// bulk.cc — many keys in one call: shale_db_get_many, _put_many,
// _delete_many (one FFI crossing for a binding, not one per key).
#include <string_view>
#include <vector>

#include "barrier.h"
#include "db/write_batch.h"
#include "db_state.h"
#include "error.h"
#include "malloc_buffer.h"
#include "options.h"
#include "packed.h"

using namespace shale::capi;

namespace {

// Builds the batch of a put_many (values != nullptr list) or delete_many.
int32_t BuildBatch(const std::vector<std::string_view> &keys,
                   const std::vector<std::string_view> *values,
                   shale::WriteBatch *batch) {
  for (size_t i = 0; i < keys.size(); ++i) {
    shale::Status st = values != nullptr ? batch->Put(keys[i], (*values)[i])
                                         : batch->Delete(keys[i]);
    if (!st.ok()) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "at index %zu: %s", i,
                  st.ToString().c_str());
    }
  }
  return SHALE_OK;
}

}  // namespace

namespace shale::capi {

int32_t PackedToBatch(size_t count, const void *keys, const size_t *key_lens,
                      bool puts, const void *values, const size_t *value_lens,
                      shale::WriteBatch *batch) {
  std::vector<std::string_view> k, v;
  int32_t rc = ReadPacked(kPackedKeys, count, keys, key_lens, &k);
  if (rc != SHALE_OK) return rc;
  if (puts) {
    if ((rc = ReadPacked(kPackedValues, count, values, value_lens, &v)) !=
        SHALE_OK) {
      return rc;
    }
  }
  return BuildBatch(k, puts ? &v : nullptr, batch);
}

}  // namespace shale::capi

extern "C" SHALE_API int32_t shale_db_get_many(
    shale_db *db, shale_snapshot *snapshot, size_t count, const void *keys,
    const size_t *key_lens, void **values, size_t *value_lens, size_t *found) {
  return Guard(__func__, [&]() -> int32_t {
    if (values != nullptr) *values = nullptr;
    if (found != nullptr) *found = 0;
    if (value_lens != nullptr) {
      for (size_t i = 0; i < count; ++i) value_lens[i] = SHALE_MISSING;
    }
    if (values == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "values (out) is NULL");
    }
    if (value_lens == nullptr && count != 0) {
      return Fail(SHALE_E_INVALID_ARGUMENT,
                  "value_lens (out) is NULL but count is %zu", count);
    }
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      std::vector<std::string_view> k;
      int32_t rc = ReadPacked(kPackedKeys, count, keys, key_lens, &k);
      if (rc != SHALE_OK) return rc;
      shale::ReadOptions ro;
      if ((rc = ResolveSnapshot(snapshot, state.get(), &ro.snapshot)) !=
          SHALE_OK) {
        return rc;
      }
      MallocBuffer out;
      size_t hits = 0;
      shale::Status st =
          state->db->MultiGet(ro, k, [&](size_t i, std::string_view v) {
            out.Append(v);
            value_lens[i] = v.size();
            ++hits;
          });
      ro.snapshot.reset();  // released while the call is still in flight
      if (!st.ok()) {
        for (size_t i = 0; i < count; ++i) value_lens[i] = SHALE_MISSING;
        return FromCore(st);
      }
      *values = out.Release();
      if (found != nullptr) *found = hits;
      return SHALE_OK;
    });
  });
}

extern "C" SHALE_API int32_t shale_db_put_many(shale_db *db, size_t count,
                                               const void *keys,
                                               const size_t *key_lens,
                                               const void *values,
                                               const size_t *value_lens) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      shale::WriteBatch batch;
      int32_t rc = PackedToBatch(count, keys, key_lens, true, values,
                                 value_lens, &batch);
      if (rc != SHALE_OK) return rc;
      // Even an empty write goes to the engine: a read-only db refuses it
      // like any other (count 0 is not a way around the mode).
      return FromCore(state->db->Write(batch));
    });
  });
}

extern "C" SHALE_API int32_t shale_db_delete_many(shale_db *db, size_t count,
                                                  const void *keys,
                                                  const size_t *key_lens) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      shale::WriteBatch batch;
      int32_t rc =
          PackedToBatch(count, keys, key_lens, false, nullptr, nullptr, &batch);
      if (rc != SHALE_OK) return rc;
      return FromCore(state->db->Write(batch));
    });
  });
}
