// Compactions: merge the input tables of a Compaction into new tables one
// level down, dropping versions no reader can see and tombstones nothing
// needs; and CompactRange, which pushes a key range down to the bottom.
#include <algorithm>

#include "db/db_impl.h"
#include "db/exception_status.h"
#include "db/filenames.h"
#include "table/iterator_util.h"
#include "table/merging_iterator.h"
#include "table/table_builder.h"

namespace shale {

namespace {

// How often (in entries) the loop checks for shutdown, cancellation and a
// memtable waiting to be flushed.
constexpr uint64_t kCheckEvery = 256;

struct Output {
  FileMeta meta;
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<TableBuilder> builder;
  std::string path;
};

}  // namespace

Status DBImpl::RunCompaction(Compaction *c, const ProgressFn &progress,
                             bool on_bg_thread) {
  VersionEdit edit;
  if (c->IsTrivialMove()) {
    const FileRef &f = c->inputs[0].front();
    edit.DeleteFile(c->level, f->number);
    edit.AddFile(c->output_level(), f);
    edit.last_sequence = last_sequence_.load();
    Status s = versions_->LogAndApply(&edit);
    if (s.ok()) {
      InstallCurrent();
      info_log_.Log(LogLevel::kDebug,
                    "moved table " + std::to_string(f->number) + " to level " +
                        std::to_string(c->output_level()));
    }
    return s;
  }
  std::vector<uint64_t> outputs;
  Status s = DoCompactionWork(c, progress, on_bg_thread, &edit, &outputs);
  c->version.reset();  // so that DeleteObsoleteFiles can drop the inputs
  bool edit_attempted = false;
  if (s.ok()) {
    edit.last_sequence = last_sequence_.load();
    edit_attempted = true;
    s = versions_->LogAndApply(&edit);
  }
  if (s.ok()) InstallCurrent();
  // A failed LogAndApply may have written the edit without syncing it: the
  // next open may find it and need the outputs, so they stay (that open
  // removes them if the manifest does not name them). Removing them made
  // the db unopenable ("a table named by the manifest is missing"); found
  // by tests/fault_loops.
  if (!s.ok() && !edit_attempted) {
    // Inputs stay live; the outputs were never recorded.
    for (uint64_t n : outputs) (void)env_->RemoveFile(TableFileName(path_, n));
  }
  if (s.ok() || !edit_attempted) {
    // (Else they stay pending, so that no DeleteObsoleteFiles removes them
    // before the next open decides.)
    std::lock_guard<std::mutex> g(mu_);
    for (uint64_t n : outputs) pending_outputs_.erase(n);
  }
  if (s.ok()) {
    ++stat_compactions_;
    FreeRetiredViews();
    DeleteObsoleteFiles();
  }
  return s;
}

Status DBImpl::DoCompactionWork(Compaction *c, const ProgressFn &progress,
                                bool on_bg_thread, VersionEdit *edit,
                                std::vector<uint64_t> *outputs) {
  SequenceNumber smallest_snapshot = 0;
  {
    // Under mu_: a snapshot being taken is either seen here or newer than
    // the last sequence read here.
    std::lock_guard<std::mutex> g(mu_);
    smallest_snapshot =
        std::min<uint64_t>(snapshots_->OldestSequence(), last_sequence_.load());
  }
  std::vector<std::unique_ptr<InternalIterator>> children;
  for (const auto &which : c->inputs) {
    for (const FileRef &f : which) children.push_back(NewTableIterator(*f));
  }
  auto input = NewMergingIterator(std::move(children));
  const uint64_t total = c->InputBytes();
  uint64_t done = 0;
  uint64_t written = 0;

  Output out;
  auto finish_output = [&]() -> Status {
    if (!out.builder) return Status::OK();
    Status st = out.builder->Finish();
    out.meta.file_size = out.builder->FileSize();
    if (st.ok()) st = out.file->Sync();
    Status cl = out.file->Close();
    if (st.ok()) st = cl;
    if (st.ok()) {
      std::shared_ptr<Table> t;
      st = table_cache_->Open(out.meta.number, out.meta.file_size, &t);
      if (st.ok()) out.meta.num_entries = t->num_entries();
    }
    if (st.ok()) {
      written += out.meta.file_size;
      edit->AddFile(c->output_level(), std::make_shared<FileMeta>(out.meta));
    } else {
      st = Status::IOError("writing table " + out.path + ": " + st.message(),
                           st.sys_errno());
    }
    out.builder.reset();
    out.file.reset();
    return st;
  };
  auto open_output = [&]() -> Status {
    out.meta = FileMeta();
    out.meta.number = versions_->NewFileNumber();
    {
      std::lock_guard<std::mutex> g(mu_);
      pending_outputs_.insert(out.meta.number);
    }
    outputs->push_back(out.meta.number);
    out.path = TableFileName(path_, out.meta.number);
    Status st = env_->NewWritableFile(out.path, &out.file);
    if (!st.ok()) return st;
    out.builder =
        std::make_unique<TableBuilder>(table_options_, out.file.get());
    return Status::OK();
  };

  Status s;
  std::string cur_key;
  bool has_cur = false;
  SequenceNumber last_seq_for_key = UINT64_MAX;
  uint64_t entries = 0;
  for (input->SeekToFirst(); input->Valid(); input->Next()) {
    if (++entries % kCheckEvery == 0) {
      if (shutting_down_.load()) {
        s = Status::Cancelled("compaction abandoned: the db is closing");
        break;
      }
      if (progress && !progress(std::min(done, total), total)) {
        s = Status::Cancelled("compaction cancelled by the progress callback");
        break;
      }
      if (on_bg_thread && has_imm_.load()) {
        // Flushes come first: writers may be waiting for one.
        s = FlushImmutable();
        if (!s.ok()) break;
      }
    }
    const std::string_view uk = input->user_key();
    const uint64_t tag = input->tag();
    done += uk.size() + input->value().size() + 8;
    const bool new_key = !has_cur || uk != std::string_view(cur_key);
    if (new_key) {
      cur_key.assign(uk);
      has_cur = true;
      last_seq_for_key = UINT64_MAX;
    }
    const SequenceNumber seq = tag >> 8;
    const auto kind = static_cast<EntryKind>(tag & 0xff);
    bool drop = false;
    if (last_seq_for_key <= smallest_snapshot) {
      // A newer version every reader can see hides this one.
      drop = true;
    } else if (kind == EntryKind::kDelete && seq <= smallest_snapshot &&
               c->IsBaseLevelForKey(uk)) {
      // Nothing older below, and no snapshot needs the tombstone: the
      // older versions here are dropped by the rule above.
      drop = true;
    }
    last_seq_for_key = seq;
    if (drop) continue;

    // Cut at the target size, between user keys only.
    if (out.builder && new_key &&
        out.builder->FileSize() >= options_.target_file_size) {
      s = finish_output();
      if (!s.ok()) break;
    }
    if (!out.builder) {
      s = open_output();
      if (!s.ok()) break;
      out.meta.smallest_key.assign(uk);
      out.meta.smallest_tag = tag;
    }
    out.meta.largest_key.assign(uk);
    out.meta.largest_tag = tag;
    s = out.builder->Add(uk, tag, input->value());
    if (!s.ok()) break;
  }
  if (s.ok()) s = input->status();
  if (s.ok()) {
    s = finish_output();
  } else if (out.builder) {
    out.builder->Abandon();
    out.builder.reset();
    if (out.file) (void)out.file->Close();
  }
  if (!s.ok()) return s;
  if (progress && !progress(total, total)) {
    return Status::Cancelled("compaction cancelled by the progress callback");
  }
  for (int which = 0; which < 2; ++which) {
    for (const FileRef &f : c->inputs[which]) {
      edit->DeleteFile(c->level + which, f->number);
    }
  }
  stat_compaction_read_ += total;
  stat_compaction_written_ += written;
  info_log_.Log(LogLevel::kDebug, "compacted level " +
                                      std::to_string(c->level) + ": " +
                                      std::to_string(total) + " bytes in, " +
                                      std::to_string(written) + " bytes out");
  return Status::OK();
}

Status DBImpl::CompactRange(const std::string *begin, const std::string *end,
                            const ProgressFn &progress) {
  Status s = Flush();
  if (!s.ok()) return s;
  {
    std::unique_lock<std::mutex> l(mu_);
    bg_cv_.wait(l, [&] {
      return (!bg_compaction_running_ && !manual_compaction_running_) ||
             shutting_down_.load();
    });
    if (shutting_down_.load())
      return Status::IOError(path_ + ": the db is closed");
    manual_compaction_running_ = true;
  }
  int max_level = 0;
  uint64_t total = 0;
  uint64_t base = 0;
  // An exception (bad_alloc) must not skip the reset of
  // manual_compaction_running_ below: every later compaction would wait
  // for it forever. Found by tests/fault_loops.
  try {
    {
      std::shared_ptr<const Version> v = versions_->current();
      for (int level = 0; level < kNumLevels; ++level) {
        auto files = v->Overlapping(level, begin, end);
        if (!files.empty()) max_level = level;
        for (const FileRef &f : files) total += f->file_size;
      }
    }
    // Every level down to the deepest holding the range is rewritten into
    // the next one, so that the data lands one level below it, merged, with
    // the tombstones nothing needs dropped.
    for (int level = 0; level <= max_level && s.ok(); ++level) {
      if (level + 1 >= kNumLevels) break;
      auto c = CompactionForRange(versions_->current(), level, begin, end);
      if (c == nullptr) continue;
      const uint64_t in = c->InputBytes();
      ProgressFn sub;
      if (progress) {
        sub = [&](uint64_t d, uint64_t) {
          return progress(std::min(base + d, std::max(total, base + d)),
                          std::max(total, base + in));
        };
      }
      s = RunCompaction(c.get(), sub, /*on_bg_thread=*/false);
      base += in;
    }
  } catch (...) {
    s = CurrentExceptionStatus("a compaction");
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    manual_compaction_running_ = false;
    bg_cv_.notify_all();
  }
  if (s.ok() && progress &&
      !progress(std::max(total, base), std::max(total, base))) {
    s = Status::Cancelled("compaction cancelled by the progress callback");
  }
  if (!s.ok() && s.code() != Status::Code::kCancelled &&
      s.code() != Status::Code::kNotFound) {
    SetBackgroundError(s, "compaction");
  }
  return s;
}

}  // namespace shale
