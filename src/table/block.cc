#include "table/block.h"

#include <cstring>

#include "memtable/internal_key.h"
#include "util/coding.h"

namespace shale {

Block::Block(BlockContents contents, BlockKind kind, uint64_t offset,
             BlockFormat format)
    : contents_(std::move(contents)),
      kind_(kind),
      offset_(offset),
      format_(format) {}

size_t Block::memory_usage() const {
  return sizeof(Block) + contents_.size + kBlockTrailerSize;
}

Status Block::Parse(std::string_view bytes, BlockKind kind, uint64_t offset,
                    const std::string &path, std::shared_ptr<const Block> *out,
                    BlockFormat format) {
  BlockContents copy;
  copy.data.reset(new char[bytes.size() + 1]);
  if (!bytes.empty()) std::memcpy(copy.data.get(), bytes.data(), bytes.size());
  copy.size = bytes.size();
  return Parse(std::move(copy), kind, offset, path, out, format);
}

Status Block::Parse(BlockContents contents, BlockKind kind, uint64_t offset,
                    const std::string &path, std::shared_ptr<const Block> *out,
                    BlockFormat format) {
  out->reset();
  const size_t size = contents.size;
  if (size < 8 || size > UINT32_MAX) {
    return TableCorruption(path, kind, offset,
                           "bad block size " + std::to_string(size));
  }
  std::unique_ptr<Block> b(
      new Block(std::move(contents), kind, offset, format));
  Status s = format == BlockFormat::kFlat ? ParseFlat(b.get(), path)
                                          : ParsePrefixed(b.get(), path);
  if (!s.ok()) return s;
  *out = std::move(b);
  return Status::OK();
}

Status Block::ParsePrefixed(Block *b, const std::string &path) {
  const char *contents = b->data();
  const size_t size = b->size();
  const uint32_t n = DecodeFixed32(contents + size - 4);
  const size_t max_restarts = (size - 4) / 4;
  if (n == 0 || n > max_restarts) {
    return TableCorruption(path, b->kind_, b->offset_,
                           "bad restart count " + std::to_string(n));
  }
  const uint32_t restarts_offset = static_cast<uint32_t>(size - 4 - 4 * n);
  uint32_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t r = DecodeFixed32(contents + restarts_offset + 4 * i);
    bool ok = i == 0 ? r == 0 : (r > prev && r < restarts_offset);
    if (!ok) {
      return TableCorruption(path, b->kind_, b->offset_,
                             "bad restart point " + std::to_string(i));
    }
    prev = r;
  }
  b->array_offset_ = restarts_offset;
  b->count_ = n;
  return Status::OK();
}

class BlockIter final : public InternalIterator {
 public:
  BlockIter(const Block *block, const std::string *path,
            std::shared_ptr<const void> owner)
      : block_(block),
        data_(block->data()),
        end_(block->array_offset_),
        path_(path),
        owner_(std::move(owner)),
        current_(end_),
        next_(end_) {}

  void SeekToFirst() override {
    SeekToRestart(0);
    ParseNext();
  }

  void SeekToLast() override {
    SeekToRestart(block_->count_ - 1);
    while (ParseNext() && next_ < end_) {
    }
  }

  void Seek(std::string_view user_key, uint64_t tag) override {
    if (!status_.ok()) return;
    // Binary search: the last restart whose key is < target.
    uint32_t lo = 0, hi = block_->count_ - 1;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo + 1) / 2;
      std::string_view ukey;
      uint64_t mtag = 0;
      if (!KeyAtRestart(mid, &ukey, &mtag)) return;
      if (CompareInternal(ukey, mtag, user_key, tag) < 0) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    SeekToRestart(lo);
    while (ParseNext()) {
      if (CompareInternal(this->user_key(), this->tag(), user_key, tag) >= 0) {
        return;
      }
    }
  }

  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    Seek(user_key, tag);
    if (!status_.ok()) return;
    if (!Valid()) {
      SeekToLast();
    } else if (CompareInternal(this->user_key(), this->tag(), user_key, tag) >
               0) {
      Prev();
    }
  }

  void Next() override { ParseNext(); }

  void Prev() override {
    const uint32_t original = current_;
    uint32_t r = restart_index_;
    while (RestartPoint(r) >= original) {
      if (r == 0) {  // before the first entry
        current_ = next_ = end_;
        restart_index_ = block_->count_;
        ClearEntry();
        return;
      }
      --r;
    }
    SeekToRestart(r);
    while (ParseNext() && next_ < original) {
    }
    if (status_.ok() && next_ != original) {
      Fail("restart point not on an entry boundary");
    }
  }

  Status status() const override { return status_; }

 private:
  uint32_t RestartPoint(uint32_t i) const {
    return DecodeFixed32(data_ + end_ + 4 * i);
  }

  void SeekToRestart(uint32_t i) {
    key_.clear();
    restart_index_ = i;
    current_ = next_ = RestartPoint(i);
  }

  void Fail(std::string_view what) {
    ClearEntry();
    current_ = next_ = end_;
    restart_index_ = block_->count_;
    if (status_.ok()) {
      status_ = TableCorruption(*path_, block_->kind_, block_->offset_,
                                std::string(what) + " at entry offset " +
                                    std::to_string(err_offset_));
    }
  }

  // Decodes the entry header at offset: shared, non_shared, value length,
  // and where the key delta starts. False (after Fail) if malformed.
  bool DecodeHeader(uint32_t offset, uint32_t *shared, uint32_t *non_shared,
                    uint32_t *value_len, uint32_t *delta) {
    err_offset_ = offset;
    const char *p = data_ + offset;
    const char *limit = data_ + end_;
    p = DecodeVarint32(p, limit, shared);
    if (p != nullptr) p = DecodeVarint32(p, limit, non_shared);
    if (p != nullptr) p = DecodeVarint32(p, limit, value_len);
    if (p == nullptr) {
      Fail("bad varint in entry header");
      return false;
    }
    const uint64_t room = static_cast<uint64_t>(limit - p);
    if (uint64_t{*non_shared} + *value_len > room) {
      Fail("entry runs past the end of the block");
      return false;
    }
    *delta = static_cast<uint32_t>(p - data_);
    return true;
  }

  // Decodes the full key stored at restart point i into *ukey / *tag.
  bool KeyAtRestart(uint32_t i, std::string_view *ukey, uint64_t *tag) {
    uint32_t shared, non_shared, value_len, delta;
    if (!DecodeHeader(RestartPoint(i), &shared, &non_shared, &value_len,
                      &delta)) {
      return false;
    }
    if (shared != 0) {
      Fail("restart entry with a shared prefix");
      return false;
    }
    if (non_shared < 8) {
      Fail("key shorter than its 8-byte tag");
      return false;
    }
    *ukey = std::string_view(data_ + delta, non_shared - 8);
    *tag = DecodeFixed64(data_ + delta + non_shared - 8);
    return true;
  }

  // Moves to the entry at next_. False at the end of the block or on error.
  bool ParseNext() {
    if (!status_.ok()) return false;
    current_ = next_;
    if (current_ >= end_) {
      current_ = next_ = end_;
      restart_index_ = block_->count_;
      ClearEntry();
      return false;
    }
    while (restart_index_ + 1 < block_->count_ &&
           RestartPoint(restart_index_ + 1) <= current_) {
      ++restart_index_;
    }
    uint32_t shared, non_shared, value_len, delta;
    if (!DecodeHeader(current_, &shared, &non_shared, &value_len, &delta)) {
      return false;
    }
    if (shared > key_.size()) {
      Fail("shared prefix longer than the previous key");
      return false;
    }
    if (current_ == RestartPoint(restart_index_) && shared != 0) {
      Fail("restart entry with a shared prefix");
      return false;
    }
    key_.resize(shared);
    key_.append(data_ + delta, non_shared);
    if (key_.size() < 8) {
      Fail("key shorter than its 8-byte tag");
      return false;
    }
    next_ = delta + non_shared + value_len;
    // The key is rebuilt here (no owner); the value is a view of the block.
    SetEntry(std::string_view(key_.data(), key_.size() - 8),
             DecodeFixed64(key_.data() + key_.size() - 8),
             std::string_view(data_ + delta + non_shared, value_len), nullptr);
    return true;
  }

  const Block *block_;
  const char *data_;
  const uint32_t end_;  // the restart array's offset: entries end here
  const std::string *path_;
  std::shared_ptr<const void> owner_;
  uint32_t current_;  // offset of the current entry; end_ if not valid
  uint32_t next_;     // offset of the entry after it
  uint32_t restart_index_ = 0;
  uint32_t err_offset_ = 0;
  std::string key_;
  Status status_;
};

std::unique_ptr<InternalIterator> Block::NewIterator(
    const std::string *path, std::shared_ptr<const void> owner) const {
  if (format_ == BlockFormat::kFlat)
    return NewFlatIterator(path, std::move(owner));
  return std::make_unique<BlockIter>(this, path, std::move(owner));
}

Status Block::Find(std::string_view user_key, uint64_t tag, uint64_t key_hash,
                   const std::string *path, Probe *probe, uint64_t *entry_tag,
                   std::string_view *value) const {
  if (format_ == BlockFormat::kFlat) {
    return FindFlat(user_key, tag, key_hash, path, probe, entry_tag, value);
  }
  return FindPrefixed(user_key, tag, path, probe, entry_tag, value);
}

Status Block::FindPrefixed(std::string_view user_key, uint64_t tag,
                           const std::string *path, Probe *probe,
                           uint64_t *entry_tag, std::string_view *value) const {
  BlockIter it(this, path, nullptr);
  it.Seek(user_key, tag);
  if (!it.Valid()) {
    *probe = Probe::kPastEnd;
    return it.status();
  }
  if (it.user_key() != user_key) {
    *probe = Probe::kOtherKey;
    return Status::OK();
  }
  *probe = Probe::kFound;
  *entry_tag = it.tag();
  *value = it.value();
  return Status::OK();
}

}  // namespace shale
