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
                    const std::function<bool()> &gone, Checker *ck) {
  uint64_t size = 0;
  Status s = env->GetFileSize(path, &size);
  std::unique_ptr<RandomAccessFile> file;
  if (s.ok()) s = env->NewRandomAccessFile(path, &file);
  if (!s.ok()) {
    if (gone()) {
      ck->report += "skipped " + path + ": flushed and removed meanwhile\n";
      return Status::OK();
    }
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
  if (closed_.load()) return Status::IOError(path_ + ": the db is closed");
  ReadState rs;
  Status s = GetReadState(ReadOptions(), &rs);
  if (!s.ok()) return s;
  const uint64_t manifest = versions_->manifest_number();
  std::vector<uint64_t> logs;
  {
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
    std::sort(logs.begin(), logs.end());
  }
  Checker ck(progress);
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : rs.version->files(level)) ck.total += f->file_size;
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
    for (const FileRef &f : rs.version->files(level)) {
      const std::string p = TableFileName(path_, f->number);
      std::shared_ptr<Table> t;
      s = table_cache_->Get(f->number, f->file_size, &t);
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
    const uint64_t number = is_manifest ? 0 : logs[i - (manifest != 0 ? 1 : 0)];
    auto gone = [&] {
      return is_manifest ? versions_->manifest_number() != manifest
                         : number < versions_->log_number();
    };
    s = CheckLogFile(env_, log_paths[i], is_manifest, gone, &ck);
    if (!s.ok()) return s;
  }
  if (progress) (void)progress(ck.total, ck.total);
  ck.report += std::to_string(ck.files) + " files, " + std::to_string(ck.done) +
               " bytes checked, " + std::to_string(ck.problems.size()) +
               " problems\n";
  if (report != nullptr) *report = ck.report;
  if (!ck.problems.empty()) {
    return Status::Corruption(path_ + ": verify found " +
                              std::to_string(ck.problems.size()) +
                              " problems; the first: " + ck.problems.front());
  }
  return Status::OK();
}

}  // namespace shale
