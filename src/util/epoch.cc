#include "util/epoch.h"

#include <pthread.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace shale::epoch {

namespace internal {
constinit std::atomic<uint64_t> g_epoch{1};
}  // namespace internal

using internal::g_epoch;
using internal::ThreadRecord;

namespace {

// ReclaimIfMany scans the threads once this many objects wait.
constexpr size_t kReclaimBatch = 32;

thread_local ThreadRecord *t_record = nullptr;

}  // namespace

class Domain {
 public:
  static Domain &Get() {
    // Never destroyed: sections may run in threads still alive at exit.
    static Domain *d = new Domain();
    return *d;
  }

  ThreadRecord *Register() {
    auto r = std::make_unique<ThreadRecord>();
    std::lock_guard<std::mutex> g(threads_mu_);
    threads_.push_back(r.get());
    return r.release();
  }

  void Unregister(ThreadRecord *r) {
    {
      std::lock_guard<std::mutex> g(threads_mu_);
      threads_.erase(std::find(threads_.begin(), threads_.end(), r));
    }
    delete r;
  }

  void Retire(Retirable *obj) noexcept {
    // obj was unlinked before this increment: a section that starts after
    // it cannot reach obj.
    obj->retired_epoch_ = g_epoch.fetch_add(1, std::memory_order_seq_cst);
    std::lock_guard<std::mutex> g(retired_mu_);
    obj->retired_next_ = retired_;
    retired_ = obj;
    pending_.fetch_add(1, std::memory_order_relaxed);
  }

  void Reclaim() noexcept {
    const uint64_t oldest = OldestActive();
    Retirable *ready = nullptr;
    size_t freed = 0;
    {
      std::lock_guard<std::mutex> g(retired_mu_);
      // A section that began in epoch a may reach objects retired at an
      // epoch >= a: what was retired before the oldest running section
      // began is free.
      Retirable **link = &retired_;
      while (*link != nullptr) {
        Retirable *obj = *link;
        if (obj->retired_epoch_ < oldest) {
          *link = obj->retired_next_;
          obj->retired_next_ = ready;
          ready = obj;
          ++freed;
        } else {
          link = &obj->retired_next_;
        }
      }
      pending_.fetch_sub(freed, std::memory_order_relaxed);
    }
    // Outside the lock: a destructor may retire more (a table's blocks).
    while (ready != nullptr) {
      Retirable *next = ready->retired_next_;
      delete ready;
      ready = next;
    }
  }

  void Synchronize() noexcept {
    const uint64_t target = g_epoch.fetch_add(1, std::memory_order_seq_cst);
    // Every section begun at or before target must end.
    while (OldestActive() <= target) std::this_thread::yield();
  }

  size_t Pending() const { return pending_.load(std::memory_order_relaxed); }

 private:
  Domain() { pthread_atfork(&Prepare, &Parent, &Child); }

  // The smallest epoch a running section began in (UINT64_MAX if none).
  uint64_t OldestActive() {
    // Pairs with the fence in ReadSection (see there).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint64_t oldest = UINT64_MAX;
    std::lock_guard<std::mutex> g(threads_mu_);
    for (const ThreadRecord *r : threads_) {
      const uint64_t a = r->active.load(std::memory_order_acquire);
      if (a != 0) oldest = std::min(oldest, a);
    }
    return oldest;
  }

  // fork(): the child must not inherit a lock held by a thread that does
  // not exist there, nor wait for such a thread's section.
  static void Prepare() {
    Get().threads_mu_.lock();
    Get().retired_mu_.lock();
  }
  static void Parent() {
    Get().retired_mu_.unlock();
    Get().threads_mu_.unlock();
  }
  static void Child() {
    Domain &d = Get();
    for (ThreadRecord *r : d.threads_) {
      if (r != t_record) r->active.store(0, std::memory_order_relaxed);
    }
    d.retired_mu_.unlock();
    d.threads_mu_.unlock();
  }

  std::mutex threads_mu_;
  std::vector<ThreadRecord *> threads_;
  std::mutex retired_mu_;
  Retirable *retired_ = nullptr;  // newest first
  std::atomic<size_t> pending_{0};
};

namespace {

// Unregisters the thread's record when the thread exits.
struct Registration {
  ~Registration() {
    if (t_record != nullptr) {
      Domain::Get().Unregister(t_record);
      t_record = nullptr;
    }
  }
};

}  // namespace

namespace internal {

ThreadRecord *Self() {
  ThreadRecord *r = t_record;
  if (r != nullptr) return r;
  static thread_local Registration registration;
  (void)&registration;  // odr-use: its destructor runs at thread exit
  r = t_record = Domain::Get().Register();
  return r;
}

}  // namespace internal

void Retire(Retirable *obj) noexcept { Domain::Get().Retire(obj); }

void Reclaim() noexcept { Domain::Get().Reclaim(); }

void ReclaimIfMany() noexcept {
  if (Domain::Get().Pending() >= kReclaimBatch) Domain::Get().Reclaim();
}

void Synchronize() noexcept { Domain::Get().Synchronize(); }

size_t Pending() noexcept { return Domain::Get().Pending(); }

}  // namespace shale::epoch
