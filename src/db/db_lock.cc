#include "db/db_lock.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <mutex>

#include "db/filenames.h"

namespace shale {

namespace {

std::mutex &RegistryMutex() {
  static std::mutex *mu = new std::mutex;
  return *mu;
}

// Canonical path -> pid of the process that registered it. A forked child
// inherits the parent's entries; they do not count as its own opens (the
// flock still stops it).
std::map<std::string, pid_t> &Registry() {
  static auto *paths = new std::map<std::string, pid_t>;
  return *paths;
}

std::string Canonical(const std::string &path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) != nullptr) return buf;
  return path;
}

constexpr const char *kRule = "a db directory can be open once at a time";

}  // namespace

Status DbLock::Acquire(Env *env, const std::string &db,
                       std::unique_ptr<DbLock> *out) {
  out->reset();
  std::string canonical = Canonical(db);
  {
    std::lock_guard<std::mutex> g(RegistryMutex());
    auto [it, inserted] = Registry().emplace(canonical, ::getpid());
    if (!inserted) {
      if (it->second == ::getpid()) {
        return Status::Locked(db + " is already open in this process (pid " +
                              std::to_string(::getpid()) + "); " + kRule);
      }
      it->second = ::getpid();
    }
  }
  // Unregisters on every way out but success, an exception (bad_alloc)
  // included: a leftover entry made the path "already open in this
  // process" for good. Found by tests/fault_loops.
  struct Unregister {
    const std::string *path;
    ~Unregister() {
      if (path == nullptr) return;
      std::lock_guard<std::mutex> g(RegistryMutex());
      Registry().erase(*path);
    }
  } unregister{&canonical};
  std::unique_ptr<FileLock> lock;
  const std::string lock_path = LockFileName(db);
  Status s = env->LockFile(lock_path, &lock);
  if (!s.ok()) {
    if (s.code() == Status::Code::kLocked) {
      std::string holder;
      std::string pid;
      if (env->ReadFileToString(lock_path, &pid).ok()) {
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
          pid.pop_back();
        }
        if (!pid.empty() && pid.size() < 12 &&
            pid.find_first_not_of("0123456789") == std::string::npos) {
          holder = " (held by pid " + pid + ")";
        }
      }
      return Status::Locked(
          db + " is locked by another open" + holder + ": " + kRule,
          s.sys_errno());
    }
    return s;
  }
  std::unique_ptr<DbLock> held(new DbLock(env, canonical, std::move(lock)));
  unregister.path = nullptr;  // the DbLock unregisters from now on
  *out = std::move(held);
  return Status::OK();
}

Status DbLock::Release() {
  if (!lock_) return Status::OK();
  Status s = env_->UnlockFile(std::move(lock_));
  lock_.reset();
  std::lock_guard<std::mutex> g(RegistryMutex());
  Registry().erase(canonical_);
  return s;
}

DbLock::~DbLock() { (void)Release(); }

}  // namespace shale
