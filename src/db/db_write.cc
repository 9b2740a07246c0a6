// The write path. Writers queue up; the writer at the front is the leader:
// it merges the batches queued behind it into one commit group, appends
// them as one log record, syncs once (per the sync mode), inserts them into
// the memtable, publishes the new last sequence and wakes the group. Each
// writer then delivers its own batch to the subscriptions, unlocked.
//
// Before writing, the leader makes room: a full memtable becomes immutable
// (flushed by the background thread) and a new memtable and log take over;
// the leader waits if the previous immutable memtable is still being
// flushed, sleeps 1 ms at the level-0 slowdown count and waits at the stop
// count. Those waits are the only ones a writer sees.
#include <chrono>
#include <new>
#include <thread>

#include "db/db_impl.h"
#include "db/filenames.h"

namespace shale {

namespace {

// A group grows to at most this many bytes (a large first batch goes alone).
constexpr size_t kMaxGroupBytes = 1 << 20;

class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(MemTable *mem, SequenceNumber seq) : mem_(mem), seq_(seq) {}
  void Put(std::string_view key, std::string_view value) override {
    mem_->Add(seq_++, EntryKind::kPut, key, value);
    bytes += key.size() + value.size();
  }
  void Delete(std::string_view key) override {
    mem_->Add(seq_++, EntryKind::kDelete, key, {});
    bytes += key.size();
  }
  uint64_t bytes = 0;

 private:
  MemTable *mem_;
  SequenceNumber seq_;
};

}  // namespace

Status DBImpl::Put(std::string_view key, std::string_view value) {
  WriteBatch batch;
  Status s = batch.Put(key, value);
  if (!s.ok()) return s;
  return Write(batch);
}

Status DBImpl::Delete(std::string_view key) {
  WriteBatch batch;
  Status s = batch.Delete(key);
  if (!s.ok()) return s;
  return Write(batch);
}

Status DBImpl::Write(const WriteBatch &batch) {
  if (options_.read_only) {
    return Status::ReadOnly(path_ + " is open read-only; writes are refused");
  }
  if (batch.ByteSize() > kMaxBatchSize) {
    return Status::InvalidArgument(
        "write batch is " + std::to_string(batch.ByteSize()) +
        " bytes; the limit is " + std::to_string(kMaxBatchSize) +
        " (SHALE_MAX_BATCH_SIZE)");
  }
  if (batch.Count() == 0) return Status::OK();
  Writer w;
  w.batch = &batch;
  Status s = EnqueueAndWait(&w);
  if (s.ok()) feed_.Deliver(batch);
  return s;
}

Status DBImpl::Sync() {
  if (options_.read_only) return Status::OK();
  Writer w;  // batch == nullptr: a sync request
  return EnqueueAndWait(&w);
}

Status DBImpl::EnqueueAndWait(Writer *w) {
  PendingLog pending;
  Status s;
  {
    std::unique_lock<std::mutex> l(mu_);
    writers_.push_back(w);
    w->cv.wait(l, [&] { return w->done || writers_.front() == w; });
    if (!w->done) CommitGroup(l, &pending);
    s = w->status;
  }
  pending.Emit(info_log_);
  return s;
}

Status DBImpl::WriteGroup(std::unique_lock<std::mutex> &l, PendingLog *pending,
                          size_t *group_size_out, bool *log_touched) {
  Writer *leader = writers_.front();
  // Pick the group: the leader plus compatible followers.
  size_t &group_size = *group_size_out;
  group_size = 1;
  if (leader->batch != nullptr && options_.sync_mode != SyncMode::kEvery) {
    size_t bytes = leader->batch->ByteSize();
    while (group_size < writers_.size()) {
      const Writer *next = writers_[group_size];
      if (next->batch == nullptr) break;
      if (bytes + next->batch->ByteSize() > kMaxGroupBytes) break;
      bytes += next->batch->ByteSize();
      ++group_size;
    }
  }

  Status s = bg_error_;
  if (s.ok() && (log_ == nullptr || closed_.load())) {
    s = Status::IOError(path_ + ": the db is closed");
  }
  if (s.ok() && leader->exclusive != nullptr) {
    s = (*leader->exclusive)(l);
    group_size = 1;
  } else if (s.ok() && leader->batch != nullptr) {
    s = MakeRoomForWrite(l, /*force=*/false);
  }
  wal::Writer *log = log_.get();
  const SequenceNumber first =
      last_sequence_.load(std::memory_order_relaxed) + 1;
  SequenceNumber last = first - 1;

  if (leader->exclusive != nullptr) {
    // Done above.
  } else if (s.ok() && leader->batch == nullptr) {
    l.unlock();
    s = log->Sync();
    l.lock();
    if (!s.ok()) {
      bg_error_ = Status::IOError(
          "write-ahead log " + log->path() + ": " + s.message() +
              "; the db refuses further writes because the log state is "
              "unknown (reopen it to recover)",
          s.sys_errno());
      pending->Add(LogLevel::kError, bg_error_.message());
      s = bg_error_;
    }
  } else if (s.ok()) {
    // Build the group's record. The scratch batch is only touched by the
    // leader, and there is one leader at a time.
    WriteBatch &group = group_batch_;
    group.Clear();
    for (size_t i = 0; i < group_size && s.ok(); ++i) {
      s = group.Append(*writers_[i]->batch);
    }
    if (s.ok()) {
      group.SetSequence(first);
      last = first + group.Count() - 1;
      if (last > kMaxSequence) {
        s = Status::Internal("sequence numbers exhausted");
      }
    }
    Status io;
    uint64_t user_bytes = 0;
    if (s.ok()) {
      l.unlock();
      *log_touched = true;
      io = log->AddRecord(wal::RecordKind::kWriteBatch, group.Contents());
      if (io.ok()) stat_wal_written_ += group.Contents().size();
      if (io.ok() && options_.sync_mode != SyncMode::kNone) io = log->Sync();
      if (io.ok()) s = ApplyToMemTable(group, &user_bytes);
      l.lock();
    }
    if (!io.ok()) {
      bg_error_ = Status::IOError(
          "write-ahead log " + log->path() + ": " + io.message() +
              "; the db refuses further writes because the log state is "
              "unknown (reopen it to recover)",
          io.sys_errno());
      pending->Add(LogLevel::kError, bg_error_.message());
      s = bg_error_;
    } else if (s.ok()) {
      // Every insert is complete: make the group visible to readers.
      last_sequence_.store(last, std::memory_order_release);
      stat_user_written_ += user_bytes;
    }
    if (group.ByteSize() > 4 * kMaxGroupBytes) group = WriteBatch();
  }
  return s;
}

void DBImpl::CommitGroup(std::unique_lock<std::mutex> &l, PendingLog *pending) {
  Writer *leader = writers_.front();
  size_t group_size = 1;
  bool log_touched = false;
  Status s;
  try {
    s = WriteGroup(l, pending, &group_size, &log_touched);
  } catch (...) {
    // An exception (bad_alloc) must not leave the group in the queue: the
    // followers would wait forever and the leader's Writer would dangle.
    // Once the record may be in the log, the memtable may hold part of the
    // group under sequence numbers not yet published, and the next group
    // would reuse them: the sticky error then refuses further writes, as
    // for a failed log write. Found by tests/fault_loops.
    if (!l.owns_lock()) l.lock();
    const bool oom = [] {
      try {
        throw;
      } catch (const std::bad_alloc &) {
        return true;
      } catch (...) {
        return false;
      }
    }();
    try {
      s = oom ? Status::NoMemory("out of memory while committing a write")
              : Status::Internal("exception while committing a write");
      if (log_touched) {
        bg_error_ = oom ? Status::NoMemory(
                              "out of memory after the write-ahead log "
                              "record was written; the db refuses further "
                              "writes (reopen it to recover)")
                        : Status::Internal(
                              "exception after the write-ahead log record "
                              "was written; the db refuses further writes "
                              "(reopen it to recover)");
        s = bg_error_;
      }
    } catch (...) {
      // No memory for the message: the code alone.
      s = oom ? Status::NoMemory({}) : Status::Internal({});
      if (log_touched) bg_error_ = s;
    }
  }

  for (size_t i = 0; i < group_size; ++i) {
    Writer *w = writers_.front();
    writers_.pop_front();
    w->status = s;
    w->done = true;
    if (w != leader) w->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  // A sticky error set by this group (failed log write or sync) must wake
  // the waiters on bg_cv_: Flush waits for its memtable or an error, and
  // the background thread stops flushing once the error is set, so Flush
  // hung forever. Found by tests/power_loss.
  if (!bg_error_.ok()) bg_cv_.notify_all();
}

Status DBImpl::ApplyToMemTable(const WriteBatch &batch, uint64_t *bytes) {
  MemTableInserter inserter(mem_.get(), batch.Sequence());
  Status s = batch.Iterate(&inserter);
  if (bytes != nullptr) *bytes = inserter.bytes;
  return s;
}

Status DBImpl::RunExclusive(const Exclusive &fn) {
  Writer w;
  w.exclusive = &fn;
  return EnqueueAndWait(&w);
}

Status DBImpl::MakeRoomForWrite(std::unique_lock<std::mutex> &l, bool force) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    if (shutting_down_.load())
      return Status::IOError(path_ + ": the db is closed");
    const size_t l0 = current_->NumFiles(0);
    if (allow_delay &&
        l0 >= static_cast<size_t>(options_.level0_slowdown_trigger)) {
      // Level 0 is filling up: give the compaction some room, once per
      // write, rather than stopping writes later for a long time.
      allow_delay = false;
      ++stat_write_stalls_;
      l.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      l.lock();
      continue;
    }
    if (!force && mem_->DataSize() < options_.write_buffer_size) {
      return Status::OK();
    }
    if (force && mem_->EntryCount() == 0) return Status::OK();
    if (imm_ != nullptr) {
      // The previous memtable is still being flushed.
      ++stat_write_stalls_;
      bg_cv_.wait_for(l, std::chrono::milliseconds(100));
      continue;
    }
    if (l0 >= static_cast<size_t>(options_.level0_stop_trigger) &&
        l0 >= static_cast<size_t>(options_.level0_compaction_trigger)) {
      ++stat_write_stalls_;
      bg_cv_.wait_for(l, std::chrono::milliseconds(100));
      continue;
    }
    return SwitchMemTable(l);
  }
}

Status DBImpl::SwitchMemTable(std::unique_lock<std::mutex> &l) {
  // Only the leader switches, so the log and memtable stay ours while the
  // lock is released for the file system calls.
  const uint64_t number = versions_->NewFileNumber();
  const std::string log_path = LogFileName(path_, number);
  wal::Writer *current_log = log_.get();
  l.unlock();
  // The old log's unsynced tail (SyncMode kNone) must be durable before
  // anything in the new log can be: a later DB::Sync syncs only the new
  // log, and a power loss would then keep its writes and drop older ones
  // (a hole in the write order). Found by tests/power_loss.
  Status s = current_log->Sync();
  std::unique_ptr<WritableFile> file;
  if (s.ok()) s = env_->NewWritableFile(log_path, &file);
  if (s.ok()) s = env_->SyncDir(path_);
  std::unique_ptr<wal::Writer> old;
  l.lock();
  if (!s.ok()) {
    l.unlock();
    file.reset();
    (void)env_->RemoveFile(log_path);
    l.lock();
    bg_error_ =
        Status::IOError("creating log " + log_path + ": " + s.message() +
                            "; the db refuses further writes",
                        s.sys_errno());
    return bg_error_;
  }
  // Allocated before anything is switched: a bad_alloc leaves the current
  // log and memtable in place (the new empty log is harmless).
  auto new_log = std::make_unique<wal::Writer>(std::move(file), log_path, 0);
  auto new_mem = NewMemTable();
  auto view = std::make_unique<PublishedView>();
  old = std::move(log_);
  imm_log_ = log_number_;
  log_ = std::move(new_log);
  log_number_ = number;
  imm_ = std::move(mem_);
  has_imm_ = true;
  imm_next_log_ = number;
  mem_ = std::move(new_mem);
  PublishView(std::move(view));
  bg_cv_.notify_all();
  l.unlock();
  // Its records were written (and synced per the sync mode) already.
  (void)old->Close();
  l.lock();
  return Status::OK();
}

}  // namespace shale
