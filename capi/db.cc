// db.cc — open, close, reads and writes of single keys, sync, properties.
#include <cstdlib>
#include <cstring>
#include <string>

#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "objects.h"
#include "options.h"
#include "scope_exit.h"

using namespace shale::capi;

namespace {

int32_t CheckKey(const void *key, size_t key_len) {
  return CheckBytes(key, key_len, "key", SHALE_MAX_KEY_SIZE,
                    "SHALE_MAX_KEY_SIZE");
}

int32_t CheckValue(const void *value, size_t value_len) {
  return CheckBytes(value, value_len, "value", SHALE_MAX_VALUE_SIZE,
                    "SHALE_MAX_VALUE_SIZE");
}

// Reads key (as of snapshot) into *value. Shared by get, get_into, exists.
int32_t ReadKey(shale_db *db, shale_snapshot *snapshot, const void *key,
                size_t key_len, std::string *value) {
  return WithDb(db, [&](const DbRef &state) -> int32_t {
    int32_t rc = CheckKey(key, key_len);
    if (rc != SHALE_OK) return rc;
    shale::ReadOptions ro;
    rc = ResolveSnapshot(snapshot, state.get(), &ro.snapshot);
    if (rc != SHALE_OK) return rc;
    rc = FromCore(state->db->Get(ro, View(key, key_len), value));
    ro.snapshot.reset();  // released while the call is still in flight
    return rc;
  });
}

// The string a read's value lands in before it is copied out: a per-thread
// buffer whose capacity is kept between calls (no allocation per read). A
// nested read on the same thread (from a logger callback) gets its own.
class ValueScratch {
 public:
  ValueScratch() noexcept : nested_(t_in_use) {
    if (!nested_) t_in_use = true;
  }
  ~ValueScratch() {
    if (nested_) return;
    if (t_value.capacity() > kKeepCapacity) {
      std::string().swap(t_value);  // do not hold a huge value forever
    }
    t_in_use = false;
  }
  ValueScratch(const ValueScratch &) = delete;
  ValueScratch &operator=(const ValueScratch &) = delete;
  std::string *get() noexcept { return nested_ ? &own_ : &t_value; }

 private:
  static constexpr size_t kKeepCapacity = 64 * 1024;
  static thread_local std::string t_value;
  static thread_local bool t_in_use;
  const bool nested_;
  std::string own_;
};
thread_local std::string ValueScratch::t_value;
thread_local bool ValueScratch::t_in_use = false;

}  // namespace

extern "C" SHALE_API int32_t shale_db_open(const char *path,
                                           const shale_options *options,
                                           shale_db **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    shale_options o;
    int32_t rc = ReadOptions(options, &o);
    if (rc != SHALE_OK) return rc;
    if (out == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    }
    if (path == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "path is NULL");
    }
    if (path[0] == '\0') {
      return Fail(SHALE_E_INVALID_ARGUMENT, "path is empty");
    }
    if ((rc = ValidateOptions(o)) != SHALE_OK) return rc;

    auto state = std::make_shared<DbState>();
    shale::Options core = ToCore(o);
    if (o.logger != nullptr || o.logger_user_free != nullptr) {
      state->logger = std::make_shared<LoggerState>(
          state.get(), o.logger, o.logger_user, o.logger_user_free);
      if (o.logger != nullptr) {
        int32_t min_level = o.log_level;
        std::shared_ptr<LoggerState> ls = state->logger;
        core.logger = [ls, min_level](shale::LogLevel level,
                                      std::string_view msg) {
          if (static_cast<int32_t>(level) < min_level) return;
          // A message that cannot be copied is dropped.
          (void)NoThrow([&] {
            std::string text(msg);
            ls->Deliver(static_cast<int32_t>(level), text.c_str());
          });
        };
      }
    }
    // The registration begins only if the open succeeds: on failure the
    // logger stops and user_free is not called (the caller keeps user).
    ScopeExit abandon([&] {
      if (state->logger) state->logger->Abandon();
    });
    std::unique_ptr<shale::DB> db;
    shale::Status st = shale::DB::Open(core, std::string(path), &db);
    if (!st.ok() || db == nullptr) {
      if (st.ok()) return Fail(SHALE_E_INTERNAL, "open returned no db");
      return FromCore(st);
    }
    state->db = std::move(db);
    state->read_only = o.read_only != 0;
    uint64_t h = InsertHandle(HandleType::kDb, state);  // may throw: closes
    abandon.Dismiss();
    *out = ToHandle<shale_db>(h);
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_db_close(shale_db *db) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (db == nullptr) return SHALE_OK;
    std::shared_ptr<DbState> state;
    int32_t rc = LookupDb(db, &state);
    if (rc != SHALE_OK) return rc;
    if (CallbackScope::InsideCallbackOf(state.get())) {
      return Fail(SHALE_E_BUSY,
                  "cannot close a db from inside one of its own callbacks "
                  "(nothing was closed)");
    }
    std::shared_ptr<DbState> removed;
    if ((rc = Remove(db, HandleType::kDb, "db", &removed)) != SHALE_OK) {
      return rc;  // closed concurrently by another thread
    }
    if (!state->BeginClose()) return SHALE_OK;  // waits for calls in flight
    shale::Status st;
    {
      ScopeExit done([&] { state->FinishClose(); });
      st = state->db->Close();  // ends subscriptions: their user_free runs
    }
    if (state->logger) state->logger->Retire();
    if (!st.ok()) return FromCore(st);
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_db_put(shale_db *db, const void *key,
                                          size_t key_len, const void *value,
                                          size_t value_len) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if ((rc = CheckKey(key, key_len)) != SHALE_OK) return rc;
      if ((rc = CheckValue(value, value_len)) != SHALE_OK) return rc;
      return FromCore(
          state->db->Put(View(key, key_len), View(value, value_len)));
    });
  });
}

extern "C" SHALE_API int32_t shale_db_delete(shale_db *db, const void *key,
                                             size_t key_len) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if ((rc = CheckKey(key, key_len)) != SHALE_OK) return rc;
      return FromCore(state->db->Delete(View(key, key_len)));
    });
  });
}

extern "C" SHALE_API int32_t shale_db_get(shale_db *db,
                                          shale_snapshot *snapshot,
                                          const void *key, size_t key_len,
                                          void **value, size_t *value_len) {
  return Guard(__func__, [&]() -> int32_t {
    if (value != nullptr) *value = nullptr;
    if (value_len != nullptr) *value_len = 0;
    if (value == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "value (out) is NULL");
    }
    if (value_len == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "value_len (out) is NULL");
    }
    ValueScratch scratch;
    std::string &v = *scratch.get();
    int32_t rc = ReadKey(db, snapshot, key, key_len, &v);
    if (rc != SHALE_OK) return rc;
    void *copy = std::malloc(v.empty() ? 1 : v.size());
    if (copy == nullptr) return FailNoMemory();
    if (!v.empty()) std::memcpy(copy, v.data(), v.size());
    *value = copy;
    *value_len = v.size();
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_db_get_into(shale_db *db,
                                               shale_snapshot *snapshot,
                                               const void *key, size_t key_len,
                                               void *buf, size_t capacity,
                                               size_t *needed) {
  return Guard(__func__, [&]() -> int32_t {
    if (needed != nullptr) *needed = 0;
    if (needed == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "needed (out) is NULL");
    }
    if (buf == nullptr && capacity != 0) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "buf is NULL but capacity is %zu",
                  capacity);
    }
    ValueScratch scratch;
    std::string &v = *scratch.get();
    int32_t rc = ReadKey(db, snapshot, key, key_len, &v);
    if (rc != SHALE_OK) return rc;
    *needed = v.size();
    if (v.size() > capacity) {
      return Fail(SHALE_E_BUFFER_TOO_SMALL,
                  "the value is %zu bytes but capacity is %zu", v.size(),
                  capacity);
    }
    if (!v.empty()) std::memcpy(buf, v.data(), v.size());
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_db_exists(shale_db *db,
                                             shale_snapshot *snapshot,
                                             const void *key, size_t key_len) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if ((rc = CheckKey(key, key_len)) != SHALE_OK) return rc;
      shale::ReadOptions ro;
      if ((rc = ResolveSnapshot(snapshot, state.get(), &ro.snapshot)) !=
          SHALE_OK) {
        return rc;
      }
      rc = FromCore(state->db->Get(ro, View(key, key_len), nullptr));
      ro.snapshot.reset();
      return rc;
    });
  });
}

extern "C" SHALE_API int32_t shale_db_sync(shale_db *db) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      return FromCore(state->db->Sync());
    });
  });
}

extern "C" SHALE_API int32_t shale_db_property(shale_db *db, const char *name,
                                               char **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    }
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if (name == nullptr) {
        return Fail(SHALE_E_INVALID_ARGUMENT, "name is NULL");
      }
      std::string v;
      shale::Status st = state->db->GetProperty(name, &v);
      if (st.IsNotFound()) {
        return Fail(SHALE_NOT_FOUND, "no property named \"%.200s\"", name);
      }
      if ((rc = FromCore(st)) != SHALE_OK) return rc;
      char *copy = static_cast<char *>(std::malloc(v.size() + 1));
      if (copy == nullptr) return FailNoMemory();
      std::memcpy(copy, v.data(), v.size());
      copy[v.size()] = '\0';
      *out = copy;
      return SHALE_OK;
    });
  });
}
