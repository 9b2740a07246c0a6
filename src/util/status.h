// Status: the core's error-as-value type. Every fallible core function returns
// one (or a Result<T>); exceptions are reserved for std::bad_alloc and bugs.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace shale {

class [[nodiscard]] Status {
 public:
  // Codes mirror the C API's status families; capi/ maps them one to one.
  enum class Code : int {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kIOError,
    kCorruption,
    kLocked,
    kNoMemory,
    kReadOnly,
    kCancelled,
    kNotSupported,
    kExists,
    kBusy,
    kInternal,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg = {}) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  // sys_errno: the errno of the failed OS call (0 if none).
  static Status IOError(std::string msg, int sys_errno = 0) {
    return Status(Code::kIOError, std::move(msg), sys_errno);
  }
  static Status Corruption(std::string msg) {
    return Status(Code::kCorruption, std::move(msg));
  }
  static Status Locked(std::string msg, int sys_errno = 0) {
    return Status(Code::kLocked, std::move(msg), sys_errno);
  }
  static Status NoMemory(std::string msg) {
    return Status(Code::kNoMemory, std::move(msg));
  }
  static Status ReadOnly(std::string msg) {
    return Status(Code::kReadOnly, std::move(msg));
  }
  static Status Cancelled(std::string msg) {
    return Status(Code::kCancelled, std::move(msg));
  }
  static Status NotSupported(std::string msg) {
    return Status(Code::kNotSupported, std::move(msg));
  }
  static Status Exists(std::string msg) {
    return Status(Code::kExists, std::move(msg));
  }
  static Status Busy(std::string msg) {
    return Status(Code::kBusy, std::move(msg));
  }
  static Status Internal(std::string msg) {
    return Status(Code::kInternal, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  Code code() const { return code_; }
  int sys_errno() const { return sys_errno_; }
  const std::string &message() const { return msg_; }

  // "IO error: <message>" style text for logs and test failure output.
  std::string ToString() const;

 private:
  Status(Code code, std::string msg, int sys_errno = 0)
      : code_(code), sys_errno_(sys_errno), msg_(std::move(msg)) {}

  Code code_ = Code::kOk;
  int sys_errno_ = 0;
  std::string msg_;
};

}  // namespace shale
