// Table: a reader of one immutable table file. Open reads and checks the
// footer, the index (decoded into a TableIndex) and the filter, which stay
// in memory while the table is open; data blocks are read on demand
// through the block cache, where each block has a slot of its own.
// Thread-safe; held by shared_ptr (iterators keep it alive).
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
  // index or filter is damaged.
  static Status Open(const TableOptions &options,
                     std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                     uint64_t file_number, std::string path,
                     std::shared_ptr<Table> *out);
  virtual ~Table() = default;

  enum class GetResult { kAbsent, kFound, kDeleted };
  // What the filter did for one Get.
  struct FilterOutcome {
    bool checked = false;   // the filter was consulted
    bool negative = false;  // ... and ruled the key out
  };
  // The newest entry of user_key with sequence <= seq (tag >> 8). Consults
  // the filter first: kAbsent without reading a data block when it rules
  // the key out. key_hash is FilterHash(user_key) (the caller computes it
  // once for every table it probes). *filter (may be nullptr) receives
  // what the filter did. REQUIRES: inside an epoch section (util/epoch.h),
  // which cached blocks are read in.
  virtual Status Get(std::string_view user_key, uint64_t key_hash, uint64_t seq,
                     GetResult *result, std::string *value,
                     FilterOutcome *filter = nullptr) const = 0;
  Status Get(std::string_view user_key, uint64_t seq, GetResult *result,
             std::string *value, FilterOutcome *filter = nullptr) const {
    return Get(user_key, FilterHash(user_key), seq, result, value, filter);
  }
  // The hash Get takes.
  static uint64_t FilterHash(std::string_view user_key);

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
};

}  // namespace shale
