// InternalIterator: a cursor over internal entries — (user key, tag, value)
// in internal-key order (user key ascending by memcmp, then tag descending,
// see memtable/internal_key.h). Memtables, table files, levels and the
// merge of them all present this interface; DBIter turns it into the
// user-facing Iterator.
//
// The moves are virtual; the current entry is not. Every move stores the
// entry it lands on in the base (SetEntry / ClearEntry / CopyEntry), so an
// iterator stacked on another (db -> merge -> level -> table -> block)
// reads its child's position with loads instead of a virtual call per
// field, and passes it up with one copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "util/status.h"

namespace shale {

class InternalIterator {
 public:
  InternalIterator() = default;
  InternalIterator(const InternalIterator &) = delete;
  InternalIterator &operator=(const InternalIterator &) = delete;
  virtual ~InternalIterator() = default;

  // False when unpositioned or after an error (see status()).
  bool Valid() const { return entry_.valid; }
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry >= (user_key, tag) in internal order.
  virtual void Seek(std::string_view user_key, uint64_t tag) = 0;
  // Last entry <= (user_key, tag) in internal order.
  virtual void SeekForPrev(std::string_view user_key, uint64_t tag) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // REQUIRES: Valid(). Views stay valid until the next move or destruction.
  std::string_view user_key() const { return entry_.user_key; }
  uint64_t tag() const { return entry_.tag; }
  std::string_view value() const { return entry_.value; }
  // The first error met (e.g. Corruption naming the file and offset), or OK.
  virtual Status status() const = 0;

  // REQUIRES: Valid(). The object whose memory the current entry's key and
  // value views point into (a block, a memtable), which keeps them valid
  // after the iterator moves for as long as the caller holds a copy; nullptr
  // when the views point into the iterator itself (a prefixed block's
  // rebuilt key) and last only until it moves. The pointer is valid until
  // the iterator moves.
  const std::shared_ptr<const void> *EntryOwner() const { return entry_.owner; }

 protected:
  // Every move ends with exactly one of these. An iterator that is not on
  // an entry (off either end, or stopped by an error) is not Valid().
  void SetEntry(std::string_view user_key, uint64_t tag, std::string_view value,
                const std::shared_ptr<const void> *owner) {
    entry_ = Entry{true, user_key, value, tag, owner};
  }
  void ClearEntry() { entry_.valid = false; }
  // child's entry (or its lack of one), whose views stay child's.
  void CopyEntry(const InternalIterator &child) { entry_ = child.entry_; }

 private:
  struct Entry {
    bool valid = false;
    std::string_view user_key, value;
    uint64_t tag = 0;
    const std::shared_ptr<const void> *owner = nullptr;
  };
  Entry entry_;
};

}  // namespace shale
