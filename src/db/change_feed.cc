#include "db/change_feed.h"

#include <algorithm>
#include <vector>

namespace shale {

namespace {
// The subscriptions whose fn this thread is running right now (nested calls
// are possible when fn itself writes).
thread_local std::vector<const void *> tls_in_call;

int CallsOnThisThread(const void *sub) {
  return static_cast<int>(
      std::count(tls_in_call.begin(), tls_in_call.end(), sub));
}
}  // namespace

class ChangeFeed::Dispatcher final : public WriteBatch::Handler {
 public:
  Dispatcher(ChangeFeed *feed, std::vector<std::shared_ptr<Sub>> *subs)
      : feed_(feed), subs_(subs) {}
  void Put(std::string_view key, std::string_view value) override {
    Send(ChangeKind::kPut, key, value);
  }
  void Delete(std::string_view key) override {
    Send(ChangeKind::kDelete, key, {});
  }

 private:
  void Send(ChangeKind kind, std::string_view key, std::string_view value) {
    for (const auto &sub : *subs_) {
      if (key.substr(0, sub->prefix.size()) == sub->prefix) {
        feed_->Call(sub, kind, key, value);
      }
    }
  }
  ChangeFeed *feed_;
  std::vector<std::shared_ptr<Sub>> *subs_;
};

SubscriptionId ChangeFeed::Subscribe(std::string prefix, ChangeFn fn) {
  auto sub = std::make_shared<Sub>();
  sub->prefix = std::move(prefix);
  sub->fn = std::move(fn);
  std::lock_guard<std::mutex> g(mu_);
  sub->id = next_id_++;
  subs_.emplace(sub->id, sub);
  count_.store(subs_.size(), std::memory_order_release);
  return sub->id;
}

void ChangeFeed::End(std::unique_lock<std::mutex> &l,
                     const std::shared_ptr<Sub> &sub) {
  sub->ended = true;
  const int own = CallsOnThisThread(sub.get());
  idle_.wait(l, [&] { return sub->active <= own; });
  if (sub->active == 0 && sub->fn) {
    ChangeFn doomed = std::move(sub->fn);
    sub->fn = nullptr;
    l.unlock();
    doomed = nullptr;  // runs the captured state's destructors, unlocked
    l.lock();
  }
  // Otherwise the call in progress on this thread destroys fn on return.
}

void ChangeFeed::Unsubscribe(SubscriptionId id) {
  std::unique_lock<std::mutex> l(mu_);
  auto it = subs_.find(id);
  if (it == subs_.end()) return;
  std::shared_ptr<Sub> sub = it->second;
  subs_.erase(it);
  count_.store(subs_.size(), std::memory_order_release);
  End(l, sub);
}

void ChangeFeed::EndAll() {
  std::unique_lock<std::mutex> l(mu_);
  while (!subs_.empty()) {
    std::shared_ptr<Sub> sub = subs_.begin()->second;
    subs_.erase(subs_.begin());
    count_.store(subs_.size(), std::memory_order_release);
    End(l, sub);
  }
}

void ChangeFeed::Call(const std::shared_ptr<Sub> &sub, ChangeKind kind,
                      std::string_view key, std::string_view value) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (sub->ended || !sub->fn) return;
    ++sub->active;
  }
  tls_in_call.push_back(sub.get());
  // fn is not destroyed while active > 0, so calling it unlocked is safe.
  sub->fn(kind, key, value);
  tls_in_call.pop_back();
  ChangeFn doomed;
  {
    std::lock_guard<std::mutex> g(mu_);
    --sub->active;
    if (sub->ended) {
      if (sub->active == 0 && sub->fn) {
        doomed = std::move(sub->fn);
        sub->fn = nullptr;
      }
      idle_.notify_all();
    }
  }
  // doomed (if set) is destroyed here, after the lock is released.
}

void ChangeFeed::Deliver(const WriteBatch &batch) {
  if (empty()) return;
  std::vector<std::shared_ptr<Sub>> subs;
  {
    std::lock_guard<std::mutex> g(mu_);
    subs.reserve(subs_.size());
    for (const auto &[id, sub] : subs_) subs.push_back(sub);
  }
  if (subs.empty()) return;
  Dispatcher d(this, &subs);
  (void)batch.Iterate(&d);
}

}  // namespace shale
