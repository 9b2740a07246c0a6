// error.cc — thread-local last error, and the functions that read it.
#include "error.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "barrier.h"

namespace shale::capi {
namespace {

thread_local ErrorState t_error = {SHALE_OK, 0, "shale", "", {0}};

const char kNoMemoryMessage[] = "out of memory";

// Writes "<function>: " followed by the formatted text into the buffer,
// truncating safely.
void Record(int32_t status, int sys_errno, const char *format,
            va_list args) noexcept {
  ErrorState &e = t_error;
  e.status = status;
  e.sys_errno = sys_errno;
  int prefix =
      std::snprintf(e.msg_buf, sizeof(e.msg_buf),
                    "%s: ", e.function != nullptr ? e.function : "shale");
  if (prefix < 0) prefix = 0;
  size_t used = static_cast<size_t>(prefix);
  if (used >= sizeof(e.msg_buf)) used = sizeof(e.msg_buf) - 1;
  std::vsnprintf(e.msg_buf + used, sizeof(e.msg_buf) - used, format, args);
  e.msg_buf[sizeof(e.msg_buf) - 1] = '\0';
  e.message = e.msg_buf;
}

}  // namespace

SavedError::SavedError() noexcept
    : status_(t_error.status),
      sys_errno_(t_error.sys_errno),
      function_(t_error.function),
      static_message_(t_error.message == t_error.msg_buf ? nullptr
                                                         : t_error.message) {
  static_assert(sizeof(message_) == kMessageCapacity);
  if (static_message_ == nullptr) {
    std::memcpy(message_, t_error.msg_buf, std::strlen(t_error.msg_buf) + 1);
  } else {
    message_[0] = '\0';
  }
}

void SavedError::Restore() const noexcept {
  ErrorState &e = t_error;
  e.status = status_;
  e.sys_errno = sys_errno_;
  e.function = function_;
  if (static_message_ != nullptr) {
    e.message = static_message_;
  } else {
    std::memcpy(e.msg_buf, message_, std::strlen(message_) + 1);
    e.message = e.msg_buf;
  }
}

ErrorState &ThreadError() noexcept { return t_error; }

int32_t Fail(int32_t status, const char *format, ...) noexcept {
  va_list args;
  va_start(args, format);
  Record(status, 0, format, args);
  va_end(args);
  return status;
}

int32_t FailErrno(int32_t status, int sys_errno, const char *format,
                  ...) noexcept {
  va_list args;
  va_start(args, format);
  Record(status, sys_errno, format, args);
  va_end(args);
  return status;
}

int32_t FailNoMemory() noexcept {
  ErrorState &e = t_error;
  e.status = SHALE_E_NOMEM;
  e.sys_errno = 0;
  e.message = kNoMemoryMessage;
  return SHALE_E_NOMEM;
}

int32_t Note(int32_t status) noexcept {
  t_error.status = status;
  return status;
}

int32_t CurrentStatus() noexcept { return t_error.status; }

const char *CurrentFunction() noexcept { return t_error.function; }

void SetFunction(const char *function) noexcept { t_error.function = function; }

int32_t MapCode(shale::Status::Code code) noexcept {
  using C = shale::Status::Code;
  switch (code) {
    case C::kOk:
      return SHALE_OK;
    case C::kNotFound:
      return SHALE_NOT_FOUND;
    case C::kInvalidArgument:
      return SHALE_E_INVALID_ARGUMENT;
    case C::kIOError:
      return SHALE_E_IO;
    case C::kCorruption:
      return SHALE_E_CORRUPTION;
    case C::kLocked:
      return SHALE_E_LOCKED;
    case C::kNoMemory:
      return SHALE_E_NOMEM;
    case C::kReadOnly:
      return SHALE_E_READ_ONLY;
    case C::kCancelled:
      return SHALE_E_CANCELLED;
    case C::kNotSupported:
      return SHALE_E_NOT_SUPPORTED;
    case C::kExists:
      return SHALE_E_EXISTS;
    case C::kBusy:
      return SHALE_E_BUSY;
    case C::kInternal:
      return SHALE_E_INTERNAL;
  }
  return SHALE_E_INTERNAL;
}

int32_t FromCore(const shale::Status &status) noexcept {
  int32_t code = MapCode(status.code());
  if (code >= 0) return Note(code);
  const std::string &msg = status.message();
  int len = msg.size() > kMessageCapacity ? static_cast<int>(kMessageCapacity)
                                          : static_cast<int>(msg.size());
  if (msg.empty()) {
    return FailErrno(code, status.sys_errno(), "%s", shale_status_name(code));
  }
  return FailErrno(code, status.sys_errno(), "%.*s", len, msg.data());
}

}  // namespace shale::capi

using namespace shale::capi;

// Trivially safe (reads a thread-local; must not clear it): no barrier.
extern "C" SHALE_API const char *shale_last_error(void) {
  const char *m = t_error.message;
  return m != nullptr ? m : "";
}

// Trivially safe: no barrier (must not clear the state it reports).
extern "C" SHALE_API int32_t shale_last_errno(void) {
  return t_error.sys_errno;
}

// Trivially safe: no barrier (must not clear the state it reports).
extern "C" SHALE_API int32_t shale_last_status(void) { return t_error.status; }

// Trivially safe (a switch over constants): no barrier, does not touch the
// last error.
extern "C" SHALE_API const char *shale_status_name(int32_t status) {
  switch (status) {
    case SHALE_OK:
      return "SHALE_OK";
    case SHALE_NOT_FOUND:
      return "SHALE_NOT_FOUND";
    case SHALE_E_INVALID_ARGUMENT:
      return "SHALE_E_INVALID_ARGUMENT";
    case SHALE_E_INVALID_HANDLE:
      return "SHALE_E_INVALID_HANDLE";
    case SHALE_E_CLOSED:
      return "SHALE_E_CLOSED";
    case SHALE_E_IO:
      return "SHALE_E_IO";
    case SHALE_E_CORRUPTION:
      return "SHALE_E_CORRUPTION";
    case SHALE_E_LOCKED:
      return "SHALE_E_LOCKED";
    case SHALE_E_NOMEM:
      return "SHALE_E_NOMEM";
    case SHALE_E_BUFFER_TOO_SMALL:
      return "SHALE_E_BUFFER_TOO_SMALL";
    case SHALE_E_READ_ONLY:
      return "SHALE_E_READ_ONLY";
    case SHALE_E_CANCELLED:
      return "SHALE_E_CANCELLED";
    case SHALE_E_NOT_SUPPORTED:
      return "SHALE_E_NOT_SUPPORTED";
    case SHALE_E_INTERNAL:
      return "SHALE_E_INTERNAL";
    case SHALE_E_EXISTS:
      return "SHALE_E_EXISTS";
    case SHALE_E_BUSY:
      return "SHALE_E_BUSY";
    case SHALE_E_FORKED:
      return "SHALE_E_FORKED";
    case SHALE_E_TIMEOUT:
      return "SHALE_E_TIMEOUT";
    default:
      return "SHALE_E_UNKNOWN";
  }
}
