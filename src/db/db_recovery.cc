// Opening a db directory: lock it, read CURRENT, replay the active log into
// the memtable, repair what may be repaired (a torn tail is cut off; with
// salvage the recovered state is rewritten into a fresh log), and open the
// log for appending.
#include <algorithm>
#include <cerrno>

#include "db/db_impl.h"
#include "db/db_iter.h"
#include "db/filenames.h"
#include "env/atomic_file.h"
#include "wal/log_reader.h"

namespace shale {

void DBImpl::Report(LogLevel level, const std::string &msg) {
  recovery_report_ += msg;
  recovery_report_ += '\n';
  info_log_.Log(level, msg);
}

Status DBImpl::Recover() {
  const bool exists = env_->FileExists(path_);
  if (!exists) {
    if (!options_.create_if_missing || options_.read_only) {
      return Status::IOError(
          path_ + ": " + ErrnoText(ENOENT) + " (the db does not exist; " +
              (options_.read_only ? "a read-only open does not create it)"
                                  : "set create_if_missing to create it)"),
          ENOENT);
    }
  }
  if (!options_.read_only) {
    Status s = env_->CreateDir(path_);
    if (!s.ok()) return s;
    if (!exists) {
      s = env_->SyncDir(DirName(path_));
      if (!s.ok()) return s;
    }
  }
  Status s = DbLock::Acquire(env_, path_, &lock_);
  if (!s.ok()) return s;

  const std::string current = CurrentFileName(path_);
  if (!env_->FileExists(current)) {
    std::vector<std::string> children;
    s = env_->GetChildren(path_, &children);
    if (!s.ok()) return s;
    for (const std::string &name : children) {
      uint64_t number = 0;
      FileType type = ParseFileName(name, &number);
      if (type == FileType::kLog || type == FileType::kUnknown) {
        return Status::Corruption(
            current + ": missing, but the directory holds db files (" + name +
            "); refusing to treat it as a new db");
      }
    }
    if (!options_.create_if_missing || options_.read_only) {
      return Status::IOError(
          path_ + ": not a shale db (no CURRENT file); " +
              (options_.read_only ? "a read-only open does not create one"
                                  : "set create_if_missing to create one"),
          ENOENT);
    }
    return CreateNew();
  }
  if (options_.error_if_exists) {
    return Status::Exists(path_ + ": the db already exists (error_if_exists)");
  }

  std::string contents;
  s = env_->ReadFileToString(current, &contents);
  if (!s.ok()) {
    return Status::Corruption(current + ": unreadable: " + s.message());
  }
  CurrentContents cur;
  s = DecodeCurrent(contents, current, &cur);
  if (!s.ok()) return s;
  uint64_t log_number = cur.number;

  // File numbers must stay above everything present, even orphans.
  std::vector<std::string> children;
  s = env_->GetChildren(path_, &children);
  if (!s.ok()) return s;
  uint64_t max_number = log_number;
  for (const std::string &name : children) {
    uint64_t number = 0;
    if (ParseFileName(name, &number) == FileType::kLog) {
      max_number = std::max(max_number, number);
    }
  }
  next_file_number_ = max_number + 1;

  bool rewrite = false;
  s = ReplayLog(log_number, &rewrite);
  if (!s.ok()) return s;
  if (options_.read_only) return Status::OK();
  if (rewrite) {
    s = RewriteLog(log_number);
    if (!s.ok()) return s;
  }
  RemoveObsoleteFiles(log_number_);
  return Status::OK();
}

Status DBImpl::CreateNew() {
  const uint64_t number = next_file_number_++;
  const std::string log_path = LogFileName(path_, number);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(log_path, &file);
  if (!s.ok()) return s;
  s = file->Sync();
  if (s.ok()) s = env_->SyncDir(path_);
  if (s.ok())
    s = ReplaceFileAtomically(
        env_, CurrentFileName(path_),
        "shale-format 1\n" + LogFileBaseName(number) + "\n");
  if (!s.ok()) return s;
  log_ = std::make_unique<wal::Writer>(std::move(file), log_path, 0);
  log_number_ = number;
  Report(LogLevel::kInfo, "created a new db at " + path_);
  return Status::OK();
}

Status DBImpl::ReplayLog(uint64_t number, bool *rewrite) {
  *rewrite = false;
  const std::string log_path = LogFileName(path_, number);
  uint64_t size = 0;
  Status s = env_->GetFileSize(log_path, &size);
  if (!s.ok()) {
    return Status::Corruption(log_path + ": the log named by CURRENT is " +
                              "missing or unreadable: " + s.message());
  }
  std::unique_ptr<RandomAccessFile> file;
  s = env_->NewRandomAccessFile(log_path, &file);
  if (!s.ok()) return s;
  wal::Reader reader(std::move(file), log_path, size, options_.salvage);

  uint64_t records = 0;
  uint64_t entries = 0;
  SequenceNumber last = 0;
  std::string payload;
  WriteBatch batch;
  while (true) {
    bool has = false;
    wal::RecordKind kind;
    uint64_t offset = 0;
    s = reader.ReadRecord(&has, &kind, &payload, &offset);
    if (!s.ok()) return s;
    if (!has) break;
    s = batch.SetContents(payload);
    if (s.ok() && batch.Count() > 0 &&
        (batch.Sequence() == 0 ||
         batch.Sequence() + batch.Count() - 1 > kMaxSequence)) {
      s = Status::Corruption("sequence number out of range");
    }
    if (!s.ok()) {
      // The checksum held, so the bytes are what was written: a bug, not
      // damage. Salvage cannot skip it safely either.
      return Status::Corruption(log_path + ": record at offset " +
                                std::to_string(offset) + ": " + s.message());
    }
    s = ApplyToMemTable(batch);
    if (!s.ok()) return s;
    ++records;
    entries += batch.Count();
    if (batch.Count() > 0) {
      last =
          std::max<SequenceNumber>(last, batch.Sequence() + batch.Count() - 1);
    }
  }
  last_sequence_.store(last, std::memory_order_release);

  Report(LogLevel::kInfo,
         "recovered " + log_path + ": " + std::to_string(records) +
             " records, " + std::to_string(entries) +
             " entries, last sequence " + std::to_string(last));
  for (const wal::SkippedRange &r : reader.skipped()) {
    Report(LogLevel::kWarn, "salvage skipped " + log_path + " offset " +
                                std::to_string(r.offset) + " length " +
                                std::to_string(r.length) + " (" + r.reason +
                                ")");
  }
  const uint64_t valid_end = reader.valid_end();
  if (reader.torn_bytes() > 0) {
    Report(LogLevel::kWarn,
           "dropped a torn tail of " + std::to_string(reader.torn_bytes()) +
               " bytes at offset " + std::to_string(valid_end) + " of " +
               log_path + " (" + reader.torn_reason() + ")" +
               (options_.read_only ? "; left in place (read-only)"
                                   : "; truncated"));
  }
  log_number_ = number;
  if (options_.read_only) return Status::OK();

  if (!reader.skipped().empty()) {
    *rewrite = true;
    return Status::OK();
  }
  if (valid_end < size) {
    // Cut the torn tail off (durably) before anything is appended after it.
    s = env_->TruncateFile(log_path, valid_end);
    if (!s.ok()) return s;
  }
  return OpenLogForAppend(number, valid_end);
}

Status DBImpl::OpenLogForAppend(uint64_t number, uint64_t size) {
  const std::string log_path = LogFileName(path_, number);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewAppendableFile(log_path, &file);
  if (!s.ok()) return s;
  log_ = std::make_unique<wal::Writer>(std::move(file), log_path, size);
  log_number_ = number;
  return Status::OK();
}

// Writes the memtable's live state into a new log, makes it durable, points
// CURRENT at it, then deletes the old log.
Status DBImpl::RewriteLog(uint64_t old_number) {
  const uint64_t number = next_file_number_++;
  const std::string log_path = LogFileName(path_, number);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(log_path, &file);
  if (!s.ok()) return s;
  auto log = std::make_unique<wal::Writer>(std::move(file), log_path, 0);

  // Count the live keys first so the rewritten sequences end exactly at the
  // recovered last sequence.
  const SequenceNumber last = last_sequence_.load(std::memory_order_relaxed);
  uint64_t live = 0;
  {
    auto it = NewDBIterator(mem_, last, nullptr, ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++live;
  }
  SequenceNumber seq = live <= last ? last - live + 1 : 1;
  auto it = NewDBIterator(mem_, last, nullptr, ReadOptions());
  WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return Status::OK();
    batch.SetSequence(seq);
    seq += batch.Count();
    Status st = log->AddRecord(wal::RecordKind::kWriteBatch, batch.Contents());
    batch.Clear();
    return st;
  };
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    s = batch.Put(it->key(), it->value());
    if (s.ok() && batch.ByteSize() >= (1u << 20)) s = flush();
  }
  if (s.ok()) s = flush();
  if (s.ok()) s = log->Sync();
  if (s.ok()) s = env_->SyncDir(path_);
  if (s.ok()) {
    s = ReplaceFileAtomically(
        env_, CurrentFileName(path_),
        "shale-format 1\n" + LogFileBaseName(number) + "\n");
  }
  if (!s.ok()) {
    (void)log->Close();
    (void)env_->RemoveFile(log_path);
    return s;
  }
  const std::string old_path = LogFileName(path_, old_number);
  Status r = env_->RemoveFile(old_path);
  if (r.ok()) r = env_->SyncDir(path_);
  if (!r.ok()) Report(LogLevel::kWarn, "after salvage: " + r.message());
  Report(LogLevel::kWarn, "salvage rewrote the recovered state (" +
                              std::to_string(live) + " keys) from " + old_path +
                              " into " + log_path);
  if (seq - 1 > last) last_sequence_.store(seq - 1, std::memory_order_release);
  log_ = std::move(log);
  log_number_ = number;
  return Status::OK();
}

void DBImpl::RemoveObsoleteFiles(uint64_t live_log) {
  std::vector<std::string> children;
  if (!env_->GetChildren(path_, &children).ok()) return;
  bool removed = false;
  for (const std::string &name : children) {
    uint64_t number = 0;
    FileType type = ParseFileName(name, &number);
    if ((type == FileType::kLog && number != live_log) ||
        type == FileType::kTemp) {
      Status s = env_->RemoveFile(path_ + "/" + name);
      if (s.ok()) {
        removed = true;
        Report(LogLevel::kInfo, "removed obsolete file " + path_ + "/" + name);
      } else {
        Report(LogLevel::kWarn, s.message());
      }
    }
  }
  if (removed) (void)env_->SyncDir(path_);
}

}  // namespace shale
