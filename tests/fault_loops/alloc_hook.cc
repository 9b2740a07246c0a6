// Replacement global allocation functions with an injectable failure (see
// alloc_hook.h). Memory comes from malloc/posix_memalign and goes back
// through free, so the sanitizers still see every allocation.
#include "alloc_hook.h"

#include <execinfo.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <new>

namespace shale::fault_loops::alloc_hook {
namespace {

// Only trivially initialised thread-locals: reading them never allocates.
thread_local uint64_t t_countdown = 0;  // 0: disarmed
thread_local bool t_fired = false;
std::atomic<uint64_t> g_countdown{0};
std::atomic<bool> g_fired{false};
std::atomic<uint64_t> g_injected{0};

// SHALE_ALLOC_HOOK_BACKTRACE=1: the stack of each injected failure on
// stderr (for finding where an error path goes wrong).
void MaybeBacktrace() {
  if (::getenv("SHALE_ALLOC_HOOK_BACKTRACE") == nullptr) return;
  void *frames[48];
  const int n = ::backtrace(frames, 48);
  static const char kHead[] = "alloc_hook: injected failure at\n";
  (void)!::write(2, kHead, sizeof(kHead) - 1);
  ::backtrace_symbols_fd(frames, n, 2);
}

bool ShouldFail() {
  if (t_countdown != 0 && --t_countdown == 0) {
    MaybeBacktrace();
    t_fired = true;
    g_injected.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  uint64_t c = g_countdown.load(std::memory_order_relaxed);
  while (c != 0) {
    if (g_countdown.compare_exchange_weak(c, c - 1,
                                          std::memory_order_relaxed)) {
      if (c == 1) {
        MaybeBacktrace();
        g_fired.store(true);
        g_injected.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
      break;
    }
  }
  return false;
}

void *Allocate(std::size_t size, std::size_t align, bool nothrow) {
  if (size == 0) size = 1;
  void *p = nullptr;
  if (!ShouldFail()) {
    if (align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      p = ::malloc(size);
    } else if (::posix_memalign(&p, align, size) != 0) {
      p = nullptr;
    }
  }
  if (p == nullptr && !nothrow) throw std::bad_alloc();
  return p;
}

}  // namespace

void ArmThread(uint64_t n) {
  t_fired = false;
  t_countdown = n;
}
bool DisarmThread() {
  t_countdown = 0;
  return t_fired;
}
uint64_t PauseThread() {
  const uint64_t left = t_countdown;
  t_countdown = 0;
  return left;
}
void ArmProcess(uint64_t n) {
  g_fired.store(false);
  g_countdown.store(n);
}
bool DisarmProcess() {
  g_countdown.store(0);
  return g_fired.load();
}
uint64_t Injected() { return g_injected.load(); }

}  // namespace shale::fault_loops::alloc_hook

using shale::fault_loops::alloc_hook::Allocate;
constexpr std::size_t kDefault = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

void *operator new(std::size_t n) { return Allocate(n, kDefault, false); }
void *operator new[](std::size_t n) { return Allocate(n, kDefault, false); }
void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  return Allocate(n, kDefault, true);
}
void *operator new[](std::size_t n, const std::nothrow_t &) noexcept {
  return Allocate(n, kDefault, true);
}
void *operator new(std::size_t n, std::align_val_t a) {
  return Allocate(n, static_cast<std::size_t>(a), false);
}
void *operator new[](std::size_t n, std::align_val_t a) {
  return Allocate(n, static_cast<std::size_t>(a), false);
}
void *operator new(std::size_t n, std::align_val_t a,
                   const std::nothrow_t &) noexcept {
  return Allocate(n, static_cast<std::size_t>(a), true);
}
void *operator new[](std::size_t n, std::align_val_t a,
                     const std::nothrow_t &) noexcept {
  return Allocate(n, static_cast<std::size_t>(a), true);
}

void operator delete(void *p) noexcept { ::free(p); }
void operator delete[](void *p) noexcept { ::free(p); }
void operator delete(void *p, std::size_t) noexcept { ::free(p); }
void operator delete[](void *p, std::size_t) noexcept { ::free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { ::free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept {
  ::free(p);
}
void operator delete(void *p, std::align_val_t) noexcept { ::free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { ::free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept {
  ::free(p);
}
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept {
  ::free(p);
}
void operator delete(void *p, std::align_val_t,
                     const std::nothrow_t &) noexcept {
  ::free(p);
}
void operator delete[](void *p, std::align_val_t,
                       const std::nothrow_t &) noexcept {
  ::free(p);
}
