#include "table/iterator_util.h"

namespace shale {

namespace {

class ErrorIterator final : public InternalIterator {
 public:
  explicit ErrorIterator(Status s) : status_(std::move(s)) {}
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view, uint64_t) override {}
  void SeekForPrev(std::string_view, uint64_t) override {}
  void Next() override {}
  void Prev() override {}
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewErrorIterator(Status s) {
  return std::make_unique<ErrorIterator>(std::move(s));
}

}  // namespace shale
