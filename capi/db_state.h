// db_state.h — the object behind a shale_db handle, and the rules every
// db-bound call follows: enter (refused once closed), leave (close waits for
// the calls in flight).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "db/db.h"
#include "handle_table.h"
#include "shale.h"

namespace shale::capi {

// The user's logger and its user pointer. Shared by the trampoline the core
// holds and by the DbState; Retire() stops deliveries (waiting for those in
// progress) and calls user_free exactly once.
class LoggerState {
 public:
  LoggerState(const void *db_identity, shale_log_fn fn, void *user,
              shale_user_free_fn user_free)
      : db_identity_(db_identity),
        fn_(fn),
        user_(user),
        user_free_(user_free) {}
  ~LoggerState() { Retire(); }

  void Deliver(int32_t level, const char *message) noexcept;
  // Stops deliveries (waiting for those in progress) and calls user_free.
  void Retire() noexcept;
  // Stops deliveries without calling user_free: the open failed.
  void Abandon() noexcept;

 private:
  const void *const db_identity_;
  std::shared_mutex mu_;
  bool active_ = true;
  shale_log_fn fn_;
  void *user_;
  shale_user_free_fn user_free_;
};

class DbState : public Object, public std::enable_shared_from_this<DbState> {
 public:
  ~DbState() override;

  // Declared first so it is destroyed last: everything the core hands out
  // (iterators, snapshots) is released before the DB object.
  std::unique_ptr<shale::DB> db;
  std::shared_ptr<LoggerState> logger;
  bool read_only = false;  // as opened

  // Returns SHALE_OK and counts the call in flight, or SHALE_E_CLOSED.
  // Lock-free: one atomic increment (and one decrement to leave).
  int32_t Enter() noexcept;
  // Touches nothing after the decrement: once the count is 0 the closer may
  // go on and release this object.
  void Leave() noexcept { in_flight_.fetch_sub(1, std::memory_order_release); }
  // For releasing a child after close: waits until a close in progress has
  // finished. Returns true if it entered (the db is open; call Leave()).
  bool EnterForRelease() noexcept;

  // Whether the db was closed (or is closing). For the calls of children
  // that need nothing of the db while they run (iterator moves: the core
  // iterator holds what it reads), which check it instead of entering.
  bool IsClosed() const noexcept {
    return closed_.load(std::memory_order_acquire);
  }

  // Marks closed and waits for calls in flight; returns false if it was
  // already closed.
  bool BeginClose() noexcept;
  void FinishClose() noexcept;

 private:
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> closed_{false};
  std::mutex mu_;  // close_done_ and its waiters
  std::condition_variable cv_;
  bool close_done_ = false;
};

// RAII: one db-bound call in flight.
class DbCall {
 public:
  explicit DbCall(DbState *state) : state_(state) {}
  DbCall(const DbCall &) = delete;
  DbCall &operator=(const DbCall &) = delete;
  ~DbCall() {
    if (entered_) state_->Leave();
  }
  int32_t Enter() noexcept;  // records SHALE_E_CLOSED
  // The call was entered already (EnterDb): leave it on destruction.
  void Adopt() noexcept { entered_ = true; }
  bool EnterForRelease() noexcept {
    entered_ = state_->EnterForRelease();
    return entered_;
  }

 private:
  DbState *state_;
  bool entered_ = false;
};

// The callbacks running on this thread, innermost last: closing a db from
// inside one of its own callbacks is refused (it would wait for itself).
class CallbackScope {
 public:
  explicit CallbackScope(const void *db_identity) noexcept;
  ~CallbackScope();
  CallbackScope(const CallbackScope &) = delete;
  CallbackScope &operator=(const CallbackScope &) = delete;
  static bool InsideCallbackOf(const void *db_identity) noexcept;

 private:
  const char *saved_function_;
};

// The job callbacks (progress, done) running on this thread: waiting on or
// freeing a job from inside its own callbacks is refused (it would wait for
// itself).
class JobCallbackScope {
 public:
  explicit JobCallbackScope(const void *job_identity) noexcept;
  ~JobCallbackScope();
  JobCallbackScope(const JobCallbackScope &) = delete;
  JobCallbackScope &operator=(const JobCallbackScope &) = delete;
  static bool InsideCallbackOf(const void *job_identity) noexcept;

 private:
  const void *const job_;
  const JobCallbackScope *const prev_;
};

// RAII owner flag of a single-owner object (iterator, batch).
class OwnerGuard {
 public:
  explicit OwnerGuard(std::atomic<bool> *flag) noexcept : flag_(flag) {}
  ~OwnerGuard() {
    if (owned_ && !keep_) flag_->store(false, std::memory_order_release);
  }
  OwnerGuard(const OwnerGuard &) = delete;
  OwnerGuard &operator=(const OwnerGuard &) = delete;
  // Records SHALE_E_BUSY naming `what` when another thread holds it.
  int32_t Take(const char *what) noexcept;
  // The object is being freed: never give ownership back.
  void Keep() noexcept { keep_ = true; }

 private:
  std::atomic<bool> *flag_;
  bool owned_ = false;
  bool keep_ = false;
};

// Looks up a db handle (a reference to keep; enter separately).
int32_t LookupDb(shale_db *db, std::shared_ptr<DbState> *out);

// Looks up a db handle and enters a call on it, without touching the
// object's reference count (the call in flight keeps it alive: close waits
// for it). On success the caller must Leave(). Records
// SHALE_E_INVALID_HANDLE / SHALE_E_FORKED / SHALE_E_CLOSED.
int32_t EnterDb(shale_db *db, DbState **out);

// The db of a call in flight, as WithDb hands it to its body. Converts to a
// shared_ptr for objects that keep their db beyond the call (iterators,
// snapshots, jobs); plain uses cost no reference counting.
class DbRef {
 public:
  explicit DbRef(DbState *state) noexcept : state_(state) {}
  DbState *get() const noexcept { return state_; }
  DbState *operator->() const noexcept { return state_; }
  DbState &operator*() const noexcept { return *state_; }
  operator std::shared_ptr<DbState>() const {  // NOLINT: implicit on purpose
    return state_->shared_from_this();
  }

 private:
  DbState *state_;
};

// Runs body(DbRef) as one call in flight on db: SHALE_E_INVALID_HANDLE /
// SHALE_E_CLOSED (recorded) when the handle is not a live, open db. The
// call leaves when body returns, so close waits for it.
template <class Body>
int32_t WithDb(shale_db *db, Body &&body) {
  DbState *state;
  int32_t rc = EnterDb(db, &state);
  if (rc != SHALE_OK) return rc;
  DbCall call(state);
  call.Adopt();
  return body(DbRef(state));
}

// Checks (ptr, len) byte arguments: NULL only with len 0, len <= max.
int32_t CheckBytes(const void *ptr, size_t len, const char *name, size_t max,
                   const char *max_name) noexcept;

inline std::string_view View(const void *ptr, size_t len) {
  return len == 0 ? std::string_view()
                  : std::string_view(static_cast<const char *>(ptr), len);
}

}  // namespace shale::capi
