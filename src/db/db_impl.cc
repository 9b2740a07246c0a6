#include "db/db_impl.h"

#include "db/db_iter.h"

namespace shale {

DBImpl::DBImpl(const Options &options, std::string path)
    : options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()),
      path_(std::move(path)),
      info_log_(options.logger, options.log_level),
      mem_(std::make_shared<MemTable>()),
      snapshots_(std::make_shared<SnapshotRegistry>()) {}

DBImpl::~DBImpl() { (void)Close(); }

Status DB::Open(const Options &options, const std::string &path,
                std::unique_ptr<DB> *out) {
  out->reset();
  if (path.empty()) return Status::InvalidArgument("db path is empty");
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto db = std::make_unique<DBImpl>(options, p);
  Status s = db->Recover();
  if (!s.ok()) return s;  // ~DBImpl releases the lock
  *out = std::move(db);
  return Status::OK();
}

Status DBImpl::Close() {
  if (closed_.exchange(true)) return Status::OK();
  feed_.EndAll();
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

Status DBImpl::Get(const ReadOptions &options, std::string_view key,
                   std::string *value) {
  SequenceNumber seq = 0;
  Status s = CheckSnapshot(options, &seq);
  if (!s.ok()) return s;
  switch (mem_->Get(key, seq, value)) {
    case MemTable::LookupResult::kFound:
      return Status::OK();
    case MemTable::LookupResult::kDeleted:
    case MemTable::LookupResult::kAbsent:
      break;
  }
  return Status::NotFound();
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions &options) {
  SequenceNumber seq = 0;
  Status s = CheckSnapshot(options, &seq);
  if (!s.ok()) return NewErrorIterator(std::move(s));
  return NewDBIterator(mem_, seq, options.snapshot, options);
}

std::shared_ptr<const Snapshot> DBImpl::GetSnapshot() {
  return snapshots_->Take(last_sequence_.load(std::memory_order_acquire));
}

SubscriptionId DBImpl::Subscribe(std::string prefix, ChangeFn fn) {
  return feed_.Subscribe(std::move(prefix), std::move(fn));
}

void DBImpl::Unsubscribe(SubscriptionId id) { feed_.Unsubscribe(id); }

Status DBImpl::GetProperty(std::string_view name, std::string *value) {
  if (name == "shale.recovery") {
    *value = recovery_report_;
  } else if (name == "shale.sequence") {
    *value = std::to_string(last_sequence_.load(std::memory_order_acquire));
  } else if (name == "shale.path") {
    *value = path_;
  } else {
    return Status::NotFound("unknown property \"" + std::string(name) +
                            "\" (known: shale.recovery, shale.sequence, "
                            "shale.path)");
  }
  return Status::OK();
}

}  // namespace shale

namespace shale {
Status DBImpl::Flush() { return Status::NotSupported("not yet"); }
Status DBImpl::CompactRange(const std::string *, const std::string *,
                            const ProgressFn &) {
  return Status::NotSupported("not yet");
}
Status DBImpl::Backup(const std::string &, const ProgressFn &) {
  return Status::NotSupported("not yet");
}
Status DBImpl::Verify(const ProgressFn &, std::string *) {
  return Status::NotSupported("not yet");
}
void DBImpl::GetStats(DbStats *stats) { *stats = DbStats(); }
std::shared_ptr<Job> DBImpl::StartCompactRange(std::optional<std::string>,
                                               std::optional<std::string>,
                                               JobCallbacks) {
  return nullptr;
}
std::shared_ptr<Job> DBImpl::StartBackup(std::string, JobCallbacks) {
  return nullptr;
}
std::shared_ptr<Job> DBImpl::StartVerify(JobCallbacks) { return nullptr; }
}  // namespace shale
