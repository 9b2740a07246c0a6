// WriteBatch: an ordered list of puts and deletes applied atomically.
//
// Serialized form (also the payload of one WAL record):
//   fixed64 sequence | fixed32 count | count x entry
//   entry: u8 kind (1 = put, 2 = delete) | varint32 klen | key
//          [| varint32 vlen | value]   (value only for puts)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace shale {

enum class EntryKind : uint8_t { kPut = 1, kDelete = 2 };

class WriteBatch {
 public:
  // Handler for Iterate: called once per entry in order.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    virtual void Delete(std::string_view key) = 0;
  };

  WriteBatch();

  // Validate sizes against the limits in options.h; on error the batch is
  // unchanged.
  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  void Clear();

  uint32_t Count() const;
  // Bytes of the serialized form.
  size_t ByteSize() const { return rep_.size(); }

  // Calls handler for each entry. Corruption if the representation is
  // malformed (only possible for batches decoded from disk).
  Status Iterate(Handler *handler) const;

  // Internal: the write path stamps the first sequence number, concatenates
  // batches of a commit group, and recovery rebuilds a batch from a record.
  uint64_t Sequence() const;
  void SetSequence(uint64_t seq);
  Status Append(const WriteBatch &other);
  const std::string &Contents() const { return rep_; }
  Status SetContents(std::string_view contents);

 private:
  std::string rep_;
};

}  // namespace shale
