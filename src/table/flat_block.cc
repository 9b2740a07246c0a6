#include "table/flat_block.h"

#include <algorithm>

#include "memtable/internal_key.h"
#include "table/block.h"
#include "util/coding.h"

namespace shale {

// ---- building --------------------------------------------------------------

void FlatBlockBuilder::Add(std::string_view user_key, uint64_t tag,
                           uint64_t key_hash, std::string_view value) {
  const auto index = static_cast<uint32_t>(offsets_.size());
  offsets_.push_back(static_cast<uint32_t>(buffer_.size()));
  if (index == 0 || user_key != last_user_key_) {
    keys_.emplace_back(key_hash, index);
    last_user_key_.assign(user_key.data(), user_key.size());
  }
  PutVarint32(&buffer_, static_cast<uint32_t>(user_key.size() + 8));
  PutVarint32(&buffer_, static_cast<uint32_t>(value.size()));
  buffer_.append(user_key.data(), user_key.size());
  PutFixed64(&buffer_, tag);
  buffer_.append(value.data(), value.size());
}

uint32_t FlatBlockBuilder::NumBuckets() const {
  if (offsets_.size() > kMaxHashedEntries || keys_.empty()) return 0;
  return static_cast<uint32_t>(2 * keys_.size());  // a load of 1/2
}

size_t FlatBlockBuilder::CurrentSizeEstimate() const {
  return buffer_.size() + 4 * offsets_.size() + NumBuckets() + kFlatBlockFooter;
}

std::string_view FlatBlockBuilder::Finish() {
  for (uint32_t off : offsets_) PutFixed32(&buffer_, off);
  const uint32_t m = NumBuckets();
  const size_t at = buffer_.size();
  buffer_.append(m, static_cast<char>(kBucketEmpty));
  for (const auto &[hash, entry] : keys_) {
    if (m == 0) break;  // a big block: no hash index
    uint32_t b = FlatBucket(hash, m);
    while (buffer_[at + b] != static_cast<char>(kBucketEmpty)) {
      b = b + 1 == m ? 0 : b + 1;  // m > keys: a free bucket exists
    }
    buffer_[at + b] = static_cast<char>(entry);
  }
  char tail[kFlatBlockFooter];
  tail[0] = static_cast<char>(m & 0xff);
  tail[1] = static_cast<char>(m >> 8);
  EncodeFixed32(tail + 2, static_cast<uint32_t>(offsets_.size()));
  tail[6] = static_cast<char>(kFlatBlockTag);
  buffer_.append(tail, sizeof(tail));
  return buffer_;
}

void FlatBlockBuilder::Reset() {
  buffer_.clear();
  offsets_.clear();
  keys_.clear();
  last_user_key_.clear();
}

// ---- reading ---------------------------------------------------------------

BlockFormat Block::GuessFormat(std::string_view contents) {
  return !contents.empty() &&
                 static_cast<uint8_t>(contents.back()) == kFlatBlockTag
             ? BlockFormat::kFlat
             : BlockFormat::kPrefixed;
}

Status Block::ParseFlat(Block *b, const std::string &path) {
  const std::string_view d(b->data(), b->size());
  auto bad = [&](const std::string &what) {
    return TableCorruption(path, b->kind_, b->offset_, what);
  };
  const size_t size = d.size();
  if (size < kFlatBlockFooter ||
      static_cast<uint8_t>(d[size - 1]) != kFlatBlockTag) {
    return bad("not a flat block (bad tag)");
  }
  const char *tail = d.data() + size - kFlatBlockFooter;
  const uint32_t m =
      static_cast<uint8_t>(tail[0]) |
      (static_cast<uint32_t>(static_cast<uint8_t>(tail[1])) << 8);
  const uint32_t n = DecodeFixed32(tail + 2);
  const uint64_t arrays = uint64_t{4} * n + m;
  if (arrays > size - kFlatBlockFooter) {
    return bad("bad entry count " + std::to_string(n));
  }
  if (m > 0 && (n == 0 || n > kMaxHashedEntries)) {
    return bad("hash index on a block of " + std::to_string(n) + " entries");
  }
  const auto array_offset =
      static_cast<uint32_t>(size - kFlatBlockFooter - arrays);
  if ((n == 0) != (array_offset == 0)) return bad("entries without offsets");
  if (n > 0 && DecodeFixed32(d.data() + array_offset) != 0) {
    return bad("bad entry offset 0");
  }
  // The other offsets and the buckets are checked where they are used
  // (FlatBlockIter::Decode, FindFlat): a block read for one lookup pays
  // for what it touches, not a walk of every entry.
  b->array_offset_ = array_offset;
  b->count_ = n;
  b->buckets_offset_ = array_offset + 4 * n;
  b->num_buckets_ = m;
  return Status::OK();
}

// Decodes entries of a flat block; every access checked.
class FlatBlockIter final : public InternalIterator {
 public:
  FlatBlockIter(const Block *block, const std::string *path,
                std::shared_ptr<const void> owner)
      : block_(block),
        data_(block->data()),
        n_(block->count_),
        path_(path),
        owner_(std::move(owner)),
        current_(n_) {}

  void SeekToFirst() override { MoveTo(0); }
  void SeekToLast() override { MoveTo(n_ == 0 ? 0 : n_ - 1); }
  void Seek(std::string_view user_key, uint64_t tag) override {
    MoveTo(LowerBound(user_key, tag));
  }
  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    const uint32_t i = LowerBound(user_key, tag);
    if (!status_.ok()) return;
    if (i < n_ && MoveTo(i) &&
        CompareInternal(this->user_key(), this->tag(), user_key, tag) <= 0) {
      return;  // an entry equal to the target
    }
    if (i == 0) {
      Unposition();
    } else {
      MoveTo(i - 1);
    }
  }
  void Next() override { MoveTo(current_ + 1); }
  void Prev() override {
    if (current_ == 0) {
      Unposition();
    } else {
      MoveTo(current_ - 1);
    }
  }
  Status status() const override { return status_; }

  // Decodes entry i into *key, *tag, *value; false (after Fail) if damaged.
  bool Decode(uint32_t i, std::string_view *key, uint64_t *tag,
              std::string_view *value) {
    const uint32_t start = Offset(i);
    const uint32_t end = i + 1 < n_ ? Offset(i + 1) : block_->array_offset_;
    if (start >= end || end > block_->array_offset_) {
      return Fail(start, "entry offsets out of order");
    }
    const char *p = data_ + start;
    const char *limit = data_ + end;
    uint32_t key_len = 0, value_len = 0;
    p = DecodeVarint32(p, limit, &key_len);
    if (p != nullptr) p = DecodeVarint32(p, limit, &value_len);
    if (p == nullptr) return Fail(start, "bad varint in entry header");
    if (key_len < 8) return Fail(start, "key shorter than its 8-byte tag");
    if (uint64_t{key_len} + value_len != static_cast<uint64_t>(limit - p)) {
      return Fail(start, "entry does not end where the next one starts");
    }
    *key = std::string_view(p, key_len - 8);
    *tag = DecodeFixed64(p + key_len - 8);
    *value = std::string_view(p + key_len, value_len);
    return true;
  }

  // The first entry >= (user_key, tag), or n_ (or anything, after Fail).
  uint32_t LowerBound(std::string_view user_key, uint64_t tag) {
    uint32_t lo = 0, count = n_;
    while (count > 0) {
      const uint32_t half = count / 2, mid = lo + half;
      std::string_view k, v;
      uint64_t t = 0;
      if (!Decode(mid, &k, &t, &v)) return n_;
      if (CompareInternal(k, t, user_key, tag) < 0) {
        lo = mid + 1;
        count -= half + 1;
      } else {
        count = half;
      }
    }
    return lo;
  }

 private:
  uint32_t Offset(uint32_t i) const {
    return DecodeFixed32(data_ + block_->array_offset_ + 4 * i);
  }

  // Keys and values are views of the block, which owner_ (if any) keeps.
  bool MoveTo(uint32_t i) {
    if (!status_.ok()) return false;
    if (i >= n_) {
      Unposition();
      return false;
    }
    std::string_view key, value;
    uint64_t tag = 0;
    if (!Decode(i, &key, &tag, &value)) return false;
    current_ = i;
    SetEntry(key, tag, value, owner_ != nullptr ? &owner_ : nullptr);
    return true;
  }

  void Unposition() {
    current_ = n_;
    ClearEntry();
  }

  bool Fail(uint32_t at, const char *what) {
    Unposition();
    if (status_.ok()) {
      status_ = TableCorruption(
          *path_, block_->kind_, block_->offset_,
          std::string(what) + " at entry offset " + std::to_string(at));
    }
    return false;
  }

  const Block *block_;
  const char *data_;
  const uint32_t n_;
  const std::string *path_;
  std::shared_ptr<const void> owner_;
  uint32_t current_;  // n_ when not on an entry
  Status status_;
};

std::unique_ptr<InternalIterator> Block::NewFlatIterator(
    const std::string *path, std::shared_ptr<const void> owner) const {
  return std::make_unique<FlatBlockIter>(this, path, std::move(owner));
}

namespace {

// From entry i, the first entry of user_key: the version visible at tag is
// the first with a tag <= it; the next block's first entries if every one
// here is newer.
Status Versions(FlatBlockIter &it, uint32_t i, uint32_t count,
                std::string_view user_key, uint64_t tag, Block::Probe *probe,
                uint64_t *entry_tag, std::string_view *value) {
  std::string_view k;
  uint64_t t = 0;
  if (!it.Decode(i, &k, &t, value)) return it.status();
  while (t > tag) {
    if (++i == count) {
      *probe = Block::Probe::kPastEnd;
      return Status::OK();
    }
    if (!it.Decode(i, &k, &t, value)) return it.status();
    if (k != user_key) break;
  }
  *probe = k == user_key ? Block::Probe::kFound : Block::Probe::kOtherKey;
  *entry_tag = t;
  return Status::OK();
}

}  // namespace

Status Block::FindFlat(std::string_view user_key, uint64_t tag,
                       uint64_t key_hash, const std::string *path, Probe *probe,
                       uint64_t *entry_tag, std::string_view *value) const {
  FlatBlockIter it(this, path, nullptr);
  std::string_view k;
  uint64_t t = 0;
  if (num_buckets_ > 0) {
    // Probe up to the first empty bucket (every one full is corruption).
    const char *buckets = data() + buckets_offset_;
    uint32_t b = FlatBucket(key_hash, num_buckets_);
    uint32_t probes = 0;
    for (auto v = static_cast<uint8_t>(buckets[b]); v != kBucketEmpty;
         v = static_cast<uint8_t>(buckets[b])) {
      if (v >= count_ || ++probes > num_buckets_) {
        return TableCorruption(
            *path, kind_, offset_,
            "bad hash index (bucket " + std::to_string(b) + ")");
      }
      if (!it.Decode(v, &k, &t, value)) return it.status();
      if (k == user_key) {
        return Versions(it, v, count_, user_key, tag, probe, entry_tag, value);
      }
      b = b + 1 == num_buckets_ ? 0 : b + 1;
    }
    // No entry of the key here: past the end if the target is beyond the
    // last entry, else before another key's.
    if (!it.Decode(count_ - 1, &k, &t, value)) return it.status();
    *probe = CompareInternal(k, t, user_key, tag) < 0 ? Probe::kPastEnd
                                                      : Probe::kOtherKey;
    return Status::OK();
  }
  const uint32_t i = it.LowerBound(user_key, tag);
  if (!it.status().ok()) return it.status();
  if (i == count_) {
    *probe = Probe::kPastEnd;
    return Status::OK();
  }
  if (!it.Decode(i, &k, &t, value)) return it.status();
  *probe = k == user_key ? Probe::kFound : Probe::kOtherKey;
  *entry_tag = t;
  return Status::OK();
}

}  // namespace shale
