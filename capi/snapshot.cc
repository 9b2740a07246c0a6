// snapshot.cc — snapshots.
#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "objects.h"

using namespace shale::capi;

extern "C" SHALE_API int32_t shale_snapshot_new(shale_db *db,
                                                shale_snapshot **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      auto obj = std::make_shared<SnapshotObj>();
      obj->db = state;
      obj->snap = state->db->GetSnapshot();
      if (obj->snap == nullptr) {
        return Fail(SHALE_E_INTERNAL, "the core returned no snapshot");
      }
      *out = ToHandle<shale_snapshot>(InsertHandle(HandleType::kSnapshot, obj));
      return SHALE_OK;
    });
  });
}

extern "C" SHALE_API int32_t shale_snapshot_free(shale_snapshot *snapshot) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (snapshot == nullptr) return SHALE_OK;
    std::shared_ptr<SnapshotObj> obj;
    int32_t rc = Remove(snapshot, HandleType::kSnapshot, "snapshot", &obj);
    if (rc != SHALE_OK) return rc;
    // Release our reference while no close is running on the db (other
    // threads may still hold the object for a call in flight; they drop it
    // inside their own call).
    std::shared_ptr<DbState> state = obj->db;
    DbCall call(state.get());
    call.EnterForRelease();
    obj.reset();
    return SHALE_OK;
  });
}
