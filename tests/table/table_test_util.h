// Helpers for the table tests: in-memory files and a table built from a
// sorted model.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "db/internal_iterator.h"
#include "env/env.h"
#include "table/table.h"
#include "table/table_options.h"

namespace shale::test {

// An internal key as a map key ordered like the engine orders them.
struct IKey {
  std::string user_key;
  uint64_t tag;
  bool operator==(const IKey &o) const {
    return user_key == o.user_key && tag == o.tag;
  }
};
struct IKeyLess {
  bool operator()(const IKey &a, const IKey &b) const;
};
using Model = std::map<IKey, std::string, IKeyLess>;

// Appends into a string.
class StringSink final : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    contents.append(data);
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  std::string contents;
};

// Reads from a string (a copy it owns).
class StringSource final : public RandomAccessFile {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  Status Read(uint64_t offset, size_t n, std::string_view *result,
              char *scratch) const override;

 private:
  std::string data_;
};

// Builds a table holding model's entries; returns the file's bytes.
std::string BuildTable(const TableOptions &options, const Model &model);

// Opens bytes as a table named path.
Status OpenTable(const TableOptions &options, std::string bytes,
                 std::shared_ptr<Table> *out,
                 const std::string &path = "/mem/000007.sst",
                 uint64_t file_number = 7);

// An InternalIterator over a model (for merging/level tests).
std::unique_ptr<InternalIterator> NewModelIterator(const Model *model);

// Collects an iterator forward from SeekToFirst into a model.
Model Collect(InternalIterator *it);

}  // namespace shale::test
