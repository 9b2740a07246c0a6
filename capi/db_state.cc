// db_state.cc — db lifetime, in-flight calls, callback scopes, owners.
#include "db_state.h"

#include <chrono>
#include <thread>

#include "error.h"

namespace shale::capi {
namespace {

constexpr int kMaxTrackedCallbacks = 32;

// Trivially destructible thread-local stack of the dbs whose callbacks are
// running on this thread.
struct CallbackStack {
  int depth;
  const void *dbs[kMaxTrackedCallbacks];
};
thread_local CallbackStack t_callbacks = {0, {}};

// Innermost job callback scope of this thread (a linked list on the stack).
thread_local const JobCallbackScope *t_job_scopes = nullptr;

}  // namespace

void LoggerState::Deliver(int32_t level, const char *message) noexcept {
  std::shared_lock lock(mu_);
  if (!active_ || fn_ == nullptr) return;
  CallbackScope scope(db_identity_);
  fn_(user_, level, message);
}

void LoggerState::Retire() noexcept {
  shale_user_free_fn user_free = nullptr;
  void *user = nullptr;
  {
    std::unique_lock lock(mu_);  // waits for deliveries in progress
    if (!active_) return;
    active_ = false;
    user_free = user_free_;
    user = user_;
  }
  if (user_free != nullptr) user_free(user);
}

void LoggerState::Abandon() noexcept {
  {
    std::unique_lock lock(mu_);
    user_free_ = nullptr;
  }
  Retire();
}

DbState::~DbState() {
  // A db never closed by the user (leaked at exit) is closed here so that
  // its files are consistent; its status has nowhere to go.
  if (db != nullptr && !close_done_) {
    (void)db->Close();
  }
  db.reset();
  if (logger) logger->Retire();
}

int32_t DbState::Enter() noexcept {
  // Pairs with BeginClose (both sequentially consistent): either this sees
  // closed_, or the closer sees the call in flight and waits for it.
  in_flight_.fetch_add(1, std::memory_order_seq_cst);
  if (closed_.load(std::memory_order_seq_cst)) {
    Leave();
    return SHALE_E_CLOSED;
  }
  return SHALE_OK;
}

bool DbState::EnterForRelease() noexcept {
  if (Enter() == SHALE_OK) return true;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return close_done_; });
  return false;
}

bool DbState::BeginClose() noexcept {
  if (closed_.exchange(true, std::memory_order_seq_cst)) return false;
  // Calls in flight are short (or a user callback, rarely long): poll,
  // so that Leave() never has to touch this object after its decrement.
  for (int spins = 0; in_flight_.load(std::memory_order_seq_cst) != 0;
       ++spins) {
    if (spins < 100) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return true;
}

void DbState::FinishClose() noexcept {
  std::lock_guard lock(mu_);
  close_done_ = true;
  cv_.notify_all();
}

int32_t DbCall::Enter() noexcept {
  if (state_->Enter() != SHALE_OK) {
    return Fail(SHALE_E_CLOSED, "the db was closed");
  }
  entered_ = true;
  return SHALE_OK;
}

CallbackScope::CallbackScope(const void *db_identity) noexcept
    : saved_function_(CurrentFunction()) {
  CallbackStack &s = t_callbacks;
  if (s.depth < kMaxTrackedCallbacks) s.dbs[s.depth] = db_identity;
  ++s.depth;
}

CallbackScope::~CallbackScope() {
  --t_callbacks.depth;
  SetFunction(saved_function_);
}

bool CallbackScope::InsideCallbackOf(const void *db_identity) noexcept {
  const CallbackStack &s = t_callbacks;
  int n = s.depth < kMaxTrackedCallbacks ? s.depth : kMaxTrackedCallbacks;
  for (int i = 0; i < n; ++i) {
    if (s.dbs[i] == db_identity) return true;
  }
  // Nested deeper than we track: be conservative.
  return s.depth > kMaxTrackedCallbacks;
}

JobCallbackScope::JobCallbackScope(const void *job_identity) noexcept
    : job_(job_identity), prev_(t_job_scopes) {
  t_job_scopes = this;
}

JobCallbackScope::~JobCallbackScope() { t_job_scopes = prev_; }

bool JobCallbackScope::InsideCallbackOf(const void *job_identity) noexcept {
  for (const JobCallbackScope *s = t_job_scopes; s != nullptr; s = s->prev_) {
    if (s->job_ == job_identity) return true;
  }
  return false;
}

int32_t OwnerGuard::Take(const char *what) noexcept {
  bool expected = false;
  if (!flag_->compare_exchange_strong(expected, true,
                                      std::memory_order_acquire)) {
    return Fail(SHALE_E_BUSY, "%s is being used by another thread", what);
  }
  owned_ = true;
  return SHALE_OK;
}

int32_t LookupDb(shale_db *db, std::shared_ptr<DbState> *out) {
  return Lookup(db, HandleType::kDb, "db", out);
}

int32_t EnterDb(shale_db *db, DbState **out) {
  *out = nullptr;
  int32_t rc = UsePinned(
      db, HandleType::kDb, "db",
      [](Object *obj, void *arg) noexcept -> int32_t {
        auto *state = static_cast<DbState *>(obj);
        if (state->Enter() != SHALE_OK) return SHALE_E_CLOSED;
        *static_cast<DbState **>(arg) = state;
        return SHALE_OK;
      },
      out);
  if (rc == SHALE_E_CLOSED) return Fail(SHALE_E_CLOSED, "the db was closed");
  return rc;
}

int32_t CheckBytes(const void *ptr, size_t len, const char *name, size_t max,
                   const char *max_name) noexcept {
  if (ptr == nullptr && len != 0) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "%s is NULL but %s_len is %zu", name,
                name, len);
  }
  if (len > max) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "%s_len %zu is over %s (%zu bytes)",
                name, len, max_name, max);
  }
  return SHALE_OK;
}

}  // namespace shale::capi
