#include "db/db_impl.h"

#include <algorithm>

#include "db/db_iter.h"
#include "db/mem_iterator.h"
#include "table/iterator_util.h"
#include "table/merging_iterator.h"
#include "util/epoch.h"

namespace shale {

DBImpl::DBImpl(const Options &options, std::string path)
    : options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()),
      path_(std::move(path)),
      info_log_(options.logger, options.log_level),
      snapshots_(std::make_shared<SnapshotRegistry>()),
      mem_(nullptr) {
  mem_ = NewMemTable();
  block_cache_ = std::make_shared<BlockCache>(options_.block_cache_capacity);
  table_options_.block_size = options_.block_size;
  table_options_.bloom_bits_per_key = options_.bloom_bits_per_key;
  table_options_.block_cache = block_cache_;
  table_cache_ = std::make_shared<TableCache>(
      env_, path_, table_options_,
      static_cast<size_t>(std::max(options_.max_open_files, 1)));
  versions_ = std::make_unique<VersionSet>(env_, path_);
  current_ = versions_->current();
  auto view = std::make_unique<PublishedView>();
  std::lock_guard<std::mutex> g(mu_);
  PublishView(std::move(view));
}

DBImpl::~DBImpl() {
  (void)Close();
  // No call is in flight any more; the view goes after a grace period all
  // the same (it is what sections load).
  PublishedView *last = view_.exchange(nullptr, std::memory_order_acq_rel);
  if (last != nullptr) epoch::Retire(last);
  FreeRetiredViews();
}

void DBImpl::PublishView(std::unique_ptr<PublishedView> fresh) noexcept {
  fresh->view.mem = mem_;
  fresh->view.imm = imm_;
  fresh->view.version = current_;
  PublishedView *old =
      view_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old != nullptr) epoch::Retire(old);
}

void DBImpl::PublishRecovered() {
  auto view = std::make_unique<PublishedView>();
  std::lock_guard<std::mutex> g(mu_);
  PublishView(std::move(view));
}

std::shared_ptr<MemTable> DBImpl::NewMemTable() const {
  // Arena blocks small enough that the usage tracks the data.
  const size_t block =
      std::clamp<size_t>(options_.write_buffer_size / 16, 4096, 64 * 1024);
  return std::make_shared<MemTable>(block);
}

Status DB::Open(const Options &options, const std::string &path,
                std::unique_ptr<DB> *out) {
  out->reset();
  if (path.empty()) return Status::InvalidArgument("db path is empty");
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto db = std::make_unique<DBImpl>(options, p);
  Status s = db->Recover();
  if (!s.ok()) return s;  // ~DBImpl releases the lock
  db->PublishRecovered();
  *out = std::move(db);
  return Status::OK();
}

Status DBImpl::Close() {
  if (closed_.exchange(true)) return Status::OK();
  // Jobs first: they may still use everything below.
  jobs_.CancelAndJoinAll();
  feed_.EndAll();
  {
    std::unique_lock<std::mutex> l(mu_);
    // Let the flush of an immutable memtable finish, so that the next open
    // replays only the last log.
    bg_cv_.wait(l, [&] {
      return imm_ == nullptr || !bg_error_.ok() || !bg_thread_.joinable();
    });
    shutting_down_ = true;
    bg_cv_.notify_all();
  }
  // A running compaction notices shutting_down_ and abandons its outputs.
  if (bg_thread_.joinable()) bg_thread_.join();
  Status s;
  std::unique_ptr<wal::Writer> log;
  {
    std::lock_guard<std::mutex> g(mu_);
    log = std::move(log_);
    if (log && bg_error_.ok()) s = log->Sync();
  }
  if (log) {
    Status c = log->Close();
    if (s.ok()) s = c;
  }
  Status m = versions_->Close();
  if (s.ok()) s = m;
  if (lock_) {
    Status r = lock_->Release();
    if (s.ok()) s = r;
    lock_.reset();
  }
  if (!s.ok()) info_log_.Log(LogLevel::kError, "close: " + s.ToString());
  return s;
}

Status DBImpl::CheckSnapshot(const ReadOptions &options, SequenceNumber *seq) {
  if (options.snapshot) {
    if (!snapshots_->Owns(*options.snapshot)) {
      return Status::InvalidArgument("the snapshot belongs to another db");
    }
    *seq = options.snapshot->sequence();
  } else {
    *seq = last_sequence_.load(std::memory_order_acquire);
  }
  return Status::OK();
}

// The view is loaded before the sequence: every write at or below that
// sequence which the view does not hold went to a memtable created after
// the view was loaded, so the read is the state as of its load. (With the
// sequence first, a compaction could drop a version the read needs.)
Status DBImpl::GetReadState(const ReadOptions &options, ReadState *rs) {
  epoch::ReadSection section;
  const ReadView &v = CurrentView();
  rs->mem = v.mem;
  rs->imm = v.imm;
  rs->version = v.version;
  return CheckSnapshot(options, &rs->seq);
}

namespace {

// Maps a table's answer; *done when the search stops here.
Status TableAnswer(Table::GetResult r, bool *done) {
  switch (r) {
    case Table::GetResult::kFound:
      *done = true;
      return Status::OK();
    case Table::GetResult::kDeleted:
      *done = true;
      return Status::NotFound();
    case Table::GetResult::kAbsent:
      break;
  }
  return Status::OK();
}

}  // namespace

Status DBImpl::GetFromTables(const Version &v, std::string_view key,
                             SequenceNumber seq, std::string *value,
                             bool *done) {
  *done = false;
  std::string scratch;
  std::string *out = value != nullptr ? value : &scratch;
  const uint64_t hash = Table::FilterHash(key);  // once for every table
  uint64_t checks = 0, negatives = 0;
  auto probe = [&](const FileMeta &f) -> Status {
    const Table *t = nullptr;
    Status s = table_cache_->Find(f, &t);  // inside the caller's section
    if (!s.ok()) return s;
    Table::GetResult r = Table::GetResult::kAbsent;
    Table::FilterOutcome filter;
    s = t->Get(key, hash, seq, &r, out, &filter);
    checks += filter.checked;
    negatives += filter.negative;
    if (!s.ok()) return s;
    return TableAnswer(r, done);
  };
  // One add per counter and read, on a stripe of this thread's.
  struct Count {
    DBImpl *db;
    const uint64_t &checks, &negatives;
    ~Count() {
      if (checks != 0) db->stat_bloom_checks_.Add(checks);
      if (negatives != 0) db->stat_bloom_negatives_.Add(negatives);
    }
  } count{this, checks, negatives};
  for (const FileRef &f : v.files(0)) {
    if (key < std::string_view(f->smallest_key) ||
        key > std::string_view(f->largest_key)) {
      continue;
    }
    Status s = probe(*f);
    if (!s.ok() || *done) {
      *done = true;
      return s;
    }
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const FileMeta *f = v.FileFor(level, key);
    if (f == nullptr) continue;
    Status s = probe(*f);
    if (!s.ok() || *done) {
      *done = true;
      return s;
    }
  }
  return Status::NotFound();
}

Status DBImpl::Get(const ReadOptions &options, std::string_view key,
                   std::string *value) {
  epoch::ReadSection section;
  const ReadView &v = CurrentView();
  SequenceNumber seq;
  Status s = CheckSnapshot(options, &seq);  // after the view: see above
  if (!s.ok()) return s;
  return GetFrom(v, seq, key, value);
}

Status DBImpl::MultiGet(
    const ReadOptions &options, std::span<const std::string_view> keys,
    const std::function<void(size_t, std::string_view)> &found) {
  // found is the caller's code: the view is held, and only each lookup
  // (which reads cached blocks) runs in a section.
  ReadState rs;
  Status s = GetReadState(options, &rs);
  if (!s.ok()) return s;
  std::string value;  // reused: no allocation per key once grown
  for (size_t i = 0; i < keys.size(); ++i) {
    {
      epoch::ReadSection section;
      s = GetFrom(rs, rs.seq, keys[i], &value);
    }
    if (s.ok()) {
      found(i, value);
    } else if (!s.IsNotFound()) {
      return s;
    }
  }
  return Status::OK();
}

Status DBImpl::GetFrom(const ReadView &v, SequenceNumber seq,
                       std::string_view key, std::string *value) {
  for (const MemTable *m : {v.mem.get(), v.imm.get()}) {
    if (m == nullptr) continue;
    switch (m->Get(key, seq, value)) {
      case MemTable::LookupResult::kFound:
        return Status::OK();
      case MemTable::LookupResult::kDeleted:
        return Status::NotFound();
      case MemTable::LookupResult::kAbsent:
        break;
    }
  }
  bool done = false;
  Status s = GetFromTables(*v.version, key, seq, value, &done);
  if (!done) return Status::NotFound();
  return s;
}

std::unique_ptr<InternalIterator> DBImpl::NewTableIterator(const FileMeta &f) {
  std::shared_ptr<const Table> t;
  Status s = table_cache_->FindShared(f, &t);
  if (!s.ok()) return NewErrorIterator(std::move(s));
  return t->NewIterator();
}

std::unique_ptr<InternalIterator> DBImpl::NewInternalIterator(
    const ReadView &rs) {
  std::vector<std::unique_ptr<InternalIterator>> children;
  // An empty memtable holds nothing this iterator may see: a write at or
  // below its sequence counted its entries before it was published.
  // (Leaving them out spares every step a child to compare.)
  if (rs.mem->EntryCount() > 0) children.push_back(NewMemTableIterator(rs.mem));
  if (rs.imm && rs.imm->EntryCount() > 0) {
    children.push_back(NewMemTableIterator(rs.imm));
  }
  for (const FileRef &f : rs.version->files(0)) {
    children.push_back(NewTableIterator(*f));
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const auto &files = rs.version->files(level);
    if (files.empty()) continue;
    std::vector<LevelFile> lf;
    for (const FileRef &f : files) {
      lf.push_back(
          {f->smallest_key, f->smallest_tag, f->largest_key, f->largest_tag});
    }
    // Captures what it needs by value: the iterator may outlive the DB.
    auto cache = table_cache_;
    auto version = rs.version;
    children.push_back(NewLevelIterator(
        std::move(lf),
        [cache, version, level](size_t i) -> std::unique_ptr<InternalIterator> {
          const FileMeta &f = *version->files(level)[i];
          std::shared_ptr<const Table> t;
          Status s = cache->FindShared(f, &t);
          if (!s.ok()) return NewErrorIterator(std::move(s));
          return t->NewIterator();
        }));
  }
  return NewMergingIterator(std::move(children));
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions &options) {
  ReadState rs;
  Status s = GetReadState(options, &rs);
  if (!s.ok()) return NewErrorDBIterator(std::move(s));
  auto it = NewInternalIterator(rs);
  // The pin keeps the version's files alive (tables hold the caches).
  return NewDBIterator(std::move(it), rs.seq, rs.version, options);
}

std::shared_ptr<const Snapshot> DBImpl::GetSnapshot() {
  // Under mu_ so that a compaction choosing its oldest snapshot sees it.
  std::lock_guard<std::mutex> g(mu_);
  return snapshots_->Take(last_sequence_.load(std::memory_order_acquire));
}

SubscriptionId DBImpl::Subscribe(std::string prefix, ChangeFn fn) {
  return feed_.Subscribe(std::move(prefix), std::move(fn));
}

void DBImpl::Unsubscribe(SubscriptionId id) { feed_.Unsubscribe(id); }

Status DBImpl::CheckOpenForMaintenance() const {
  // Reached after close only by a background job racing it: the close
  // cancels its jobs.
  if (closed_.load()) {
    return Status::Cancelled(path_ + ": the db was closed");
  }
  if (options_.read_only) {
    return Status::ReadOnly(path_ + " is open read-only");
  }
  return Status::OK();
}

}  // namespace shale
