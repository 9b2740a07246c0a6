// TableBuilder: writes one immutable sorted table file (format in
// docs/file-format.md): data blocks (flat, or with restart points for
// format 1), a bloom filter over user keys (cache-local, or whole-table for
// format 1), an index block, a meta block, and a footer with a magic number
// and the format version. Every block carries a CRC32C.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "table/table_options.h"
#include "util/status.h"

namespace shale {

class WritableFile;

class TableBuilder {
 public:
  // file: not owned; must stay open until Finish/Abandon. The builder only
  // appends; syncing and closing the file are the caller's (durability is
  // decided by the flush/compaction that owns the file).
  TableBuilder(const TableOptions &options, WritableFile *file);
  ~TableBuilder();
  TableBuilder(const TableBuilder &) = delete;
  TableBuilder &operator=(const TableBuilder &) = delete;

  // REQUIRES: (user_key, tag) strictly greater, in internal order, than
  // every entry added before. An I/O error is sticky.
  Status Add(std::string_view user_key, uint64_t tag, std::string_view value);
  // Writes the remaining data block, filter, index and footer.
  Status Finish();
  // Gives up on the file (the caller deletes it).
  void Abandon();

  uint64_t NumEntries() const;
  // Bytes written so far (the final file size after Finish).
  uint64_t FileSize() const;
  // The first error met (sticky), or OK.
  Status status() const;

  // The smallest and largest entries added (for the file's metadata in the
  // manifest). REQUIRES: NumEntries() > 0.
  const std::string &smallest_user_key() const;
  uint64_t smallest_tag() const;
  const std::string &largest_user_key() const;
  uint64_t largest_tag() const;

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace shale
