// DbLock: the single-open rule. A db directory is open at most once: the
// lock is an flock on <db>/LOCK (conflicts across processes and between two
// opens in one process) plus a process-wide registry of canonical paths (for
// file systems where flock is unreliable).
#pragma once

#include <memory>
#include <string>

#include "env/env.h"
#include "util/status.h"

namespace shale {

class DbLock {
 public:
  // Locked with a message naming the path (and the holder's pid when the
  // LOCK file says) if the directory is already open.
  static Status Acquire(Env *env, const std::string &db,
                        std::unique_ptr<DbLock> *out);

  DbLock(const DbLock &) = delete;
  DbLock &operator=(const DbLock &) = delete;
  ~DbLock();

  Status Release();

 private:
  DbLock(Env *env, std::string canonical, std::unique_ptr<FileLock> lock)
      : env_(env), canonical_(std::move(canonical)), lock_(std::move(lock)) {}

  Env *env_;
  std::string canonical_;
  std::unique_ptr<FileLock> lock_;
};

}  // namespace shale
