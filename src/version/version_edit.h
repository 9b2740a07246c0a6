// VersionEdit: one change to the set of live table files, the unit of the
// manifest. Encoded as a sequence of tagged fields (format in
// docs/file-format.md, section "Manifest").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "table/table_slot.h"
#include "util/status.h"

namespace shale {

// One live table file. Immutable once created; shared by every Version
// that lists it.
struct FileMeta {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest_key;  // user key of the first entry
  uint64_t smallest_tag = 0;
  std::string largest_key;  // user key of the last entry
  uint64_t largest_tag = 0;
  // Entries in the table (all versions and tombstones); 0 when unknown
  // (a manifest written before the count was recorded).
  uint64_t num_entries = 0;
  // The open reader, when TableCache has one (not part of the manifest).
  mutable TableSlot table;
};

using FileRef = std::shared_ptr<const FileMeta>;

class VersionEdit {
 public:
  std::optional<uint64_t> log_number;  // logs below it are obsolete
  std::optional<uint64_t> next_file_number;
  std::optional<uint64_t> last_sequence;
  std::vector<std::pair<int, FileRef>> added;     // (level, file)
  std::vector<std::pair<int, uint64_t>> deleted;  // (level, number)

  void AddFile(int level, FileRef f) {
    added.emplace_back(level, std::move(f));
  }
  void DeleteFile(int level, uint64_t number) {
    deleted.emplace_back(level, number);
  }

  void EncodeTo(std::string *dst) const;
  // Corruption (with what is wrong, without a file name) if malformed.
  Status DecodeFrom(std::string_view src);
  // A one-line description for logs and reports.
  std::string DebugString() const;
};

}  // namespace shale
