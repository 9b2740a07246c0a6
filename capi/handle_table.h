// handle_table.h — the generational table behind every opaque handle.
//
// A handle is not a pointer: it is the 64-bit value
//     ((generation << 32) | (type << 24) | slot) ^ salt
// where salt is random per process. A lookup checks the slot exists, is
// live, holds the expected type and the same generation, and was created
// in this process (fork epoch). Lookups take no lock. Freeing bumps the slot's
// generation, so a freed, closed, never-issued, wrong-type or garbage handle is
// refused with SHALE_E_INVALID_HANDLE instead of being dereferenced.
#pragma once

#include <cstdint>
#include <memory>

namespace shale::capi {

enum class HandleType : uint8_t {
  kDb = 1,
  kBatch = 2,
  kSnapshot = 3,
  kIter = 4,
  kSubscription = 5,
  kJob = 6,
  kPin = 7,
};

// Base of every object a handle refers to.
class Object {
 public:
  virtual ~Object() = default;
};

// Issues a handle for obj. Throws std::bad_alloc when out of memory or
// slots.
uint64_t InsertHandle(HandleType type, std::shared_ptr<Object> obj);

// Looks up handle; on success *out holds a reference that keeps the object
// alive for the call. On failure records the error (naming `what`, e.g.
// "iter") and returns SHALE_E_INVALID_HANDLE or SHALE_E_FORKED.
int32_t LookupHandle(const void *handle, HandleType type, const char *what,
                     std::shared_ptr<Object> *out);

// Runs use(obj, arg) while the handle's slot is pinned: the object cannot
// be released meanwhile (a concurrent RemoveHandle waits), and no reference
// count is touched. use must be short, must not block and must not use the
// handle table. Returns use's status, or the lookup failure (recorded as
// LookupHandle does).
using PinnedUse = int32_t (*)(Object *obj, void *arg) noexcept;
int32_t UsePinned(const void *handle, HandleType type, const char *what,
                  PinnedUse use, void *arg);

// For the calls on a single-owner object (an iterator): takes its handle
// for the call, so that no other thread's call on it runs meanwhile and it
// cannot be released; one atomic exchange to take, one to give back, no
// reference count. On SHALE_OK sets *obj (valid until ReleaseExclusive)
// and *token; else records the failure: SHALE_E_BUSY (another thread is
// using it, naming `what`), SHALE_E_INVALID_HANDLE, SHALE_E_FORKED.
int32_t AcquireExclusive(const void *handle, HandleType type, const char *what,
                         Object **obj, void **token);
void ReleaseExclusive(void *token) noexcept;

// As LookupHandle, and also frees the slot (the handle is dead after it
// returns). The object itself lives on while references remain.
int32_t RemoveHandle(const void *handle, HandleType type, const char *what,
                     std::shared_ptr<Object> *out);

// Typed helpers.
template <class T>
int32_t Lookup(const void *handle, HandleType type, const char *what,
               std::shared_ptr<T> *out) {
  std::shared_ptr<Object> obj;
  int32_t rc = LookupHandle(handle, type, what, &obj);
  if (rc == 0) *out = std::static_pointer_cast<T>(std::move(obj));
  return rc;
}

template <class T>
int32_t Remove(const void *handle, HandleType type, const char *what,
               std::shared_ptr<T> *out) {
  std::shared_ptr<Object> obj;
  int32_t rc = RemoveHandle(handle, type, what, &obj);
  if (rc == 0) *out = std::static_pointer_cast<T>(std::move(obj));
  return rc;
}

template <class H>
H *ToHandle(uint64_t value) {
  return reinterpret_cast<H *>(static_cast<uintptr_t>(value));
}

// Number of live handles (for tests and leak checks).
size_t LiveHandleCount();

}  // namespace shale::capi
