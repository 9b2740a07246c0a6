#include "wal/log_reader.h"

#include <algorithm>

#include "util/coding.h"
#include "util/crc32c.h"

namespace shale::wal {

namespace {
constexpr size_t kScanChunk = 64 * 1024;
}  // namespace

Reader::Reader(std::unique_ptr<RandomAccessFile> file, std::string path,
               uint64_t file_size, bool salvage)
    : file_(std::move(file)),
      path_(std::move(path)),
      size_(file_size),
      salvage_(salvage) {}

Status Reader::Check(uint64_t off, bool *good, std::string *why, uint8_t *kind,
                     std::string *payload, uint64_t *end) {
  *good = false;
  *end = size_;
  char hdr[kHeaderSize];
  std::string_view got;
  Status s = file_->Read(off, kHeaderSize, &got, hdr);
  if (!s.ok()) return s;
  if (got.size() < kHeaderSize) {
    *why = "incomplete record header";
    return Status::OK();
  }
  const uint32_t expected = crc32c::Unmask(DecodeFixed32(got.data()));
  const uint32_t len = DecodeFixed32(got.data() + 4);
  *kind = static_cast<uint8_t>(got[8]);
  if (len > size_ - off - kHeaderSize) {
    *why = "record of " + std::to_string(len) + " bytes runs past end of file";
    return Status::OK();
  }
  *end = off + kHeaderSize + len;
  if (!IsValidKind(*kind)) {
    *why = "invalid record kind " + std::to_string(*kind);
    return Status::OK();
  }
  payload->resize(len);
  s = file_->Read(off + kHeaderSize, len, &got, payload->data());
  if (!s.ok()) return s;
  if (got.size() != len) {
    *why = "short read of record payload";
    return Status::OK();
  }
  if (got.data() != payload->data()) payload->assign(got);
  const char kind_byte = static_cast<char>(*kind);
  uint32_t actual = crc32c::Extend(0, &kind_byte, 1);
  actual = crc32c::Extend(actual, payload->data(), payload->size());
  if (actual != expected) {
    *why = "bad record checksum";
    return Status::OK();
  }
  *good = true;
  return Status::OK();
}

Status Reader::RestIsZero(uint64_t from, bool *zero) {
  *zero = true;
  std::string buf(kScanChunk, '\0');
  for (uint64_t off = from; off < size_;) {
    std::string_view got;
    size_t n = static_cast<size_t>(std::min<uint64_t>(kScanChunk, size_ - off));
    Status s = file_->Read(off, n, &got, buf.data());
    if (!s.ok()) return s;
    if (got.empty()) break;
    for (char c : got) {
      if (c != 0) {
        *zero = false;
        return Status::OK();
      }
    }
    off += got.size();
  }
  return Status::OK();
}

// Finds the first offset > from holding a record whose checksum verifies;
// size_ if there is none.
Status Reader::ScanForRecord(uint64_t from, uint64_t *found) {
  *found = size_;
  std::string buf(kScanChunk + kHeaderSize, '\0');
  std::string payload;
  for (uint64_t base = from + 1; base + kHeaderSize <= size_;) {
    size_t n = static_cast<size_t>(
        std::min<uint64_t>(kScanChunk + kHeaderSize, size_ - base));
    std::string_view got;
    Status s = file_->Read(base, n, &got, buf.data());
    if (!s.ok()) return s;
    if (got.size() < kHeaderSize) break;
    for (size_t i = 0; i + kHeaderSize <= got.size(); ++i) {
      // Cheap filters first: a valid kind and a length that fits.
      if (!IsValidKind(static_cast<uint8_t>(got[i + 8]))) continue;
      uint64_t off = base + i;
      uint32_t len = DecodeFixed32(got.data() + i + 4);
      if (len > size_ - off - kHeaderSize) continue;
      bool good = false;
      std::string why;
      uint8_t kind = 0;
      uint64_t end = 0;
      s = Check(off, &good, &why, &kind, &payload, &end);
      if (!s.ok()) return s;
      if (good) {
        *found = off;
        return Status::OK();
      }
    }
    if (got.size() <= kHeaderSize) break;
    base += got.size() - kHeaderSize + 1;
  }
  return Status::OK();
}

Status Reader::ReadRecord(bool *has_record, RecordKind *kind,
                          std::string *payload, uint64_t *offset) {
  *has_record = false;
  while (!done_) {
    if (pos_ >= size_) {
      done_ = true;
      break;
    }
    bool good = false;
    std::string why;
    uint8_t k = 0;
    uint64_t end = 0;
    Status s = Check(pos_, &good, &why, &k, payload, &end);
    if (!s.ok()) return s;
    if (good) {
      *has_record = true;
      *kind = static_cast<RecordKind>(k);
      *offset = pos_;
      pos_ = end;
      valid_end_ = end;
      return Status::OK();
    }
    // A damaged record. It is a torn tail when nothing valid follows it and
    // it either runs to the end of the file or only zeros follow it.
    uint64_t next = size_;
    s = ScanForRecord(pos_, &next);
    if (!s.ok()) return s;
    bool torn = false;
    if (next == size_) {
      // Found by tests/power_loss: a garbage tail in the last log made
      // the open fail although only unsynced bytes were damaged.
      torn = end >= size_ || last_file_;
      if (!torn) {
        s = RestIsZero(end, &torn);
        if (!s.ok()) return s;
      }
    }
    if (torn) {
      torn_bytes_ = size_ - pos_;
      torn_reason_ = why;
      done_ = true;
      break;
    }
    if (!salvage_) {
      return Status::Corruption(path_ + ": " + why + " at offset " +
                                std::to_string(pos_) + hint_);
    }
    skipped_.push_back({pos_, next - pos_, why});
    pos_ = next;
  }
  return Status::OK();
}

}  // namespace shale::wal
