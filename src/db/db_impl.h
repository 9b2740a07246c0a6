// DBImpl: the engine behind DB, a log-structured merge tree. Split by
// concern:
//   db_impl.cc        open/close, reads, snapshots, subscriptions
//   db_write.cc       the write path: write queue, group commit, WAL
//                     append, memtable switches and write stalls
//   db_recovery.cc    opening the directory: manifest, log replay
//   db_flush.cc       the background thread, memtable -> level-0 table,
//                     obsolete file removal
//   db_compaction.cc  compactions (background and CompactRange)
//   db_backup.cc      Backup
//   db_verify.cc      Verify
//   db_stats.cc       GetStats, properties, Start* jobs
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cache/block_cache.h"
#include "db/change_feed.h"
#include "db/db.h"
#include "db/db_lock.h"
#include "db/info_log.h"
#include "db/job_runner.h"
#include "db/snapshot_registry.h"
#include "env/env.h"
#include "memtable/memtable.h"
#include "table/table_cache.h"
#include "table/table_options.h"
#include "util/epoch.h"
#include "util/striped_counter.h"
#include "version/compaction.h"
#include "version/version_set.h"
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
  Status MultiGet(
      const ReadOptions &options, std::span<const std::string_view> keys,
      const std::function<void(size_t, std::string_view)> &found) override;
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

  // Opens the directory and recovers; called once by DB::Open, which then
  // publishes the recovered state to reads (PublishRecovered).
  Status Recover();
  void PublishRecovered();
  Status RefuseForeignDirectory();

 private:
  // An action run by the write queue's leader with mu_ held (l) while no
  // write is in progress.
  using Exclusive = std::function<Status(std::unique_lock<std::mutex> &l)>;

  // A caller waiting in the write queue. batch == nullptr and exclusive ==
  // nullptr asks for a sync.
  struct Writer {
    const WriteBatch *batch = nullptr;
    const Exclusive *exclusive = nullptr;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };

  // The memtables and the version a read uses. The current one is replaced
  // as a whole (PublishView) whenever mem_, imm_ or current_ changes; a
  // read loads it inside an epoch section (util/epoch.h), without a lock
  // or a reference count.
  struct ReadView {
    std::shared_ptr<const MemTable> mem, imm;
    std::shared_ptr<const Version> version;
  };
  struct PublishedView final : epoch::Retirable {
    ReadView view;
  };
  // A view held beyond a section (iterators, stats), and the sequence it
  // is read at.
  struct ReadState : ReadView {
    SequenceNumber seq = 0;
  };

  // db_write.cc
  Status EnqueueAndWait(Writer *w);
  void CommitGroup(std::unique_lock<std::mutex> &l, PendingLog *pending);
  // CommitGroup's work; *group_size: the writers it answers for, set
  // first; *log_touched once the log may hold the group's record.
  Status WriteGroup(std::unique_lock<std::mutex> &l, PendingLog *pending,
                    size_t *group_size, bool *log_touched);
  // *bytes (may be nullptr): the key and value bytes applied.
  Status ApplyToMemTable(const WriteBatch &batch, uint64_t *bytes = nullptr);
  // Makes room in the memtable (switching it when full, or when force and
  // it is not empty) and applies the level-0 slowdown/stop. REQUIRES: mu_
  // held by l, the caller leads the write queue.
  Status MakeRoomForWrite(std::unique_lock<std::mutex> &l, bool force);
  Status SwitchMemTable(std::unique_lock<std::mutex> &l);
  Status RunExclusive(const Exclusive &fn);

  // db_impl.cc
  Status GetReadState(const ReadOptions &options, ReadState *rs);
  // One lookup in a view at seq (Get and MultiGet). REQUIRES: inside an
  // epoch section (cached blocks and open tables are read in it).
  Status GetFrom(const ReadView &v, SequenceNumber seq, std::string_view key,
                 std::string *value);
  // REQUIRES: mu_ held. Makes fresh (allocated by the caller before it
  // changed mem_, imm_ or current_, so that this cannot fail) the view
  // reads see, and retires the previous one.
  void PublishView(std::unique_ptr<PublishedView> fresh) noexcept;
  // The view reads see. REQUIRES: inside an epoch section.
  const ReadView &CurrentView() const {
    return view_.load(std::memory_order_acquire)->view;
  }
  Status GetFromTables(const Version &v, std::string_view key,
                       SequenceNumber seq, std::string *value, bool *done);
  std::unique_ptr<InternalIterator> NewTableIterator(const FileMeta &f);
  std::unique_ptr<InternalIterator> NewInternalIterator(const ReadView &rs);

  // db_recovery.cc
  Status CreateNew();
  // *replayed: the highest sequence replayed so far in this recovery (0
  // before the first record); each record must start above it.
  Status ReplayLog(uint64_t number, bool last, bool *skipped,
                   SequenceNumber *replayed);
  Status OpenLogForAppend(uint64_t number, uint64_t size);
  // *missing: the number of a table that does not exist, or 0.
  Status CheckTableFiles(uint64_t *missing);
  // The replayed writes as level-0 tables (see db_recovery.cc).
  Status WriteRecoveredTable();
  Status InstallRecoveredTables(bool after_salvage);
  bool ReplayedAnything() const;
  void Report(LogLevel level, const std::string &msg);

  // db_salvage.cc (salvage=1 on a read-write open)
  // Leaves versions_ holding a usable state: the manifest CURRENT names
  // (number, 0 if none) unless why says it is unusable and unless its
  // state does not match the files present; else the newest other
  // manifest that does; else a state rebuilt from the tables present
  // (*rebuilt).
  Status SalvageVersions(const std::string &why, uint64_t number,
                         bool *rebuilt);
  // Whether the recovered state matches the directory: every table it
  // names exists, no table is unnamed, its log exists. *problem if not.
  bool StateMatchesFiles(std::string *problem);
  Status RebuildFromTables(const std::string &why);
  // Checks every live table; rewrites the damaged ones from what is
  // readable and drops the missing ones from the state.
  Status SalvageTables();
  // Rewrites table number (size bytes on disk) from its readable entries
  // under the same number; the original moves to <db>/lost/. *meta gets
  // number 0 if nothing was readable.
  Status SalvageTable(uint64_t number, uint64_t size, FileMeta *meta);

  // db_flush.cc
  void StartBackgroundThread();
  void BackgroundLoop();
  // Writes imm_ to a level-0 table. Called on the background thread only.
  Status FlushImmutable();
  // Writes every entry of it to a new table; *meta is empty (number 0) if
  // there was nothing to write.
  Status BuildTable(const MemTable &mem, FileMeta *meta);
  void SetBackgroundError(const Status &s, const std::string &what);
  void DeleteObsoleteFiles();
  void InstallCurrent();
  // Waits for a grace period and frees the views replaced so far.
  void FreeRetiredViews();
  bool NeedsCompaction(const Version &v) const;

  // db_compaction.cc
  Status RunCompaction(Compaction *c, const ProgressFn &progress,
                       bool on_bg_thread);
  Status DoCompactionWork(Compaction *c, const ProgressFn &progress,
                          bool on_bg_thread, VersionEdit *edit,
                          std::vector<uint64_t> *outputs);

  Status CheckSnapshot(const ReadOptions &options, SequenceNumber *seq);
  std::shared_ptr<MemTable> NewMemTable() const;
  Status CheckOpenForMaintenance() const;

  const Options options_;
  Env *const env_;
  const std::string path_;
  const InfoLog info_log_;
  TableOptions table_options_;

  std::unique_ptr<DbLock> lock_;
  std::shared_ptr<BlockCache> block_cache_;
  std::shared_ptr<TableCache> table_cache_;  // shared with iterators
  std::unique_ptr<VersionSet> versions_;
  std::atomic<SequenceNumber> last_sequence_{0};
  std::shared_ptr<SnapshotRegistry> snapshots_;
  ChangeFeed feed_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> shutting_down_{false};

  // Guarded by mu_: the queue, the sticky error, the memtables, the log
  // pointer (the log itself is written only by the queue's leader, outside
  // mu_) and the background state.
  std::mutex mu_;
  std::deque<Writer *> writers_;
  Status bg_error_;
  std::shared_ptr<MemTable> mem_;
  std::shared_ptr<MemTable> imm_;  // being flushed, or nullptr
  std::atomic<bool> has_imm_{false};
  uint64_t imm_log_ = 0;                    // imm_'s log
  uint64_t imm_next_log_ = 0;               // the log that follows imm_'s
  std::shared_ptr<const Version> current_;  // what reads use
  // The published view (owned); a replaced one is retired, so a section
  // that loaded it can use it to its end.
  std::atomic<PublishedView *> view_{nullptr};
  std::unique_ptr<wal::Writer> log_;
  uint64_t log_number_ = 0;
  WriteBatch group_batch_;         // leader's scratch
  std::condition_variable bg_cv_;  // background work done / to do
  std::thread bg_thread_;
  bool bg_compaction_running_ = false;
  bool manual_compaction_running_ = false;
  std::set<uint64_t> pending_outputs_;  // tables being written
  // Logs a backup is copying, logs and manifests a verify is reading.
  std::multiset<uint64_t> pinned_logs_;
  std::string compact_cursor_[kNumLevels];
  std::mutex obsolete_mu_;  // one DeleteObsoleteFiles at a time

  // Statistics.
  std::atomic<uint64_t> stat_flushes_{0}, stat_compactions_{0};
  std::atomic<uint64_t> stat_compaction_read_{0}, stat_compaction_written_{0};
  std::atomic<uint64_t> stat_flush_written_{0}, stat_wal_written_{0};
  std::atomic<uint64_t> stat_user_written_{0}, stat_write_stalls_{0};
  // Bloom filter use by Gets since open (tables come and go; these don't).
  // Striped: every read adds to them.
  StripedCounter stat_bloom_checks_, stat_bloom_negatives_;

  JobRunner jobs_;
  std::string recovery_report_;  // set during Open, read-only afterwards
  VersionEdit recovered_;        // tables written by the replay (Open only)
};

}  // namespace shale
