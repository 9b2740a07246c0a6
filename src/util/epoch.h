// Epoch-based reclamation: readers use shared structures (a db's read view,
// open tables, cached blocks) without a lock and without touching a
// reference count, while writers replace them.
//
// A reader brackets its use in a ReadSection. A writer first unlinks an
// object (so that no section starting later can reach it), then hands it
// to Retire; it is deleted once every section that might have reached it
// has ended. Sections must be short and never wait for anything that
// waits for a grace period (Synchronize); they may do I/O, and may retire
// what they unlink (a cache eviction), but never call user code.
//
// One domain per process. A thread registers on its first section and
// unregisters when it exits. After fork() the child waits for no section
// of the parent's other threads (they do not exist there).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shale::epoch {

// Base of every object handed to Retire: the list link is inside the
// object, so retiring never allocates and never fails.
class Retirable {
 public:
  Retirable() = default;
  Retirable(const Retirable &) = delete;
  Retirable &operator=(const Retirable &) = delete;
  virtual ~Retirable() = default;

 private:
  friend class Domain;
  Retirable *retired_next_ = nullptr;
  uint64_t retired_epoch_ = 0;
};

namespace internal {

struct alignas(64) ThreadRecord {
  // The epoch this thread's outermost section began in; 0 when outside.
  std::atomic<uint64_t> active{0};
  int depth = 0;  // nesting, touched by the owning thread only
};

// The calling thread's record, registering it on its first use (which
// allocates: std::bad_alloc if that fails).
ThreadRecord *Self();
// Advanced by every Retire and Synchronize.
extern std::atomic<uint64_t> g_epoch;

}  // namespace internal

// RAII: a read section on the calling thread. Nestable; not movable. The
// constructor throws std::bad_alloc only on a thread's first section, if
// registering the thread fails.
class ReadSection {
 public:
  ReadSection() : r_(internal::Self()) {
    if (r_->depth++ == 0) {
      r_->active.store(internal::g_epoch.load(std::memory_order_relaxed),
                       std::memory_order_relaxed);
      // Pairs with the fence in the reclaimer: either it sees this section,
      // or every load below sees what was unlinked before it scanned.
      std::atomic_thread_fence(std::memory_order_seq_cst);
    }
  }
  ~ReadSection() {
    if (--r_->depth == 0) r_->active.store(0, std::memory_order_release);
  }
  ReadSection(const ReadSection &) = delete;
  ReadSection &operator=(const ReadSection &) = delete;

 private:
  internal::ThreadRecord *const r_;
};

// Deletes obj once every section running now has ended (from a later
// Reclaim, on whichever thread calls it). obj must already be unreachable
// for sections that start from now on. Allowed inside a section; never
// allocates, never throws, never runs a deleter itself.
void Retire(Retirable *obj) noexcept;

// Deletes every retired object whose grace period is over. Allowed inside
// a section (what that section may still use is kept), but not while
// holding a lock that a retired object's destructor takes.
void Reclaim() noexcept;

// Reclaim, if enough objects wait for it to be worth a scan of the threads.
void ReclaimIfMany() noexcept;

// Waits until every section running at the call has ended. Must not be
// called inside a section (it would wait for itself).
void Synchronize() noexcept;

// Objects retired and not yet deleted (for tests and statistics).
size_t Pending() noexcept;

}  // namespace shale::epoch
