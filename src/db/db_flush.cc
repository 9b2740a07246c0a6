// The background thread: flushes the immutable memtable to a level-0 table
// (first priority) and runs the compactions the version needs. Also the
// removal of files no live state refers to.
#include <algorithm>

#include "db/db_impl.h"
#include "db/exception_status.h"
#include "db/filenames.h"
#include "db/mem_iterator.h"
#include "table/table_builder.h"
#include "util/epoch.h"

namespace shale {

void DBImpl::StartBackgroundThread() {
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
}

bool DBImpl::NeedsCompaction(const Version &v) const {
  for (int level = 0; level + 1 < kNumLevels; ++level) {
    if (v.NumFiles(level) > 0 && LevelScore(v, level, options_) >= 1.0) {
      return true;
    }
  }
  return false;
}

void DBImpl::BackgroundLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!shutting_down_.load()) {
    if (!bg_error_.ok()) {
      bg_cv_.wait(l);
      continue;
    }
    // Exceptions (bad_alloc) become the job's error: escaping the thread
    // would terminate the process. Found by tests/fault_loops.
    if (imm_ != nullptr) {
      l.unlock();
      Status s;
      try {
        s = FlushImmutable();
      } catch (...) {
        s = CurrentExceptionStatus("a background flush");
      }
      l.lock();
      if (!s.ok() && !shutting_down_.load()) {
        l.unlock();
        SetBackgroundError(s, "flush");
        l.lock();
      }
      continue;
    }
    if (!manual_compaction_running_ && NeedsCompaction(*current_)) {
      auto c = PickCompaction(current_, options_, compact_cursor_);
      if (c != nullptr) {
        bg_compaction_running_ = true;
        l.unlock();
        Status s;
        try {
          s = RunCompaction(c.get(), nullptr, /*on_bg_thread=*/true);
        } catch (...) {
          s = CurrentExceptionStatus("a background compaction");
        }
        l.lock();
        bg_compaction_running_ = false;
        bg_cv_.notify_all();
        if (!s.ok() && s.code() != Status::Code::kCancelled) {
          l.unlock();
          SetBackgroundError(s, "compaction");
          l.lock();
        }
        continue;
      }
    }
    bg_cv_.wait(l);
  }
}

void DBImpl::SetBackgroundError(const Status &s, const std::string &what) {
  std::string msg;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!bg_error_.ok()) return;
    const Status::Code code =
        s.IsCorruption() ? Status::Code::kCorruption : Status::Code::kIOError;
    try {
      msg = "background " + what + " failed: " + s.message() +
            "; the db refuses further writes (reopen it to recover)";
      // Out of memory keeps its code (SHALE_E_NOMEM), anything else is
      // reported as corruption or an I/O error.
      bg_error_ = code == Status::Code::kCorruption ? Status::Corruption(msg)
                  : s.code() == Status::Code::kNoMemory
                      ? Status::NoMemory(msg)
                      : Status::IOError(msg, s.sys_errno());
    } catch (const std::bad_alloc &) {
      bg_error_ = Status::NoMemory({});  // no memory for the message
      bg_cv_.notify_all();
      return;
    }
    bg_cv_.notify_all();
  }
  info_log_.Log(LogLevel::kError, msg);
}

void DBImpl::InstallCurrent() {
  auto view = std::make_unique<PublishedView>();
  std::lock_guard<std::mutex> g(mu_);
  current_ = versions_->current();
  PublishView(std::move(view));
  bg_cv_.notify_all();
}

void DBImpl::FreeRetiredViews() {
  // The replaced views hold memtables and versions (whose files cannot be
  // deleted while they are listed): free them now, not at a later retire.
  epoch::Synchronize();
  epoch::Reclaim();
}

Status DBImpl::BuildTable(const MemTable &mem, FileMeta *meta) {
  *meta = FileMeta();
  const uint64_t number = meta->number = versions_->NewFileNumber();
  {
    std::lock_guard<std::mutex> g(mu_);
    pending_outputs_.insert(number);
  }
  const std::string path = TableFileName(path_, number);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(path, &file);
  uint64_t entries = 0;
  if (s.ok()) {
    TableBuilder builder(table_options_, file.get());
    MemTable::Iterator it(&mem);
    for (it.SeekToFirst(); it.Valid() && s.ok(); it.Next()) {
      if (entries == 0) {
        meta->smallest_key.assign(it.user_key());
        meta->smallest_tag = it.tag();
      }
      meta->largest_key.assign(it.user_key());
      meta->largest_tag = it.tag();
      s = builder.Add(it.user_key(), it.tag(), it.value());
      ++entries;
    }
    meta->num_entries = entries;
    if (s.ok() && entries > 0) {
      s = builder.Finish();
      meta->file_size = builder.FileSize();
    } else {
      builder.Abandon();
    }
    // The table is durable before the manifest edit that names it.
    if (s.ok() && entries > 0) s = file->Sync();
    Status c = file->Close();
    if (s.ok()) s = c;
  }
  if (s.ok() && entries > 0) {
    // Read it back once: a table that does not open must not be recorded.
    std::shared_ptr<Table> t;
    s = table_cache_->Open(number, meta->file_size, &t);
  }
  if (!s.ok() || entries == 0) {
    (void)env_->RemoveFile(path);
    std::lock_guard<std::mutex> g(mu_);
    pending_outputs_.erase(number);
    meta->number = 0;
  }
  if (!s.ok()) {
    return Status::IOError("writing table " + path + ": " + s.message(),
                           s.sys_errno());
  }
  return Status::OK();
}

Status DBImpl::FlushImmutable() {
  std::shared_ptr<MemTable> imm;
  uint64_t next_log = 0;
  {
    std::lock_guard<std::mutex> g(mu_);
    imm = imm_;
    next_log = imm_next_log_;
  }
  if (imm == nullptr) return Status::OK();
  FileMeta meta;
  Status s = BuildTable(*imm, &meta);
  if (!s.ok()) return s;
  VersionEdit edit;
  if (meta.number != 0) {
    edit.AddFile(0, std::make_shared<FileMeta>(meta));
  }
  edit.log_number = next_log;  // imm_'s log is obsolete after this edit
  edit.last_sequence = last_sequence_.load();
  auto view = std::make_unique<PublishedView>();
  s = versions_->LogAndApply(&edit);
  {
    std::lock_guard<std::mutex> g(mu_);
    // A failed edit may still be in the manifest (written, not synced):
    // the table stays pending so that no DeleteObsoleteFiles removes it
    // before the next open decides. Found by tests/fault_loops.
    if (meta.number != 0 && s.ok()) pending_outputs_.erase(meta.number);
    if (s.ok()) {
      current_ = versions_->current();
      imm_.reset();
      has_imm_ = false;
      PublishView(std::move(view));
      ++stat_flushes_;
      stat_flush_written_ += meta.file_size;
    }
    bg_cv_.notify_all();
  }
  if (!s.ok()) return s;
  FreeRetiredViews();
  DeleteObsoleteFiles();
  return Status::OK();
}

void DBImpl::DeleteObsoleteFiles() {
  if (options_.read_only) return;
  std::lock_guard<std::mutex> serial(obsolete_mu_);
  std::vector<std::string> children;
  if (!env_->GetChildren(path_, &children).ok()) return;
  // What is live is read after the listing: a file created since then is
  // either pending or live by the time its number is read here.
  // The log and manifest numbers are read before the pins: a reader that
  // pins a file and then finds it still current (Verify, Backup) keeps it.
  const uint64_t min_log = versions_->log_number();
  const uint64_t manifest = versions_->manifest_number();
  std::set<uint64_t> live;
  std::multiset<uint64_t> pinned;  // logs and manifests being read
  uint64_t active_log = 0;
  {
    std::lock_guard<std::mutex> g(mu_);
    live = pending_outputs_;
    pinned = pinned_logs_;
    active_log = log_number_;
  }
  versions_->AddLiveFiles(&live);
  bool removed = false;
  for (const std::string &name : children) {
    uint64_t number = 0;
    bool obsolete = false;
    switch (ParseFileName(name, &number)) {
      case FileType::kLog:
        obsolete = number < min_log && number != active_log &&
                   pinned.count(number) == 0;
        break;
      case FileType::kTable:
        obsolete = live.count(number) == 0;
        break;
      case FileType::kManifest:
        obsolete = number < manifest && pinned.count(number) == 0;
        break;
      default:
        break;
    }
    if (!obsolete) continue;
    // A table's reader closed with its FileMeta (no live version lists it).
    const std::string file = path_ + "/" + name;
    Status s = env_->RemoveFile(file);
    if (s.ok()) {
      removed = true;
      info_log_.Log(LogLevel::kDebug, "removed obsolete file " + file);
    } else {
      info_log_.Log(LogLevel::kWarn, s.message());
    }
  }
  if (removed) (void)env_->SyncDir(path_);
}

Status DBImpl::Flush() {
  Status s = CheckOpenForMaintenance();
  if (!s.ok()) return s;
  std::shared_ptr<MemTable> target;
  Exclusive fn = [&](std::unique_lock<std::mutex> &l) {
    Status st = MakeRoomForWrite(l, /*force=*/true);
    target = imm_;
    return st;
  };
  s = RunExclusive(fn);
  if (!s.ok()) return s;
  if (target == nullptr) return Status::OK();
  std::unique_lock<std::mutex> l(mu_);
  bg_cv_.wait(l, [&] {
    return imm_ != target || !bg_error_.ok() || shutting_down_.load();
  });
  if (imm_ == target) {
    return bg_error_.ok() ? Status::IOError(path_ + ": the db is closed")
                          : bg_error_;
  }
  return Status::OK();
}

}  // namespace shale
