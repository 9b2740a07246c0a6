// TableCache: the open Table readers of a db, bounded by max_open_files
// (least recently used closed first). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "table/table.h"
#include "table/table_options.h"

namespace shale {

class Env;

class TableCache {
 public:
  // Files are "<dbpath>/NNNNNN.sst" (see db/filenames.h TableFileName).
  TableCache(Env *env, std::string dbpath, const TableOptions &options,
             size_t max_open_files);
  ~TableCache();

  Status Get(uint64_t file_number, uint64_t file_size,
             std::shared_ptr<Table> *out);
  // Forgets the reader (and its cached blocks): the file is being deleted.
  void Evict(uint64_t file_number);
  size_t open_tables() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shale
