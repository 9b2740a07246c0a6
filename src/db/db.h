// DB: the core engine's public face, used by capi/ and the core tests.
//
// A DB is a directory holding a LOCK file, a CURRENT pointer and the
// write-ahead log. All methods are thread-safe unless noted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "db/iterator.h"
#include "db/options.h"
#include "db/write_batch.h"
#include "util/status.h"

namespace shale {

// A point in time. Reads through it see exactly the writes that were
// acknowledged before it was taken. Held by shared_ptr; the engine keeps
// the versions it needs while any holder remains.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  virtual uint64_t sequence() const = 0;
};

struct ReadOptions {
  // nullptr: the latest state (for an iterator: the state at creation).
  std::shared_ptr<const Snapshot> snapshot;
  std::optional<std::string> lower_bound;  // inclusive
  std::optional<std::string> upper_bound;  // exclusive
  std::optional<std::string> prefix;
};

enum class ChangeKind { kPut = 1, kDelete = 2 };

// Progress of a long operation (compact, backup, verify): done and total in
// the operation's unit (bytes). Returns true to continue, false to cancel
// (the operation then stops cleanly and returns Status::Cancelled).
using ProgressFn = std::function<bool(uint64_t done, uint64_t total)>;

inline constexpr int kNumLevels = 7;

struct DbStats {
  uint64_t approximate_keys = 0;  // entries in memtables + tables
  uint64_t live_bytes = 0;        // bytes of live table files + memtables
  uint64_t disk_bytes = 0;        // every file in the directory
  uint64_t level_files[kNumLevels] = {};
  uint64_t level_bytes[kNumLevels] = {};
  uint64_t memtable_bytes = 0;  // active + immutable
  uint64_t cache_capacity = 0;
  uint64_t cache_usage = 0;
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t open_tables = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t compaction_bytes_read = 0;
  uint64_t compaction_bytes_written = 0;
  uint64_t flush_bytes_written = 0;
  uint64_t wal_bytes_written = 0;
  uint64_t user_bytes_written = 0;  // keys + values accepted by writes
  uint64_t bloom_checks = 0;        // table Gets that consulted a filter
  uint64_t bloom_negatives = 0;     // ... and skipped the table
  uint64_t write_stalls = 0;        // writes slowed or stopped by L0
  // (wal + flush + compaction bytes written) / user bytes written; 0 if
  // nothing was written.
  double write_amplification = 0;
};

// A long operation running on its own thread (see DB::Start*). Thread-safe.
class Job {
 public:
  virtual ~Job() = default;
  // Asks the operation to stop at its next progress point; it then finishes
  // with Status::Cancelled. Harmless after it finished.
  virtual void Cancel() = 0;
  // Waits until the job finished (its done callback has returned).
  // timeout_ms < 0 waits forever. Returns true if finished.
  virtual bool Wait(int64_t timeout_ms) = 0;
  virtual bool Finished() const = 0;
  // The final status; OK while running.
  virtual Status Result() const = 0;
  // Verify's report (or ""), available once finished.
  virtual std::string Report() const = 0;
  virtual void Progress(uint64_t *done, uint64_t *total) const = 0;
};

struct JobCallbacks {
  // Both optional; run on the job's thread, no DB lock held.
  ProgressFn progress;
  std::function<void(const Status &result)> done;
};

// Called for each change under a subscription's prefix, on the thread that
// wrote it, after the write is durable and visible, with no DB lock held.
using ChangeFn = std::function<void(ChangeKind, std::string_view key,
                                    std::string_view value)>;

using SubscriptionId = uint64_t;

class DB {
 public:
  // Opens the db at path. On failure *out is reset and the Status names the
  // path and what went wrong (Locked, Exists, IOError, Corruption, ...).
  static Status Open(const Options &options, const std::string &path,
                     std::unique_ptr<DB> *out);

  DB() = default;
  DB(const DB &) = delete;
  DB &operator=(const DB &) = delete;
  // Closes if Close() was not called.
  virtual ~DB() = default;

  // Ends every subscription, syncs the log, releases the lock. Idempotent.
  // The caller guarantees no other call is in flight (capi/ waits for them).
  virtual Status Close() = 0;

  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Atomic. The batch's own sequence field is ignored and overwritten on a
  // copy; the caller's batch is not modified.
  virtual Status Write(const WriteBatch &batch) = 0;
  // NotFound if absent. value may be nullptr to test existence only.
  virtual Status Get(const ReadOptions &options, std::string_view key,
                     std::string *value) = 0;
  // Reads every key at one point in time (options.snapshot, or now) and
  // calls found(i, value) for each keys[i] that has a value, in order; the
  // view is valid during the call only. Stops at the first I/O error or
  // corruption and returns it; missing keys are not errors.
  virtual Status MultiGet(
      const ReadOptions &options, std::span<const std::string_view> keys,
      const std::function<void(size_t, std::string_view)> &found) = 0;
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions &options) = 0;
  virtual std::shared_ptr<const Snapshot> GetSnapshot() = 0;
  // fsync the log now, whatever the sync mode.
  virtual Status Sync() = 0;

  // Registers fn for changes to keys starting with prefix. fn is destroyed
  // (releasing what it captured) when the subscription ends and fn is not
  // running: in Unsubscribe, in Close, or — when Unsubscribe is called from
  // inside fn — right after fn returns.
  virtual SubscriptionId Subscribe(std::string prefix, ChangeFn fn) = 0;
  // After it returns fn is not running on any other thread and never runs
  // again. Unknown ids (already ended) are ignored.
  virtual void Unsubscribe(SubscriptionId id) = 0;

  // "shale.recovery", "shale.sequence", "shale.path", "shale.stats" (the
  // stats as readable text); NotFound otherwise.
  virtual Status GetProperty(std::string_view name, std::string *value) = 0;

  // Writes the memtable to a level-0 table and waits until it is durable.
  virtual Status Flush() = 0;
  // Compacts every file overlapping [begin, end] (nullptr: unbounded) down
  // the levels, dropping overwritten versions and tombstones no snapshot
  // needs. Flushes the memtable first.
  virtual Status CompactRange(const std::string *begin, const std::string *end,
                              const ProgressFn &progress) = 0;
  // A consistent copy of the db (the state at the call) into dest, which
  // must not exist or be an empty directory; immutable files are hard
  // linked where possible, copied otherwise; everything is synced. The copy
  // opens as a normal db.
  virtual Status Backup(const std::string &dest,
                        const ProgressFn &progress) = 0;
  // Reads every file and checks every checksum. OK if sound; Corruption if
  // anything is wrong. *report (may be nullptr) lists what was checked and
  // every problem found (file, offset, what).
  virtual Status Verify(const ProgressFn &progress, std::string *report) = 0;
  virtual void GetStats(DbStats *stats) = 0;

  // The same operations on their own thread. Close() cancels every job and
  // waits for it (and its done callback) to finish before returning.
  virtual std::shared_ptr<Job> StartCompactRange(
      std::optional<std::string> begin, std::optional<std::string> end,
      JobCallbacks callbacks) = 0;
  virtual std::shared_ptr<Job> StartBackup(std::string dest,
                                           JobCallbacks callbacks) = 0;
  virtual std::shared_ptr<Job> StartVerify(JobCallbacks callbacks) = 0;
};

}  // namespace shale
