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

#include "error.h"

namespace shale::capi {

template <class Body>
int32_t Guard(const char *function, Body &&body) noexcept {
  ClearError(function);
  try {
    int32_t rc = body();
    // Callbacks run by the body may have made shale calls of their own on
    // this thread; make the recorded state match what we return.
    int32_t recorded = CurrentStatus();
    if (rc < 0) {
      // Never an empty message after a failure.
      if (recorded != rc) Fail(rc, "failed with %s", shale_status_name(rc));
    } else if (recorded != rc && recorded != SHALE_OK) {
      // A success, or a value such as shale_iter_valid's 1 (which is not
      // SHALE_NOT_FOUND: bodies returning SHALE_NOT_FOUND record it with
      // Note/FromCore). Drop what nested calls left behind.
      ClearError(function);
    }
    return rc;
  } catch (const std::bad_alloc &) {
    return FailNoMemory();
  } catch (const std::exception &e) {
    return Fail(SHALE_E_INTERNAL, "internal error (please report): %s",
                e.what());
  } catch (...) {
    return Fail(SHALE_E_INTERNAL,
                "internal error (please report): unknown exception");
  }
}

}  // namespace shale::capi
