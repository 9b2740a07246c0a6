#include "version/version_set.h"

#include <algorithm>

#include "db/filenames.h"
#include "env/atomic_file.h"
#include "wal/log_reader.h"

namespace shale {

namespace {
// A manifest larger than this is rolled over into a fresh snapshot.
constexpr uint64_t kMaxManifestBytes = uint64_t{4} << 20;
}  // namespace

VersionSet::VersionSet(Env *env, std::string dbpath)
    : env_(env), dbpath_(std::move(dbpath)) {
  current_ = std::make_shared<Version>();
}

VersionSet::~VersionSet() { (void)Close(); }

Status VersionSet::Close() {
  std::lock_guard<std::mutex> g(write_mu_);
  if (!manifest_) return Status::OK();
  Status s = manifest_->Close();
  manifest_.reset();
  return s;
}

void VersionSet::InitEmpty(uint64_t log_number) {
  log_number_ = log_number;
  MarkFileNumberUsed(log_number);
}

void VersionSet::MarkFileNumberUsed(uint64_t number) {
  uint64_t cur = next_file_number_.load();
  while (cur <= number &&
         !next_file_number_.compare_exchange_weak(cur, number + 1)) {
  }
}

std::shared_ptr<const Version> VersionSet::current() const {
  std::lock_guard<std::mutex> g(state_mu_);
  return current_;
}

Status VersionSet::Install(const VersionEdit &edit) {
  std::shared_ptr<Version> next;
  Status s = current()->Apply(edit, &next);
  if (!s.ok()) return s;
  if (edit.log_number)
    log_number_ = std::max(log_number_.load(), *edit.log_number);
  if (edit.next_file_number) MarkFileNumberUsed(*edit.next_file_number - 1);
  if (edit.last_sequence) {
    last_sequence_ = std::max(last_sequence_.load(), *edit.last_sequence);
  }
  std::lock_guard<std::mutex> g(state_mu_);
  all_.erase(std::remove_if(all_.begin(), all_.end(),
                            [](const auto &w) { return w.expired(); }),
             all_.end());
  all_.push_back(current_);
  current_ = std::move(next);
  return Status::OK();
}

Status VersionSet::Recover(uint64_t manifest_number, std::string *note,
                           bool salvage) {
  const std::string path = ManifestFileName(dbpath_, manifest_number);
  MarkFileNumberUsed(manifest_number);
  uint64_t size = 0;
  Status s = env_->GetFileSize(path, &size);
  std::unique_ptr<RandomAccessFile> file;
  if (s.ok()) s = env_->NewRandomAccessFile(path, &file);
  if (!s.ok()) {
    return Status::Corruption(path + ": the manifest named by CURRENT is " +
                              "missing or unreadable: " + s.message());
  }
  wal::Reader reader(std::move(file), path, size, /*salvage=*/false);
  reader.set_corruption_hint(
      salvage ? "" : " (open with salvage=1 to recover the last good state)");
  reader.set_last_file(true);  // appended to until the writer stopped
  std::string payload;
  uint64_t edits = 0;
  while (true) {
    bool has = false;
    wal::RecordKind kind;
    uint64_t offset = 0;
    s = reader.ReadRecord(&has, &kind, &payload, &offset);
    if (!s.ok() && salvage && edits > 0 && s.IsCorruption()) {
      dropped_tail_ = true;
      dropped_tail_offset_ = reader.valid_end();
      dropped_tail_reason_ = s.message();
      break;
    }
    if (!s.ok()) return s;
    if (!has) break;
    VersionEdit edit;
    if (kind != wal::RecordKind::kVersionEdit) {
      s = Status::Corruption("not a version edit record");
    } else {
      s = edit.DecodeFrom(payload);
    }
    if (s.ok()) s = Install(edit);
    if (!s.ok() && salvage && edits > 0) {
      dropped_tail_ = true;
      dropped_tail_offset_ = offset;
      dropped_tail_reason_ = s.message();
      break;
    }
    if (!s.ok()) {
      return Status::Corruption(path + ": record at offset " +
                                std::to_string(offset) + ": " + s.message());
    }
    ++edits;
  }
  if (edits == 0) {
    return Status::Corruption(path + ": the manifest holds no version edit");
  }
  manifest_number_ = manifest_number;
  *note = "read " + path + ": " + std::to_string(edits) + " edits, " +
          std::to_string(current()->TotalFiles()) + " tables, log number " +
          std::to_string(log_number()) + ", last sequence " +
          std::to_string(last_sequence());
  if (reader.torn_bytes() > 0) {
    dropped_tail_ = true;
    dropped_tail_offset_ = reader.valid_end();
    dropped_tail_reason_ = reader.torn_reason();
    *note += "; dropped a torn tail of " + std::to_string(reader.torn_bytes()) +
             " bytes (" + reader.torn_reason() + ")";
  }
  return Status::OK();
}

Status VersionSet::SnapshotLocked() {
  const uint64_t number = NewFileNumber();
  const std::string path = ManifestFileName(dbpath_, number);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  auto writer = std::make_unique<wal::Writer>(std::move(file), path, 0);
  VersionEdit snap;
  snap.log_number = log_number();
  snap.next_file_number = next_file_number();
  snap.last_sequence = last_sequence();
  current()->AddAllTo(&snap);
  std::string rec;
  snap.EncodeTo(&rec);
  s = writer->AddRecord(wal::RecordKind::kVersionEdit, rec);
  if (s.ok()) s = writer->Sync();
  if (s.ok()) s = env_->SyncDir(dbpath_);
  bool renamed = false;
  if (s.ok()) {
    s = ReplaceFileAtomically(env_, CurrentFileName(dbpath_),
                              EncodeCurrent(number), &renamed);
  }
  if (!s.ok() && renamed) {
    // CURRENT already names the new manifest (only the directory sync
    // failed): removing it would leave a db that cannot be opened. Adopt it
    // and report the failure. Found by tests/fault_loops.
    if (manifest_) (void)manifest_->Close();
    manifest_ = std::move(writer);
    manifest_number_ = number;
    return s;
  }
  if (!s.ok()) {
    (void)writer->Close();
    (void)env_->RemoveFile(path);
    return s;
  }
  if (manifest_) (void)manifest_->Close();
  manifest_ = std::move(writer);
  manifest_number_ = number;
  return Status::OK();
}

Status VersionSet::WriteSnapshotManifest() {
  std::lock_guard<std::mutex> g(write_mu_);
  if (!manifest_error_.ok()) return manifest_error_;
  return SnapshotLocked();
}

Status VersionSet::AppendLocked(const VersionEdit &edit) {
  std::string rec;
  edit.EncodeTo(&rec);
  Status s = manifest_->AddRecord(wal::RecordKind::kVersionEdit, rec);
  if (s.ok()) s = manifest_->Sync();
  return s;
}

Status VersionSet::LogAndApply(VersionEdit *edit) {
  std::lock_guard<std::mutex> g(write_mu_);
  if (!manifest_error_.ok()) return manifest_error_;
  if (!manifest_) return Status::IOError(dbpath_ + ": no manifest is open");
  edit->next_file_number = next_file_number();
  // Check the edit applies before making it durable.
  std::shared_ptr<Version> probe;
  Status s = current()->Apply(*edit, &probe);
  if (!s.ok()) return Status::Internal(s.message());
  // The tables the edit adds were synced, but their directory entries were
  // not: make them durable before a durable edit names them, or a power
  // loss leaves a manifest naming missing tables and the db cannot be
  // opened. Found by tests/power_loss.
  if (!edit->added.empty()) s = env_->SyncDir(dbpath_);
  if (s.ok()) s = AppendLocked(*edit);
  if (!s.ok()) {
    manifest_error_ = Status::IOError(
        "manifest " + manifest_->path() + ": " + s.message(), s.sys_errno());
    return manifest_error_;
  }
  s = Install(*edit);
  if (!s.ok()) return Status::Internal(s.message());
  if (manifest_->size() > kMaxManifestBytes) {
    s = SnapshotLocked();
    if (!s.ok()) {
      manifest_error_ = Status::IOError(
          "rolling the manifest over in " + dbpath_ + ": " + s.message(),
          s.sys_errno());
      return manifest_error_;
    }
  }
  return Status::OK();
}

void VersionSet::AddLiveFiles(std::set<uint64_t> *live) {
  std::vector<std::shared_ptr<const Version>> versions;
  {
    std::lock_guard<std::mutex> g(state_mu_);
    versions.push_back(current_);
    for (const auto &w : all_) {
      if (auto v = w.lock()) versions.push_back(std::move(v));
    }
  }
  for (const auto &v : versions) {
    for (int level = 0; level < kNumLevels; ++level) {
      for (const FileRef &f : v->files(level)) live->insert(f->number);
    }
  }
}

}  // namespace shale
