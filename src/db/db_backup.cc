// Backup: a consistent checkpoint. The write queue's leader captures, with
// no write in progress, the version (its tables), the live logs and their
// lengths; the tables are hard linked (copied across file systems), the
// logs copied up to those lengths, and a fresh manifest and CURRENT
// written. The copy is the state at the call, whatever writes follow.
#include <cerrno>

#include "db/db_impl.h"
#include "db/filenames.h"
#include "env/atomic_file.h"

namespace shale {

namespace {

struct LogPiece {
  uint64_t number;
  uint64_t size;
};

// Copies the first limit bytes of from into a new file to, synced.
Status CopyFile(Env *env, const std::string &from, const std::string &to,
                uint64_t limit, const std::function<bool(uint64_t)> &tick) {
  std::unique_ptr<SequentialFile> in;
  Status s = env->NewSequentialFile(from, &in);
  if (!s.ok()) return s;
  std::unique_ptr<WritableFile> out;
  s = env->NewWritableFile(to, &out);
  if (!s.ok()) return s;
  std::string buf(256 * 1024, '\0');
  uint64_t done = 0;
  while (s.ok() && done < limit) {
    std::string_view got;
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(buf.size(), limit - done));
    s = in->Read(want, &got, buf.data());
    if (!s.ok() || got.empty()) break;
    s = out->Append(got);
    done += got.size();
    if (s.ok() && !tick(got.size())) {
      s = Status::Cancelled("backup cancelled by the progress callback");
    }
  }
  if (s.ok() && done < limit) {
    s = Status::IOError(from + ": shorter than expected (" +
                        std::to_string(done) + " of " + std::to_string(limit) +
                        " bytes)");
  }
  if (s.ok()) s = out->Sync();
  Status c = out->Close();
  if (s.ok()) s = c;
  return s;
}

}  // namespace

Status DBImpl::Backup(const std::string &dest_in, const ProgressFn &progress) {
  // Reached after close only by a background job racing it: the close
  // cancels its jobs.
  if (closed_.load()) {
    return Status::Cancelled(path_ + ": the db was closed");
  }
  std::string dest = dest_in;
  while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
  if (dest.empty()) return Status::InvalidArgument("backup path is empty");

  // The destination: absent, or an empty directory.
  bool created = false;
  if (env_->FileExists(dest)) {
    std::vector<std::string> names;
    Status s = env_->GetChildren(dest, &names);
    if (!s.ok()) return s;
    if (!names.empty()) {
      return Status::Exists("backup destination " + dest +
                            " is not empty; refusing to write into it");
    }
  } else {
    Status s = env_->CreateDir(dest);
    if (s.ok()) s = env_->SyncDir(DirName(dest));
    if (!s.ok()) return s;
    created = true;
  }

  // Capture the state with no write in progress.
  std::shared_ptr<const Version> version;
  std::vector<LogPiece> logs;
  SequenceNumber last_seq = 0;
  uint64_t next_file = 0;
  auto capture = [&](std::unique_lock<std::mutex> &) -> Status {
    version = current_;
    last_seq = last_sequence_.load();
    next_file = versions_->NewFileNumber();
    if (imm_ != nullptr) {
      uint64_t size = 0;
      Status s = env_->GetFileSize(LogFileName(path_, imm_log_), &size);
      if (!s.ok()) return s;
      logs.push_back({imm_log_, size});
    }
    if (log_ != nullptr) logs.push_back({log_number_, log_->size()});
    for (const LogPiece &p : logs) pinned_logs_.insert(p.number);
    return Status::OK();
  };
  Status s;
  if (options_.read_only) {
    std::unique_lock<std::mutex> l(mu_);
    s = capture(l);
    if (s.ok() && logs.empty()) {
      // Read-only: the logs from the manifest's log number on.
      std::vector<std::string> names;
      s = env_->GetChildren(path_, &names);
      for (const std::string &name : names) {
        uint64_t n = 0;
        if (ParseFileName(name, &n) == FileType::kLog &&
            n >= versions_->log_number()) {
          uint64_t size = 0;
          if (env_->GetFileSize(path_ + "/" + name, &size).ok()) {
            logs.push_back({n, size});
            pinned_logs_.insert(n);
          }
        }
      }
    }
  } else {
    s = RunExclusive(capture);
  }

  uint64_t total = 0;
  if (version) {
    for (int level = 0; level < kNumLevels; ++level) {
      for (const FileRef &f : version->files(level)) total += f->file_size;
    }
  }
  for (const LogPiece &p : logs) total += p.size;
  uint64_t done = 0;
  auto tick = [&](uint64_t n) {
    done += n;
    return !progress || progress(std::min(done, total), total);
  };
  std::vector<std::string> written;
  if (s.ok() && progress && !progress(0, total)) {
    s = Status::Cancelled("backup cancelled by the progress callback");
  }
  for (int level = 0; level < kNumLevels && s.ok(); ++level) {
    for (const FileRef &f : version->files(level)) {
      const std::string from = TableFileName(path_, f->number);
      const std::string to = TableFileName(dest, f->number);
      written.push_back(to);
      s = env_->LinkFile(from, to);
      if (s.ok()) {
        if (!tick(f->file_size)) {
          s = Status::Cancelled("backup cancelled by the progress callback");
        }
      } else if (s.code() == Status::Code::kNotSupported ||
                 s.sys_errno() == EXDEV || s.sys_errno() == EPERM ||
                 s.sys_errno() == EMLINK) {
        s = CopyFile(env_, from, to, f->file_size, tick);
      }
      if (!s.ok()) break;
    }
  }
  uint64_t min_log = UINT64_MAX;
  for (const LogPiece &p : logs) {
    if (!s.ok()) break;
    min_log = std::min(min_log, p.number);
    const std::string to = LogFileName(dest, p.number);
    written.push_back(to);
    s = CopyFile(env_, LogFileName(path_, p.number), to, p.size, tick);
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const LogPiece &p : logs) {
      auto it = pinned_logs_.find(p.number);
      if (it != pinned_logs_.end()) pinned_logs_.erase(it);
    }
  }
  if (s.ok()) {
    // The manifest: one edit listing the tables.
    VersionEdit edit;
    if (logs.empty()) {
      // No log at all (read-only db without one): start an empty one.
      min_log = next_file + 1;
      const std::string to = LogFileName(dest, min_log);
      written.push_back(to);
      std::unique_ptr<WritableFile> f;
      s = env_->NewWritableFile(to, &f);
      if (s.ok()) s = f->Sync();
      if (s.ok()) s = f->Close();
    }
    edit.log_number = min_log;
    edit.next_file_number = next_file + 2;
    edit.last_sequence = last_seq;
    version->AddAllTo(&edit);
    std::string rec;
    edit.EncodeTo(&rec);
    const std::string mpath = ManifestFileName(dest, next_file);
    written.push_back(mpath);
    std::unique_ptr<WritableFile> file;
    if (s.ok()) s = env_->NewWritableFile(mpath, &file);
    if (s.ok()) {
      wal::Writer w(std::move(file), mpath, 0);
      s = w.AddRecord(wal::RecordKind::kVersionEdit, rec);
      if (s.ok()) s = w.Sync();
      Status c = w.Close();
      if (s.ok()) s = c;
    }
    if (s.ok()) s = env_->SyncDir(dest);
    if (s.ok()) {
      written.push_back(CurrentFileName(dest));
      written.push_back(AtomicTempName(CurrentFileName(dest)));
      s = ReplaceFileAtomically(env_, CurrentFileName(dest),
                                EncodeCurrent(next_file));
    }
  }
  if (!s.ok()) {
    for (const std::string &f : written) {
      if (env_->FileExists(f)) (void)env_->RemoveFile(f);
    }
    if (created) (void)env_->RemoveDir(dest);
    (void)env_->SyncDir(created ? DirName(dest) : dest);
    // A cancellation was asked for: not worth a warning.
    info_log_.Log(s.code() == Status::Code::kCancelled ? LogLevel::kInfo
                                                       : LogLevel::kWarn,
                  "backup to " + dest + ": " + s.ToString());
    return s;
  }
  if (progress) (void)progress(total, total);
  info_log_.Log(LogLevel::kInfo,
                "backup to " + dest + ": " + std::to_string(total) + " bytes");
  return Status::OK();
}

}  // namespace shale
