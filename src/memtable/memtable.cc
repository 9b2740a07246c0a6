#include "memtable/memtable.h"

#include <cstring>

namespace shale {

// Entry layout in the arena:
//   varint32 internal_key_len | user key | fixed64 tag | varint32 vlen | value
// internal_key_len = user key length + 8.

namespace {

// Decodes the internal key at p into user key and tag.
inline void DecodeEntryKey(const char *p, std::string_view *user_key,
                           uint64_t *tag) {
  uint32_t ilen = 0;
  const char *k = DecodeVarint32(p, p + 5, &ilen);
  *user_key = std::string_view(k, ilen - 8);
  *tag = DecodeFixed64(k + ilen - 8);
}

inline std::string_view DecodeEntryValue(const char *p) {
  uint32_t ilen = 0;
  const char *k = DecodeVarint32(p, p + 5, &ilen);
  const char *v = k + ilen;
  uint32_t vlen = 0;
  v = DecodeVarint32(v, v + 5, &vlen);
  return std::string_view(v, vlen);
}

void EncodeSeekKey(std::string *buf, std::string_view user_key, uint64_t tag) {
  buf->clear();
  PutVarint32(buf, static_cast<uint32_t>(user_key.size() + 8));
  buf->append(user_key);
  PutFixed64(buf, tag);
}

}  // namespace

int MemTable::KeyComparator::operator()(const char *a, const char *b) const {
  std::string_view ua, ub;
  uint64_t ta = 0, tb = 0;
  DecodeEntryKey(a, &ua, &ta);
  DecodeEntryKey(b, &ub, &tb);
  return CompareInternal(ua, ta, ub, tb);
}

MemTable::MemTable() : table_(KeyComparator(), &arena_) {}

MemTable::MemTable(size_t arena_block_size)
    : arena_(arena_block_size), table_(KeyComparator(), &arena_) {}

void MemTable::Add(SequenceNumber seq, EntryKind kind, std::string_view key,
                   std::string_view value) {
  const uint32_t ilen = static_cast<uint32_t>(key.size() + 8);
  const uint32_t vlen = static_cast<uint32_t>(value.size());
  const size_t bytes =
      VarintLength(ilen) + ilen + VarintLength(vlen) + value.size();
  char *mem = arena_.Allocate(bytes);
  char *p = EncodeVarint32(mem, ilen);
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  p += key.size();
  EncodeFixed64(p, PackTag(seq, static_cast<uint8_t>(kind)));
  p += 8;
  p = EncodeVarint32(p, vlen);
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  table_.Insert(mem);
  entries_.fetch_add(1, std::memory_order_relaxed);
}

MemTable::LookupResult MemTable::Get(std::string_view key,
                                     SequenceNumber snapshot,
                                     std::string *value) const {
  // A write the caller may see (sequence <= snapshot) counted its entries
  // before it was published; a reopened db's memtable is empty.
  if (entries_.load(std::memory_order_relaxed) == 0) {
    return LookupResult::kAbsent;
  }
  // The seek key on the stack when it fits (no allocation per read).
  char small[128];
  std::string large;
  const size_t need = 5 + key.size() + 8;
  char *buf = small;
  if (need > sizeof(small)) {
    large.resize(need);
    buf = large.data();
  }
  char *p = EncodeVarint32(buf, static_cast<uint32_t>(key.size() + 8));
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  EncodeFixed64(p + key.size(), PackTag(snapshot, kSeekKind));
  Table::Iterator it(&table_);
  it.Seek(buf);
  if (!it.Valid()) return LookupResult::kAbsent;
  std::string_view found;
  uint64_t tag = 0;
  DecodeEntryKey(it.key(), &found, &tag);
  if (found != key) return LookupResult::kAbsent;
  if (static_cast<EntryKind>(tag & 0xff) == EntryKind::kDelete) {
    return LookupResult::kDeleted;
  }
  if (value != nullptr) value->assign(DecodeEntryValue(it.key()));
  return LookupResult::kFound;
}

void MemTable::Iterator::Seek(std::string_view user_key, uint64_t tag) {
  EncodeSeekKey(&seek_buf_, user_key, tag);
  it_.Seek(seek_buf_.data());
}

void MemTable::Iterator::SeekBefore(std::string_view user_key, uint64_t tag) {
  EncodeSeekKey(&seek_buf_, user_key, tag);
  it_.SeekBefore(seek_buf_.data());
}

std::string_view MemTable::Iterator::user_key() const {
  std::string_view uk;
  uint64_t tag = 0;
  DecodeEntryKey(it_.key(), &uk, &tag);
  return uk;
}

uint64_t MemTable::Iterator::tag() const {
  std::string_view uk;
  uint64_t tag = 0;
  DecodeEntryKey(it_.key(), &uk, &tag);
  return tag;
}

std::string_view MemTable::Iterator::value() const {
  return DecodeEntryValue(it_.key());
}

}  // namespace shale
