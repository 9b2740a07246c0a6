// The on-disk building blocks of a table file (docs/file-format.md):
// block handles, the block trailer (kind byte + masked CRC32C), the footer,
// and reading one checked block from a file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace shale {

class RandomAccessFile;

// Which part of a table a block is; names it in Corruption messages.
enum class BlockKind { kData, kIndex, kMeta, kFilter, kFooter };

// How a block's entries are laid out (docs/file-format.md): prefix-
// compressed keys between restart points (every index block, and the data
// blocks of format-1 tables), or whole keys with an offset per entry and a
// hash index (the data blocks of format-2 tables).
enum class BlockFormat : uint8_t { kPrefixed, kFlat };
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
//   fixed32 format version (1 or 2)
//   fixed32 masked crc32c of the 52 bytes above
//   fixed64 magic
// Format 1: prefixed data blocks, a whole-table bloom filter. Format 2:
// flat data blocks, a cache-local bloom filter. Index and meta blocks are
// the same in both.
inline constexpr size_t kFooterSize = 6 * 8 + 4 + 4 + 8;
inline constexpr uint32_t kTableFormatPrefixed = 1;
inline constexpr uint32_t kTableFormatFlat = 2;
inline constexpr uint32_t kLatestTableFormat = kTableFormatFlat;
inline constexpr uint64_t kTableMagic = 0x8d3f5a1e7c2b64d1ull;

struct Footer {
  BlockHandle index;
  BlockHandle meta;
  BlockHandle filter;
  uint32_t version = kLatestTableFormat;

  // The layout of the table's data blocks.
  BlockFormat data_format() const {
    return version == kTableFormatPrefixed ? BlockFormat::kPrefixed
                                           : BlockFormat::kFlat;
  }

  void EncodeTo(std::string *dst) const;
  // Checks magic, checksum, version (a version newer than this library
  // reads is refused as such), and that every handle lies within the file
  // before the footer. footer_offset names the footer in errors.
  Status DecodeFrom(std::string_view in, uint64_t footer_offset,
                    const std::string &path);
};

// A block's bytes as read from its file, in a buffer nothing zero-filled
// first (the read overwrites it).
struct BlockContents {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};

// Reads the block at handle (contents + trailer) from file, checks that it
// lies within [0, data_end), its compression byte and its checksum, and
// leaves the contents in *contents. Corruption names path, kind and offset;
// I/O errors pass through.
Status ReadBlock(const RandomAccessFile &file, uint64_t data_end,
                 const BlockHandle &handle, BlockKind kind,
                 const std::string &path, BlockContents *contents);

}  // namespace shale
