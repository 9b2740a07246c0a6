// Table: a reader of one immutable table file. Open reads and checks the
// footer, index and filter; data blocks are read on demand through the
// block cache. Thread-safe; held by shared_ptr (iterators keep it alive).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "db/internal_iterator.h"
#include "table/table_options.h"
#include "util/status.h"

namespace shale {

class RandomAccessFile;

class Table : public std::enable_shared_from_this<Table> {
 public:
  // Corruption (naming path, and the block and offset) if the footer,
  // index or filter is damaged. file_number keys the block cache.
  static Status Open(const TableOptions &options,
                     std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                     uint64_t file_number, std::string path,
                     std::shared_ptr<Table> *out);
  virtual ~Table() = default;

  enum class GetResult { kAbsent, kFound, kDeleted };
  // What the bloom filter did for one Get.
  struct FilterOutcome {
    bool checked = false;   // the filter was consulted
    bool negative = false;  // ... and ruled the key out
  };
  // The newest entry of user_key with sequence <= seq (tag >> 8). Consults
  // the bloom filter first: kAbsent without reading a data block when the
  // filter rules the key out. *filter (may be nullptr) receives what the
  // filter did.
  virtual Status Get(std::string_view user_key, uint64_t seq, GetResult *result,
                     std::string *value,
                     FilterOutcome *filter = nullptr) const = 0;

  // Iterates every entry. Errors (a bad block checksum) surface through
  // the iterator's status() naming the file and offset.
  virtual std::unique_ptr<InternalIterator> NewIterator() const = 0;

  // Reads every block and checks its checksum, bypassing the cache.
  // progress(bytes_checked_so_far) returns false to cancel (-> Cancelled).
  virtual Status VerifyChecksums(
      const std::function<bool(uint64_t)> &progress) const = 0;

  virtual uint64_t file_number() const = 0;
  virtual uint64_t file_size() const = 0;
  virtual const std::string &path() const = 0;
  // Entries (all versions and tombstones), from the meta block.
  virtual uint64_t num_entries() const = 0;
  // Filter statistics for measuring the false-positive rate.
  virtual uint64_t filter_checks() const = 0;     // Gets that consulted it
  virtual uint64_t filter_negatives() const = 0;  // ... and were ruled out
};

}  // namespace shale
