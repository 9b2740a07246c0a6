// FaultInjectionEnv: an Env over a real one (the POSIX Env by default) that
// remembers what has been made durable and can take it away, and that fails
// chosen calls. The reliability suites open the engine on it.
//
// Durability model (what a journaling file system guarantees at least):
//  - a file's bytes are durable up to the size it had at its last
//    successful Sync (TruncateFile counts as a sync: it syncs);
//  - a creation, rename, hard link or removal is durable once SyncDir ran
//    on the directory holding the (new) name after it.
// SimulatePowerLoss() rewinds the files on disk to that durable state: each
// file is cut back to its durable size (or its unsynced tail is kept in
// part, zeroed or overwritten with garbage, per TailMode), then directory
// operations not covered by a SyncDir are undone newest first (created
// files removed, renames reversed with the old target restored, removed
// files brought back with their durable bytes).
//
// Faults: FailNth(kind, n, ...) fails the n-th call of that kind counted
// from now (1-based), once or from then on, with EIO or ENOSPC. Crash
// points: CrashAfter(n) lets n more mutating calls through, then the
// "machine stops": every later mutating call fails with EIO and changes
// nothing on disk, as if the process could still run but the device were
// gone. A failed call never changes anything on disk.
//
// Thread-safe; state is guarded by one mutex. Files opened through the env
// must not outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "env/env_wrapper.h"

namespace shale {

enum class FaultKind : uint8_t {
  kWrite,   // WritableFile::Append, TruncateFile
  kSync,    // WritableFile::Sync, SyncDir
  kRename,  // RenameFile, LinkFile
  kOpen,    // New*File (any kind)
  kRemove,  // RemoveFile, RemoveDir
  kRead,    // SequentialFile::Read/Skip, RandomAccessFile::Read
  kAny,     // every call above, counted together
};
const char *FaultKindName(FaultKind kind);

// What SimulatePowerLoss does with bytes written after a file's last sync.
enum class TailMode : uint8_t {
  kDrop,        // cut the file back to its synced size
  kKeepPrefix,  // keep a random part of the unsynced bytes (a torn write)
  kZeros,       // keep the size, replace the unsynced bytes with zeros
  kGarbage,     // keep the size, replace them with random bytes
  // Keep the size, keep a random part of the unsynced bytes and replace
  // the rest with random bytes: a torn write whose later sectors hold
  // junk. Unlike kGarbage (whose first damaged header almost always
  // claims a length running past the end) it leaves intact record headers
  // followed by garbage, so readers see "bad record, then non-zero bytes".
  kTornGarbage,
};
const char *TailModeName(TailMode mode);

class FaultInjectionEnv final : public EnvWrapper {
 public:
  // base: not owned; nullptr means Env::Default().
  explicit FaultInjectionEnv(Env *base = nullptr);
  ~FaultInjectionEnv() override;

  // ---- Injected failures ----
  // Fails the n-th call of kind from now (n >= 1) with err (EIO, ENOSPC);
  // persistent: that call and every later one of the kind. Replaces any
  // earlier rule.
  void FailNth(FaultKind kind, uint64_t n, bool persistent, int err = 5);
  // Removes the rule; calls succeed again.
  void ClearFaults();
  // Calls that failed because of a rule or a crash.
  uint64_t faults_injected() const;
  // Calls of kind seen so far (kAny: all of them), failed ones included.
  uint64_t calls(FaultKind kind) const;

  // ---- Power loss ----
  // After n more mutating calls (append, sync, truncate, create, rename,
  // link, remove, mkdir) every mutating call fails with EIO.
  void CrashAfter(uint64_t n);
  void CrashNow() { CrashAfter(0); }
  bool crashed() const;
  // Rewinds the disk to its durable state (see above). Every file opened
  // through the env must be closed first (destroy the DB). seed drives
  // kKeepPrefix/kGarbage. Afterwards what is on disk counts as durable,
  // the crash point and fault rule are cleared, and the env is ready for
  // the next open.
  struct LossReport {
    uint64_t files_rewound = 0;   // files whose unsynced tail was changed
    uint64_t bytes_lost = 0;      // unsynced bytes dropped or damaged
    uint64_t entries_undone = 0;  // directory operations undone
  };
  Status SimulatePowerLoss(TailMode mode, uint64_t seed,
                           LossReport *report = nullptr);
  // Forgets all tracking without touching the disk (after a clean close:
  // everything is treated as durable).
  void ForgetUnsynced();

  // ---- Env ----
  Status NewSequentialFile(const std::string &path,
                           std::unique_ptr<SequentialFile> *out) override;
  Status NewRandomAccessFile(const std::string &path,
                             std::unique_ptr<RandomAccessFile> *out) override;
  Status NewWritableFile(const std::string &path,
                         std::unique_ptr<WritableFile> *out) override;
  Status NewAppendableFile(const std::string &path,
                           std::unique_ptr<WritableFile> *out) override;
  Status RemoveFile(const std::string &path) override;
  Status CreateDir(const std::string &dir) override;
  Status RenameFile(const std::string &from, const std::string &to) override;
  Status TruncateFile(const std::string &path, uint64_t size) override;
  Status RemoveDir(const std::string &dir) override;
  Status SyncDir(const std::string &dir) override;
  Status LinkFile(const std::string &from, const std::string &to) override;

 private:
  class File;
  class ReadFile;
  class RandomFile;
  friend class File;
  friend class ReadFile;
  friend class RandomFile;

  // Per-path data state: bytes written and bytes known durable.
  struct DataState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };
  // A directory operation not yet covered by SyncDir, with what undoing it
  // needs.
  struct DirOp {
    enum class Type { kCreate, kRename, kLink, kRemove, kMkdir } type;
    std::string path;  // created/removed/linked path, rename target
    std::string from;  // rename source
    // Rename: the target's durable bytes before it was replaced (if it
    // existed); remove: the removed file's durable bytes.
    std::optional<std::string> saved;
    DataState saved_state;
  };

  // Counts a call of kind and decides whether it fails: a non-OK status
  // naming op and path if it does. mutating: the call would change the
  // disk (subject to the crash point).
  Status Check(FaultKind kind, bool mutating, const char *op,
               const std::string &path);
  Status CheckLocked(FaultKind kind, bool mutating, const char *op,
                     const std::string &path);
  // The data state of path, created from the file's real size (treated as
  // durable) the first time the env sees it.
  DataState &StateLocked(const std::string &path);
  std::string DurableBytesLocked(const std::string &path);
  void RecordDirOpLocked(DirOp op);
  Status RewindFileLocked(const std::string &path, const DataState &st,
                          TailMode mode, uint64_t *rng, LossReport *report);

  mutable std::mutex mu_;
  std::map<std::string, DataState> files_;
  // Per directory, its pending operations, oldest first.
  std::map<std::string, std::vector<DirOp>> pending_;
  // Rule.
  bool rule_set_ = false;
  FaultKind rule_kind_ = FaultKind::kAny;
  uint64_t rule_at_ = 0;  // value of calls_[kind] at which it fires
  bool rule_persistent_ = false;
  int rule_err_ = 5;
  uint64_t calls_[7] = {};
  uint64_t injected_ = 0;
  // Crash point: mutating calls left before the crash; UINT64_MAX = none.
  uint64_t mutations_left_ = UINT64_MAX;
  bool crashed_ = false;
  int open_files_ = 0;
};

}  // namespace shale
