#include "env/fault_env.h"

#include <cerrno>
#include <filesystem>
#include <utility>

#include "env/atomic_file.h"

namespace shale {

namespace {

constexpr size_t kKinds = 7;

size_t Index(FaultKind k) { return static_cast<size_t>(k); }

// Directory keys without a trailing slash, so "db/" and "db" match.
std::string DirKey(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

std::string DirOf(const std::string &path) { return DirKey(DirName(path)); }

// xorshift64*: deterministic bytes and lengths from the caller's seed.
uint64_t NextRandom(uint64_t *state) {
  uint64_t x = *state == 0 ? 0x9E3779B97F4A7C15ull : *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

}  // namespace

const char *FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kWrite:
      return "write";
    case FaultKind::kSync:
      return "sync";
    case FaultKind::kRename:
      return "rename";
    case FaultKind::kOpen:
      return "open";
    case FaultKind::kRemove:
      return "remove";
    case FaultKind::kRead:
      return "read";
    case FaultKind::kAny:
      return "any";
  }
  return "?";
}

const char *TailModeName(TailMode mode) {
  switch (mode) {
    case TailMode::kDrop:
      return "drop";
    case TailMode::kKeepPrefix:
      return "keep-prefix";
    case TailMode::kZeros:
      return "zeros";
    case TailMode::kGarbage:
      return "garbage";
    case TailMode::kTornGarbage:
      return "torn-garbage";
  }
  return "?";
}

// ---- Files --------------------------------------------------------------

class FaultInjectionEnv::File final : public WritableFileWrapper {
 public:
  File(FaultInjectionEnv *env, std::string path,
       std::unique_ptr<WritableFile> base)
      : WritableFileWrapper(std::move(base)),
        env_(env),
        path_(std::move(path)) {}  // the opener counted it in open_files_
  ~File() override {
    std::lock_guard<std::mutex> g(env_->mu_);
    if (!closed_) env_->open_files_--;
  }

  Status Append(std::string_view data) override {
    Status s = env_->Check(FaultKind::kWrite, true, "write", path_);
    if (!s.ok()) return s;
    s = WritableFileWrapper::Append(data);
    if (s.ok()) {
      std::lock_guard<std::mutex> g(env_->mu_);
      env_->StateLocked(path_).size += data.size();
    }
    return s;
  }

  Status Sync() override {
    Status s = env_->Check(FaultKind::kSync, true, "fsync", path_);
    if (!s.ok()) return s;
    uint64_t covered = 0;
    {
      std::lock_guard<std::mutex> g(env_->mu_);
      covered = env_->StateLocked(path_).size;
    }
    s = WritableFileWrapper::Sync();
    if (s.ok()) {
      std::lock_guard<std::mutex> g(env_->mu_);
      DataState &st = env_->StateLocked(path_);
      if (covered > st.synced) st.synced = covered;
    }
    return s;
  }

  Status Close() override {
    Status s = WritableFileWrapper::Close();
    std::lock_guard<std::mutex> g(env_->mu_);
    if (!closed_) {
      closed_ = true;
      env_->open_files_--;
    }
    return s;
  }

 private:
  FaultInjectionEnv *env_;
  std::string path_;
  bool closed_ = false;
};

class FaultInjectionEnv::ReadFile final : public SequentialFile {
 public:
  ReadFile(FaultInjectionEnv *env, std::string path,
           std::unique_ptr<SequentialFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  Status Read(size_t n, std::string_view *result, char *scratch) override {
    Status s = env_->Check(FaultKind::kRead, false, "read", path_);
    if (!s.ok()) return s;
    return base_->Read(n, result, scratch);
  }
  Status Skip(uint64_t n) override {
    Status s = env_->Check(FaultKind::kRead, false, "seek", path_);
    if (!s.ok()) return s;
    return base_->Skip(n);
  }

 private:
  FaultInjectionEnv *env_;
  std::string path_;
  std::unique_ptr<SequentialFile> base_;
};

class FaultInjectionEnv::RandomFile final : public RandomAccessFile {
 public:
  RandomFile(FaultInjectionEnv *env, std::string path,
             std::unique_ptr<RandomAccessFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  Status Read(uint64_t offset, size_t n, std::string_view *result,
              char *scratch) const override {
    Status s = env_->Check(FaultKind::kRead, false, "pread", path_);
    if (!s.ok()) return s;
    return base_->Read(offset, n, result, scratch);
  }

 private:
  FaultInjectionEnv *env_;
  std::string path_;
  std::unique_ptr<RandomAccessFile> base_;
};

// ---- Rules and crash points ---------------------------------------------

FaultInjectionEnv::FaultInjectionEnv(Env *base)
    : EnvWrapper(base != nullptr ? base : Env::Default()) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

void FaultInjectionEnv::FailNth(FaultKind kind, uint64_t n, bool persistent,
                                int err) {
  std::lock_guard<std::mutex> g(mu_);
  rule_set_ = true;
  rule_kind_ = kind;
  rule_at_ = calls_[Index(kind)] + (n == 0 ? 1 : n);
  rule_persistent_ = persistent;
  rule_err_ = err;
}

void FaultInjectionEnv::ClearFaults() {
  std::lock_guard<std::mutex> g(mu_);
  rule_set_ = false;
}

uint64_t FaultInjectionEnv::faults_injected() const {
  std::lock_guard<std::mutex> g(mu_);
  return injected_;
}

uint64_t FaultInjectionEnv::calls(FaultKind kind) const {
  std::lock_guard<std::mutex> g(mu_);
  return calls_[Index(kind)];
}

void FaultInjectionEnv::CrashAfter(uint64_t n) {
  std::lock_guard<std::mutex> g(mu_);
  mutations_left_ = n;
  crashed_ = n == 0;
}

bool FaultInjectionEnv::crashed() const {
  std::lock_guard<std::mutex> g(mu_);
  return crashed_;
}

Status FaultInjectionEnv::Check(FaultKind kind, bool mutating, const char *op,
                                const std::string &path) {
  std::lock_guard<std::mutex> g(mu_);
  return CheckLocked(kind, mutating, op, path);
}

Status FaultInjectionEnv::CheckLocked(FaultKind kind, bool mutating,
                                      const char *op, const std::string &path) {
  const uint64_t n = ++calls_[Index(kind)];
  const uint64_t any = ++calls_[Index(FaultKind::kAny)];
  if (mutating && mutations_left_ != UINT64_MAX) {
    if (mutations_left_ == 0) crashed_ = true;
    if (crashed_) {
      ++injected_;
      return Status::IOError(
          std::string(op) + " " + path +
              ": injected power loss (the device is gone): " + ErrnoText(EIO),
          EIO);
    }
    --mutations_left_;
  }
  if (rule_set_) {
    const uint64_t count = rule_kind_ == FaultKind::kAny ? any
                           : rule_kind_ == kind          ? n
                                                         : 0;
    if (count != 0 &&
        (count == rule_at_ || (rule_persistent_ && count > rule_at_))) {
      ++injected_;
      return Status::IOError(std::string(op) + " " + path +
                                 ": injected fault: " + ErrnoText(rule_err_),
                             rule_err_);
    }
  }
  return Status::OK();
}

// ---- Tracking -----------------------------------------------------------

FaultInjectionEnv::DataState &FaultInjectionEnv::StateLocked(
    const std::string &path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  DataState st;
  uint64_t size = 0;
  if (base()->GetFileSize(path, &size).ok()) st.size = st.synced = size;
  return files_.emplace(path, st).first->second;
}

std::string FaultInjectionEnv::DurableBytesLocked(const std::string &path) {
  std::string data;
  if (!base()->ReadFileToString(path, &data).ok()) return {};
  auto it = files_.find(path);
  if (it != files_.end() && data.size() > it->second.synced) {
    data.resize(it->second.synced);
  }
  return data;
}

void FaultInjectionEnv::RecordDirOpLocked(DirOp op) {
  const std::string dir = DirOf(op.path);
  pending_[dir].push_back(std::move(op));
}

// ---- Env calls ----------------------------------------------------------

Status FaultInjectionEnv::NewSequentialFile(
    const std::string &path, std::unique_ptr<SequentialFile> *out) {
  Status s = Check(FaultKind::kOpen, false, "open", path);
  if (s.ok()) s = base()->NewSequentialFile(path, out);
  if (s.ok()) *out = std::make_unique<ReadFile>(this, path, std::move(*out));
  return s;
}

Status FaultInjectionEnv::NewRandomAccessFile(
    const std::string &path, std::unique_ptr<RandomAccessFile> *out) {
  Status s = Check(FaultKind::kOpen, false, "open", path);
  if (s.ok()) s = base()->NewRandomAccessFile(path, out);
  if (s.ok()) *out = std::make_unique<RandomFile>(this, path, std::move(*out));
  return s;
}

Status FaultInjectionEnv::NewWritableFile(const std::string &path,
                                          std::unique_ptr<WritableFile> *out) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kOpen, true, "create", path);
  if (!s.ok()) return s;
  const bool existed = base()->FileExists(path);
  // Truncating an existing file is a data change like any other write: its
  // old bytes are not brought back by a power loss (a conservative model).
  s = base()->NewWritableFile(path, out);
  if (!s.ok()) return s;
  files_[path] = DataState{};
  if (!existed)
    RecordDirOpLocked(DirOp{DirOp::Type::kCreate, path, {}, {}, {}});
  open_files_++;
  *out = std::make_unique<File>(this, path, std::move(*out));
  return s;
}

Status FaultInjectionEnv::NewAppendableFile(
    const std::string &path, std::unique_ptr<WritableFile> *out) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kOpen, true, "open for append", path);
  if (!s.ok()) return s;
  const bool existed = base()->FileExists(path);
  if (existed) (void)StateLocked(path);
  s = base()->NewAppendableFile(path, out);
  if (!s.ok()) return s;
  if (!existed) {
    files_[path] = DataState{};
    RecordDirOpLocked(DirOp{DirOp::Type::kCreate, path, {}, {}, {}});
  }
  open_files_++;
  *out = std::make_unique<File>(this, path, std::move(*out));
  return s;
}

Status FaultInjectionEnv::RemoveFile(const std::string &path) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kRemove, true, "unlink", path);
  if (!s.ok()) return s;
  DirOp op{DirOp::Type::kRemove, path, {}, {}, {}};
  op.saved = DurableBytesLocked(path);
  op.saved_state = StateLocked(path);
  s = base()->RemoveFile(path);
  if (!s.ok()) return s;
  files_.erase(path);
  RecordDirOpLocked(std::move(op));
  return s;
}

Status FaultInjectionEnv::CreateDir(const std::string &dir) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kWrite, true, "mkdir", dir);
  if (!s.ok()) return s;
  const bool existed = base()->FileExists(dir);
  s = base()->CreateDir(dir);
  if (s.ok() && !existed) {
    RecordDirOpLocked(DirOp{DirOp::Type::kMkdir, DirKey(dir), {}, {}, {}});
  }
  return s;
}

Status FaultInjectionEnv::RenameFile(const std::string &from,
                                     const std::string &to) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kRename, true, "rename", from);
  if (!s.ok()) return s;
  DirOp op{DirOp::Type::kRename, to, from, {}, {}};
  if (base()->FileExists(to)) {
    op.saved = DurableBytesLocked(to);
    op.saved_state = StateLocked(to);
  }
  const DataState moved = StateLocked(from);
  s = base()->RenameFile(from, to);
  if (!s.ok()) return s;
  files_.erase(from);
  files_[to] = moved;
  RecordDirOpLocked(std::move(op));
  return s;
}

Status FaultInjectionEnv::LinkFile(const std::string &from,
                                   const std::string &to) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kRename, true, "link", from);
  if (!s.ok()) return s;
  const DataState shared = StateLocked(from);
  s = base()->LinkFile(from, to);
  if (!s.ok()) return s;
  files_[to] = shared;
  RecordDirOpLocked(DirOp{DirOp::Type::kLink, to, from, {}, {}});
  return s;
}

Status FaultInjectionEnv::TruncateFile(const std::string &path, uint64_t size) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kWrite, true, "truncate", path);
  if (!s.ok()) return s;
  s = base()->TruncateFile(path, size);
  if (s.ok()) files_[path] = DataState{size, size};  // it syncs
  return s;
}

Status FaultInjectionEnv::RemoveDir(const std::string &dir) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kRemove, true, "rmdir", dir);
  if (!s.ok()) return s;
  // Not undone by a power loss: the engine removes only directories it
  // emptied itself (a failed backup), and a resurrected empty directory
  // changes nothing it checks.
  return base()->RemoveDir(dir);
}

Status FaultInjectionEnv::SyncDir(const std::string &dir) {
  std::lock_guard<std::mutex> g(mu_);
  Status s = CheckLocked(FaultKind::kSync, true, "fsync directory", dir);
  if (!s.ok()) return s;
  s = base()->SyncDir(dir);
  if (s.ok()) pending_.erase(DirKey(dir));
  return s;
}

// ---- Power loss ---------------------------------------------------------

Status FaultInjectionEnv::RewindFileLocked(const std::string &path,
                                           const DataState &st, TailMode mode,
                                           uint64_t *rng, LossReport *report) {
  uint64_t size = 0;
  if (!base()->GetFileSize(path, &size).ok()) return Status::OK();  // gone
  if (size <= st.synced) return Status::OK();
  const uint64_t unsynced = size - st.synced;
  report->files_rewound++;
  if (mode == TailMode::kDrop || mode == TailMode::kKeepPrefix) {
    uint64_t keep = 0;
    if (mode == TailMode::kKeepPrefix) keep = NextRandom(rng) % (unsynced + 1);
    report->bytes_lost += unsynced - keep;
    return base()->TruncateFile(path, st.synced + keep);
  }
  std::string data;
  Status s = base()->ReadFileToString(path, &data);
  if (!s.ok()) return s;
  uint64_t from = st.synced;
  if (mode == TailMode::kTornGarbage) {
    from += NextRandom(rng) % (unsynced + 1);
    if (from == data.size() && from > st.synced) --from;  // damage something
  }
  for (uint64_t i = from; i < data.size(); ++i) {
    data[i] = mode == TailMode::kZeros
                  ? '\0'
                  : static_cast<char>(NextRandom(rng) & 0xff);
  }
  report->bytes_lost += data.size() - from;
  std::unique_ptr<WritableFile> f;
  s = base()->NewWritableFile(path, &f);
  if (s.ok()) s = f->Append(data);
  if (s.ok()) s = f->Sync();
  if (f != nullptr) {
    Status c = f->Close();
    if (s.ok()) s = c;
  }
  return s;
}

Status FaultInjectionEnv::SimulatePowerLoss(TailMode mode, uint64_t seed,
                                            LossReport *out) {
  std::lock_guard<std::mutex> g(mu_);
  if (open_files_ != 0) {
    return Status::Busy("SimulatePowerLoss: " + std::to_string(open_files_) +
                        " files written through the env are still open");
  }
  LossReport report;
  uint64_t rng = seed * 2 + 1;
  auto write_whole = [&](const std::string &path, const std::string &bytes) {
    std::unique_ptr<WritableFile> f;
    Status s = base()->NewWritableFile(path, &f);
    if (s.ok()) s = f->Append(bytes);
    if (s.ok()) s = f->Sync();
    if (f != nullptr) (void)f->Close();
    return s;
  };

  // 1. File data: back to the durable bytes.
  for (const auto &[path, st] : files_) {
    Status s = RewindFileLocked(path, st, mode, &rng, &report);
    if (!s.ok()) return s;
  }
  // 2. Directory entries: undo what no SyncDir covered, newest first. The
  // order across directories does not matter for what the engine does
  // (one db directory, plus a backup's).
  for (auto &[dir, ops] : pending_) {
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      const DirOp &op = *it;
      report.entries_undone++;
      Status s;
      switch (op.type) {
        case DirOp::Type::kCreate:
        case DirOp::Type::kLink:
          if (base()->FileExists(op.path)) s = base()->RemoveFile(op.path);
          break;
        case DirOp::Type::kRemove:
          s = write_whole(op.path, op.saved.value_or(std::string()));
          break;
        case DirOp::Type::kRename:
          if (base()->FileExists(op.path)) {
            s = base()->RenameFile(op.path, op.from);
          }
          if (s.ok() && op.saved.has_value()) {
            s = write_whole(op.path, *op.saved);
          }
          break;
        case DirOp::Type::kMkdir: {
          std::error_code ec;
          std::filesystem::remove_all(op.path, ec);
          if (ec) {
            s = IOErrorFromErrno("remove_all", op.path, ec.value());
          }
          break;
        }
      }
      if (!s.ok()) return s;
    }
  }
  files_.clear();
  pending_.clear();
  rule_set_ = false;
  mutations_left_ = UINT64_MAX;
  crashed_ = false;
  if (out != nullptr) *out = report;
  return Status::OK();
}

void FaultInjectionEnv::ForgetUnsynced() {
  std::lock_guard<std::mutex> g(mu_);
  files_.clear();
  pending_.clear();
}

}  // namespace shale
