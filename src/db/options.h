// Options: how a DB is opened. Mirrors shale_options; capi/ converts.
#pragma once

#include <functional>
#include <string_view>

namespace shale {

class Env;

enum class SyncMode {
  kNone,   // write(2) before acknowledging: survives a process crash
  kEvery,  // fsync per write before acknowledging: survives power loss
  kGroup,  // fsync shared by writers queued together: survives power loss
};

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Receives diagnostic messages. Called without any DB lock held, possibly
// from several threads at once.
using Logger = std::function<void(LogLevel, std::string_view)>;

struct Options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;
  SyncMode sync_mode = SyncMode::kGroup;
  // Skip unreadable log records during recovery instead of failing Open.
  bool salvage = false;
  LogLevel log_level = LogLevel::kInfo;
  Logger logger;  // may be empty
  // File system layer; nullptr means the default POSIX Env. Not owned; must
  // outlive the DB. Tests pass a fault-injecting Env here.
  Env *env = nullptr;
};

// Limits, mirrored by SHALE_MAX_* in include/shale.h.
inline constexpr size_t kMaxKeySize = 65536;
inline constexpr size_t kMaxValueSize = size_t{256} * 1024 * 1024;
inline constexpr size_t kMaxBatchSize = size_t{1024} * 1024 * 1024;

}  // namespace shale
