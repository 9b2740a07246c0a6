// Verify: reads every live file and checks every checksum — each table's
// blocks, the manifest's records (and that each decodes), each live log's
// records. A torn log tail is reported but is not corruption.
#include "db/db_impl.h"
#include "db/filenames.h"
#include "version/version_edit.h"
#include "wal/log_reader.h"

namespace shale {

namespace {

struct Checker {
  explicit Checker(const ProgressFn &p) : progress(p) {}
  const ProgressFn &progress;
  uint64_t total = 0;
  uint64_t done = 0;
  uint64_t files = 0;
  std::string report;
  std::vector<std::string> problems;

  bool Tick(uint64_t at) {
    return !progress || progress(std::min(done + at, total), total);
  }
  void Problem(const std::string &what) {
    problems.push_back(what);
    report += "PROBLEM " + what + "\n";
  }
};

// A full pass over a log-framed file: every record's CRC (salvage mode, so
// that every damaged range is found, not just the first).
Status CheckLogFile(Env *env, const std::string &path, bool manifest,
                    Checker *ck) {
  uint64_t size = 0;
  Status s = env->GetFileSize(path, &size);
  std::unique_ptr<RandomAccessFile> file;
  if (s.ok()) s = env->NewRandomAccessFile(path, &file);
  if (!s.ok()) {
    ck->Problem(path + ": unreadable: " + s.message());
    return Status::OK();
  }
  wal::Reader reader(std::move(file), path, size, /*salvage=*/true);
  std::string payload;
  uint64_t records = 0;
  while (true) {
    bool has = false;
    wal::RecordKind kind;
    uint64_t offset = 0;
    s = reader.ReadRecord(&has, &kind, &payload, &offset);
    if (!s.ok()) {
      ck->Problem(path + ": " + s.message());
      break;
    }
    if (!has) break;
    ++records;
    const auto want =
        manifest ? wal::RecordKind::kVersionEdit : wal::RecordKind::kWriteBatch;
    if (kind != want) {
      ck->Problem(path + " offset " + std::to_string(offset) +
                  ": unexpected record kind");
    } else if (manifest) {
      VersionEdit edit;
      Status d = edit.DecodeFrom(payload);
      if (!d.ok()) {
        ck->Problem(path + " offset " + std::to_string(offset) + ": " +
                    d.message());
      }
    }
    if (records % 64 == 0 && !ck->Tick(offset)) {
      return Status::Cancelled("verify cancelled by the progress callback");
    }
  }
  for (const wal::SkippedRange &r : reader.skipped()) {
    ck->Problem(path + " offset " + std::to_string(r.offset) + " length " +
                std::to_string(r.length) + ": " + r.reason);
  }
  ck->report += "checked " + path + ": " + std::to_string(records) +
                " records, " + std::to_string(size) + " bytes";
  if (reader.torn_bytes() > 0) {
    ck->report += "; torn tail of " + std::to_string(reader.torn_bytes()) +
                  " bytes at offset " + std::to_string(reader.valid_end()) +
                  " (" + reader.torn_reason() + "; not corruption)";
  }
  ck->report += "\n";
  ck->done += size;
  ++ck->files;
  return Status::OK();
}

}  // namespace

Status DBImpl::Verify(const ProgressFn &progress, std::string *report) {
  if (report != nullptr) report->clear();
  // Reached after close only by a background job racing it: the close
  // cancels its jobs.
  if (closed_.load()) {
    return Status::Cancelled(path_ + ": the db was closed");
  }
  // The set of files to check, pinned for the whole verify: the version (a
  // table of a version someone holds is never removed), the live logs and
  // the manifest (DeleteObsoleteFiles skips pinned numbers), so that no
  // file is removed under the check.
  std::shared_ptr<const Version> version;
  uint64_t manifest = 0;
  std::vector<uint64_t> logs;
  std::vector<uint64_t> pinned;
  {
    std::lock_guard<std::mutex> g(mu_);
    version = current_;
    // DeleteObsoleteFiles reads the log and manifest numbers before the
    // pins: a file it may remove is, once pinned here, seen as superseded
    // by the numbers read after the pin.
    const uint64_t min_log = versions_->log_number();
    if (imm_ != nullptr && imm_log_ >= min_log) logs.push_back(imm_log_);
    if (log_ != nullptr) logs.push_back(log_number_);
    for (uint64_t n : logs) pinned_logs_.insert(n);
    pinned.insert(pinned.end(), logs.begin(), logs.end());
    while (true) {
      manifest = versions_->manifest_number();
      if (manifest == 0) break;
      pinned_logs_.insert(manifest);
      pinned.push_back(manifest);
      if (versions_->manifest_number() == manifest) break;
    }
  }
  struct Unpin {
    DBImpl *db;
    const std::vector<uint64_t> &numbers;
    ~Unpin() {
      std::lock_guard<std::mutex> g(db->mu_);
      for (uint64_t n : numbers) {
        auto it = db->pinned_logs_.find(n);
        if (it != db->pinned_logs_.end()) db->pinned_logs_.erase(it);
      }
    }
  } unpin{this, pinned};
  Status s;
  if (logs.empty()) {
    // Read-only (no log is written, nothing is removed): the logs on disk
    // from the manifest's log number on.
    std::vector<std::string> names;
    s = env_->GetChildren(path_, &names);
    if (!s.ok()) return s;
    const uint64_t min_log = versions_->log_number();
    for (const std::string &name : names) {
      uint64_t n = 0;
      if (ParseFileName(name, &n) == FileType::kLog && n >= min_log) {
        logs.push_back(n);
      }
    }
  }
  std::sort(logs.begin(), logs.end());
  Checker ck(progress);
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : version->files(level)) ck.total += f->file_size;
  }
  std::vector<std::string> log_paths;
  if (manifest != 0) log_paths.push_back(ManifestFileName(path_, manifest));
  for (uint64_t n : logs) log_paths.push_back(LogFileName(path_, n));
  for (const std::string &p : log_paths) {
    uint64_t size = 0;
    if (env_->GetFileSize(p, &size).ok()) ck.total += size;
  }
  if (!ck.Tick(0))
    return Status::Cancelled("verify cancelled by the progress callback");

  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : version->files(level)) {
      const std::string p = TableFileName(path_, f->number);
      std::shared_ptr<Table> t;
      s = table_cache_->Open(f->number, f->file_size, &t);
      if (s.ok()) {
        bool cancelled = false;
        s = t->VerifyChecksums([&](uint64_t bytes) {
          if (!ck.Tick(bytes)) cancelled = true;
          return !cancelled;
        });
        if (cancelled) {
          return Status::Cancelled("verify cancelled by the progress callback");
        }
      }
      if (!s.ok()) {
        ck.Problem(s.message().find(p) == std::string::npos
                       ? p + ": " + s.message()
                       : s.message());
      } else {
        ck.report += "checked " + p + " (level " + std::to_string(level) +
                     "): " + std::to_string(f->file_size) + " bytes\n";
      }
      ck.done += f->file_size;
      ++ck.files;
    }
  }
  for (size_t i = 0; i < log_paths.size(); ++i) {
    const bool is_manifest = manifest != 0 && i == 0;
    s = CheckLogFile(env_, log_paths[i], is_manifest, &ck);
    if (!s.ok()) return s;
  }
  if (progress) (void)progress(ck.total, ck.total);
  ck.report += std::to_string(ck.files) + " files, " + std::to_string(ck.done) +
               " bytes checked, " + std::to_string(ck.problems.size()) +
               (ck.problems.size() == 1 ? " problem\n" : " problems\n");
  if (report != nullptr) *report = ck.report;
  if (!ck.problems.empty()) {
    return Status::Corruption(
        path_ + ": verify found " + std::to_string(ck.problems.size()) +
        (ck.problems.size() == 1 ? " problem: " : " problems; the first: ") +
        ck.problems.front());
  }
  return Status::OK();
}

}  // namespace shale
