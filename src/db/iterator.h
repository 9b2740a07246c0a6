// Iterator: an ordered cursor over user keys at one point in time.
#pragma once

#include <memory>
#include <string_view>

#include "util/status.h"

namespace shale {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator &) = delete;
  Iterator &operator=(const Iterator &) = delete;
  virtual ~Iterator() = default;

  // True when positioned on an entry. After a failed move (status() not ok)
  // the iterator is not valid.
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry with key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Last entry with key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;
  // REQUIRES: Valid(). The views stay valid until the next move or
  // destruction of the iterator.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // The first error met, or OK.
  virtual Status status() const = 0;

  // REQUIRES: Valid(). What keeps the bytes key() and value() point at
  // valid after the iterator moves, for as long as the caller holds a copy
  // of it; nullptr when they are the iterator's own copies (valid until it
  // moves). The pointer itself is valid until the iterator moves.
  virtual const std::shared_ptr<const void> *entry_owner() const {
    return nullptr;
  }
};

}  // namespace shale
