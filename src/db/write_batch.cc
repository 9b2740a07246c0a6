#include "db/write_batch.h"

#include "db/options.h"
#include "util/coding.h"

namespace shale {

namespace {

constexpr size_t kHeader = 12;  // fixed64 sequence + fixed32 count

std::string TooLarge(std::string_view what, size_t size, size_t limit,
                     std::string_view macro) {
  std::string msg(what);
  msg += " is " + std::to_string(size) + " bytes; the limit is " +
         std::to_string(limit) + " (" + std::string(macro) + ")";
  return msg;
}

// Parses one entry from the front of *in.
bool ParseEntry(std::string_view *in, EntryKind *kind, std::string_view *key,
                std::string_view *value) {
  if (in->empty()) return false;
  const uint8_t k = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (!GetLengthPrefixed(in, key)) return false;
  if (k == static_cast<uint8_t>(EntryKind::kPut)) {
    *kind = EntryKind::kPut;
    return GetLengthPrefixed(in, value);
  }
  if (k == static_cast<uint8_t>(EntryKind::kDelete)) {
    *kind = EntryKind::kDelete;
    *value = {};
    return true;
  }
  return false;
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.clear();
  rep_.resize(kHeader, '\0');
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }

uint64_t WriteBatch::Sequence() const { return DecodeFixed64(rep_.data()); }

void WriteBatch::SetSequence(uint64_t seq) { EncodeFixed64(rep_.data(), seq); }

Status WriteBatch::Put(std::string_view key, std::string_view value) {
  if (key.size() > kMaxKeySize) {
    return Status::InvalidArgument(
        TooLarge("key", key.size(), kMaxKeySize, "SHALE_MAX_KEY_SIZE"));
  }
  if (value.size() > kMaxValueSize) {
    return Status::InvalidArgument(
        TooLarge("value", value.size(), kMaxValueSize, "SHALE_MAX_VALUE_SIZE"));
  }
  const size_t added = 1 + VarintLength(key.size()) + key.size() +
                       VarintLength(value.size()) + value.size();
  if (rep_.size() + added > kMaxBatchSize) {
    return Status::InvalidArgument(TooLarge("write batch", rep_.size() + added,
                                            kMaxBatchSize,
                                            "SHALE_MAX_BATCH_SIZE"));
  }
  if (Count() == UINT32_MAX) {
    return Status::InvalidArgument("write batch holds too many entries");
  }
  // The only allocation: the appends below cannot throw, so a bad_alloc
  // leaves the batch unchanged instead of holding half an entry (found by
  // tests/fault_loops).
  rep_.reserve(rep_.size() + added);
  rep_.push_back(static_cast<char>(EntryKind::kPut));
  PutVarint32(&rep_, static_cast<uint32_t>(key.size()));
  rep_.append(key);
  PutVarint32(&rep_, static_cast<uint32_t>(value.size()));
  rep_.append(value);
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  return Status::OK();
}

Status WriteBatch::Delete(std::string_view key) {
  if (key.size() > kMaxKeySize) {
    return Status::InvalidArgument(
        TooLarge("key", key.size(), kMaxKeySize, "SHALE_MAX_KEY_SIZE"));
  }
  const size_t added = 1 + VarintLength(key.size()) + key.size();
  if (rep_.size() + added > kMaxBatchSize) {
    return Status::InvalidArgument(TooLarge("write batch", rep_.size() + added,
                                            kMaxBatchSize,
                                            "SHALE_MAX_BATCH_SIZE"));
  }
  if (Count() == UINT32_MAX) {
    return Status::InvalidArgument("write batch holds too many entries");
  }
  rep_.reserve(rep_.size() + added);  // as in Put
  rep_.push_back(static_cast<char>(EntryKind::kDelete));
  PutVarint32(&rep_, static_cast<uint32_t>(key.size()));
  rep_.append(key);
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  return Status::OK();
}

Status WriteBatch::Iterate(Handler *handler) const {
  std::string_view in(rep_);
  in.remove_prefix(kHeader);
  uint32_t found = 0;
  while (!in.empty()) {
    EntryKind kind;
    std::string_view key, value;
    if (!ParseEntry(&in, &kind, &key, &value)) {
      return Status::Corruption("malformed write batch entry " +
                                std::to_string(found));
    }
    ++found;
    if (kind == EntryKind::kPut) {
      handler->Put(key, value);
    } else {
      handler->Delete(key);
    }
  }
  if (found != Count()) {
    return Status::Corruption("write batch says " + std::to_string(Count()) +
                              " entries but holds " + std::to_string(found));
  }
  return Status::OK();
}

Status WriteBatch::Append(const WriteBatch &other) {
  const uint64_t count = uint64_t{Count()} + other.Count();
  if (count > UINT32_MAX) {
    return Status::InvalidArgument("write batch holds too many entries");
  }
  const size_t size = rep_.size() + other.rep_.size() - kHeader;
  if (size > kMaxBatchSize) {
    return Status::InvalidArgument(
        TooLarge("write batch", size, kMaxBatchSize, "SHALE_MAX_BATCH_SIZE"));
  }
  rep_.append(other.rep_, kHeader, std::string::npos);
  EncodeFixed32(rep_.data() + 8, static_cast<uint32_t>(count));
  return Status::OK();
}

Status WriteBatch::SetContents(std::string_view contents) {
  if (contents.size() < kHeader) {
    return Status::Corruption("write batch of " +
                              std::to_string(contents.size()) +
                              " bytes is shorter than its 12-byte header");
  }
  // Validate fully so a decoded batch can be iterated without surprises.
  std::string_view in = contents.substr(kHeader);
  uint32_t found = 0;
  while (!in.empty()) {
    EntryKind kind;
    std::string_view key, value;
    if (!ParseEntry(&in, &kind, &key, &value)) {
      return Status::Corruption("malformed write batch entry " +
                                std::to_string(found));
    }
    ++found;
  }
  if (found != DecodeFixed32(contents.data() + 8)) {
    return Status::Corruption("write batch count does not match its entries");
  }
  rep_.assign(contents);
  return Status::OK();
}

}  // namespace shale
