// The on-disk building blocks of a table file (docs/file-format.md):
// block handles, the block trailer (kind byte + masked CRC32C), the footer,
// and reading one checked block from a file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace shale {

class RandomAccessFile;

// Which part of a table a block is; names it in Corruption messages.
enum class BlockKind { kData, kIndex, kMeta, kFilter, kFooter };
const char *BlockKindName(BlockKind kind);

// "<path>: <kind> block at offset <offset>: <what>".
Status TableCorruption(const std::string &path, BlockKind kind, uint64_t offset,
                       std::string_view what);

// Where a block lives: its contents' offset and size (trailer excluded).
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;

  // Varint offset, varint size (at most kMaxEncodedLength bytes).
  void EncodeTo(std::string *dst) const;
  // Consumes a handle from the front of *in; false if malformed.
  bool DecodeFrom(std::string_view *in);
  static constexpr size_t kMaxEncodedLength = 20;
};

// Every block is followed by: u8 compression (0 = none) | fixed32 masked
// crc32c over the contents and the compression byte.
inline constexpr size_t kBlockTrailerSize = 5;
inline constexpr uint8_t kNoCompression = 0;

// Appends the trailer of contents to *dst.
void AppendBlockTrailer(std::string_view contents, std::string *dst);

// The fixed-size footer at the end of every table:
//   fixed64 index.offset | fixed64 index.size
//   fixed64 meta.offset  | fixed64 meta.size
//   fixed64 filter.offset| fixed64 filter.size   (size 0: no filter)
//   fixed32 format version (1)
//   fixed32 masked crc32c of the 52 bytes above
//   fixed64 magic
inline constexpr size_t kFooterSize = 6 * 8 + 4 + 4 + 8;
inline constexpr uint32_t kTableFormatVersion = 1;
inline constexpr uint64_t kTableMagic = 0x8d3f5a1e7c2b64d1ull;

struct Footer {
  BlockHandle index;
  BlockHandle meta;
  BlockHandle filter;

  void EncodeTo(std::string *dst) const;
  // Checks magic, version, checksum, and that every handle lies within the
  // first data_end bytes of the file. footer_offset names the footer in
  // errors.
  Status DecodeFrom(std::string_view in, uint64_t footer_offset,
                    const std::string &path);
};

// Reads the block at handle (contents + trailer) from file, checks that it
// lies within [0, data_end), its compression byte and its checksum, and
// leaves the contents in *contents. Corruption names path, kind and offset;
// I/O errors pass through.
Status ReadBlock(const RandomAccessFile &file, uint64_t data_end,
                 const BlockHandle &handle, BlockKind kind,
                 const std::string &path, std::string *contents);

}  // namespace shale
