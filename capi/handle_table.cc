// handle_table.cc — generational handle table, fork epoch.
#include "handle_table.h"

#include <pthread.h>

#include <atomic>
#include <mutex>
#include <new>
#include <random>
#include <shared_mutex>
#include <vector>

#include "error.h"

// ThreadSanitizer cannot see the placement-new re-initialisation of the
// table lock in the fork child (std::shared_mutex has no init call it
// intercepts), so it would go on believing the lock is write-locked.
#if defined(__SANITIZE_THREAD__)
#define SHALE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHALE_TSAN 1
#endif
#endif
#ifdef SHALE_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace shale::capi {
namespace {

constexpr uint32_t kMaxSlots = 1u << 24;

struct Slot {
  uint32_t generation = 1;
  uint32_t epoch = 0;
  HandleType type = HandleType::kDb;
  bool live = false;
  std::shared_ptr<Object> obj;
};

const char *TypeName(HandleType type) {
  switch (type) {
    case HandleType::kDb:
      return "db";
    case HandleType::kBatch:
      return "batch";
    case HandleType::kSnapshot:
      return "snapshot";
    case HandleType::kIter:
      return "iterator";
    case HandleType::kSubscription:
      return "subscription";
    case HandleType::kJob:
      return "job";
    case HandleType::kPin:
      return "pin";
  }
  return "object";
}

uint64_t RandomSalt() {
  std::random_device rd;
  uint64_t s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return s;
}

class Table {
 public:
  Table() : salt_(RandomSalt()) {
    pthread_atfork(&Table::Prepare, &Table::Parent, &Table::Child);
  }

  static Table &Get() {
    // Never destroyed: handles may be used by threads still running at
    // process exit.
    static Table *table = new Table();
    return *table;
  }

  uint64_t Insert(HandleType type, std::shared_ptr<Object> obj) {
    std::unique_lock lock(mu_);
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      if (slots_.size() >= kMaxSlots) throw std::bad_alloc();
      // Reserve room in the free list for every slot now, so that freeing
      // a handle never allocates.
      free_.reserve(slots_.size() + 1);
      slots_.emplace_back();
      index = static_cast<uint32_t>(slots_.size() - 1);
    }
    Slot &s = slots_[index];
    s.type = type;
    s.epoch = epoch_.load(std::memory_order_relaxed);
    s.live = true;
    s.obj = std::move(obj);
    uint64_t value = Encode(s.generation, type, index);
    if (value == 0) {  // never hand out NULL
      ++s.generation;
      value = Encode(s.generation, type, index);
    }
    ++live_;
    return value;
  }

  int32_t Find(const void *handle, HandleType type, const char *what,
               bool remove, std::shared_ptr<Object> *out) {
    out->reset();
    uint64_t value = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle));
    if (value == 0) {
      return Fail(SHALE_E_INVALID_HANDLE, "%s handle is NULL", what);
    }
    uint64_t raw = value ^ salt_;
    uint32_t generation = static_cast<uint32_t>(raw >> 32);
    auto tag = static_cast<HandleType>((raw >> 24) & 0xff);
    uint32_t index = static_cast<uint32_t>(raw & 0xffffff);

    std::shared_lock shared(mu_, std::defer_lock);
    std::unique_lock exclusive(mu_, std::defer_lock);
    if (remove) {
      exclusive.lock();
    } else {
      shared.lock();
    }
    if (tag != type || index >= slots_.size() || !slots_[index].live ||
        slots_[index].type != type || slots_[index].generation != generation) {
      return Fail(SHALE_E_INVALID_HANDLE,
                  "%s handle %p is not a live %s (closed, freed, never "
                  "issued, or another type)",
                  what, handle, TypeName(type));
    }
    Slot &s = slots_[index];
    if (s.epoch != epoch_.load(std::memory_order_relaxed)) {
      return Fail(SHALE_E_FORKED,
                  "%s handle %p was created in the parent process before "
                  "fork(); open the db again in the child",
                  what, handle);
    }
    if (remove) {
      *out = std::move(s.obj);
      s.obj.reset();
      s.live = false;
      ++s.generation;
      --live_;
      free_.push_back(index);  // capacity reserved in Insert: no allocation
    } else {
      *out = s.obj;
    }
    return SHALE_OK;
  }

  size_t Live() {
    std::shared_lock lock(mu_);
    return live_;
  }

 private:
  uint64_t Encode(uint32_t generation, HandleType type, uint32_t index) const {
    uint64_t raw = (static_cast<uint64_t>(generation) << 32) |
                   (static_cast<uint64_t>(type) << 24) | index;
    return raw ^ salt_;
  }

  // fork(): hold the table lock across the fork so that the child never
  // inherits it locked by a thread that does not exist there.
  static void Prepare() { Get().mu_.lock(); }
  static void Parent() { Get().mu_.unlock(); }
  static void Child() {
    Table &t = Get();
    t.epoch_.fetch_add(1, std::memory_order_relaxed);
    // The lock was taken by the parent's thread; glibc's rwlock remembers
    // the writer's tid, which does not exist here, so unlocking it in the
    // child is not reliable. This thread is the only one in the child:
    // start from a fresh lock instead.
#ifdef SHALE_TSAN
    // Same thread (to TSan) as the Prepare() that locked it: record the
    // release that the re-initialisation below amounts to.
    __tsan_mutex_pre_unlock(&t.mu_, 0);
    __tsan_mutex_post_unlock(&t.mu_, 0);
#endif
    new (&t.mu_) std::shared_mutex();
  }

  const uint64_t salt_;
  std::shared_mutex mu_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
  std::atomic<uint32_t> epoch_{0};
};

}  // namespace

uint64_t InsertHandle(HandleType type, std::shared_ptr<Object> obj) {
  return Table::Get().Insert(type, std::move(obj));
}

int32_t LookupHandle(const void *handle, HandleType type, const char *what,
                     std::shared_ptr<Object> *out) {
  return Table::Get().Find(handle, type, what, false, out);
}

int32_t RemoveHandle(const void *handle, HandleType type, const char *what,
                     std::shared_ptr<Object> *out) {
  return Table::Get().Find(handle, type, what, true, out);
}

size_t LiveHandleCount() { return Table::Get().Live(); }

}  // namespace shale::capi
