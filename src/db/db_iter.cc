#include "db/db_iter.h"

#include <optional>
#include <string>

#include "db/mem_iterator.h"

namespace shale {

namespace {

// The smallest key greater than every key starting with prefix, or nullopt
// if there is none (the prefix is empty or all 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

inline SequenceNumber SeqOf(uint64_t tag) { return tag >> 8; }
inline EntryKind KindOf(uint64_t tag) {
  return static_cast<EntryKind>(tag & 0xff);
}

class DBIter final : public Iterator {
 public:
  DBIter(std::unique_ptr<InternalIterator> it, SequenceNumber seq,
         std::shared_ptr<const void> pin, const ReadOptions &options)
      : it_(std::move(it)),
        pin_(std::move(pin)),
        hold_(options.snapshot),
        seq_(seq) {
    // The effective range [lo_, hi_) combines the bounds and the prefix.
    lo_ = options.lower_bound.value_or(std::string());
    if (options.prefix && *options.prefix > lo_) lo_ = *options.prefix;
    hi_ = options.upper_bound;
    if (options.prefix) {
      std::optional<std::string> succ = PrefixSuccessor(*options.prefix);
      if (succ && (!hi_ || *succ < *hi_)) hi_ = std::move(succ);
    }
  }

  bool Valid() const override { return valid_; }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return it_->status(); }
  const std::shared_ptr<const void> *entry_owner() const override {
    return owned_ ? &owner_ : nullptr;
  }

  void SeekToFirst() override { ForwardFrom(lo_); }
  void SeekToLast() override { BackwardBefore(hi_); }

  void Seek(std::string_view target) override {
    ForwardFrom(target < std::string_view(lo_) ? std::string_view(lo_)
                                               : target);
  }

  void SeekForPrev(std::string_view target) override {
    if (hi_ && target >= std::string_view(*hi_)) {
      BackwardBefore(hi_);
      return;
    }
    if (target < std::string_view(lo_)) {
      valid_ = false;
      return;
    }
    if (Resolve(target)) return;
    if (!it_->status().ok()) return;
    BackwardBefore(std::string(target));
  }

  void Next() override {
    if (!valid_) return;
    if (!forward_) {
      // A reverse scan left it_ before key_'s entries: back onto them.
      it_->Seek(key_, PackTag(kMaxSequence, kSeekKind));
      forward_ = true;
    }
    // it_ is on one of key_'s entries (its visible version, or after the
    // seek above its newest): step past them (key_ stays valid: owner_
    // holds it, or it is a copy). Usually one step reaches another key.
    if (it_->Valid()) it_->Next();
    SkipKey(key_);
    ForwardScan();
  }

  void Prev() override {
    if (!valid_) return;
    if (forward_) {
      // it_ is on key_'s visible version; the newer versions before it are
      // few. Step back before all of key_'s entries.
      while (it_->Valid() && it_->user_key() >= key_) it_->Prev();
      forward_ = false;
    }
    ReverseScan();
  }

 private:
  // Makes it_'s entry (user key uk, value v) the current one: views of its
  // memory when it_ names an owner (a block, a memtable: one reference per
  // block passed, none per entry), copies otherwise.
  void Hold(std::string_view uk, std::string_view v) {
    const std::shared_ptr<const void> *owner = it_->EntryOwner();
    if (owner != nullptr && *owner != nullptr) {
      if (owner_.get() != owner->get()) owner_ = *owner;
      owned_ = true;
      key_ = uk;
      value_ = v;
    } else {
      key_buf_.assign(uk);
      value_buf_.assign(v);
      owned_ = false;
      key_ = key_buf_;
      value_ = value_buf_;
    }
  }

  // Steps it_ past every entry of user key k (usually a step or two; a
  // seek when a key has many versions). k must not point into it_.
  void SkipKey(std::string_view k) {
    for (int steps = 0; it_->Valid() && it_->user_key() == k; ++steps) {
      if (steps == 8) {
        it_->Seek(k, 0);
        if (it_->Valid() && it_->user_key() == k) it_->Next();
        return;
      }
      it_->Next();
    }
  }

  void ForwardFrom(std::string_view target) {
    it_->Seek(target, PackTag(seq_, kSeekKind));
    forward_ = true;
    ForwardScan();
  }

  // From the iterator's position, find the first user key whose newest
  // visible version is a put.
  void ForwardScan() {
    valid_ = false;
    while (it_->Valid()) {
      std::string_view uk = it_->user_key();
      if (hi_ && uk >= std::string_view(*hi_)) return;
      const uint64_t tag = it_->tag();
      if (SeqOf(tag) > seq_) {
        // Too new; the next entry may be an older version of the same key.
        it_->Next();
        continue;
      }
      if (KindOf(tag) == EntryKind::kPut) {
        Hold(uk, it_->value());
        valid_ = true;
        return;
      }
      // A tombstone hides this key: skip its remaining versions.
      dead_.assign(uk);
      SkipKey(dead_);
    }
  }

  // Positions on user key k if its newest visible version is a put.
  bool Resolve(std::string_view k) {
    it_->Seek(k, PackTag(seq_, kSeekKind));
    forward_ = true;
    if (it_->Valid() && it_->user_key() == k &&
        KindOf(it_->tag()) == EntryKind::kPut) {
      Hold(it_->user_key(), it_->value());
      valid_ = true;
      return true;
    }
    valid_ = false;
    return false;
  }

  // The last visible key < limit (no limit: the last visible key).
  void BackwardBefore(const std::optional<std::string> &limit) {
    if (limit) {
      // (limit, newest) sorts before every entry of limit: this lands on
      // the last entry of a smaller user key.
      it_->SeekForPrev(*limit, PackTag(kMaxSequence, kSeekKind));
    } else {
      it_->SeekToLast();
    }
    forward_ = false;
    ReverseScan();
  }

  // From the iterator's position moving backward, find the previous user
  // key whose newest visible version is a put. A key's entries come oldest
  // first in this direction, so the last visible one seen wins; the scan
  // stops on the first entry of a smaller key once it holds a put, which
  // leaves it_ where the next Prev starts. One step per entry, no seeks.
  void ReverseScan() {
    valid_ = false;
    bool holding = false;  // key_/value_ hold a visible put
    while (it_->Valid()) {
      std::string_view uk = it_->user_key();
      if (uk < std::string_view(lo_)) break;
      if (hi_ && uk >= std::string_view(*hi_)) {
        it_->Prev();  // defensive: the positioning keeps it_ below hi_
        continue;
      }
      const uint64_t tag = it_->tag();
      if (SeqOf(tag) <= seq_) {
        if (holding && uk < key_) break;
        if (KindOf(tag) == EntryKind::kPut) {
          Hold(uk, it_->value());
          holding = true;
        } else {
          holding = false;  // a tombstone hides the older versions
        }
      }
      it_->Prev();
    }
    valid_ = holding && it_->status().ok();
  }

  std::unique_ptr<InternalIterator> it_;
  std::shared_ptr<const void> pin_;
  std::shared_ptr<const Snapshot> hold_;
  SequenceNumber seq_;
  std::string lo_;
  std::optional<std::string> hi_;
  bool valid_ = false;
  // Whether it_ is on key_'s visible version (after a forward move) or
  // before all of key_'s entries (after a reverse scan).
  bool forward_ = true;
  // The current entry: views of owner_'s memory (owned_), or of the
  // copies in key_buf_ / value_buf_.
  std::string_view key_, value_;
  std::shared_ptr<const void> owner_;
  bool owned_ = false;
  std::string key_buf_, value_buf_;
  std::string dead_;  // a tombstoned key being skipped
};

class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(Status s) : status_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> it,
                                        SequenceNumber sequence,
                                        std::shared_ptr<const void> pin,
                                        const ReadOptions &options) {
  return std::make_unique<DBIter>(std::move(it), sequence, std::move(pin),
                                  options);
}

std::unique_ptr<Iterator> NewErrorDBIterator(Status status) {
  return std::make_unique<ErrorIterator>(std::move(status));
}

}  // namespace shale
