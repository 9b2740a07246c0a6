// barrier.h — the one exception barrier of the C API.
//
// Every exported entry point is written as
//     return Guard(__func__, [&]() -> int32_t { ...checks and work... });
// Guard clears the thread's last error, runs the body, and turns any C++
// exception into a status code: nothing ever unwinds into C.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <system_error>
#include <utility>

#include "error.h"

namespace shale::capi {

template <class Body>
int32_t Guard(const char *function, Body &&body) noexcept {
  ErrorState &error = ThreadError();
  ClearError(error, function);
  try {
    int32_t rc = body();
    // Callbacks run by the body may have made shale calls of their own on
    // this thread; make the recorded state match what we return.
    int32_t recorded = error.status;
    if (rc < 0) {
      // Never an empty message after a failure.
      if (recorded != rc) Fail(rc, "failed with %s", shale_status_name(rc));
    } else if (recorded != rc && recorded != SHALE_OK) {
      // A success (or SHALE_NOT_FOUND recorded by Note/FromCore): drop
      // what nested calls left behind.
      ClearError(error, function);
    }
    return rc;
  } catch (const std::bad_alloc &) {
    return FailNoMemory();
  } catch (const std::system_error &e) {
    // The system refused a resource: a thread (a job's) or a lock.
    return Fail(SHALE_E_NOMEM, "the system could not provide a resource: %s",
                e.what());
  } catch (const std::exception &e) {
    return Fail(SHALE_E_INTERNAL, "internal error (please report): %s",
                e.what());
  } catch (...) {
    return Fail(SHALE_E_INTERNAL,
                "internal error (please report): unknown exception");
  }
}

// The barrier for functions that release a handle (_close, _free,
// unsubscribe). As Guard, except that a success leaves the thread's last
// error as the previous call left it: finalizers of garbage-collected
// languages run these between a failed call and the read of its message.
template <class Body>
int32_t GuardRelease(const char *function, Body &&body) noexcept {
  const SavedError previous;
  int32_t rc = Guard(function, std::forward<Body>(body));
  if (rc == SHALE_OK) previous.Restore();
  return rc;
}

// For code that runs on a library thread on behalf of a user callback
// (logger messages, a job's final message), where no entry point's barrier
// is above it: runs f and reports whether it completed; an exception (out of
// memory while copying a message) is swallowed so nothing unwinds into the
// engine's threads.
template <class F>
bool NoThrow(F &&f) noexcept {
  try {
    f();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace shale::capi
