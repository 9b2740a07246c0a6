// EnvWrapper and WritableFileWrapper: forward every call to another Env or
// file. An Env that changes a few operations (fault injection, counting)
// derives from them and overrides only those.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env/env.h"

namespace shale {

class EnvWrapper : public Env {
 public:
  // base: not owned; must outlive the wrapper.
  explicit EnvWrapper(Env *base) : base_(base) {}
  Env *base() const { return base_; }

  Status NewSequentialFile(const std::string &path,
                           std::unique_ptr<SequentialFile> *out) override {
    return base_->NewSequentialFile(path, out);
  }
  Status NewRandomAccessFile(const std::string &path,
                             std::unique_ptr<RandomAccessFile> *out) override {
    return base_->NewRandomAccessFile(path, out);
  }
  Status NewWritableFile(const std::string &path,
                         std::unique_ptr<WritableFile> *out) override {
    return base_->NewWritableFile(path, out);
  }
  Status NewAppendableFile(const std::string &path,
                           std::unique_ptr<WritableFile> *out) override {
    return base_->NewAppendableFile(path, out);
  }
  bool FileExists(const std::string &path) override {
    return base_->FileExists(path);
  }
  Status GetChildren(const std::string &dir,
                     std::vector<std::string> *names) override {
    return base_->GetChildren(dir, names);
  }
  Status RemoveFile(const std::string &path) override {
    return base_->RemoveFile(path);
  }
  Status CreateDir(const std::string &dir) override {
    return base_->CreateDir(dir);
  }
  Status GetFileSize(const std::string &path, uint64_t *size) override {
    return base_->GetFileSize(path, size);
  }
  Status RenameFile(const std::string &from, const std::string &to) override {
    return base_->RenameFile(from, to);
  }
  Status TruncateFile(const std::string &path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }
  Status RemoveDir(const std::string &dir) override {
    return base_->RemoveDir(dir);
  }
  Status SyncDir(const std::string &dir) override {
    return base_->SyncDir(dir);
  }
  Status LinkFile(const std::string &from, const std::string &to) override {
    return base_->LinkFile(from, to);
  }
  Status LockFile(const std::string &path,
                  std::unique_ptr<FileLock> *lock) override {
    return base_->LockFile(path, lock);
  }
  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    return base_->UnlockFile(std::move(lock));
  }

 private:
  Env *const base_;
};

class WritableFileWrapper : public WritableFile {
 public:
  explicit WritableFileWrapper(std::unique_ptr<WritableFile> base)
      : base_(std::move(base)) {}

  Status Append(std::string_view data) override { return base_->Append(data); }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override { return base_->Sync(); }
  Status Close() override { return base_->Close(); }

 private:
  std::unique_ptr<WritableFile> base_;
};

}  // namespace shale
