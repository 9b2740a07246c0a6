#include "table/format.h"

#include "env/env.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace shale {

const char *BlockKindName(BlockKind kind) {
  switch (kind) {
    case BlockKind::kData:
      return "data";
    case BlockKind::kIndex:
      return "index";
    case BlockKind::kMeta:
      return "meta";
    case BlockKind::kFilter:
      return "filter";
    case BlockKind::kFooter:
      return "footer";
  }
  return "unknown";
}

Status TableCorruption(const std::string &path, BlockKind kind, uint64_t offset,
                       std::string_view what) {
  std::string msg = path;
  msg += ": ";
  msg += BlockKindName(kind);
  msg += " block at offset ";
  msg += std::to_string(offset);
  msg += ": ";
  msg += what;
  return Status::Corruption(std::move(msg));
}

void BlockHandle::EncodeTo(std::string *dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view *in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &size);
}

void AppendBlockTrailer(std::string_view contents, std::string *dst) {
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(kNoCompression);
  uint32_t crc = crc32c::Value(contents.data(), contents.size());
  crc = crc32c::Extend(crc, trailer, 1);
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
  dst->append(trailer, kBlockTrailerSize);
}

void Footer::EncodeTo(std::string *dst) const {
  const size_t start = dst->size();
  PutFixed64(dst, index.offset);
  PutFixed64(dst, index.size);
  PutFixed64(dst, meta.offset);
  PutFixed64(dst, meta.size);
  PutFixed64(dst, filter.offset);
  PutFixed64(dst, filter.size);
  PutFixed32(dst, version);
  uint32_t crc = crc32c::Value(dst->data() + start, dst->size() - start);
  PutFixed32(dst, crc32c::Mask(crc));
  PutFixed64(dst, kTableMagic);
}

namespace {

// True if [h.offset, h.offset + h.size + trailer) lies within [0, end).
bool HandleFits(const BlockHandle &h, uint64_t end) {
  if (h.offset > end) return false;
  uint64_t room = end - h.offset;
  if (room < kBlockTrailerSize) return false;
  return h.size <= room - kBlockTrailerSize;
}

}  // namespace

Status Footer::DecodeFrom(std::string_view in, uint64_t footer_offset,
                          const std::string &path) {
  if (in.size() != kFooterSize) {
    return TableCorruption(path, BlockKind::kFooter, footer_offset,
                           "truncated footer");
  }
  const char *p = in.data();
  if (DecodeFixed64(p + kFooterSize - 8) != kTableMagic) {
    return TableCorruption(path, BlockKind::kFooter, footer_offset,
                           "bad magic number (not a table file)");
  }
  uint32_t version = DecodeFixed32(p + 48);
  uint32_t stored_crc = crc32c::Unmask(DecodeFixed32(p + 52));
  if (crc32c::Value(p, 52) != stored_crc) {
    return TableCorruption(path, BlockKind::kFooter, footer_offset,
                           "checksum mismatch");
  }
  if (version > kLatestTableFormat) {
    // Not damage: a later shale wrote it (a salvage must not treat it as
    // damaged either).
    return Status::NotSupported(
        path + ": table format version " + std::to_string(version) +
        " is newer than this library reads (up to " +
        std::to_string(kLatestTableFormat) +
        "): the table was written by a later version of shale");
  }
  if (version < kTableFormatPrefixed) {
    return TableCorruption(
        path, BlockKind::kFooter, footer_offset,
        "unknown table format version " + std::to_string(version));
  }
  this->version = version;
  index.offset = DecodeFixed64(p);
  index.size = DecodeFixed64(p + 8);
  meta.offset = DecodeFixed64(p + 16);
  meta.size = DecodeFixed64(p + 24);
  filter.offset = DecodeFixed64(p + 32);
  filter.size = DecodeFixed64(p + 40);
  if (!HandleFits(index, footer_offset)) {
    return TableCorruption(path, BlockKind::kFooter, footer_offset,
                           "index handle out of range");
  }
  if (!HandleFits(meta, footer_offset)) {
    return TableCorruption(path, BlockKind::kFooter, footer_offset,
                           "meta handle out of range");
  }
  if (filter.size != 0 && !HandleFits(filter, footer_offset)) {
    return TableCorruption(path, BlockKind::kFooter, footer_offset,
                           "filter handle out of range");
  }
  return Status::OK();
}

Status ReadBlock(const RandomAccessFile &file, uint64_t data_end,
                 const BlockHandle &handle, BlockKind kind,
                 const std::string &path, BlockContents *contents) {
  if (!HandleFits(handle, data_end)) {
    return TableCorruption(path, kind, handle.offset,
                           "block handle (size " + std::to_string(handle.size) +
                               ") extends past the end of the data (" +
                               std::to_string(data_end) + ")");
  }
  const size_t n = static_cast<size_t>(handle.size) + kBlockTrailerSize;
  contents->data.reset(new char[n]);
  contents->size = 0;
  std::string_view got;
  Status s = file.Read(handle.offset, n, &got, contents->data.get());
  if (!s.ok()) return s;
  if (got.size() != n) {
    return TableCorruption(path, kind, handle.offset,
                           "truncated block read (" +
                               std::to_string(got.size()) + " of " +
                               std::to_string(n) + " bytes)");
  }
  if (got.data() != contents->data.get()) {
    std::memmove(contents->data.get(), got.data(), n);
  }
  const char *p = contents->data.get();
  const size_t size = static_cast<size_t>(handle.size);
  uint32_t stored = crc32c::Unmask(DecodeFixed32(p + size + 1));
  uint32_t actual = crc32c::Value(p, size + 1);
  if (stored != actual) {
    return TableCorruption(path, kind, handle.offset, "checksum mismatch");
  }
  if (static_cast<uint8_t>(p[size]) != kNoCompression) {
    return TableCorruption(path, kind, handle.offset,
                           "unknown compression kind " +
                               std::to_string(static_cast<uint8_t>(p[size])));
  }
  contents->size = size;  // the trailer stays behind it, unused
  return Status::OK();
}

}  // namespace shale
