// batch.cc — write batches and shale_db_write.
#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "objects.h"
#include "packed.h"

using namespace shale::capi;

namespace {

// Upper bound of what one entry adds to the serialized batch: kind byte and
// two varint32 lengths.
constexpr size_t kEntryOverhead = 1 + 5 + 5;

int32_t LookupBatch(shale_batch *batch, std::shared_ptr<BatchObj> *out) {
  return Lookup(batch, HandleType::kBatch, "batch", out);
}

int32_t CheckRoom(const shale::WriteBatch &b, size_t key_len,
                  size_t value_len) {
  size_t add = key_len + value_len + kEntryOverhead;
  if (b.ByteSize() + add > SHALE_MAX_BATCH_SIZE) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "the batch would pass SHALE_MAX_BATCH_SIZE (%zu bytes); it "
                "holds %zu bytes",
                SHALE_MAX_BATCH_SIZE, b.ByteSize());
  }
  return SHALE_OK;
}

}  // namespace

extern "C" SHALE_API int32_t shale_batch_new(shale_batch **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    auto obj = std::make_shared<BatchObj>();
    *out = ToHandle<shale_batch>(InsertHandle(HandleType::kBatch, obj));
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_batch_free(shale_batch *batch) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (batch == nullptr) return SHALE_OK;
    std::shared_ptr<BatchObj> obj;
    int32_t rc = LookupBatch(batch, &obj);
    if (rc != SHALE_OK) return rc;
    OwnerGuard owner(&obj->busy);
    if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
    std::shared_ptr<BatchObj> removed;
    if ((rc = Remove(batch, HandleType::kBatch, "batch", &removed)) !=
        SHALE_OK) {
      return rc;
    }
    owner.Keep();  // never usable again
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_batch_put(shale_batch *batch,
                                             const void *key, size_t key_len,
                                             const void *value,
                                             size_t value_len) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<BatchObj> obj;
    int32_t rc = LookupBatch(batch, &obj);
    if (rc != SHALE_OK) return rc;
    OwnerGuard owner(&obj->busy);
    if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
    if ((rc = CheckBytes(key, key_len, "key", SHALE_MAX_KEY_SIZE,
                         "SHALE_MAX_KEY_SIZE")) != SHALE_OK ||
        (rc = CheckBytes(value, value_len, "value", SHALE_MAX_VALUE_SIZE,
                         "SHALE_MAX_VALUE_SIZE")) != SHALE_OK ||
        (rc = CheckRoom(obj->batch, key_len, value_len)) != SHALE_OK) {
      return rc;
    }
    return FromCore(obj->batch.Put(View(key, key_len), View(value, value_len)));
  });
}

extern "C" SHALE_API int32_t shale_batch_delete(shale_batch *batch,
                                                const void *key,
                                                size_t key_len) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<BatchObj> obj;
    int32_t rc = LookupBatch(batch, &obj);
    if (rc != SHALE_OK) return rc;
    OwnerGuard owner(&obj->busy);
    if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
    if ((rc = CheckBytes(key, key_len, "key", SHALE_MAX_KEY_SIZE,
                         "SHALE_MAX_KEY_SIZE")) != SHALE_OK ||
        (rc = CheckRoom(obj->batch, key_len, 0)) != SHALE_OK) {
      return rc;
    }
    return FromCore(obj->batch.Delete(View(key, key_len)));
  });
}

extern "C" SHALE_API int32_t shale_batch_clear(shale_batch *batch) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<BatchObj> obj;
    int32_t rc = LookupBatch(batch, &obj);
    if (rc != SHALE_OK) return rc;
    OwnerGuard owner(&obj->busy);
    if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
    obj->batch.Clear();
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_batch_count(shale_batch *batch,
                                               size_t *count) {
  return Guard(__func__, [&]() -> int32_t {
    if (count != nullptr) *count = 0;
    if (count == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "count (out) is NULL");
    }
    std::shared_ptr<BatchObj> obj;
    int32_t rc = LookupBatch(batch, &obj);
    if (rc != SHALE_OK) return rc;
    OwnerGuard owner(&obj->busy);
    if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
    *count = obj->batch.Count();
    return SHALE_OK;
  });
}

namespace {

// The body of shale_batch_put_many and _delete_many: all or nothing.
int32_t AppendMany(shale_batch *batch, size_t count, const void *keys,
                   const size_t *key_lens, bool puts, const void *values,
                   const size_t *value_lens) {
  std::shared_ptr<BatchObj> obj;
  int32_t rc = LookupBatch(batch, &obj);
  if (rc != SHALE_OK) return rc;
  OwnerGuard owner(&obj->busy);
  if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
  shale::WriteBatch more;
  if ((rc = PackedToBatch(count, keys, key_lens, puts, values, value_lens,
                          &more)) != SHALE_OK) {
    return rc;
  }
  return FromCore(obj->batch.Append(more));
}

}  // namespace

extern "C" SHALE_API int32_t shale_batch_put_many(
    shale_batch *batch, size_t count, const void *keys, const size_t *key_lens,
    const void *values, const size_t *value_lens) {
  return Guard(__func__, [&]() -> int32_t {
    return AppendMany(batch, count, keys, key_lens, true, values, value_lens);
  });
}

extern "C" SHALE_API int32_t shale_batch_delete_many(shale_batch *batch,
                                                     size_t count,
                                                     const void *keys,
                                                     const size_t *key_lens) {
  return Guard(__func__, [&]() -> int32_t {
    return AppendMany(batch, count, keys, key_lens, false, nullptr, nullptr);
  });
}

extern "C" SHALE_API int32_t shale_db_write(shale_db *db, shale_batch *batch) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<DbState> state;
    int32_t rc = LookupDb(db, &state);
    if (rc != SHALE_OK) return rc;
    std::shared_ptr<BatchObj> obj;
    if ((rc = LookupBatch(batch, &obj)) != SHALE_OK) return rc;
    OwnerGuard owner(&obj->busy);
    if ((rc = owner.Take("batch")) != SHALE_OK) return rc;
    DbCall call(state.get());
    if ((rc = call.Enter()) != SHALE_OK) return rc;
    // An empty batch goes to the engine too: a read-only db refuses it.
    return FromCore(state->db->Write(obj->batch));
  });
}
