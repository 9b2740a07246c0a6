// DBImpl: the engine behind DB. Split by concern:
//   db_impl.cc      open/close, reads, snapshots, subscriptions, properties
//   db_write.cc     the write path: write queue, group commit, WAL append
//   db_recovery.cc  opening the directory and replaying the log
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "db/change_feed.h"
#include "db/db.h"
#include "db/db_lock.h"
#include "db/info_log.h"
#include "db/snapshot_registry.h"
#include "env/env.h"
#include "memtable/memtable.h"
#include "wal/log_writer.h"

namespace shale {

class DBImpl final : public DB {
 public:
  DBImpl(const Options &options, std::string path);
  ~DBImpl() override;

  Status Close() override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Status Write(const WriteBatch &batch) override;
  Status Get(const ReadOptions &options, std::string_view key,
             std::string *value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions &options) override;
  std::shared_ptr<const Snapshot> GetSnapshot() override;
  Status Sync() override;
  SubscriptionId Subscribe(std::string prefix, ChangeFn fn) override;
  void Unsubscribe(SubscriptionId id) override;
  Status GetProperty(std::string_view name, std::string *value) override;
  Status Flush() override;
  Status CompactRange(const std::string *begin, const std::string *end,
                      const ProgressFn &progress) override;
  Status Backup(const std::string &dest, const ProgressFn &progress) override;
  Status Verify(const ProgressFn &progress, std::string *report) override;
  void GetStats(DbStats *stats) override;
  std::shared_ptr<Job> StartCompactRange(std::optional<std::string> begin,
                                         std::optional<std::string> end,
                                         JobCallbacks callbacks) override;
  std::shared_ptr<Job> StartBackup(std::string dest,
                                   JobCallbacks callbacks) override;
  std::shared_ptr<Job> StartVerify(JobCallbacks callbacks) override;

  // Opens the directory and recovers; called once by DB::Open.
  Status Recover();

 private:
  // A caller waiting in the write queue. batch == nullptr asks for a sync.
  struct Writer {
    const WriteBatch *batch = nullptr;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };

  // db_write.cc
  Status EnqueueAndWait(Writer *w);
  // Commits the group starting at the queue's front. REQUIRES: mu_ held by
  // l; the caller is the front writer. Returns with mu_ held.
  void CommitGroup(std::unique_lock<std::mutex> &l, PendingLog *pending);
  Status ApplyToMemTable(const WriteBatch &batch);

  // db_recovery.cc
  Status CreateNew();
  Status ReplayLog(uint64_t number, bool *rewrite);
  Status RewriteLog(uint64_t old_number);
  Status OpenLogForAppend(uint64_t number, uint64_t size);
  void RemoveObsoleteFiles(uint64_t live_log);
  void Report(LogLevel level, const std::string &msg);

  Status CheckSnapshot(const ReadOptions &options, SequenceNumber *seq);

  const Options options_;
  Env *const env_;
  const std::string path_;
  const InfoLog info_log_;

  std::unique_ptr<DbLock> lock_;
  std::shared_ptr<MemTable> mem_;
  std::atomic<SequenceNumber> last_sequence_{0};
  std::shared_ptr<SnapshotRegistry> snapshots_;
  ChangeFeed feed_;
  std::atomic<bool> closed_{false};

  // Guarded by mu_: the queue, the sticky error and the log pointer (the
  // log itself is written only by the queue's leader, outside mu_).
  std::mutex mu_;
  std::deque<Writer *> writers_;
  Status bg_error_;
  std::unique_ptr<wal::Writer> log_;
  uint64_t log_number_ = 0;
  uint64_t next_file_number_ = 1;
  WriteBatch group_batch_;  // leader's scratch

  std::string recovery_report_;  // set during Open, read-only afterwards
};

}  // namespace shale
