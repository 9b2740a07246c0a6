// checksums.h — recomputes the checksums of a db file after the fuzzer
// changed it, so that the parsers behind the checksums get to see the
// changed bytes (a masked CRC32C is out of reach of libFuzzer's compare
// tracing). Best effort: whatever cannot be located is left as it is.
#pragma once

#include <memory>
#include <string>

#include "table/block.h"
#include "table/format.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "wal/log_format.h"

namespace shale_fuzz {

// A log or manifest: masked crc32c | fixed32 length | kind | payload, ...
inline void FixLogChecksums(std::string *f) {
  using shale::wal::kHeaderSize;
  size_t pos = 0;
  while (f->size() - pos >= kHeaderSize) {
    char *p = f->data() + pos;
    uint32_t len = shale::DecodeFixed32(p + 4);
    if (len > f->size() - pos - kHeaderSize) break;
    uint32_t crc = shale::crc32c::Value(p + 8, size_t{len} + 1);
    shale::EncodeFixed32(p, shale::crc32c::Mask(crc));
    pos += kHeaderSize + len;
  }
}

// The trailer of the block at h (kind byte + masked crc32c), if it fits.
inline bool FixBlock(std::string *f, const shale::BlockHandle &h,
                     uint64_t data_end) {
  if (h.offset > data_end || h.size > data_end - h.offset ||
      data_end - h.offset - h.size < shale::kBlockTrailerSize)
    return false;
  char *p = f->data() + h.offset;
  uint32_t crc = shale::crc32c::Value(p, h.size + 1);
  shale::EncodeFixed32(p + h.size + 1, shale::crc32c::Mask(crc));
  return true;
}

// A table: the footer's checksum, the index, meta and filter blocks', and
// those of the data blocks the index points at.
inline void FixTableChecksums(std::string *f) {
  using shale::DecodeFixed64;
  if (f->size() < shale::kFooterSize) return;
  const uint64_t footer = f->size() - shale::kFooterSize;
  char *p = f->data() + footer;
  shale::EncodeFixed32(p + 52, shale::crc32c::Mask(shale::crc32c::Value(p, 52)));
  shale::BlockHandle index{DecodeFixed64(p), DecodeFixed64(p + 8)};
  shale::BlockHandle meta{DecodeFixed64(p + 16), DecodeFixed64(p + 24)};
  shale::BlockHandle filter{DecodeFixed64(p + 32), DecodeFixed64(p + 40)};
  FixBlock(f, meta, footer);
  FixBlock(f, filter, footer);
  if (!FixBlock(f, index, footer)) return;
  std::shared_ptr<const shale::Block> block;
  const std::string path = "fuzz";
  if (!shale::Block::Parse(f->substr(index.offset, index.size),
                           shale::BlockKind::kIndex, index.offset, path, &block)
           .ok())
    return;
  auto it = block->NewIterator(&path, nullptr);
  int n = 0;
  for (it->SeekToFirst(); it->Valid() && n < 4096; it->Next(), ++n) {
    std::string_view v = it->value();
    shale::BlockHandle h;
    if (h.DecodeFrom(&v)) FixBlock(f, h, footer);
  }
}

}  // namespace shale_fuzz
