// subscribe.cc — change subscriptions and their callback trampoline.
#include <atomic>

#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "objects.h"
#include "scope_exit.h"

using namespace shale::capi;

namespace {

const char kEmpty[1] = {0};

// Captured (by shared_ptr) in the std::function the core holds. The core
// destroys that function exactly once, after its last call; the last
// reference going runs user_free — once the registration is armed (a
// subscribe that fails leaves `user` with the caller).
class Registration {
 public:
  Registration(const void *db_identity, shale_change_fn fn, void *user,
               shale_user_free_fn user_free)
      : db_identity_(db_identity),
        fn_(fn),
        user_(user),
        user_free_(user_free) {}
  ~Registration() {
    if (armed_.load(std::memory_order_acquire) && user_free_ != nullptr) {
      user_free_(user_);
    }
  }
  Registration(const Registration &) = delete;
  Registration &operator=(const Registration &) = delete;

  void Arm(bool on) { armed_.store(on, std::memory_order_release); }

  void Deliver(shale::ChangeKind kind, std::string_view key,
               std::string_view value) const noexcept {
    CallbackScope scope(db_identity_);
    if (kind == shale::ChangeKind::kDelete) {
      fn_(user_, SHALE_CHANGE_DELETE,
          key.data() != nullptr ? key.data() : kEmpty, key.size(), nullptr, 0);
    } else {
      fn_(user_, SHALE_CHANGE_PUT, key.data() != nullptr ? key.data() : kEmpty,
          key.size(), value.data() != nullptr ? value.data() : kEmpty,
          value.size());
    }
  }

 private:
  const void *const db_identity_;
  const shale_change_fn fn_;
  void *const user_;
  const shale_user_free_fn user_free_;
  std::atomic<bool> armed_{false};
};

}  // namespace

extern "C" SHALE_API int32_t shale_db_subscribe(
    shale_db *db, const void *prefix, size_t prefix_len, shale_change_fn fn,
    void *user, shale_user_free_fn user_free, shale_subscription **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if (fn == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "fn is NULL");
      if ((rc = CheckBytes(prefix, prefix_len, "prefix", SHALE_MAX_KEY_SIZE,
                           "SHALE_MAX_KEY_SIZE")) != SHALE_OK) {
        return rc;
      }
      auto obj = std::make_shared<SubscriptionObj>();
      obj->db = state;
      auto reg =
          std::make_shared<Registration>(state.get(), fn, user, user_free);
      shale::ChangeFn change =
          [reg](shale::ChangeKind kind, std::string_view key,
                std::string_view value) { reg->Deliver(kind, key, value); };
      std::string prefix_copy(View(prefix, prefix_len));
      obj->id = state->db->Subscribe(std::move(prefix_copy), std::move(change));
      // Until the handle exists the registration is not armed: ending it
      // does not run user_free, so the caller keeps user.
      ScopeExit unsubscribe([&] { state->db->Unsubscribe(obj->id); });
      uint64_t handle = InsertHandle(HandleType::kSubscription, obj);
      unsubscribe.Dismiss();
      reg->Arm(true);
      reg.reset();  // only the core's copy remains: its end runs user_free
      *out = ToHandle<shale_subscription>(handle);
      return SHALE_OK;
    });
  });
}

extern "C" SHALE_API int32_t
shale_unsubscribe(shale_subscription *subscription) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (subscription == nullptr) return SHALE_OK;
    std::shared_ptr<SubscriptionObj> obj;
    int32_t rc =
        Remove(subscription, HandleType::kSubscription, "subscription", &obj);
    if (rc != SHALE_OK) return rc;
    DbCall call(obj->db.get());
    if (call.EnterForRelease()) {
      obj->db->db->Unsubscribe(obj->id);  // user_free runs (or after fn)
    }
    // else: the db was closed, which already ended the subscription.
    return SHALE_OK;
  });
}
