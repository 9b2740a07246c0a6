#include "wal/log_writer.h"

#include "util/coding.h"
#include "util/crc32c.h"

namespace shale::wal {

namespace {
// Payloads up to this size are copied next to their header so the record
// goes out in one write(2).
constexpr size_t kCoalesceLimit = 256 * 1024;
}  // namespace

Writer::Writer(std::unique_ptr<WritableFile> file, std::string path,
               uint64_t offset)
    : file_(std::move(file)), path_(std::move(path)), offset_(offset) {}

Status Writer::AddRecord(RecordKind kind, std::string_view payload) {
  if (payload.size() > kMaxPayload) {
    return Status::InvalidArgument("log record of " +
                                   std::to_string(payload.size()) +
                                   " bytes is too large");
  }
  const char kind_byte = static_cast<char>(kind);
  uint32_t crc = crc32c::Extend(0, &kind_byte, 1);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  char header[kHeaderSize];
  EncodeFixed32(header, crc32c::Mask(crc));
  EncodeFixed32(header + 4, static_cast<uint32_t>(payload.size()));
  header[8] = kind_byte;

  Status s;
  if (payload.size() <= kCoalesceLimit) {
    buf_.assign(header, kHeaderSize);
    buf_.append(payload);
    s = file_->Append(buf_);
    if (buf_.capacity() > 4 * kCoalesceLimit) std::string().swap(buf_);
  } else {
    s = file_->Append(std::string_view(header, kHeaderSize));
    if (s.ok()) s = file_->Append(payload);
  }
  if (s.ok()) s = file_->Flush();
  if (s.ok()) offset_ += kHeaderSize + payload.size();
  return s;
}

Status Writer::Sync() { return file_->Sync(); }

Status Writer::Close() {
  if (!file_) return Status::OK();
  Status s = file_->Close();
  file_.reset();
  return s;
}

}  // namespace shale::wal
