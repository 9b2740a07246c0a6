#include "table/two_level_iterator.h"

#include <string>

#include "table/iterator_util.h"

namespace shale {

namespace {

class TwoLevelIterator final : public InternalIterator {
 public:
  TwoLevelIterator(std::unique_ptr<InternalIterator> index,
                   BlockIteratorFn block_fn)
      : index_(std::move(index)), block_fn_(std::move(block_fn)) {}

  bool Valid() const override { return data_ != nullptr && data_->Valid(); }

  void SeekToFirst() override {
    index_->SeekToFirst();
    InitDataBlock();
    if (data_) data_->SeekToFirst();
    SkipEmptyForward();
  }

  void SeekToLast() override {
    index_->SeekToLast();
    InitDataBlock();
    if (data_) data_->SeekToLast();
    SkipEmptyBackward();
  }

  void Seek(std::string_view user_key, uint64_t tag) override {
    index_->Seek(user_key, tag);
    InitDataBlock();
    if (data_) data_->Seek(user_key, tag);
    SkipEmptyForward();
  }

  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    // The block that may hold the answer is the first whose separator is
    // >= target; if it has nothing <= target, the answer is the last entry
    // of an earlier block.
    index_->Seek(user_key, tag);
    if (!index_->Valid() && index_->status().ok()) index_->SeekToLast();
    InitDataBlock();
    if (data_) data_->SeekForPrev(user_key, tag);
    SkipEmptyBackward();
  }

  void Next() override {
    data_->Next();
    SkipEmptyForward();
  }

  void Prev() override {
    data_->Prev();
    SkipEmptyBackward();
  }

  std::string_view user_key() const override { return data_->user_key(); }
  uint64_t tag() const override { return data_->tag(); }
  std::string_view value() const override { return data_->value(); }

  Status status() const override {
    Status s = index_->status();
    if (!s.ok()) return s;
    if (data_ != nullptr) return data_->status();
    return Status::OK();
  }

 private:
  void InitDataBlock() {
    if (!index_->Valid()) {
      data_.reset();
      handle_.clear();
      return;
    }
    std::string_view v = index_->value();
    if (data_ != nullptr && v == handle_) return;
    data_ = block_fn_(v);
    if (data_ == nullptr) data_ = NewEmptyIterator();
    handle_.assign(v.data(), v.size());
  }

  // True if the walk must stop here: a valid entry, an error, or no block.
  bool Settled() const {
    return data_ == nullptr || data_->Valid() || !data_->status().ok();
  }

  void SkipEmptyForward() {
    while (!Settled()) {
      index_->Next();
      InitDataBlock();
      if (data_) data_->SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (!Settled()) {
      index_->Prev();
      InitDataBlock();
      if (data_) data_->SeekToLast();
    }
  }

  std::unique_ptr<InternalIterator> index_;
  BlockIteratorFn block_fn_;
  std::unique_ptr<InternalIterator> data_;
  std::string handle_;  // index value data_ was opened for
};

}  // namespace

std::unique_ptr<InternalIterator> NewTwoLevelIterator(
    std::unique_ptr<InternalIterator> index, BlockIteratorFn block_fn) {
  return std::make_unique<TwoLevelIterator>(std::move(index),
                                            std::move(block_fn));
}

}  // namespace shale
