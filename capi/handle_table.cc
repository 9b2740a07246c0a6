// handle_table.cc — generational handle table, fork epoch.
#include "handle_table.h"

#include <pthread.h>

#include <atomic>
#include <mutex>
#include <new>
#include <random>
#include <thread>
#include <vector>

#include "error.h"

// ThreadSanitizer cannot see the placement-new re-initialisation of the
// table lock in the fork child, so it would go on believing it is locked.
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
constexpr uint32_t kChunkBits = 10;  // slots per chunk: 1024
constexpr uint32_t kChunkSize = 1u << kChunkBits;
constexpr uint32_t kChunks = kMaxSlots / kChunkSize;

// Lookups take no lock: a reader pins the slot (pins > 0), then checks its
// tag; Remove changes the tag first and then waits for the pins to drain
// before it releases the object. Both sides use sequentially consistent
// operations, so either the reader sees the new tag (and refuses) or the
// remover sees the pin (and waits). Slots live in chunks that are never
// moved or freed, so a stale or garbage handle only ever reads a slot.
struct alignas(64) Slot {
  // (generation << 32) | (type << 8) | live; written under the table mutex.
  std::atomic<uint64_t> tag{0};
  std::atomic<uint32_t> pins{0};
  uint32_t epoch = 0;
  std::shared_ptr<Object> obj;  // stable while live and pinned
};

uint64_t Tag(uint32_t generation, HandleType type, bool live) {
  return (static_cast<uint64_t>(generation) << 32) |
         (static_cast<uint64_t>(type) << 8) | (live ? 1u : 0u);
}
uint32_t GenerationOf(uint64_t tag) { return static_cast<uint32_t>(tag >> 32); }

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

  static Table &Get() { return *instance_; }

  uint64_t Insert(HandleType type, std::shared_ptr<Object> obj) {
    std::lock_guard lock(mu_);
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      if (count_ >= kMaxSlots) throw std::bad_alloc();
      uint32_t chunk = count_ >> kChunkBits;
      if (chunks_[chunk].load(std::memory_order_relaxed) == nullptr) {
        chunks_[chunk].store(new Slot[kChunkSize], std::memory_order_release);
      }
      // Reserve room in the free list for every slot now, so that freeing
      // a handle never allocates.
      free_.reserve(count_ + 1);
      index = count_++;
    }
    Slot &s = *SlotAt(index);
    uint32_t generation = GenerationOf(s.tag.load(std::memory_order_relaxed));
    if (generation == 0) generation = 1;
    uint64_t value = Encode(generation, type, index);
    if (value == 0) {  // never hand out NULL
      ++generation;
      value = Encode(generation, type, index);
    }
    s.epoch = epoch_.load(std::memory_order_relaxed);
    s.obj = std::move(obj);
    s.tag.store(Tag(generation, type, true), std::memory_order_seq_cst);
    ++live_;
    return value;
  }

  // Pins the slot of a live handle of `type`; on failure records the error
  // and returns it (nothing pinned).
  int32_t Pin(const void *handle, HandleType type, const char *what,
              Slot **out) {
    *out = nullptr;
    uint64_t value = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle));
    if (value == 0) {
      return Fail(SHALE_E_INVALID_HANDLE, "%s handle is NULL", what);
    }
    uint64_t raw = value ^ salt_;
    uint32_t generation = static_cast<uint32_t>(raw >> 32);
    auto tag = static_cast<HandleType>((raw >> 24) & 0xff);
    uint32_t index = static_cast<uint32_t>(raw & 0xffffff);
    Slot *s = tag == type ? SlotAt(index) : nullptr;
    if (s != nullptr) {
      s->pins.fetch_add(1, std::memory_order_seq_cst);
      if (s->tag.load(std::memory_order_seq_cst) !=
          Tag(generation, type, true)) {
        Unpin(s);
        s = nullptr;
      }
    }
    if (s == nullptr) {
      return Fail(SHALE_E_INVALID_HANDLE,
                  "%s handle %p is not a live %s (closed, freed, never "
                  "issued, or another type)",
                  what, handle, TypeName(type));
    }
    if (s->epoch != epoch_.load(std::memory_order_relaxed)) {
      Unpin(s);
      return Fail(SHALE_E_FORKED,
                  "%s handle %p was created in the parent process before "
                  "fork(); open the db again in the child",
                  what, handle);
    }
    *out = s;
    return SHALE_OK;
  }

  static void Unpin(Slot *s) {
    s->pins.fetch_sub(1, std::memory_order_release);
  }

  // As Pin, but only when nothing else holds the slot (pins 0 -> 1).
  int32_t PinAlone(const void *handle, HandleType type, const char *what,
                   Slot **out) {
    *out = nullptr;
    const uint64_t value =
        static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle));
    const uint64_t raw = value ^ salt_;
    const auto generation = static_cast<uint32_t>(raw >> 32);
    const auto tag = static_cast<HandleType>((raw >> 24) & 0xff);
    Slot *s = value != 0 && tag == type
                  ? SlotAt(static_cast<uint32_t>(raw & 0xffffff))
                  : nullptr;
    if (s == nullptr) return Pin(handle, type, what, out);  // its errors
    uint32_t idle = 0;
    if (!s->pins.compare_exchange_strong(idle, 1, std::memory_order_seq_cst)) {
      // In use, or being released (then the tag no longer matches).
      if (s->tag.load(std::memory_order_seq_cst) ==
          Tag(generation, type, true)) {
        return Fail(SHALE_E_BUSY, "%s is being used by another thread", what);
      }
      return Pin(handle, type, what, out);  // reports it dead
    }
    if (s->tag.load(std::memory_order_seq_cst) != Tag(generation, type, true)) {
      Unpin(s);
      return Pin(handle, type, what, out);
    }
    if (s->epoch != epoch_.load(std::memory_order_relaxed)) {
      Unpin(s);
      return Pin(handle, type, what, out);  // reports SHALE_E_FORKED
    }
    *out = s;
    return SHALE_OK;
  }

  int32_t Remove(const void *handle, HandleType type, const char *what,
                 std::shared_ptr<Object> *out) {
    out->reset();
    std::lock_guard lock(mu_);  // one remover per slot at a time
    Slot *s;
    int32_t rc = Pin(handle, type, what, &s);
    if (rc != SHALE_OK) return rc;
    uint64_t tag = s->tag.load(std::memory_order_relaxed);
    // Dead from here on: new lookups refuse it; wait for those in progress
    // (a few instructions each) to let go before releasing the object.
    s->tag.store(Tag(GenerationOf(tag) + 1, type, false),
                 std::memory_order_seq_cst);
    Unpin(s);
    while (s->pins.load(std::memory_order_seq_cst) != 0) {
      std::this_thread::yield();
    }
    *out = std::move(s->obj);
    s->obj.reset();
    --live_;
    uint64_t raw =
        static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle)) ^ salt_;
    free_.push_back(static_cast<uint32_t>(raw & 0xffffff));  // reserved
    return SHALE_OK;
  }

  size_t Live() {
    std::lock_guard lock(mu_);
    return live_;
  }

 private:
  Slot *SlotAt(uint32_t index) const {
    Slot *chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : &chunk[index & (kChunkSize - 1)];
  }

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
    // Pins held by the parent's other threads at the fork would never be
    // released here (those threads do not exist): drop them, or removing
    // a reused slot would wait forever.
    for (uint32_t c = 0; c < kChunks; ++c) {
      Slot *chunk = t.chunks_[c].load(std::memory_order_relaxed);
      if (chunk == nullptr) break;
      for (uint32_t i = 0; i < kChunkSize; ++i) {
        chunk[i].pins.store(0, std::memory_order_relaxed);
      }
    }
    // The lock was taken by the parent's thread; this thread is the only
    // one in the child: start from a fresh lock instead of unlocking it.
#ifdef SHALE_TSAN
    // Same thread (to TSan) as the Prepare() that locked it: record the
    // release that the re-initialisation below amounts to.
    __tsan_mutex_pre_unlock(&t.mu_, 0);
    __tsan_mutex_post_unlock(&t.mu_, 0);
#endif
    new (&t.mu_) std::mutex();
  }

  // Made when the library loads (no guard on every call) and never
  // destroyed: handles may be used by threads still running at exit.
  static Table *const instance_;

  const uint64_t salt_;
  std::mutex mu_;  // writers (Insert, Remove) only
  std::atomic<Slot *> chunks_[kChunks] = {};
  uint32_t count_ = 0;  // slots ever used
  std::vector<uint32_t> free_;
  size_t live_ = 0;
  std::atomic<uint32_t> epoch_{0};
};

Table *const Table::instance_ = new Table();

}  // namespace

uint64_t InsertHandle(HandleType type, std::shared_ptr<Object> obj) {
  return Table::Get().Insert(type, std::move(obj));
}

int32_t LookupHandle(const void *handle, HandleType type, const char *what,
                     std::shared_ptr<Object> *out) {
  out->reset();
  Slot *s;
  int32_t rc = Table::Get().Pin(handle, type, what, &s);
  if (rc != SHALE_OK) return rc;
  *out = s->obj;
  Table::Unpin(s);
  return SHALE_OK;
}

int32_t UsePinned(const void *handle, HandleType type, const char *what,
                  PinnedUse use, void *arg) {
  Slot *s;
  int32_t rc = Table::Get().Pin(handle, type, what, &s);
  if (rc != SHALE_OK) return rc;
  rc = use(s->obj.get(), arg);
  Table::Unpin(s);
  return rc;
}

int32_t AcquireExclusive(const void *handle, HandleType type, const char *what,
                         Object **obj, void **token) {
  *obj = nullptr;
  *token = nullptr;
  Slot *s;
  int32_t rc = Table::Get().PinAlone(handle, type, what, &s);
  if (rc != SHALE_OK) return rc;
  *obj = s->obj.get();
  *token = s;
  return SHALE_OK;
}

void ReleaseExclusive(void *token) noexcept {
  if (token != nullptr) Table::Unpin(static_cast<Slot *>(token));
}

int32_t RemoveHandle(const void *handle, HandleType type, const char *what,
                     std::shared_ptr<Object> *out) {
  return Table::Get().Remove(handle, type, what, out);
}

size_t LiveHandleCount() { return Table::Get().Live(); }

}  // namespace shale::capi
