#include "util/status.h"

namespace shale {

namespace {

const char *CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kNotFound:
      return "Not found";
    case Status::Code::kInvalidArgument:
      return "Invalid argument";
    case Status::Code::kIOError:
      return "IO error";
    case Status::Code::kCorruption:
      return "Corruption";
    case Status::Code::kLocked:
      return "Locked";
    case Status::Code::kNoMemory:
      return "Out of memory";
    case Status::Code::kReadOnly:
      return "Read-only";
    case Status::Code::kCancelled:
      return "Cancelled";
    case Status::Code::kNotSupported:
      return "Not supported";
    case Status::Code::kExists:
      return "Exists";
    case Status::Code::kBusy:
      return "Busy";
    case Status::Code::kInternal:
      return "Internal error";
  }
  return "Unknown status";
}

}  // namespace

std::string Status::ToString() const {
  std::string out = CodeName(code_);
  if (!msg_.empty()) {
    out += ": ";
    out += msg_;
  }
  return out;
}

}  // namespace shale
