// TableCache: the open table readers of a db, at most max_open_files of
// them.
//
// A reader is attached to the FileMeta of its file (FileMeta::table), so a
// read reaches it with one load, no lookup, no lock and no reference count:
// it loads the slot inside an epoch section (util/epoch.h). The cache owns
// the readers and closes the least recently used beyond its bound (CLOCK);
// a reader it closes is retired, so a section that loaded it can use it to
// the end. A reader also closes when its FileMeta goes (the file left every
// live version). Opening a file takes no lock. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "table/table.h"
#include "table/table_options.h"

namespace shale {

class Env;
struct FileMeta;
struct OpenTable;

class TableCache {
 public:
  // Files are "<dbpath>/NNNNNN.sst" (see db/filenames.h TableFileName).
  TableCache(Env *env, std::string dbpath, const TableOptions &options,
             size_t max_open_files);
  ~TableCache();
  TableCache(const TableCache &) = delete;
  TableCache &operator=(const TableCache &) = delete;

  // REQUIRES: inside an epoch section; *out is valid until it ends. The
  // reader of f, opening the file if it is not open. Corruption if the
  // file's size is not the one f records, or the table is damaged.
  Status Find(const FileMeta &f, const Table **out);
  // As Find, with a reference that outlives the section (iterators).
  Status FindShared(const FileMeta &f, std::shared_ptr<const Table> *out);

  // Opens the file without keeping the reader (a table being checked or
  // repaired, whose FileMeta is not live).
  Status Open(uint64_t file_number, uint64_t file_size,
              std::shared_ptr<Table> *out) const;

  size_t open_tables() const;

  struct Core;  // shared with the readers it holds (table_cache.cc)

 private:
  // The reader attached to f, marked as used, or nullptr.
  static OpenTable *Loaded(const FileMeta &f);

  std::shared_ptr<Core> core_;
};

}  // namespace shale
