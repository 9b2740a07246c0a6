#include "table/meta_block.h"

#include "util/coding.h"

namespace shale {

namespace {

constexpr std::string_view kEntries = "shale.entries";
constexpr std::string_view kDataBlocks = "shale.data_blocks";
constexpr std::string_view kFilter = "shale.filter.bloom64";
constexpr std::string_view kLocalFilter = "shale.filter.local512";

void PutProperty(std::string *dst, std::string_view name,
                 std::string_view value) {
  PutVarint32(dst, static_cast<uint32_t>(name.size()));
  dst->append(name);
  PutVarint32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value);
}

bool ParseVarint64(std::string_view in, uint64_t *v) {
  return GetVarint64(&in, v) && in.empty();
}

}  // namespace

std::string MetaProperties::Encode() const {
  std::string out, v;
  PutVarint64(&v, num_entries);
  PutProperty(&out, kEntries, v);
  v.clear();
  PutVarint64(&v, num_data_blocks);
  PutProperty(&out, kDataBlocks, v);
  if (has_filter) {
    v.clear();
    filter.EncodeTo(&v);
    PutProperty(&out,
                filter_kind == FilterKind::kLocal ? kLocalFilter : kFilter, v);
  }
  return out;
}

bool MetaProperties::Decode(std::string_view in) {
  *this = MetaProperties();
  bool seen_entries = false;
  while (!in.empty()) {
    std::string_view name, value;
    if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &value)) {
      return false;
    }
    if (name == kEntries) {
      if (!ParseVarint64(value, &num_entries)) return false;
      seen_entries = true;
    } else if (name == kDataBlocks) {
      if (!ParseVarint64(value, &num_data_blocks)) return false;
    } else if (name == kFilter || name == kLocalFilter) {
      if (has_filter) return false;  // one filter a table
      if (!filter.DecodeFrom(&value) || !value.empty()) return false;
      has_filter = true;
      filter_kind =
          name == kLocalFilter ? FilterKind::kLocal : FilterKind::kWholeTable;
    }
  }
  return seen_entries;
}

}  // namespace shale
