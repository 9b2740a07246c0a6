// The meta block: named properties of a table, among them the handle of its
// filter. Contents: a sequence of
//   varint32 name_len | name | varint32 value_len | value
// Known names: "shale.entries" (varint64), "shale.data_blocks" (varint64),
// and the filter block's handle (a BlockHandle) under the name of its kind:
// "shale.filter.bloom64" (whole-table bloom, bloom_filter.h) or
// "shale.filter.local512" (cache-local bloom, local_bloom.h). Unknown names
// are skipped, so later versions may add properties.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "table/format.h"

namespace shale {

enum class FilterKind : uint8_t { kWholeTable, kLocal };

struct MetaProperties {
  uint64_t num_entries = 0;
  uint64_t num_data_blocks = 0;
  bool has_filter = false;
  FilterKind filter_kind = FilterKind::kWholeTable;
  BlockHandle filter;

  std::string Encode() const;
  // False if contents are malformed or a known property's value is.
  bool Decode(std::string_view contents);
};

}  // namespace shale
