// Env: the one door to the file system. Every file the engine reads or
// writes goes through an Env, so tests can substitute one that injects
// faults (failed syncs, dropped unsynced data). Every durability point is an
// explicit Sync()/SyncDir() call; nothing syncs implicitly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace shale {

// A file written front to back. Append hands the bytes to the OS before it
// returns (no user-space buffering is left pending), so appended data
// survives a crash of the process; only Sync makes it survive power loss.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Pushes any buffered bytes to the OS (a no-op for the POSIX Env).
  virtual Status Flush() = 0;
  // Makes the file's data durable (fdatasync/fsync).
  virtual Status Sync() = 0;
  // Releases the descriptor; does not sync.
  virtual Status Close() = 0;
};

// A file read front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; *result views the bytes read (fewer
  // than n only at end of file).
  virtual Status Read(size_t n, std::string_view *result, char *scratch) = 0;
  virtual Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets. Safe for concurrent use.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset into scratch; fewer only at end of file.
  virtual Status Read(uint64_t offset, size_t n, std::string_view *result,
                      char *scratch) const = 0;
};

// An OS-level exclusive lock on a file, held until UnlockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never destroyed.
  static Env *Default();

  virtual Status NewSequentialFile(const std::string &path,
                                   std::unique_ptr<SequentialFile> *out) = 0;
  virtual Status NewRandomAccessFile(
      const std::string &path, std::unique_ptr<RandomAccessFile> *out) = 0;
  // Creates or truncates path.
  virtual Status NewWritableFile(const std::string &path,
                                 std::unique_ptr<WritableFile> *out) = 0;
  // Opens path for appending, creating it if missing.
  virtual Status NewAppendableFile(const std::string &path,
                                   std::unique_ptr<WritableFile> *out) = 0;

  virtual bool FileExists(const std::string &path) = 0;
  // Names (not paths) of the entries of dir, without "." and "..".
  virtual Status GetChildren(const std::string &dir,
                             std::vector<std::string> *names) = 0;
  virtual Status RemoveFile(const std::string &path) = 0;
  // OK if dir already exists as a directory.
  virtual Status CreateDir(const std::string &dir) = 0;
  virtual Status GetFileSize(const std::string &path, uint64_t *size) = 0;
  // Atomically replaces to with from (rename(2)); not durable until SyncDir.
  virtual Status RenameFile(const std::string &from, const std::string &to) = 0;
  // Cuts path to size bytes and syncs the file so the cut is durable.
  virtual Status TruncateFile(const std::string &path, uint64_t size) = 0;
  // Removes an empty directory. The default refuses with NotSupported.
  virtual Status RemoveDir(const std::string &dir);
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string &dir) = 0;
  // Creates to as a hard link to from (link(2)); not durable until SyncDir.
  // The error carries the errno (EXDEV, EPERM: the caller may copy instead).
  // The default refuses with NotSupported.
  virtual Status LinkFile(const std::string &from, const std::string &to);

  // Takes an exclusive, non-blocking lock on path (creating it if needed) and
  // writes the caller's pid into it when it can be written. Locked if another
  // holder has it; IOError if the file cannot be opened.
  virtual Status LockFile(const std::string &path,
                          std::unique_ptr<FileLock> *lock) = 0;
  virtual Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;

  // Helpers built on the primitives above.
  Status ReadFileToString(const std::string &path, std::string *data);
};

// "<op> <path>: <strerror(err)>" with the errno attached, for Env
// implementations.
Status IOErrorFromErrno(std::string_view op, const std::string &path, int err);
std::string ErrnoText(int err);

}  // namespace shale
