// Appends records to a log file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "env/env.h"
#include "util/status.h"
#include "wal/log_format.h"

namespace shale::wal {

class Writer {
 public:
  // file: the open log, positioned at its end (offset bytes long).
  Writer(std::unique_ptr<WritableFile> file, std::string path,
         uint64_t offset = 0);

  // Writes one record; the bytes are with the OS when it returns OK.
  Status AddRecord(RecordKind kind, std::string_view payload);
  // Makes every added record durable.
  Status Sync();
  Status Close();

  const std::string &path() const { return path_; }
  uint64_t size() const { return offset_; }

 private:
  std::unique_ptr<WritableFile> file_;
  std::string path_;
  uint64_t offset_;
  std::string buf_;
};

}  // namespace shale::wal
