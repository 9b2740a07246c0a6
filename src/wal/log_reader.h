// Reads the records of a log file back, classifying damage.
//
// Torn tail (dropped, not an error): a record cut short by end of file, or
// a record that fails its checks and either reaches end of file or is
// followed only by zero bytes — or, in the file written last (see
// set_last_file), is followed by no valid record at all. Anything else that fails its checks is
// corruption: an error, unless salvaging, in which case the reader skips
// forward to the next record whose checksum verifies and reports the range.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "env/env.h"
#include "util/status.h"
#include "wal/log_format.h"

namespace shale::wal {

struct SkippedRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string reason;
};

class Reader {
 public:
  Reader(std::unique_ptr<RandomAccessFile> file, std::string path,
         uint64_t file_size, bool salvage);

  // On OK: *has_record says whether a record was read into *payload (kind
  // in *kind, its start in *offset); false means the end of the log.
  Status ReadRecord(bool *has_record, RecordKind *kind, std::string *payload,
                    uint64_t *offset);

  // The end of the last good record: where appending may resume.
  uint64_t valid_end() const { return valid_end_; }
  // Bytes at the end dropped as a torn tail (0 if none).
  uint64_t torn_bytes() const { return torn_bytes_; }
  const std::string &torn_reason() const { return torn_reason_; }
  const std::vector<SkippedRange> &skipped() const { return skipped_; }
  const std::string &path() const { return path_; }
  // Appended to the corruption message (default: how to salvage).
  void set_corruption_hint(std::string hint) { hint_ = std::move(hint); }
  // The file was being appended to when the writer stopped (the last log,
  // the manifest): a power loss may leave any bytes after its synced part,
  // zeros or garbage, so a damaged record with no valid record anywhere
  // after it is a torn tail. Earlier logs were synced whole before the
  // next one was started: there, garbage after a bad record is corruption.
  void set_last_file(bool last) { last_file_ = last; }

 private:
  // Checks a candidate record at off: *good with the payload filled, or
  // *why it is not; *end is where it ends (end of file if it runs past).
  Status Check(uint64_t off, bool *good, std::string *why, uint8_t *kind,
               std::string *payload, uint64_t *end);
  Status RestIsZero(uint64_t from, bool *zero);
  Status ScanForRecord(uint64_t from, uint64_t *found);

  std::unique_ptr<RandomAccessFile> file_;
  std::string path_;
  uint64_t size_;
  bool salvage_;
  uint64_t pos_ = 0;
  uint64_t valid_end_ = 0;
  uint64_t torn_bytes_ = 0;
  std::string torn_reason_;
  std::vector<SkippedRange> skipped_;
  bool done_ = false;
  bool last_file_ = false;
  std::string hint_ = " (open with salvage=1 to skip it)";
};

}  // namespace shale::wal
