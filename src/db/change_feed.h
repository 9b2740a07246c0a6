// ChangeFeed: the subscriptions of one DB.
//
// Deliver runs on the writing thread, after its write is durable and
// visible, with no DB lock held; it calls each matching subscription's fn
// for each entry of the batch, in batch order. Lifetimes:
//  - Unsubscribe (from another thread) waits until no call of that fn is
//    running and none will start; from inside fn it only marks the
//    subscription ended, and fn is destroyed when the call returns.
//  - fn is destroyed exactly once, after its last call, outside the lock.
//  - EndAll (Close) ends every subscription the same way.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/db.h"
#include "db/write_batch.h"

namespace shale {

class ChangeFeed {
 public:
  ChangeFeed() = default;
  ChangeFeed(const ChangeFeed &) = delete;
  ChangeFeed &operator=(const ChangeFeed &) = delete;
  ~ChangeFeed() { EndAll(); }

  SubscriptionId Subscribe(std::string prefix, ChangeFn fn);
  void Unsubscribe(SubscriptionId id);
  void EndAll();

  // REQUIRES: batch is well formed. No lock held by the caller.
  void Deliver(const WriteBatch &batch);

  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }

 private:
  struct Sub {
    SubscriptionId id = 0;
    std::string prefix;
    ChangeFn fn;
    int active = 0;  // calls in progress
    bool ended = false;
  };
  class Dispatcher;

  // Ends sub (locked by l); waits for calls on other threads; destroys fn
  // if no call is left.
  void End(std::unique_lock<std::mutex> &l, const std::shared_ptr<Sub> &sub);
  // Calls sub->fn unless ended; handles the end-during-call cases.
  void Call(const std::shared_ptr<Sub> &sub, ChangeKind kind,
            std::string_view key, std::string_view value);

  std::mutex mu_;
  std::condition_variable idle_;
  std::map<SubscriptionId, std::shared_ptr<Sub>> subs_;
  SubscriptionId next_id_ = 1;
  std::atomic<size_t> count_{0};
};

}  // namespace shale
