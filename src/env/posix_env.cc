// The default Env: POSIX system calls, no user-space buffering.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "env/env.h"

namespace shale {

namespace {

// strerror_r comes in a GNU (char*) and an XSI (int) flavour.
[[maybe_unused]] const char *PickErrorText(int rc, const char *buf) {
  return rc == 0 ? buf : "unknown error";
}
[[maybe_unused]] const char *PickErrorText(const char *text, const char *) {
  return text;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    const char *p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return IOErrorFromErrno("write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    return Status::OK();
  }

  Status Flush() override { return Status::OK(); }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return IOErrorFromErrno("fsync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return IOErrorFromErrno("close", path_, errno);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, std::string_view *result, char *scratch) override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd_, scratch + got, n - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        return IOErrorFromErrno("read", path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, got);
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) {
      return IOErrorFromErrno("seek", path_, errno);
    }
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, std::string_view *result,
              char *scratch) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, scratch + got, n - got,
                          static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return IOErrorFromErrno("read", path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, got);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path(std::move(path)), fd(fd) {}
  // A lock dropped without UnlockFile (an exception on the way) must not
  // keep the descriptor, and with it the flock, for the rest of the
  // process. Found by tests/fault_loops.
  ~PosixFileLock() override {
    if (fd >= 0) ::close(fd);
  }
  std::string path;
  int fd;
};

class PosixEnv final : public Env {
 public:
  Status NewSequentialFile(const std::string &path,
                           std::unique_ptr<SequentialFile> *out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IOErrorFromErrno("open", path, errno);
    *out = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string &path,
                             std::unique_ptr<RandomAccessFile> *out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IOErrorFromErrno("open", path, errno);
    *out = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status NewWritableFile(const std::string &path,
                         std::unique_ptr<WritableFile> *out) override {
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return IOErrorFromErrno("create", path, errno);
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  Status NewAppendableFile(const std::string &path,
                           std::unique_ptr<WritableFile> *out) override {
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return IOErrorFromErrno("open for append", path, errno);
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  bool FileExists(const std::string &path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }

  Status GetChildren(const std::string &dir,
                     std::vector<std::string> *names) override {
    names->clear();
    DIR *d = ::opendir(dir.c_str());
    if (d == nullptr) return IOErrorFromErrno("list directory", dir, errno);
    // Closed however the loop ends: a bad_alloc while copying the names
    // leaked the DIR and its descriptor. Found by tests/fault_loops.
    std::unique_ptr<DIR, int (*)(DIR *)> closer(d, ::closedir);
    while (struct dirent *e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(std::move(name));
    }
    return Status::OK();
  }

  Status RemoveFile(const std::string &path) override {
    if (::unlink(path.c_str()) != 0) {
      return IOErrorFromErrno("remove", path, errno);
    }
    return Status::OK();
  }

  Status CreateDir(const std::string &dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return Status::OK();
    int err = errno;
    struct stat st;
    if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::OK();
    }
    return IOErrorFromErrno("create directory", dir, err);
  }

  Status GetFileSize(const std::string &path, uint64_t *size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      *size = 0;
      return IOErrorFromErrno("stat", path, errno);
    }
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RenameFile(const std::string &from, const std::string &to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return IOErrorFromErrno("rename to " + to + " from", from, errno);
    }
    return Status::OK();
  }

  Status TruncateFile(const std::string &path, uint64_t size) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return IOErrorFromErrno("open for truncate", path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      s = IOErrorFromErrno("truncate", path, errno);
    } else if (::fsync(fd) != 0) {
      s = IOErrorFromErrno("fsync after truncate", path, errno);
    }
    ::close(fd);
    return s;
  }

  Status RemoveDir(const std::string &dir) override {
    if (::rmdir(dir.c_str()) != 0) {
      return IOErrorFromErrno("remove directory", dir, errno);
    }
    return Status::OK();
  }

  Status LinkFile(const std::string &from, const std::string &to) override {
    if (::link(from.c_str(), to.c_str()) != 0) {
      return IOErrorFromErrno("link to " + to + " from", from, errno);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string &dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IOErrorFromErrno("open directory", dir, errno);
    Status s;
    if (::fsync(fd) != 0) s = IOErrorFromErrno("fsync directory", dir, errno);
    ::close(fd);
    return s;
  }

  Status LockFile(const std::string &path,
                  std::unique_ptr<FileLock> *lock) override {
    // Allocated before the descriptor exists: a bad_alloc after the flock
    // leaked the descriptor and kept the db locked for the rest of the
    // process. Found by tests/fault_loops.
    auto held = std::make_unique<PosixFileLock>(path, -1);
    const std::string pid = std::to_string(::getpid()) + "\n";
    bool writable = true;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && (errno == EROFS || errno == EACCES)) {
      writable = false;
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) return IOErrorFromErrno("open lock file", path, errno);
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Locked("lock " + path + ": " + ErrnoText(err), err);
      }
      return IOErrorFromErrno("lock", path, err);
    }
    if (writable) {
      // Best effort: the pid only improves the message of a later conflict.
      if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] ssize_t n = ::pwrite(fd, pid.data(), pid.size(), 0);
      }
    }
    held->fd = fd;
    *lock = std::move(held);
    return Status::OK();
  }

  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto *l = static_cast<PosixFileLock *>(lock.get());
    if (l == nullptr) return Status::OK();
    Status s;
    if (::flock(l->fd, LOCK_UN) != 0) {
      s = IOErrorFromErrno("unlock", l->path, errno);
    }
    ::close(l->fd);
    l->fd = -1;
    return s;
  }
};

}  // namespace

std::string ErrnoText(int err) {
  char buf[256];
  buf[0] = '\0';
  return PickErrorText(strerror_r(err, buf, sizeof(buf)), buf);
}

Status IOErrorFromErrno(std::string_view op, const std::string &path, int err) {
  std::string msg(op);
  msg += ' ';
  msg += path;
  msg += ": ";
  msg += ErrnoText(err);
  return Status::IOError(std::move(msg), err);
}

Env *Env::Default() {
  static Env *env = new PosixEnv();
  return env;
}

Status Env::RemoveDir(const std::string &dir) {
  return Status::NotSupported("remove directory " + dir +
                              ": not supported by this Env");
}

Status Env::LinkFile(const std::string &from, const std::string &to) {
  return Status::NotSupported("link " + from + " to " + to +
                              ": hard links are not supported by this Env");
}

Status Env::ReadFileToString(const std::string &path, std::string *data) {
  data->clear();
  std::unique_ptr<SequentialFile> file;
  Status s = NewSequentialFile(path, &file);
  if (!s.ok()) return s;
  constexpr size_t kChunk = 64 * 1024;
  std::string scratch(kChunk, '\0');
  while (true) {
    std::string_view got;
    s = file->Read(kChunk, &got, scratch.data());
    if (!s.ok()) return s;
    if (got.empty()) break;
    data->append(got);
  }
  return Status::OK();
}

}  // namespace shale
