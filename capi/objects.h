// objects.h — the objects behind batch, snapshot, iterator and
// subscription handles.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "db/db.h"
#include "db/iterator.h"
#include "db/write_batch.h"
#include "db_state.h"
#include "handle_table.h"

namespace shale::capi {

// Not bound to a db; single-owner.
class BatchObj : public Object {
 public:
  std::atomic<bool> busy{false};
  shale::WriteBatch batch;
};

// Holds its db (declared first: released last).
class SnapshotObj : public Object {
 public:
  std::shared_ptr<DbState> db;
  std::shared_ptr<const shale::Snapshot> snap;
};

// Single-owner (its calls take the handle exclusively: AcquireExclusive);
// holds its db (declared first: released last).
class IterObj : public Object {
 public:
  std::shared_ptr<DbState> db;
  std::unique_ptr<shale::Iterator> it;
  // What the last shale_iter_borrow_many lent: the owners of the entries
  // it pointed into, and copies of those that had none. Dropped by the
  // next call on the iterator.
  std::vector<std::shared_ptr<const void>> lent_owners;
  std::string lent_copies;
  void EndLoan() {
    if (!lent_owners.empty()) lent_owners.clear();
    if (!lent_copies.empty()) lent_copies.clear();
  }
};

// A background job; holds its db (declared first: released last) so that
// its status stays readable after the db was closed.
class JobObj : public Object {
 public:
  std::shared_ptr<DbState> db;
  std::shared_ptr<shale::Job> job;  // set before the handle is returned
  bool is_verify = false;
};

// An immutable copy of one value. Needs no db: it stays readable after the
// db was closed.
class PinObj : public Object {
 public:
  std::string value;
};

class SubscriptionObj : public Object {
 public:
  std::shared_ptr<DbState> db;
  shale::SubscriptionId id = 0;
};

}  // namespace shale::capi
