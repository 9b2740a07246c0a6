// pin.cc — pinned reads: one copy from the store into a pin that a binding
// reads in place (a memoryview in Python) instead of copying it again.
#include <string>

#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "objects.h"
#include "options.h"

using namespace shale::capi;

extern "C" SHALE_API int32_t shale_db_get_pinned(
    shale_db *db, shale_snapshot *snapshot, const void *key, size_t key_len,
    shale_pin **out, const void **value, size_t *value_len) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (value != nullptr) *value = nullptr;
    if (value_len != nullptr) *value_len = 0;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    if (value == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "value (out) is NULL");
    }
    if (value_len == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "value_len (out) is NULL");
    }
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc = CheckBytes(key, key_len, "key", SHALE_MAX_KEY_SIZE,
                              "SHALE_MAX_KEY_SIZE");
      if (rc != SHALE_OK) return rc;
      shale::ReadOptions ro;
      if ((rc = ResolveSnapshot(snapshot, state.get(), &ro.snapshot)) !=
          SHALE_OK) {
        return rc;
      }
      auto pin = std::make_shared<PinObj>();
      rc = FromCore(state->db->Get(ro, View(key, key_len), &pin->value));
      ro.snapshot.reset();  // released while the call is still in flight
      if (rc != SHALE_OK) return rc;
      *out = ToHandle<shale_pin>(InsertHandle(HandleType::kPin, pin));
      // c_str(): never NULL, also for an empty value.
      *value = pin->value.c_str();
      *value_len = pin->value.size();
      return SHALE_OK;
    });
  });
}

extern "C" SHALE_API int32_t shale_pin_free(shale_pin *pin) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (pin == nullptr) return SHALE_OK;
    std::shared_ptr<PinObj> obj;
    return Remove(pin, HandleType::kPin, "pin", &obj);
  });
}
