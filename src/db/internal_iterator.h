// InternalIterator: a cursor over internal entries — (user key, tag, value)
// in internal-key order (user key ascending by memcmp, then tag descending,
// see memtable/internal_key.h). Memtables, table files, levels and the
// merge of them all present this interface; DBIter turns it into the
// user-facing Iterator.
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
  virtual bool Valid() const = 0;
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
  virtual std::string_view user_key() const = 0;
  virtual uint64_t tag() const = 0;
  virtual std::string_view value() const = 0;
  // The first error met (e.g. Corruption naming the file and offset), or OK.
  virtual Status status() const = 0;

  // REQUIRES: Valid(). The object whose memory the current entry's key and
  // value views point into (a block, a memtable), which keeps them valid
  // after the iterator moves for as long as the caller holds a copy; nullptr
  // when the views point into the iterator itself (a prefixed block's
  // rebuilt key) and last only until it moves. The pointer is valid until
  // the iterator moves.
  virtual const std::shared_ptr<const void> *EntryOwner() const {
    return nullptr;
  }
};

}  // namespace shale
