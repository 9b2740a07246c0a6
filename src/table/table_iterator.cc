// Iteration over a table: the decoded index picks the block, a block
// iterator walks it. The iterator holds the table and the current block.
#include "memtable/internal_key.h"
#include "table/iterator_util.h"
#include "table/table_impl.h"

namespace shale {

namespace {

class TableIterator final : public InternalIterator {
 public:
  explicit TableIterator(std::shared_ptr<const TableImpl> table)
      : table_(std::move(table)), index_(table_->index()) {}

  void SeekToFirst() override {
    status_ = Status::OK();
    if (!Open(0)) return;
    data_->SeekToFirst();
    SkipEmptyForward();
  }

  void SeekToLast() override {
    status_ = Status::OK();
    if (!Open(index_.size() - 1)) return;
    data_->SeekToLast();
    SkipEmptyBackward();
  }

  void Seek(std::string_view user_key, uint64_t tag) override {
    status_ = Status::OK();
    if (!Open(index_.Find(user_key, tag))) return;
    data_->Seek(user_key, tag);
    SkipEmptyForward();
  }

  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    status_ = Status::OK();
    // The block that may hold the answer is the first whose separator is
    // >= target (the last one if none is); if it has nothing <= target,
    // the answer is the last entry of an earlier block.
    size_t i = index_.Find(user_key, tag);
    if (i == index_.size()) i = index_.size() - 1;
    if (!Open(i)) return;
    data_->SeekForPrev(user_key, tag);
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

  Status status() const override {
    if (!status_.ok()) return status_;
    return data_ != nullptr ? data_->status() : Status::OK();
  }

 private:
  // Positions data_ on block i (not on an entry); false (data_ empty) if
  // there is no block i or it cannot be read (status_ then says why).
  bool Open(size_t i) {
    if (i >= index_.size()) {  // also an empty table's SeekToLast
      Close();
      return false;
    }
    if (data_ != nullptr && i == block_index_) return true;
    std::shared_ptr<const Block> block;
    Status s = table_->BlockShared(i, &block);
    if (!s.ok()) {
      Close();
      status_ = std::move(s);
      return false;
    }
    const Block *raw = block.get();
    data_ = raw->NewIterator(&table_->path(), std::move(block));
    block_index_ = i;
    return true;
  }

  void Close() {
    data_.reset();
    block_index_ = index_.size();
    ClearEntry();
  }

  // True if the walk must stop: on an entry, at an error, or off the end.
  bool Settled() const {
    return data_ == nullptr || data_->Valid() || !data_->status().ok();
  }

  void Land() {
    if (data_ != nullptr) return CopyEntry(*data_);
    ClearEntry();
  }

  // After a move of data_: on to the next block while this one has no
  // entry left, then the entry cached.
  void SkipEmptyForward() {
    while (!Settled()) {
      if (!Open(block_index_ + 1)) break;
      data_->SeekToFirst();
    }
    Land();
  }

  void SkipEmptyBackward() {
    while (!Settled()) {
      if (block_index_ == 0 || !Open(block_index_ - 1)) {
        Close();
        break;
      }
      data_->SeekToLast();
    }
    Land();
  }

  const std::shared_ptr<const TableImpl> table_;
  const TableIndex &index_;
  std::unique_ptr<InternalIterator> data_;
  size_t block_index_ = 0;
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> TableImpl::NewIterator() const {
  auto self = std::static_pointer_cast<const TableImpl>(shared_from_this());
  if (index_.size() == 0) return NewEmptyIterator();
  return std::make_unique<TableIterator>(std::move(self));
}

}  // namespace shale
