// error.h — the thread-local "last error" of the C API.
//
// Every entry point starts by clearing it (see barrier.h); failures record a
// status, an optional errno and a message into a fixed per-thread buffer.
// Recording never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "shale.h"
#include "util/status.h"

namespace shale::capi {

inline constexpr size_t kMessageCapacity = 1024;

// One thread's last error. Trivially destructible: a thread_local of this
// type costs no registration and no allocation.
struct ErrorState {
  int32_t status;
  int32_t sys_errno;
  const char *function;  // static string (the exported function's name)
  const char *message;   // msg_buf, or a static string
  char msg_buf[kMessageCapacity];
};

// The calling thread's (one thread-local lookup; valid for the thread's
// life): the barrier looks it up once per call.
ErrorState &ThreadError() noexcept;

// Resets status, errno and message; remembers `function` (the exported
// name) so that messages can be prefixed with it.
inline void ClearError(ErrorState &e, const char *function) noexcept {
  e.status = SHALE_OK;
  e.sys_errno = 0;
  e.function = function;
  e.msg_buf[0] = '\0';
  e.message = "";
}
inline void ClearError(const char *function) noexcept {
  ClearError(ThreadError(), function);
}

// Records `status` with a printf-style message prefixed by the current
// function's name. Returns `status` so callers can `return Fail(...)`.
int32_t Fail(int32_t status, const char *format, ...) noexcept
    __attribute__((format(printf, 2, 3)));

// As Fail, with an errno (for SHALE_E_IO / SHALE_E_LOCKED).
int32_t FailErrno(int32_t status, int sys_errno, const char *format,
                  ...) noexcept __attribute__((format(printf, 3, 4)));

// Records out-of-memory using a static message (no formatting, no
// allocation).
int32_t FailNoMemory() noexcept;

// Records a non-error status (SHALE_NOT_FOUND) without a message.
int32_t Note(int32_t status) noexcept;

// Maps a core status to a SHALE_* code; for an error, records the core's
// message (and errno) as the last error. OK maps to SHALE_OK and NotFound
// to SHALE_NOT_FOUND, recorded via Note.
int32_t FromCore(const shale::Status &status) noexcept;

// Code mapping alone, without recording.
int32_t MapCode(shale::Status::Code code) noexcept;

// The exported function the thread is in (for message prefixes); saved
// and restored around user callbacks, which may make calls of their own.
const char *CurrentFunction() noexcept;
void SetFunction(const char *function) noexcept;

// The status currently recorded for this thread.
int32_t CurrentStatus() noexcept;

// A copy of the thread's last error, put back by Restore(). Release
// functions use it (see GuardRelease) so that a garbage collector freeing
// objects between a failed call and the read of shale_last_error() does
// not erase the message. Never allocates.
class SavedError {
 public:
  SavedError() noexcept;
  void Restore() const noexcept;

 private:
  int32_t status_;
  int32_t sys_errno_;
  const char *function_;
  const char *static_message_;  // non-null when the message is static
  char message_[1024];
};

}  // namespace shale::capi
