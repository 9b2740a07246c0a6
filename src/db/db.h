// DB: the core engine's public face, used by capi/ and the core tests.
//
// A DB is a directory holding a LOCK file, a CURRENT pointer and the
// write-ahead log. All methods are thread-safe unless noted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

  // "shale.recovery", "shale.sequence", "shale.path"; NotFound otherwise.
  virtual Status GetProperty(std::string_view name, std::string *value) = 0;
};

}  // namespace shale
