// The Status for an exception caught where it must not go further: on a
// background thread (an escape calls std::terminate) or where shared state
// must be restored first. Exceptions are reserved for std::bad_alloc and
// bugs (util/status.h), so these are the two cases.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "util/status.h"

namespace shale {

// Call inside a catch block only. what: the operation, for the message.
inline Status CurrentExceptionStatus(const char *what) noexcept {
  bool oom = false;
  std::string detail;
  try {
    try {
      throw;
    } catch (const std::bad_alloc &) {
      oom = true;
    } catch (const std::exception &e) {
      detail = e.what();
    } catch (...) {
      detail = "unknown exception";
    }
    return oom ? Status::NoMemory(std::string("out of memory during ") + what)
               : Status::Internal(std::string("exception during ") + what +
                                  ": " + detail);
  } catch (...) {
    // No memory left even for the message: the code alone.
    return oom ? Status::NoMemory({}) : Status::Internal({});
  }
}

}  // namespace shale
