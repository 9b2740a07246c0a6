#include "table/table_index.h"

#include <algorithm>
#include <cstring>

#include "memtable/internal_key.h"
#include "table/block.h"

namespace shale {

Status TableIndex::Build(const Block &index, uint64_t index_offset,
                         uint64_t data_end, const std::string &path) {
  auto bad = [&](std::string_view what) {
    return TableCorruption(path, BlockKind::kIndex, index_offset, what);
  };
  auto it = index.NewIterator(&path, nullptr);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BlockHandle h;
    std::string_view v = it->value();
    if (!h.DecodeFrom(&v) || !v.empty()) return bad("malformed block handle");
    if (h.offset > data_end || h.size > data_end - h.offset ||
        data_end - h.offset - h.size < kBlockTrailerSize) {
      return bad("data block handle out of range");
    }
    const std::string_view key = it->user_key();
    if (!handles_.empty() &&
        CompareInternal(separator(size() - 1), tags_.back(), key, it->tag()) >=
            0) {
      return bad("index keys out of order");
    }
    if (keys_.size() + key.size() > UINT32_MAX) return bad("index too large");
    if (key_start_.empty()) key_start_.push_back(0);
    keys_.append(key);
    key_start_.push_back(static_cast<uint32_t>(keys_.size()));
    tags_.push_back(it->tag());
    handles_.push_back(h);
  }
  Status s = it->status();
  if (!s.ok()) return s;
  if (handles_.empty()) return Status::OK();  // an empty table
  // The common prefix of sorted keys is that of the first and the last.
  const std::string_view first = separator(0), last = separator(size() - 1);
  size_t c = 0;
  while (c < first.size() && c < last.size() && first[c] == last[c]) ++c;
  common_.assign(first.data(), c);
  heads_.reserve(size());
  for (size_t i = 0; i < size(); ++i) heads_.push_back(Head(separator(i)));
  return Status::OK();
}

uint64_t TableIndex::Head(std::string_view key) const {
  uint64_t h = 0;
  const size_t from = common_.size();
  for (size_t i = 0; i < 8; ++i) {
    const size_t at = from + i;
    const uint64_t byte =
        at < key.size() ? static_cast<unsigned char>(key[at]) : 0;
    h |= byte << (56 - 8 * i);
  }
  return h;
}

size_t TableIndex::Find(std::string_view user_key, uint64_t tag) const {
  if (handles_.empty()) return 0;
  const size_t c = common_.size();
  const size_t shared = std::min(c, user_key.size());
  const int pc =
      shared == 0 ? 0 : std::memcmp(user_key.data(), common_.data(), shared);
  if (pc < 0 || (pc == 0 && user_key.size() < c)) return 0;  // before all
  if (pc > 0) return size();                                 // after all
  const uint64_t head = Head(user_key);
  size_t lo = 0, n = size();
  while (n > 0) {  // the first i whose separator is not < the target
    const size_t half = n / 2, mid = lo + half;
    bool less;
    if (heads_[mid] != head) {
      less = heads_[mid] < head;
    } else {
      less = CompareInternal(separator(mid), tags_[mid], user_key, tag) < 0;
    }
    if (less) {
      lo = mid + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  return lo;
}

size_t TableIndex::memory_usage() const {
  return sizeof(*this) + common_.capacity() + keys_.capacity() +
         heads_.capacity() * sizeof(uint64_t) +
         key_start_.capacity() * sizeof(uint32_t) +
         tags_.capacity() * sizeof(uint64_t) +
         handles_.capacity() * sizeof(BlockHandle);
}

}  // namespace shale
