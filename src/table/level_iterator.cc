#include <algorithm>

#include "memtable/internal_key.h"
#include "table/iterator_util.h"
#include "table/merging_iterator.h"

namespace shale {

namespace {

class LevelIterator final : public InternalIterator {
 public:
  LevelIterator(
      std::vector<LevelFile> files,
      std::function<std::unique_ptr<InternalIterator>(size_t)> open_file)
      : files_(std::move(files)), open_file_(std::move(open_file)) {}

  void SeekToFirst() override {
    if (!OpenFile(0)) return;
    file_->SeekToFirst();
    SkipForward();
  }

  void SeekToLast() override {
    if (files_.empty()) return Close();
    if (!OpenFile(files_.size() - 1)) return;
    file_->SeekToLast();
    SkipBackward();
  }

  void Seek(std::string_view user_key, uint64_t tag) override {
    // The first file whose largest key is >= target.
    auto it = std::partition_point(
        files_.begin(), files_.end(), [&](const LevelFile &f) {
          return CompareInternal(f.largest_user_key, f.largest_tag, user_key,
                                 tag) < 0;
        });
    if (!OpenFile(static_cast<size_t>(it - files_.begin()))) return;
    file_->Seek(user_key, tag);
    SkipForward();
  }

  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    // The last file whose smallest key is <= target.
    auto it = std::partition_point(
        files_.begin(), files_.end(), [&](const LevelFile &f) {
          return CompareInternal(f.smallest_user_key, f.smallest_tag, user_key,
                                 tag) <= 0;
        });
    if (it == files_.begin()) return Close();
    if (!OpenFile(static_cast<size_t>(it - files_.begin()) - 1)) return;
    file_->SeekForPrev(user_key, tag);
    SkipBackward();
  }

  void Next() override {
    file_->Next();
    SkipForward();
  }

  void Prev() override {
    file_->Prev();
    SkipBackward();
  }

  Status status() const override {
    return file_ != nullptr ? file_->status() : Status::OK();
  }

 private:
  void Close() {
    file_.reset();
    index_ = files_.size();
    ClearEntry();
  }

  // Positions on file i (unpositioned); false (and closed) past the end.
  bool OpenFile(size_t i) {
    if (i >= files_.size()) {
      Close();
      return false;
    }
    if (file_ != nullptr && index_ == i) return true;
    file_ = open_file_(i);
    if (file_ == nullptr) {
      file_ = NewErrorIterator(Status::Internal("level iterator: file " +
                                                std::to_string(i) +
                                                " could not be opened"));
    }
    index_ = i;
    return true;
  }

  bool Stop() const { return file_->Valid() || !file_->status().ok(); }

  void Land() {
    if (file_ != nullptr) return CopyEntry(*file_);
    ClearEntry();
  }

  // After a move of file_: on to the next file while this one has no
  // entry left, then the entry cached.
  void SkipForward() {
    while (file_ != nullptr && !Stop()) {
      if (!OpenFile(index_ + 1)) break;
      file_->SeekToFirst();
    }
    Land();
  }

  void SkipBackward() {
    while (file_ != nullptr && !Stop()) {
      if (index_ == 0) return Close();
      OpenFile(index_ - 1);
      file_->SeekToLast();
    }
    Land();
  }

  std::vector<LevelFile> files_;
  std::function<std::unique_ptr<InternalIterator>(size_t)> open_file_;
  std::unique_ptr<InternalIterator> file_;
  size_t index_ = 0;
};

}  // namespace

std::unique_ptr<InternalIterator> NewLevelIterator(
    std::vector<LevelFile> files,
    std::function<std::unique_ptr<InternalIterator>(size_t index)> open_file) {
  return std::make_unique<LevelIterator>(std::move(files),
                                         std::move(open_file));
}

}  // namespace shale
