// Salvage beyond the logs (options.salvage on a read-write open): damaged
// or missing tables, a damaged or truncated manifest, a damaged or missing
// CURRENT. What is readable is kept, what is not is dropped and reported
// (the recovery report and the info log, at warn level, naming the file
// and the byte range). Damaged originals are kept in <db>/lost/.
#include <algorithm>

#include "db/db_impl.h"
#include "db/filenames.h"
#include "memtable/internal_key.h"
#include "table/merging_iterator.h"
#include "table/table.h"
#include "table/table_builder.h"
#include "table/table_salvage.h"

namespace shale {

namespace {

// One table being written from entries in internal-key order.
class OutputTable {
 public:
  Status Open(Env *env, const TableOptions &options, const std::string &path,
              uint64_t number) {
    path_ = path;
    meta_.number = number;
    Status s = env->NewWritableFile(path, &file_);
    if (s.ok()) builder_ = std::make_unique<TableBuilder>(options, file_.get());
    return s;
  }
  Status Add(std::string_view user_key, uint64_t tag, std::string_view value) {
    if (meta_.num_entries == 0) {
      meta_.smallest_key.assign(user_key);
      meta_.smallest_tag = tag;
    }
    meta_.largest_key.assign(user_key);
    meta_.largest_tag = tag;
    ++meta_.num_entries;
    return builder_->Add(user_key, tag, value);
  }
  uint64_t size() const { return builder_->FileSize(); }
  const FileMeta &meta() const { return meta_; }
  // Finishes and syncs the table; an empty one is removed (meta number 0).
  Status Finish(Env *env) {
    Status s;
    if (meta_.num_entries > 0) {
      s = builder_->Finish();
      meta_.file_size = builder_->FileSize();
      if (s.ok()) s = file_->Sync();
    } else {
      builder_->Abandon();
    }
    Status c = file_->Close();
    if (s.ok()) s = c;
    if (!s.ok() || meta_.num_entries == 0) {
      (void)env->RemoveFile(path_);
      meta_.number = 0;
    }
    return s;
  }

 private:
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<TableBuilder> builder_;
  FileMeta meta_;
};

}  // namespace

Status DBImpl::SalvageTable(uint64_t number, uint64_t size, FileMeta *meta) {
  *meta = FileMeta();
  const std::string path = TableFileName(path_, number);
  const std::string tmp = path + ".salvage.tmp";
  std::unique_ptr<RandomAccessFile> in;
  Status s = env_->NewRandomAccessFile(path, &in);
  if (!s.ok()) return s;
  OutputTable out;
  s = out.Open(env_, table_options_, tmp, number);
  if (!s.ok()) return s;
  std::vector<TableSkip> skipped;
  s = SalvageTableEntries(
      *in, size, path,
      [&](std::string_view k, uint64_t tag, std::string_view v) {
        return out.Add(k, tag, v);
      },
      &skipped);
  Status f = out.Finish(env_);
  if (s.ok()) s = f;
  if (!s.ok()) {
    (void)env_->RemoveFile(tmp);
    return Status::IOError("salvaging " + path + ": " + s.message(),
                           s.sys_errno());
  }
  // Keep the damaged original (its reader belongs to the FileMeta being
  // replaced); then the salvaged table takes its place
  // (same number: a level-0 table keeps its place in the newest-first
  // order) in one rename.
  const std::string lost_dir = path_ + "/lost";
  const std::string lost = lost_dir + "/" + TableFileBaseName(number);
  s = env_->CreateDir(lost_dir);
  if (s.ok()) {
    (void)env_->RemoveFile(lost);
    s = env_->LinkFile(path, lost);
  }
  if (s.ok()) s = env_->SyncDir(lost_dir);
  const bool kept = s.ok();
  if (out.meta().number != 0) {
    s = env_->RenameFile(tmp, path);
  } else {
    s = env_->RemoveFile(path);
  }
  if (s.ok()) s = env_->SyncDir(path_);
  if (!s.ok()) return s;
  *meta = out.meta();
  if (meta->number != 0) {
    std::shared_ptr<Table> t;  // read it back once, as a flush does
    s = table_cache_->Open(number, meta->file_size, &t);
    if (!s.ok()) return s;
  }
  for (const TableSkip &r : skipped) {
    Report(LogLevel::kWarn, "salvage skipped " + path + " offset " +
                                std::to_string(r.offset) + " length " +
                                std::to_string(r.length) + " (" + r.reason +
                                ")");
  }
  Report(LogLevel::kWarn,
         "salvage rewrote " + path + " from its readable entries: " +
             std::to_string(meta->num_entries) + " entries kept" +
             (kept ? "; the damaged original is " + lost
                   : "; the damaged original could not be kept in " +
                         lost_dir));
  return Status::OK();
}

Status DBImpl::SalvageTables() {
  auto v = versions_->current();
  VersionEdit edit;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : v->files(level)) {
      const std::string p = TableFileName(path_, f->number);
      uint64_t size = 0;
      if (!env_->GetFileSize(p, &size).ok()) {
        Report(LogLevel::kWarn, "salvage: " + p +
                                    ", named by the manifest, is missing: "
                                    "its entries are lost");
        edit.DeleteFile(level, f->number);
        continue;
      }
      Status s;
      if (size != f->file_size) {
        s = Status::Corruption(p + ": " + std::to_string(size) +
                               " bytes, the manifest says " +
                               std::to_string(f->file_size));
      } else {
        std::shared_ptr<Table> t;
        s = table_cache_->Open(f->number, size, &t);
        if (s.ok()) s = t->VerifyChecksums([](uint64_t) { return true; });
      }
      if (s.ok()) continue;
      if (!s.IsCorruption()) return s;
      Report(LogLevel::kWarn, "salvage: " + s.message());
      FileMeta m;
      s = SalvageTable(f->number, size, &m);
      if (!s.ok()) return s;
      edit.DeleteFile(level, f->number);
      if (m.number != 0) edit.AddFile(level, std::make_shared<FileMeta>(m));
    }
  }
  if (edit.deleted.empty()) return Status::OK();
  return versions_->ApplyRecovered(edit);
}

bool DBImpl::StateMatchesFiles(std::string *problem) {
  std::vector<std::string> children;
  Status s = env_->GetChildren(path_, &children);
  if (!s.ok()) {
    *problem = s.message();
    return false;
  }
  std::set<uint64_t> tables;
  bool log_present = false;
  for (const std::string &name : children) {
    uint64_t n = 0;
    const FileType type = ParseFileName(name, &n);
    if (type == FileType::kTable) tables.insert(n);
    if (type == FileType::kLog && n == versions_->log_number()) {
      log_present = true;
    }
  }
  auto v = versions_->current();
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : v->files(level)) {
      if (tables.erase(f->number) == 0) {
        *problem = "it names missing table " + TableFileBaseName(f->number);
        return false;
      }
    }
  }
  if (!tables.empty()) {
    *problem = "table " + TableFileBaseName(*tables.begin()) +
               " is present but not named";
    return false;
  }
  if (!log_present) {
    *problem =
        "it names missing log " + LogFileBaseName(versions_->log_number());
    return false;
  }
  return true;
}

Status DBImpl::SalvageVersions(const std::string &why_in, uint64_t number,
                               bool *rebuilt) {
  *rebuilt = false;
  std::string why = why_in;
  std::string problem;
  if (why.empty()) {
    if (!versions_->dropped_tail()) return Status::OK();
    const std::string damaged =
        ManifestFileName(path_, number) + ": record at offset " +
        std::to_string(versions_->dropped_tail_offset()) + " is damaged (" +
        versions_->dropped_tail_reason() + ")";
    if (StateMatchesFiles(&problem)) {
      Report(LogLevel::kWarn,
             "salvage: " + damaged + "; the state before it matches the "
                                     "files present and is used");
      return Status::OK();
    }
    why = damaged + " and the state before it does not match the files "
                    "present (" +
          problem + ")";
  }
  Report(LogLevel::kWarn, "salvage: " + why);
  std::vector<std::string> children;
  Status s = env_->GetChildren(path_, &children);
  if (!s.ok()) return s;
  std::vector<uint64_t> manifests;
  for (const std::string &name : children) {
    uint64_t n = 0;
    if (ParseFileName(name, &n) == FileType::kManifest && n != number) {
      manifests.push_back(n);
    }
  }
  std::sort(manifests.rbegin(), manifests.rend());
  for (uint64_t n : manifests) {
    versions_ = std::make_unique<VersionSet>(env_, path_);
    std::string note;
    s = versions_->Recover(n, &note, /*salvage=*/true);
    if (s.ok() && StateMatchesFiles(&problem)) {
      Report(LogLevel::kWarn, "salvage: using " + ManifestFileName(path_, n) +
                                  " instead (" + note + ")");
      return Status::OK();
    }
  }
  versions_ = std::make_unique<VersionSet>(env_, path_);
  *rebuilt = true;
  return RebuildFromTables(why);
}

// The manifest is unusable: the state is rebuilt from every table present.
// Their levels and order are unknown, so their entries are merged (internal
// key order settles which version of a key is newer) into fresh tables at
// the last level; every log present is replayed on top.
Status DBImpl::RebuildFromTables(const std::string &why) {
  std::vector<std::string> children;
  Status s = env_->GetChildren(path_, &children);
  if (!s.ok()) return s;
  std::vector<uint64_t> tables;
  uint64_t min_log = 0;
  for (const std::string &name : children) {
    uint64_t n = 0;
    const FileType type = ParseFileName(name, &n);
    if (type == FileType::kTable || type == FileType::kLog ||
        type == FileType::kManifest) {
      versions_->MarkFileNumberUsed(n);
    }
    if (type == FileType::kTable) tables.push_back(n);
    if (type == FileType::kLog && (min_log == 0 || n < min_log)) min_log = n;
  }
  std::sort(tables.begin(), tables.end());
  versions_->InitEmpty(min_log);
  std::vector<std::unique_ptr<InternalIterator>> inputs;
  uint64_t input_tables = 0;
  for (uint64_t n : tables) {
    const std::string p = TableFileName(path_, n);
    uint64_t size = 0;
    s = env_->GetFileSize(p, &size);
    if (!s.ok()) return s;
    std::shared_ptr<Table> t;
    s = table_cache_->Open(n, size, &t);
    if (s.ok()) s = t->VerifyChecksums([](uint64_t) { return true; });
    if (!s.ok()) {
      if (!s.IsCorruption()) return s;
      Report(LogLevel::kWarn, "salvage: " + s.message());
      FileMeta m;
      s = SalvageTable(n, size, &m);
      if (!s.ok()) return s;
      if (m.number == 0) continue;
      s = table_cache_->Open(n, m.file_size, &t);
      if (!s.ok()) return s;
    }
    inputs.push_back(t->NewIterator());
    ++input_tables;
  }
  auto merged = NewMergingIterator(std::move(inputs));
  std::vector<FileMeta> outputs;
  std::unique_ptr<OutputTable> out;
  std::string prev_key;
  uint64_t prev_tag = 0;
  uint64_t entries = 0;
  SequenceNumber max_seq = 0;
  auto finish = [&]() -> Status {
    if (!out) return Status::OK();
    Status f = out->Finish(env_);
    if (f.ok() && out->meta().number != 0) outputs.push_back(out->meta());
    out.reset();
    return f;
  };
  for (merged->SeekToFirst(); merged->Valid() && s.ok(); merged->Next()) {
    const std::string_view k = merged->user_key();
    const uint64_t tag = merged->tag();
    if (entries > 0 && k == prev_key && tag == prev_tag) continue;  // twice
    // Deeper levels never split one user key over two tables.
    if (out && out->size() >= options_.target_file_size && k != prev_key) {
      s = finish();
      if (!s.ok()) break;
    }
    if (!out) {
      const uint64_t number = versions_->NewFileNumber();
      {
        std::lock_guard<std::mutex> g(mu_);
        pending_outputs_.insert(number);
      }
      out = std::make_unique<OutputTable>();
      s = out->Open(env_, table_options_, TableFileName(path_, number),
                    number);
      if (!s.ok()) {
        out.reset();
        break;
      }
    }
    s = out->Add(k, tag, merged->value());
    prev_key.assign(k);
    prev_tag = tag;
    max_seq = std::max<SequenceNumber>(max_seq, tag >> 8);
    ++entries;
  }
  if (s.ok()) s = merged->status();
  Status f = finish();
  if (s.ok()) s = f;
  merged.reset();
  VersionEdit edit;
  for (const FileMeta &m : outputs) {
    edit.AddFile(kNumLevels - 1, std::make_shared<FileMeta>(m));
  }
  edit.last_sequence = max_seq;
  if (s.ok()) s = versions_->ApplyRecovered(edit);
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const FileMeta &m : outputs) pending_outputs_.erase(m.number);
  }
  if (!s.ok()) return s;
  Report(LogLevel::kWarn,
         "salvage rebuilt the table list from the " +
             std::to_string(input_tables) + " tables present (" + why +
             "): " + std::to_string(entries) + " entries merged into " +
             std::to_string(outputs.size()) + " tables at level " +
             std::to_string(kNumLevels - 1) + ", last sequence " +
             std::to_string(max_seq) + "; every log present is replayed");
  return Status::OK();
}

}  // namespace shale
