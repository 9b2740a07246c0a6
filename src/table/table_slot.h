// TableSlot: where the FileMeta of a table file keeps its open reader, so
// that a read reaches the reader without a lookup (see TableCache, which
// owns the readers and bounds how many are open). A copy, or an object
// assigned to, starts empty: an open reader belongs to one FileMeta.
#pragma once

#include <atomic>

namespace shale {

struct OpenTable;  // table/table_cache.cc

class TableSlot {
 public:
  TableSlot() = default;
  TableSlot(const TableSlot &) noexcept {}
  TableSlot &operator=(const TableSlot &) noexcept {
    Close();
    return *this;
  }
  ~TableSlot() { Close(); }

 private:
  friend class TableCache;
  // Closes the reader this slot holds, if any.
  void Close() noexcept;

  std::atomic<OpenTable *> open_{nullptr};
};

}  // namespace shale
