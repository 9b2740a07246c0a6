// Snapshots and the registry of live snapshot sequences (compaction will
// consult it to keep the versions snapshots can still see). The registry is
// shared by the DB and every snapshot, so a snapshot released after the DB
// is closed and destroyed is still safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

#include "db/db.h"

namespace shale {

class SnapshotRegistry : public std::enable_shared_from_this<SnapshotRegistry> {
 public:
  std::shared_ptr<const Snapshot> Take(uint64_t sequence);

  // The oldest live snapshot's sequence, or UINT64_MAX if there is none.
  uint64_t OldestSequence() const;
  size_t Count() const;

  // True if snap was taken from this registry.
  bool Owns(const Snapshot &snap) const;

 private:
  class Impl;
  void Release(uint64_t sequence);

  mutable std::mutex mu_;
  std::multiset<uint64_t> live_;
};

}  // namespace shale
