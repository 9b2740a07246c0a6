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
  // --- Engine sizing (mirrored by shale_options; defaults documented in
  // include/shale.h). Memory is bounded by write_buffer_size (x2 while a
  // flush runs) + block_cache_capacity + index/filter blocks of open tables.
  // A memtable reaching this many bytes is flushed to a level-0 table.
  size_t write_buffer_size = size_t{8} << 20;
  size_t block_size = 4096;
  size_t block_cache_capacity = size_t{32} << 20;
  int bloom_bits_per_key = 10;  // 0: no bloom filters
  int max_open_files = 1000;    // table readers kept open
  // Levelled compaction: L0 is compacted into L1 at this many files; writes
  // are slowed (1 ms each) at the slowdown count and wait at the stop count.
  int level0_compaction_trigger = 4;
  int level0_slowdown_trigger = 8;
  int level0_stop_trigger = 12;
  // Compaction outputs are cut at about this size.
  size_t target_file_size = size_t{4} << 20;
  // Level 1 holds up to this many bytes, each deeper level multiplier x more.
  uint64_t level1_max_bytes = uint64_t{64} << 20;
  int level_size_multiplier = 10;

  // File system layer; nullptr means the default POSIX Env. Not owned; must
  // outlive the DB. Tests pass a fault-injecting Env here.
  Env *env = nullptr;
};

// Limits, mirrored by SHALE_MAX_* in include/shale.h.
inline constexpr size_t kMaxKeySize = 65536;
inline constexpr size_t kMaxValueSize = size_t{256} * 1024 * 1024;
inline constexpr size_t kMaxBatchSize = size_t{1024} * 1024 * 1024;

}  // namespace shale
