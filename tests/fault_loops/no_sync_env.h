// NoSyncEnv: the real file system without fsync. The I/O-error loop runs
// its FaultInjectionEnv over it: it checks how the engine handles failed
// calls, not what a device keeps after power loss (tests/power_loss does),
// and thousands of fsyncs on a real disk would blow the CI budget
// (~155 s on /tmp instead of ~5 s).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "env/env_wrapper.h"

namespace shale::fault_loops {

class NoSyncEnv final : public EnvWrapper {
 public:
  NoSyncEnv() : EnvWrapper(Env::Default()) {}

  Status NewWritableFile(const std::string &path,
                         std::unique_ptr<WritableFile> *out) override {
    Status s = EnvWrapper::NewWritableFile(path, out);
    if (s.ok()) *out = std::make_unique<File>(std::move(*out));
    return s;
  }
  Status NewAppendableFile(const std::string &path,
                           std::unique_ptr<WritableFile> *out) override {
    Status s = EnvWrapper::NewAppendableFile(path, out);
    if (s.ok()) *out = std::make_unique<File>(std::move(*out));
    return s;
  }
  Status SyncDir(const std::string &) override { return Status::OK(); }

 private:
  class File final : public WritableFile {
   public:
    explicit File(std::unique_ptr<WritableFile> f) : f_(std::move(f)) {}
    Status Append(std::string_view data) override { return f_->Append(data); }
    Status Flush() override { return f_->Flush(); }
    Status Sync() override { return Status::OK(); }
    Status Close() override { return f_->Close(); }

   private:
    std::unique_ptr<WritableFile> f_;
  };
};

}  // namespace shale::fault_loops
