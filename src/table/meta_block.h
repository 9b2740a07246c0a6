// The meta block: named properties of a table, among them the handle of its
// filter. Contents: a sequence of
//   varint32 name_len | name | varint32 value_len | value
// Known names: "shale.entries" (varint64), "shale.data_blocks" (varint64),
// "shale.filter.bloom64" (a BlockHandle: the filter block). Unknown names
// are skipped, so later versions may add properties.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "table/format.h"

namespace shale {

struct MetaProperties {
  uint64_t num_entries = 0;
  uint64_t num_data_blocks = 0;
  bool has_filter = false;
  BlockHandle filter;

  std::string Encode() const;
  // False if contents are malformed or a known property's value is.
  bool Decode(std::string_view contents);
};

}  // namespace shale
