// iter.cc — iterators and shale_db_scan.
#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "malloc_buffer.h"
#include "objects.h"
#include "options.h"

using namespace shale::capi;

namespace {

const char kEmpty[1] = {0};

// Borrowed pointer for a view: never NULL, even for 0 bytes.
const void *Ptr(std::string_view v) {
  return v.data() != nullptr ? static_cast<const void *>(v.data())
                             : static_cast<const void *>(kEmpty);
}

// RAII: one call's exclusive use of an iterator handle.
class IterUse {
 public:
  IterUse() = default;
  IterUse(const IterUse &) = delete;
  IterUse &operator=(const IterUse &) = delete;
  ~IterUse() { ReleaseExclusive(token_); }
  int32_t Take(shale_iter *iter) {
    Object *obj = nullptr;
    int32_t rc =
        AcquireExclusive(iter, HandleType::kIter, "iterator", &obj, &token_);
    obj_ = static_cast<IterObj *>(obj);
    return rc;
  }
  IterObj *get() const { return obj_; }

 private:
  void *token_ = nullptr;
  IterObj *obj_ = nullptr;
};

// Runs op on the iterator object as its one owner. A move does not enter
// its db: the core iterator holds everything it reads, so it needs nothing
// the db's close releases; after the close, calls return SHALE_E_CLOSED.
// Every call ends what shale_iter_borrow_many lent.
template <class Op>
int32_t WithIterObj(shale_iter *iter, Op &&op) {
  IterUse use;
  int32_t rc = use.Take(iter);
  if (rc != SHALE_OK) return rc;
  use.get()->EndLoan();
  if (use.get()->db->IsClosed()) {
    return Fail(SHALE_E_CLOSED, "the db was closed");
  }
  return op(*use.get());
}

template <class Op>
int32_t WithIter(shale_iter *iter, Op &&op) {
  return WithIterObj(iter, [&](IterObj &obj) { return op(*obj.it); });
}

// The status after a move.
int32_t Position(const shale::Iterator &it) {
  if (it.Valid()) return SHALE_OK;
  shale::Status st = it.status();
  if (!st.ok()) return FromCore(st);
  return Note(SHALE_NOT_FOUND);
}

// Moves a positioned iterator one entry (Next or Prev).
int32_t Step(shale::Iterator &it, void (shale::Iterator::*move)()) {
  if (!it.Valid()) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "the iterator is not on an entry (call "
                "shale_iter_first/last/seek first)");
  }
  (it.*move)();
  return Position(it);
}

// Creates a core iterator for (copied, unchecked) options on an entered db.
int32_t MakeIterator(DbState *state, const shale_iter_options *options,
                     std::unique_ptr<shale::Iterator> *out) {
  shale_iter_options o;
  int32_t rc = ReadIterOptions(options, &o);
  if (rc != SHALE_OK) return rc;
  shale::ReadOptions ro;
  if ((rc = ToCoreRead(o, state, &ro)) != SHALE_OK) return rc;
  *out = state->db->NewIterator(ro);
  if (*out == nullptr) {
    return Fail(SHALE_E_INTERNAL, "the core returned no iterator");
  }
  return SHALE_OK;
}

}  // namespace

extern "C" SHALE_API int32_t shale_iter_new(shale_db *db,
                                            const shale_iter_options *options,
                                            shale_iter **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      auto obj = std::make_shared<IterObj>();
      obj->db = state;
      if ((rc = MakeIterator(state.get(), options, &obj->it)) != SHALE_OK) {
        return rc;
      }
      *out = ToHandle<shale_iter>(InsertHandle(HandleType::kIter, obj));
      return SHALE_OK;
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_free(shale_iter *iter) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (iter == nullptr) return SHALE_OK;
    {
      IterUse use;  // refuses to free what another thread is using
      int32_t rc = use.Take(iter);
      if (rc != SHALE_OK) return rc;
    }
    // A call that begins between the check and here finishes first:
    // Remove waits for it.
    std::shared_ptr<IterObj> obj;
    int32_t rc = Remove(iter, HandleType::kIter, "iter", &obj);
    if (rc != SHALE_OK) return rc;
    // Destroy the core iterator now, never concurrently with a close.
    DbCall call(obj->db.get());
    call.EnterForRelease();
    obj->it.reset();
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_iter_first(shale_iter *iter) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [](shale::Iterator &it) {
      it.SeekToFirst();
      return Position(it);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_last(shale_iter *iter) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [](shale::Iterator &it) {
      it.SeekToLast();
      return Position(it);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_seek(shale_iter *iter, const void *key,
                                             size_t key_len) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [&](shale::Iterator &it) {
      int32_t rc = CheckBytes(key, key_len, "key", SHALE_MAX_KEY_SIZE,
                              "SHALE_MAX_KEY_SIZE");
      if (rc != SHALE_OK) return rc;
      it.Seek(View(key, key_len));
      return Position(it);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_seek_for_prev(shale_iter *iter,
                                                      const void *key,
                                                      size_t key_len) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [&](shale::Iterator &it) {
      int32_t rc = CheckBytes(key, key_len, "key", SHALE_MAX_KEY_SIZE,
                              "SHALE_MAX_KEY_SIZE");
      if (rc != SHALE_OK) return rc;
      it.SeekForPrev(View(key, key_len));
      return Position(it);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_next(shale_iter *iter) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [](shale::Iterator &it) {
      return Step(it, &shale::Iterator::Next);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_prev(shale_iter *iter) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [](shale::Iterator &it) {
      return Step(it, &shale::Iterator::Prev);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_valid(shale_iter *iter) {
  return Guard(__func__, [&]() -> int32_t {
    return WithIter(iter, [](shale::Iterator &it) -> int32_t {
      return it.Valid() ? SHALE_OK : Note(SHALE_NOT_FOUND);
    });
  });
}

namespace {

// The body of shale_iter_key and shale_iter_value: borrows the current
// entry's key or value (`read`) for the caller.
int32_t BorrowCurrent(shale_iter *iter, const void **out, size_t *out_len,
                      const char *what,
                      std::string_view (shale::Iterator::*read)() const) {
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  if (out == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "%s (out) is NULL", what);
  }
  if (out_len == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "%s_len (out) is NULL", what);
  }
  return WithIter(iter, [&](shale::Iterator &it) {
    if (!it.Valid()) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "the iterator is not on an entry");
    }
    std::string_view bytes = (it.*read)();
    *out = Ptr(bytes);
    *out_len = bytes.size();
    return SHALE_OK;
  });
}

}  // namespace

extern "C" SHALE_API int32_t shale_iter_key(shale_iter *iter, const void **key,
                                            size_t *key_len) {
  return Guard(__func__, [&]() -> int32_t {
    return BorrowCurrent(iter, key, key_len, "key", &shale::Iterator::key);
  });
}

extern "C" SHALE_API int32_t shale_iter_value(shale_iter *iter,
                                              const void **value,
                                              size_t *value_len) {
  return Guard(__func__, [&]() -> int32_t {
    return BorrowCurrent(iter, value, value_len, "value",
                         &shale::Iterator::value);
  });
}

extern "C" SHALE_API int32_t shale_db_scan(shale_db *db,
                                           const shale_iter_options *options,
                                           uint32_t flags, shale_scan_fn fn,
                                           void *user) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<DbState> state;
    int32_t rc = LookupDb(db, &state);
    if (rc != SHALE_OK) return rc;
    if (fn == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "fn is NULL");
    if ((flags & ~SHALE_SCAN_REVERSE) != 0) {
      return Fail(SHALE_E_INVALID_ARGUMENT,
                  "flags 0x%x has unknown bits (only SHALE_SCAN_REVERSE)",
                  flags);
    }
    DbCall call(state.get());
    if ((rc = call.Enter()) != SHALE_OK) return rc;
    std::unique_ptr<shale::Iterator> it;
    if ((rc = MakeIterator(state.get(), options, &it)) != SHALE_OK) return rc;
    bool reverse = (flags & SHALE_SCAN_REVERSE) != 0;
    if (reverse) {
      it->SeekToLast();
    } else {
      it->SeekToFirst();
    }
    while (it->Valid()) {
      std::string_view k = it->key();
      std::string_view v = it->value();
      int stop;
      {
        CallbackScope scope(state.get());
        stop = fn(user, Ptr(k), k.size(), Ptr(v), v.size());
      }
      if (stop != 0) {
        return Fail(SHALE_E_CANCELLED, "scan stopped by callback");
      }
      if (reverse) {
        it->Prev();
      } else {
        it->Next();
      }
    }
    shale::Status st = it->status();
    if (!st.ok()) return FromCore(st);
    return SHALE_OK;
  });
}

namespace {

// The body of shale_iter_next_many on an owned, entered iterator.
int32_t ReadMany(shale::Iterator &it, int32_t direction, size_t max_count,
                 size_t max_bytes, void **data, size_t *lens, size_t *count) {
  if (!it.Valid()) return Position(it);
  MallocBuffer out;
  size_t n = 0;
  do {
    std::string_view k = it.key(), v = it.value();
    if (n > 0 && max_bytes != 0 &&
        out.size() + k.size() + v.size() > max_bytes) {
      break;
    }
    out.Append(k);
    out.Append(v);
    lens[2 * n] = k.size();
    lens[2 * n + 1] = v.size();
    ++n;
    if (direction == SHALE_ITER_FORWARD) {
      it.Next();
    } else {
      it.Prev();
    }
  } while (n < max_count && it.Valid());
  shale::Status st = it.status();
  if (!st.ok()) return FromCore(st);
  *data = out.Release();
  *count = n;
  return SHALE_OK;
}

// The body of shale_iter_borrow_many: views of the entries, each kept
// alive by its owner (one reference per block or memtable passed), or by
// a copy when it has none (a format-1 block's rebuilt key).
int32_t BorrowMany(IterObj &obj, int32_t direction, size_t max_count,
                   size_t max_bytes, const void **ptrs, size_t *lens,
                   size_t *count) {
  shale::Iterator &it = *obj.it;
  if (!it.Valid()) return Position(it);
  size_t n = 0, bytes = 0;
  // (entry, offset) of the entries copied into lent_copies: their pointers
  // are set at the end, the string moving as it grows.
  std::vector<std::pair<size_t, size_t>> copied;
  do {
    std::string_view k = it.key(), v = it.value();
    if (n > 0 && max_bytes != 0 && bytes + k.size() + v.size() > max_bytes) {
      break;
    }
    const std::shared_ptr<const void> *owner = it.entry_owner();
    if (owner != nullptr && *owner != nullptr) {
      if (obj.lent_owners.empty() ||
          obj.lent_owners.back().get() != owner->get()) {
        obj.lent_owners.push_back(*owner);
      }
      ptrs[2 * n] = Ptr(k);
      ptrs[2 * n + 1] = Ptr(v);
    } else {
      copied.emplace_back(n, obj.lent_copies.size());
      obj.lent_copies.append(k);
      obj.lent_copies.append(v);
    }
    lens[2 * n] = k.size();
    lens[2 * n + 1] = v.size();
    bytes += k.size() + v.size();
    ++n;
    if (direction == SHALE_ITER_FORWARD) {
      it.Next();
    } else {
      it.Prev();
    }
  } while (n < max_count && it.Valid());
  shale::Status st = it.status();
  if (!st.ok()) {
    obj.EndLoan();
    return FromCore(st);
  }
  for (const auto &[i, offset] : copied) {
    const char *at = obj.lent_copies.data() + offset;
    ptrs[2 * i] = at;
    ptrs[2 * i + 1] = at + lens[2 * i];
  }
  *count = n;
  return SHALE_OK;
}

// The checks shale_iter_next_many and shale_iter_borrow_many share.
int32_t CheckManyArgs(const void *out, size_t *lens, size_t *count,
                      size_t max_count, int32_t direction,
                      const char *out_name) {
  if (out == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "%s (out) is NULL", out_name);
  }
  if (lens == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "lens is NULL");
  if (count == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "count (out) is NULL");
  }
  if (max_count == 0 || max_count > SIZE_MAX / 2) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "max_count is %zu; it must be 1 to SIZE_MAX / 2", max_count);
  }
  if (direction != SHALE_ITER_FORWARD && direction != SHALE_ITER_BACKWARD) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "direction is %d; it must be SHALE_ITER_FORWARD or "
                "SHALE_ITER_BACKWARD",
                static_cast<int>(direction));
  }
  return SHALE_OK;
}

}  // namespace

extern "C" SHALE_API int32_t shale_iter_next_many(shale_iter *iter,
                                                  int32_t direction,
                                                  size_t max_count,
                                                  size_t max_bytes, void **data,
                                                  size_t *lens, size_t *count) {
  return Guard(__func__, [&]() -> int32_t {
    if (data != nullptr) *data = nullptr;
    if (count != nullptr) *count = 0;
    int32_t rc = CheckManyArgs(data, lens, count, max_count, direction, "data");
    if (rc != SHALE_OK) return rc;
    return WithIter(iter, [&](shale::Iterator &it) {
      return ReadMany(it, direction, max_count, max_bytes, data, lens, count);
    });
  });
}

extern "C" SHALE_API int32_t shale_iter_borrow_many(
    shale_iter *iter, int32_t direction, size_t max_count, size_t max_bytes,
    const void **ptrs, size_t *lens, size_t *count) {
  return Guard(__func__, [&]() -> int32_t {
    if (count != nullptr) *count = 0;
    int32_t rc = CheckManyArgs(ptrs, lens, count, max_count, direction, "ptrs");
    if (rc != SHALE_OK) return rc;
    return WithIterObj(iter, [&](IterObj &obj) {
      return BorrowMany(obj, direction, max_count, max_bytes, ptrs, lens,
                        count);
    });
  });
}
