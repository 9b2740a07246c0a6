// Opening a db directory: lock it, read CURRENT and the manifest (the live
// table files and the oldest live log), replay the logs from that one on
// into the memtable, repair what may be repaired (a torn tail is cut off;
// with salvage the recovered memtable is written to a table and a fresh log
// started), write a fresh manifest, and start the background thread.
#include <algorithm>
#include <cerrno>

#include "db/db_impl.h"
#include "db/filenames.h"
#include "env/atomic_file.h"
#include "wal/log_reader.h"

namespace shale {

void DBImpl::Report(LogLevel level, const std::string &msg) {
  recovery_report_ += msg;
  recovery_report_ += '\n';
  info_log_.Log(level, msg);
}

// A directory without CURRENT that holds files, none of them shale's (no
// log, table or manifest), is not a db: it is refused before the lock is
// taken, in either mode, so that it is left untouched (no LOCK file), and
// no db is created among someone else's files. Found by the CLI tests
// (`shale put` on a mistyped path).
Status DBImpl::RefuseForeignDirectory() {
  std::vector<std::string> names;
  if (!env_->GetChildren(path_, &names).ok()) return Status::OK();
  std::string foreign;
  for (const std::string &name : names) {
    if (name == "." || name == "..") continue;
    uint64_t number = 0;
    const FileType type = ParseFileName(name, &number);
    if (type == FileType::kLock) continue;
    if (type != FileType::kUnknown) return Status::OK();  // shale's files
    if (foreign.empty()) foreign = name;
  }
  if (foreign.empty()) return Status::OK();  // empty: a new db may go here
  return Status::IOError(
      path_ + ": not a shale db (no CURRENT file) and it holds other files (" +
          foreign + "); " +
          (options_.read_only ? "a read-only open changes nothing"
                              : "refusing to create a db among them"),
      ENOENT);
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
  const std::string current = CurrentFileName(path_);
  if (exists && !env_->FileExists(current)) {
    Status s = RefuseForeignDirectory();
    if (!s.ok()) return s;
  }
  // A read-only open without CURRENT fails below whatever the lock says;
  // not locking then leaves such a directory untouched (no LOCK file is
  // created in a directory that is not a db). Found by the CLI tests. A
  // read-write open looks for CURRENT only under the lock: a creator in
  // another process may be writing it.
  bool has_current = options_.read_only && env_->FileExists(current);
  Status s;
  if (!options_.read_only || has_current) {
    s = DbLock::Acquire(env_, path_, &lock_);
    if (!s.ok()) return s;
    has_current = env_->FileExists(current);
  }

  std::vector<std::string> children;
  // Salvage (read-write): why the manifest CURRENT names cannot be used.
  const bool salvage = options_.salvage && !options_.read_only;
  std::string salvage_why;
  if (!has_current) {
    s = env_->GetChildren(path_, &children);
    if (!s.ok()) return s;
    for (const std::string &name : children) {
      uint64_t number = 0;
      FileType type = ParseFileName(name, &number);
      // A creation that failed (I/O error, power loss) before CURRENT was
      // written leaves an empty log and maybe a manifest: no data, so the
      // directory is still created anew (CreateNew reuses those names).
      // Found by tests/fault_loops (a failed create made the path unusable).
      uint64_t size = 0;
      if (type == FileType::kLog &&
          env_->GetFileSize(path_ + "/" + name, &size).ok() && size == 0) {
        continue;
      }
      if (type == FileType::kManifest) continue;
      if (salvage && (type == FileType::kLog || type == FileType::kTable)) {
        salvage_why = current + " is missing";
        break;
      }
      if (type == FileType::kLog || type == FileType::kTable ||
          type == FileType::kUnknown) {
        return Status::Corruption(
            current + ": missing, but the directory holds db files (" + name +
            "); refusing to treat it as a new db");
      }
    }
    if (salvage_why.empty() &&
        (!options_.create_if_missing || options_.read_only)) {
      return Status::IOError(
          path_ + ": not a shale db (no CURRENT file); " +
              (options_.read_only ? "a read-only open does not create one"
                                  : "set create_if_missing to create one"),
          ENOENT);
    }
    if (salvage_why.empty()) {
      s = CreateNew();
      if (s.ok()) StartBackgroundThread();
      return s;
    }
  }
  if (options_.error_if_exists) {
    return Status::Exists(path_ + ": the db already exists (error_if_exists)");
  }

  CurrentContents cur;
  if (salvage_why.empty()) {
    std::string contents;
    s = env_->ReadFileToString(current, &contents);
    if (!s.ok()) {
      s = Status::Corruption(current + ": unreadable: " + s.message());
    } else {
      s = DecodeCurrent(contents, current, &cur);
    }
    if (!s.ok() && !(salvage && s.IsCorruption())) return s;
    if (!s.ok()) salvage_why = s.message();
  }
  if (!salvage_why.empty()) {
    cur.format = kFormatVersion;
  } else if (cur.format == 1) {
    // Before table files: CURRENT named the one log. Upgraded below by
    // writing a manifest (read-only opens leave it as it is).
    versions_->InitEmpty(cur.number);
    Report(LogLevel::kInfo, "format 1 db (no manifest): log " +
                                LogFileBaseName(cur.number) +
                                (options_.read_only ? "" : "; upgrading"));
  } else {
    std::string note;
    s = versions_->Recover(cur.number, &note, salvage);
    if (!s.ok() && !(salvage && s.IsCorruption())) return s;
    if (!s.ok()) salvage_why = s.message();
    if (s.ok()) Report(LogLevel::kDebug, note);
  }
  bool rebuilt = false;
  if (salvage && cur.format != 1) {
    s = SalvageVersions(salvage_why, salvage_why.empty() ? cur.number : 0,
                        &rebuilt);
    if (!s.ok()) return s;
  }
  if (salvage) {
    s = SalvageTables();
    if (!s.ok()) return s;
  }
  // A file the recovered state needs is missing. After a dropped manifest
  // tail that is the manifest's fault: name it and the damaged record.
  auto missing = [&](const std::string &base, Status st) {
    if (cur.format == 1 || !versions_->dropped_tail()) return st;
    return Status::Corruption(
        ManifestFileName(path_, cur.number) + ": record at offset " +
        std::to_string(versions_->dropped_tail_offset()) + " is damaged (" +
        versions_->dropped_tail_reason() +
        ") and the state before it refers to missing file " + base);
  };
  uint64_t missing_table = 0;
  s = CheckTableFiles(&missing_table);
  if (!s.ok()) {
    if (missing_table == 0) return s;
    return missing(TableFileBaseName(missing_table), s);
  }
  last_sequence_ = versions_->last_sequence();

  // File numbers must stay above everything present, even orphans.
  s = env_->GetChildren(path_, &children);
  if (!s.ok()) return s;
  std::vector<uint64_t> logs;
  for (const std::string &name : children) {
    uint64_t number = 0;
    FileType type = ParseFileName(name, &number);
    if (type == FileType::kLog || type == FileType::kTable ||
        type == FileType::kManifest) {
      versions_->MarkFileNumberUsed(number);
    }
    if (type == FileType::kLog && number >= versions_->log_number()) {
      logs.push_back(number);
    }
  }
  std::sort(logs.begin(), logs.end());
  if (salvage &&
      (rebuilt || (!logs.empty() && logs.front() == versions_->log_number()))) {
    // Nothing is missing (a rebuilt state replays every log present).
  } else if (salvage) {
    Report(LogLevel::kWarn,
           "salvage: " + LogFileName(path_, versions_->log_number()) +
               ", named by the manifest, is missing: its writes are lost");
  } else if (logs.empty() || logs.front() != versions_->log_number()) {
    const std::string log_path = LogFileName(path_, versions_->log_number());
    return missing(
        LogFileBaseName(versions_->log_number()),
        Status::Corruption(log_path + ": the log named by " +
                           (cur.format == 1 ? "CURRENT" : "the manifest") +
                           " is missing"));
  }
  if (cur.format == 1 && logs.size() > 1)
    logs.erase(logs.begin() + 1, logs.end());

  bool skipped = false;
  SequenceNumber replayed = 0;
  for (size_t i = 0; i < logs.size(); ++i) {
    bool sk = false;
    s = ReplayLog(logs[i], i + 1 == logs.size(), &sk, &replayed);
    if (!s.ok()) return s;
    skipped = skipped || sk;
  }
  current_ = versions_->current();
  if (options_.read_only) return Status::OK();

  if (log_ == nullptr) {
    // No log to append to (all were flushed and removed): start one.
    const uint64_t number = versions_->NewFileNumber();
    const std::string log_path = LogFileName(path_, number);
    std::unique_ptr<WritableFile> file;
    s = env_->NewWritableFile(log_path, &file);
    if (s.ok()) s = env_->SyncDir(path_);
    if (!s.ok()) return s;
    log_ = std::make_unique<wal::Writer>(std::move(file), log_path, 0);
    log_number_ = number;
    if (salvage && logs.empty()) {
      // The log the state names is missing (reported above): the new one
      // takes its place, or the next open would look for it again.
      VersionEdit edit;
      edit.log_number = number;
      s = versions_->ApplyRecovered(edit);
      if (!s.ok()) return s;
    }
  }
  // A fresh manifest holding the recovered state (this is also where a
  // format-1 db gets its first manifest and a format-2 CURRENT).
  s = versions_->WriteSnapshotManifest();
  if (!s.ok()) return s;
  if (skipped || ReplayedAnything()) {
    s = InstallRecoveredTables(skipped);
    if (!s.ok()) return s;
  }
  // Temp files of interrupted replacements, and what the manifest no
  // longer names.
  for (const std::string &name : children) {
    uint64_t number = 0;
    if (ParseFileName(name, &number) == FileType::kTemp) {
      Status r = env_->RemoveFile(path_ + "/" + name);
      Report(
          r.ok() ? LogLevel::kInfo : LogLevel::kWarn,
          r.ok() ? "removed obsolete file " + path_ + "/" + name : r.message());
    }
  }
  DeleteObsoleteFiles();
  StartBackgroundThread();
  return Status::OK();
}

Status DBImpl::CheckTableFiles(uint64_t *missing) {
  *missing = 0;
  auto v = versions_->current();
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : v->files(level)) {
      const std::string p = TableFileName(path_, f->number);
      uint64_t size = 0;
      Status s = env_->GetFileSize(p, &size);
      if (!s.ok()) {
        if (!env_->FileExists(p)) *missing = f->number;
        return Status::Corruption(p +
                                  ": a table named by the manifest is "
                                  "missing or unreadable: " +
                                  s.message());
      }
      if (size != f->file_size) {
        return Status::Corruption(p + ": " + std::to_string(size) +
                                  " bytes, the manifest says " +
                                  std::to_string(f->file_size));
      }
    }
  }
  return Status::OK();
}

Status DBImpl::CreateNew() {
  const uint64_t number = versions_->NewFileNumber();
  versions_->InitEmpty(number);
  const std::string log_path = LogFileName(path_, number);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(log_path, &file);
  if (!s.ok()) return s;
  s = file->Sync();
  if (s.ok()) s = env_->SyncDir(path_);
  if (s.ok()) s = versions_->WriteSnapshotManifest();
  if (!s.ok()) return s;
  log_ = std::make_unique<wal::Writer>(std::move(file), log_path, 0);
  log_number_ = number;
  current_ = versions_->current();
  Report(LogLevel::kInfo, "created a new db at " + path_);
  return Status::OK();
}

Status DBImpl::ReplayLog(uint64_t number, bool last, bool *skipped,
                         SequenceNumber *replayed) {
  *skipped = false;
  const std::string log_path = LogFileName(path_, number);
  uint64_t size = 0;
  Status s = env_->GetFileSize(log_path, &size);
  if (!s.ok()) {
    return Status::Corruption(log_path + ": a live log is " +
                              "missing or unreadable: " + s.message());
  }
  std::unique_ptr<RandomAccessFile> file;
  s = env_->NewRandomAccessFile(log_path, &file);
  if (!s.ok()) return s;
  wal::Reader reader(std::move(file), log_path, size, options_.salvage);
  reader.set_last_file(last);

  uint64_t records = 0;
  uint64_t entries = 0;
  SequenceNumber last_seq = last_sequence_.load();
  std::string payload;
  WriteBatch batch;
  while (true) {
    bool has = false;
    wal::RecordKind kind;
    uint64_t offset = 0;
    s = reader.ReadRecord(&has, &kind, &payload, &offset);
    if (!s.ok()) return s;
    if (!has) break;
    if (kind != wal::RecordKind::kWriteBatch) {
      s = Status::Corruption("not a write batch record");
    } else {
      s = batch.SetContents(payload);
    }
    if (s.ok() && batch.Count() > 0 &&
        (batch.Sequence() == 0 ||
         batch.Sequence() + batch.Count() - 1 > kMaxSequence)) {
      s = Status::Corruption("sequence number out of range");
    }
    // Sequences only grow from record to record (and log to log). A record
    // that repeats earlier sequence numbers (found by fuzz_files: a record
    // copied within the log, checksum intact) would put two entries with
    // the same key and sequence in the memtable, which the skiplist does
    // not allow.
    if (s.ok() && batch.Count() > 0 && batch.Sequence() <= *replayed) {
      s = Status::Corruption("sequence " + std::to_string(batch.Sequence()) +
                             " does not follow the previous record's " +
                             std::to_string(*replayed));
    }
    if (!s.ok()) {
      // The checksum held, so the bytes are what was written: a bug, not
      // damage. Salvage cannot skip it safely either.
      return Status::Corruption(log_path + ": record at offset " +
                                std::to_string(offset) + ": " + s.message());
    }
    s = ApplyToMemTable(batch);
    if (!s.ok()) return s;
    // A long log must not grow the memtable past its budget.
    if (!options_.read_only && mem_->DataSize() >= options_.write_buffer_size) {
      s = WriteRecoveredTable();
      if (!s.ok()) return s;
    }
    ++records;
    entries += batch.Count();
    if (batch.Count() > 0) {
      *replayed = batch.Sequence() + batch.Count() - 1;
      last_seq = std::max<SequenceNumber>(last_seq, *replayed);
    }
  }
  last_sequence_.store(last_seq, std::memory_order_release);

  Report(LogLevel::kInfo,
         "recovered " + log_path + ": " + std::to_string(records) +
             " records, " + std::to_string(entries) +
             " entries, last sequence " + std::to_string(last_seq));
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
  if (options_.read_only) return Status::OK();

  if (!reader.skipped().empty()) *skipped = true;
  if (valid_end < size) {
    // Cut the torn tail off (durably) before anything is appended after it.
    s = env_->TruncateFile(log_path, valid_end);
    if (!s.ok()) return s;
  }
  // What was replayed goes to tables (Recover): appending to this log would
  // leave it to be replayed again at every open.
  if (!last || *skipped || ReplayedAnything()) return Status::OK();
  return OpenLogForAppend(number, valid_end);
}

bool DBImpl::ReplayedAnything() const {
  return mem_->EntryCount() > 0 || !recovered_.added.empty();
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

// Writes the replayed memtable to a level-0 table recorded in recovered_
// (nothing if it is empty) and starts a new memtable.
Status DBImpl::WriteRecoveredTable() {
  FileMeta meta;
  Status s = BuildTable(*mem_, &meta);
  if (!s.ok()) return s;
  if (meta.number != 0) {
    recovered_.AddFile(0, std::make_shared<FileMeta>(std::move(meta)));
  }
  mem_ = NewMemTable();
  return Status::OK();
}

// The replayed writes go to level-0 tables and the replayed logs become
// obsolete, so reads are served from tables (with their filters and
// indexes) rather than from a memtable rebuilt at every open, and the next
// open replays nothing. Salvage relies on it too: after skipped records
// the damaged logs must not be replayed again. The tables are durable
// before the edit that names them, and the edit (with the new log) is
// durable before a replayed log is removed, so a crash at any point
// leaves either the logs or the tables.
Status DBImpl::InstallRecoveredTables(bool after_salvage) {
  Status s = WriteRecoveredTable();
  if (!s.ok()) return s;
  VersionEdit edit = std::move(recovered_);
  recovered_ = VersionEdit();
  edit.log_number = log_number_;
  edit.last_sequence = last_sequence_.load();
  s = versions_->LogAndApply(&edit);
  std::string names;
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto &[level, f] : edit.added) {
      // A failed edit may still be in the manifest: the tables stay
      // pending (see FlushImmutable).
      if (s.ok()) pending_outputs_.erase(f->number);
      names += (names.empty() ? "" : ", ") + TableFileBaseName(f->number);
    }
  }
  if (!s.ok()) return s;
  current_ = versions_->current();
  if (names.empty()) names = "no table (nothing live)";
  Report(after_salvage ? LogLevel::kWarn : LogLevel::kInfo,
         std::string(after_salvage ? "salvage wrote" : "wrote") +
             " the replayed writes to " + names + " and continues in log " +
             LogFileBaseName(log_number_));
  return Status::OK();
}

}  // namespace shale
