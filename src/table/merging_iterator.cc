#include "table/merging_iterator.h"

#include "memtable/internal_key.h"
#include "table/iterator_util.h"

namespace shale {

namespace {

// A linear scan over the children at each step: there are few of them
// (memtables + level-0 files + one per level).
class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> c)
      : children_(std::move(c)) {}

  void SeekToFirst() override {
    for (auto &c : children_) c->SeekToFirst();
    forward_ = true;
    FindSmallest();
  }

  void SeekToLast() override {
    for (auto &c : children_) c->SeekToLast();
    forward_ = false;
    FindLargest();
  }

  void Seek(std::string_view user_key, uint64_t tag) override {
    for (auto &c : children_) c->Seek(user_key, tag);
    forward_ = true;
    FindSmallest();
  }

  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    for (auto &c : children_) c->SeekForPrev(user_key, tag);
    forward_ = false;
    FindLargest();
  }

  void Next() override {
    if (!forward_) {
      // Every other child is at its last entry < current (or invalid):
      // move it to its first entry > current.
      const std::string_view k = current_->user_key();
      const uint64_t t = current_->tag();
      for (auto &c : children_) {
        if (c.get() == current_) continue;
        c->Seek(k, t);
        if (c->Valid() && c->user_key() == k && c->tag() == t) c->Next();
      }
      forward_ = true;
    }
    current_->Next();
    FindSmallest();
  }

  void Prev() override {
    if (forward_) {
      // Every other child is at its first entry > current (or invalid):
      // move it to its last entry < current.
      const std::string_view k = current_->user_key();
      const uint64_t t = current_->tag();
      for (auto &c : children_) {
        if (c.get() == current_) continue;
        c->SeekForPrev(k, t);
        if (c->Valid() && c->user_key() == k && c->tag() == t) c->Prev();
      }
      forward_ = false;
    }
    current_->Prev();
    FindLargest();
  }

  Status status() const override { return status_; }

 private:
  // A child's error hides every entry (a damaged file could hold the newest
  // version of a key, so merging past it could return a stale value).
  bool CollectStatus() {
    for (auto &c : children_) {
      if (!c->Valid()) {
        Status s = c->status();
        if (!s.ok()) {
          status_ = std::move(s);
          current_ = nullptr;
          ClearEntry();
          return false;
        }
      }
    }
    status_ = Status::OK();
    return true;
  }

  void FindSmallest() {
    current_ = nullptr;
    if (!CollectStatus()) return;
    for (auto &c : children_) {
      if (!c->Valid()) continue;
      if (current_ == nullptr ||
          CompareInternal(c->user_key(), c->tag(), current_->user_key(),
                          current_->tag()) < 0) {
        current_ = c.get();
      }
    }
    Land();
  }

  void FindLargest() {
    current_ = nullptr;
    if (!CollectStatus()) return;
    for (auto &c : children_) {
      if (!c->Valid()) continue;
      if (current_ == nullptr ||
          CompareInternal(c->user_key(), c->tag(), current_->user_key(),
                          current_->tag()) > 0) {
        current_ = c.get();
      }
    }
    Land();
  }

  void Land() {
    if (current_ != nullptr) return CopyEntry(*current_);
    ClearEntry();
  }

  std::vector<std::unique_ptr<InternalIterator>> children_;
  InternalIterator *current_ = nullptr;
  bool forward_ = true;
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  std::vector<std::unique_ptr<InternalIterator>> live;
  for (auto &c : children) {
    if (c != nullptr) live.push_back(std::move(c));
  }
  if (live.empty()) return NewEmptyIterator();
  if (live.size() == 1) return std::move(live[0]);
  return std::make_unique<MergingIterator>(std::move(live));
}

}  // namespace shale
