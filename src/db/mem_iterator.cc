#include "db/mem_iterator.h"

#include <string>

namespace shale {

namespace {

class MemIter final : public InternalIterator {
 public:
  explicit MemIter(std::shared_ptr<const MemTable> mem)
      : mem_(std::move(mem)), owner_(mem_), it_(mem_.get()) {}

  void SeekToFirst() override {
    it_.SeekToFirst();
    Load();
  }
  void SeekToLast() override {
    it_.SeekToLast();
    Load();
  }
  void Seek(std::string_view user_key, uint64_t tag) override {
    it_.Seek(user_key, tag);
    Load();
  }
  void SeekForPrev(std::string_view user_key, uint64_t tag) override {
    if (tag > 0) {
      // (user_key, tag - 1) is the entry right after (user_key, tag).
      it_.SeekBefore(user_key, tag - 1);
    } else {
      // Nothing sorts between (k, 0) and (k + '\0', max).
      scratch_.assign(user_key);
      scratch_.push_back('\0');
      it_.SeekBefore(scratch_, UINT64_MAX);
    }
    Load();
  }
  void Next() override {
    it_.Next();
    Load();
  }
  void Prev() override {
    it_.Prev();
    Load();
  }
  Status status() const override { return Status::OK(); }

 private:
  // Entries stay in the arena until the memtable goes: owner_ keeps them.
  void Load() {
    if (!it_.Valid()) return ClearEntry();
    SetEntry(it_.user_key(), it_.tag(), it_.value(), &owner_);
  }

  std::shared_ptr<const MemTable> mem_;
  std::shared_ptr<const void> owner_;  // mem_
  MemTable::Iterator it_;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMemTableIterator(
    std::shared_ptr<const MemTable> mem) {
  return std::make_unique<MemIter>(std::move(mem));
}

}  // namespace shale
