// fuzz_abi — misuse of the ABI itself. The input is a program of C API
// calls whose handle arguments are drawn from a pool of everything the
// program made (live, freed, closed, of any type), NULL, garbage values and
// real non-handle pointers, and whose byte arguments may be NULL with a
// non-zero length or over a limit (up to SIZE_MAX / SHALE_MISSING). Struct
// arguments get any struct_size and field values. Every call must return
// without crashing; every error must carry a message naming the function;
// and a call given an argument known to be bad (NULL/freed/foreign handle,
// a child of a closed db, NULL with a length, a length over its limit)
// must fail.
#include <fuzzer/FuzzedDataProvider.h>

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "fuzz_common.h"

namespace {

using shale_fuzz::CheckErrorReport;

enum Kind { kDb, kBatch, kSnap, kIter, kSub, kJob, kPin, kKinds };

struct Slot {
  Kind kind;
  void *h;
  bool live;
  int db;  // a db's own id; a child's parent db id; -1 otherwise
};

constexpr size_t kMaxSlots = 24;
constexpr size_t kMaxCalls = 96;

int Changed(void *, int32_t, const void *, size_t, const void *, size_t) {
  return 0;
}
int Scanned(void *user, const void *, size_t, const void *, size_t) {
  return --*static_cast<int *>(user) <= 0;
}
int Progress(void *, uint64_t, uint64_t) { return 0; }
int Done(void *, int32_t, const char *) { return 0; }

// A byte argument: pointer, length, and whether the pair is invalid.
struct Bytes {
  const void *p;
  size_t n;
  bool bad;
};

class Abi {
 public:
  Abi(const uint8_t *data, size_t size) : in_(data, size) {
    dir_ = shale_fuzz::ScratchRoot() + "/abi";
  }

  ~Abi() {
    // Children first, then the dbs; every release must succeed.
    for (int pass = 0; pass < 2; ++pass) {
      for (auto &s : slots_) {
        if (!s.live || (s.kind == kDb) != (pass == 1)) continue;
        int32_t rc = Release(s.kind, s.h);
        FUZZ_CHECK(rc == SHALE_OK, "teardown release of kind %d: %s",
                   s.kind, shale_status_name(rc));
      }
    }
    shale_fuzz::RemoveTree(dir_);
  }

  void Run() {
    for (size_t i = 0; i < kMaxCalls && in_.remaining_bytes() > 0; ++i) Step();
  }

 private:
  static const char *ReleaseName(Kind k) {
    static const char *const names[] = {
        "shale_db_close",    "shale_batch_free", "shale_snapshot_free",
        "shale_iter_free",   "shale_unsubscribe", "shale_job_free",
        "shale_pin_free"};
    return names[k];
  }

  static int32_t Release(Kind k, void *h) {
    switch (k) {
      case kDb: return shale_db_close(static_cast<shale_db *>(h));
      case kBatch: return shale_batch_free(static_cast<shale_batch *>(h));
      case kSnap: return shale_snapshot_free(static_cast<shale_snapshot *>(h));
      case kIter: return shale_iter_free(static_cast<shale_iter *>(h));
      case kSub: return shale_unsubscribe(static_cast<shale_subscription *>(h));
      case kJob: return shale_job_free(static_cast<shale_job *>(h));
      default: return shale_pin_free(static_cast<shale_pin *>(h));
    }
  }

  bool DbOpen(int id) const { return open_dbs_.count(id) != 0; }

  // The db id a slot stands for (its own for a db, its parent's for a
  // child), or -1.
  int DbOf(int slot) const {
    return slot < 0 ? -1 : slots_[static_cast<size_t>(slot)].db;
  }

  // A handle argument for a parameter of kind `want`. *bad is set when the
  // call must fail because of it; *slot is the pool slot (or -1).
  void *Handle(Kind want, bool *bad, int *slot = nullptr,
               bool null_ok = false, bool release = false) {
    if (slot) *slot = -1;
    uint8_t c = in_.ConsumeIntegral<uint8_t>();
    if (c < 16 || slots_.empty()) {
      if (!null_ok) *bad = true;
      return nullptr;
    }
    if (c < 24) {  // garbage: may even be a valid handle by luck
      return reinterpret_cast<void *>(in_.ConsumeIntegral<uintptr_t>());
    }
    if (c < 32) {  // a real pointer that is not a handle
      *bad = true;
      return &junk_[c % 4];
    }
    size_t i = c % slots_.size();
    const Slot &s = slots_[i];
    if (slot) *slot = static_cast<int>(i);
    // A snapshot or iterator of a closed db reports SHALE_E_CLOSED, but
    // may still be freed.
    bool dead_parent = !release && s.db >= 0 && !DbOpen(s.db) &&
                       (s.kind == kSnap || s.kind == kIter);
    if (!s.live || s.kind != want || dead_parent) *bad = true;
    return s.h;
  }

  Bytes Data(size_t limit) {
    switch (in_.ConsumeIntegralInRange<int>(0, 7)) {
      case 0: return {nullptr, 0, false};
      case 1: return {nullptr, in_.ConsumeIntegralInRange<size_t>(1, 64), true};
      case 2: {
        size_t n = in_.ConsumeBool() ? SIZE_MAX
                                     : limit + 1 + in_.ConsumeIntegral<uint16_t>();
        return {buf_, n, true};
      }
      default: {
        std::string s = in_.ConsumeBytesAsString(in_.ConsumeIntegralInRange<size_t>(0, 8));
        strings_.push_back(s);
        return {strings_.back().data(), s.size(), false};
      }
    }
  }

  // count packed elements, as the *_many functions take them.
  struct Packed {
    std::string joined;
    std::vector<size_t> lens;
    const void *p;
    const size_t *l;
    bool bad;
  };
  Packed Many(size_t count, size_t limit, bool values) {
    Packed pk{{}, {}, nullptr, nullptr, false};
    for (size_t i = 0; i < count; ++i) {
      size_t n = in_.ConsumeIntegralInRange<size_t>(0, 4);
      uint8_t twist = in_.ConsumeIntegral<uint8_t>();
      if (twist == 255) {
        n = values && in_.ConsumeBool() ? SHALE_MISSING : limit + 1;
        pk.bad = true;
      } else {
        pk.joined.append(n, static_cast<char>('a' + i));
      }
      pk.lens.push_back(n);
    }
    pk.joined.reserve(pk.joined.size() + 1);
    pk.p = pk.joined.data();
    pk.l = pk.lens.data();
    if (count > 0 && in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
      pk.l = nullptr;
      pk.bad = true;
    }
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
      pk.p = nullptr;
      if (!pk.joined.empty()) pk.bad = true;
    }
    return pk;
  }

  // Puts a new object in the pool: in a free place, over a released one,
  // or (pool full of live objects) not at all: it is released at once.
  void Add(Kind k, void *h, int db) {
    if (k == kDb) open_dbs_.insert(db = next_db_id_++);
    Slot s{k, h, true, db};
    if (slots_.size() < kMaxSlots) return slots_.push_back(s);
    for (auto &old : slots_) {
      if (!old.live) {
        old = s;
        return;
      }
    }
    FUZZ_CHECK(Release(k, h) == SHALE_OK, "release of a new object failed");
    if (k == kDb) open_dbs_.erase(db);
  }

  void Check(const char *fn, int32_t rc, bool bad) {
    CheckErrorReport(fn, rc);
    FUZZ_CHECK(!bad || rc < 0, "%s accepted a bad argument: returned %s", fn,
               shale_status_name(rc));
  }

  void MarkReleased(int slot, int32_t rc) {
    if (slot < 0 || rc != SHALE_OK) return;
    Slot &s = slots_[static_cast<size_t>(slot)];
    if (s.live && s.kind == kDb) open_dbs_.erase(s.db);
    s.live = false;
  }

  void Open() {
    struct {
      shale_options o;
      char tail[64];
    } big;
    std::memset(&big, 0, sizeof(big));
    shale_options_init(&big.o, sizeof(big.o));
    big.o.sync_mode = SHALE_SYNC_NONE;
    big.o.write_buffer_size = 64 * 1024;
    int how = in_.ConsumeIntegralInRange<int>(0, 7);
    const shale_options *opts = &big.o;
    bool bad = false;
    if (how == 0) opts = nullptr;
    if (how == 1) {
      static const size_t sizes[] = {0, 1, 8, offsetof(shale_options, write_buffer_size) - 1,
                                     offsetof(shale_options, write_buffer_size),
                                     sizeof(shale_options) - 4,
                                     sizeof(shale_options) + 64};
      big.o.struct_size = sizes[in_.ConsumeIntegralInRange<size_t>(0, 6)];
      bad = big.o.struct_size < offsetof(shale_options, write_buffer_size);
    }
    if (how == 2) {  // scribble over the fields after struct_size
      auto *raw = reinterpret_cast<uint8_t *>(&big.o) + sizeof(size_t);
      std::string s = in_.ConsumeBytesAsString(sizeof(shale_options) - sizeof(size_t));
      std::memcpy(raw, s.data(), s.size());
      big.o.logger = nullptr;
      big.o.logger_user_free = nullptr;
      // Huge (valid) sizes would only make the process slow to fail.
      big.o.write_buffer_size %= 1 << 24;
      big.o.block_cache_capacity %= 1 << 24;
      big.o.target_file_size %= 1 << 24;
      big.o.level1_max_bytes %= 1 << 26;
    }
    const char *path = dir_.c_str();
    if (how == 3) path = nullptr, bad = true;
    if (how == 4) path = "", bad = true;
    shale_db *db = reinterpret_cast<shale_db *>(&junk_[0]);
    shale_db **out = how == 5 ? nullptr : &db;
    if (how == 5) bad = true;
    int32_t rc = shale_db_open(path, opts, out);
    Check("shale_db_open", rc, bad);
    if (out != nullptr && rc != SHALE_OK)
      FUZZ_CHECK(db == nullptr, "failed open left *out set");
    if (rc == SHALE_OK) Add(kDb, db, -1);
  }

  void Step() {
    bool bad = false;
    int slot = -1;
    switch (in_.ConsumeIntegralInRange<int>(0, 31)) {
      case 0:
      case 1:
        return Open();
      case 2: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &slot, true, true));
        int32_t rc = shale_db_close(db);
        if (rc != SHALE_OK) CheckErrorReport("shale_db_close", rc);
        FUZZ_CHECK(!bad || db == nullptr || rc < 0, "close of bad handle ok");
        return MarkReleased(slot, rc);
      }
      case 3: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
        Bytes k = Data(SHALE_MAX_KEY_SIZE), v = Data(SHALE_MAX_VALUE_SIZE);
        return Check("shale_db_put", shale_db_put(db, k.p, k.n, v.p, v.n),
                     bad || k.bad || v.bad);
      }
      case 4: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
        Bytes k = Data(SHALE_MAX_KEY_SIZE);
        return Check("shale_db_delete", shale_db_delete(db, k.p, k.n),
                     bad || k.bad);
      }
      case 5: {
        int dbs = -1, ss = -1;
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &dbs));
        auto *snap = static_cast<shale_snapshot *>(Handle(kSnap, &bad, &ss, true));
        if (snap && ss >= 0 && DbOf(ss) != DbOf(dbs)) bad = true;
        Bytes k = Data(SHALE_MAX_KEY_SIZE);
        void *v = nullptr;
        size_t vl = 0;
        bool null_out = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
        int32_t rc;
        const char *fn;
        switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
          case 0:
            fn = "shale_db_get";
            rc = shale_db_get(db, snap, k.p, k.n, null_out ? nullptr : &v, &vl);
            if (rc == SHALE_OK) shale_free(v);
            break;
          case 1: {
            fn = "shale_db_get_into";
            char b[8];
            rc = shale_db_get_into(db, snap, k.p, k.n, b, sizeof(b),
                                   null_out ? nullptr : &vl);
            break;
          }
          case 2: {
            fn = "shale_db_get_pinned";
            shale_pin *pin = nullptr;
            const void *pv = nullptr;
            rc = shale_db_get_pinned(db, snap, k.p, k.n, null_out ? nullptr : &pin,
                                     &pv, &vl);
            if (rc == SHALE_OK) Add(kPin, pin, -1);
            break;
          }
          default:
            fn = "shale_db_exists";
            null_out = false;
            rc = shale_db_exists(db, snap, k.p, k.n);
        }
        return Check(fn, rc, bad || k.bad || null_out);
      }
      case 6: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
        switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
          case 0: return Check("shale_db_sync", shale_db_sync(db), bad);
          case 1: return Check("shale_db_flush", shale_db_flush(db), bad);
          case 2: {
            Bytes a = Data(SHALE_MAX_KEY_SIZE), b = Data(SHALE_MAX_KEY_SIZE);
            return Check("shale_db_compact_range",
                         shale_db_compact_range(db, a.p, a.n, b.p, b.n,
                                                in_.ConsumeBool() ? Progress : nullptr,
                                                nullptr),
                         bad || a.bad || b.bad);
          }
          default: {
            char *report = nullptr;
            int32_t rc = shale_db_verify(db, nullptr, nullptr, &report);
            shale_free(report);
            return Check("shale_db_verify", rc, bad);
          }
        }
      }
      case 7: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
        static const char *const names[] = {"shale.recovery", "shale.sequence",
                                            "shale.path", "shale.stats", "nope"};
        const char *name = in_.ConsumeBool() ? nullptr
                                             : names[in_.ConsumeIntegralInRange<int>(0, 4)];
        char *out = nullptr;
        int32_t rc = shale_db_property(db, name, &out);
        if (rc == SHALE_OK) shale_free(out);
        return Check("shale_db_property", rc, bad || name == nullptr);
      }
      case 8: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
        struct {
          shale_stats s;
          char tail[64];
        } big;
        std::memset(&big, 0, sizeof(big));
        size_t size = in_.ConsumeBool() ? sizeof(big.s)
                                        : in_.ConsumeIntegralInRange<size_t>(0, sizeof(big));
        int32_t rc = shale_stats_init(&big.s, size);
        CheckErrorReport("shale_stats_init", rc);
        big.s.struct_size = size;
        return Check("shale_db_stats", shale_db_stats(db, &big.s),
                     bad || size < sizeof(shale_stats));
      }
      case 9: {
        shale_batch *b = nullptr;
        bool null_out = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
        int32_t rc = shale_batch_new(null_out ? nullptr : &b);
        Check("shale_batch_new", rc, null_out);
        if (rc == SHALE_OK) Add(kBatch, b, -1);
        return;
      }
      case 10: {
        auto *b = static_cast<shale_batch *>(Handle(kBatch, &bad));
        Bytes k = Data(SHALE_MAX_KEY_SIZE);
        switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
          case 0: {
            Bytes v = Data(SHALE_MAX_VALUE_SIZE);
            return Check("shale_batch_put", shale_batch_put(b, k.p, k.n, v.p, v.n),
                         bad || k.bad || v.bad);
          }
          case 1:
            return Check("shale_batch_delete", shale_batch_delete(b, k.p, k.n),
                         bad || k.bad);
          case 2:
            return Check("shale_batch_clear", shale_batch_clear(b), bad);
          default: {
            size_t n = 0;
            bool null_out = in_.ConsumeIntegralInRange<int>(0, 3) == 0;
            return Check("shale_batch_count",
                         shale_batch_count(b, null_out ? nullptr : &n),
                         bad || null_out);
          }
        }
      }
      case 11: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
        auto *b = static_cast<shale_batch *>(Handle(kBatch, &bad));
        return Check("shale_db_write", shale_db_write(db, b), bad);
      }
      case 12:
      case 13: {
        size_t count = in_.ConsumeIntegralInRange<size_t>(0, 4);
        Packed k = Many(count, SHALE_MAX_KEY_SIZE, false);
        Packed v = Many(count, SHALE_MAX_VALUE_SIZE, true);
        switch (in_.ConsumeIntegralInRange<int>(0, 4)) {
          case 0: {
            auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
            return Check("shale_db_put_many",
                         shale_db_put_many(db, count, k.p, k.l, v.p, v.l),
                         bad || k.bad || v.bad);
          }
          case 1: {
            auto *db = static_cast<shale_db *>(Handle(kDb, &bad));
            return Check("shale_db_delete_many",
                         shale_db_delete_many(db, count, k.p, k.l), bad || k.bad);
          }
          case 2: {
            auto *b = static_cast<shale_batch *>(Handle(kBatch, &bad));
            return Check("shale_batch_put_many",
                         shale_batch_put_many(b, count, k.p, k.l, v.p, v.l),
                         bad || k.bad || v.bad);
          }
          case 3: {
            auto *b = static_cast<shale_batch *>(Handle(kBatch, &bad));
            return Check("shale_batch_delete_many",
                         shale_batch_delete_many(b, count, k.p, k.l), bad || k.bad);
          }
          default: {
            int dbs = -1, ss = -1;
            auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &dbs));
            auto *snap = static_cast<shale_snapshot *>(Handle(kSnap, &bad, &ss, true));
            if (snap && ss >= 0 && DbOf(ss) != DbOf(dbs)) bad = true;
            void *values = nullptr;
            size_t vl[5], found = 0;
            bool null_values = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
            bool null_lens = count > 0 && in_.ConsumeIntegralInRange<int>(0, 7) == 0;
            int32_t rc = shale_db_get_many(db, snap, count, k.p, k.l,
                                           null_values ? nullptr : &values,
                                           null_lens ? nullptr : vl, &found);
            if (rc == SHALE_OK) shale_free(values);
            return Check("shale_db_get_many", rc,
                         bad || k.bad || null_values || null_lens);
          }
        }
      }
      case 14: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &slot));
        shale_snapshot *s = nullptr;
        int32_t rc = shale_snapshot_new(db, &s);
        Check("shale_snapshot_new", rc, bad);
        if (rc == SHALE_OK) Add(kSnap, s, DbOf(slot));
        return;
      }
      case 15:
      case 16: {
        int dbs = -1, ss = -1;
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &dbs));
        struct {
          shale_iter_options o;
          char tail[32];
        } big;
        std::memset(&big, 0, sizeof(big));
        shale_iter_options_init(&big.o, sizeof(big.o));
        // Bad options only count when the options are passed.
        bool bad_opts = false;
        big.o.snapshot =
            static_cast<shale_snapshot *>(Handle(kSnap, &bad_opts, &ss, true));
        if (big.o.snapshot && ss >= 0 && DbOf(ss) != DbOf(dbs)) bad_opts = true;
        Bytes lo = Data(SHALE_MAX_KEY_SIZE), hi = Data(SHALE_MAX_KEY_SIZE),
              px = Data(SHALE_MAX_KEY_SIZE);
        big.o.lower_bound = lo.p, big.o.lower_bound_len = lo.n;
        big.o.upper_bound = hi.p, big.o.upper_bound_len = hi.n;
        big.o.prefix = px.p, big.o.prefix_len = px.n;
        bad_opts = bad_opts || lo.bad || hi.bad || px.bad;
        if (in_.ConsumeIntegralInRange<int>(0, 7) == 0) {
          big.o.struct_size = in_.ConsumeIntegralInRange<size_t>(0, sizeof(big));
          if (big.o.struct_size < sizeof(shale_iter_options)) bad_opts = true;
        }
        const shale_iter_options *opts = in_.ConsumeIntegralInRange<int>(0, 7) == 0
                                             ? nullptr : &big.o;
        if (opts != nullptr) bad = bad || bad_opts;
        if (in_.ConsumeBool()) {
          int left = in_.ConsumeIntegralInRange<int>(1, 4);
          uint32_t flags = in_.ConsumeIntegralInRange<uint32_t>(0, 2);
          bool null_fn = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
          return Check("shale_db_scan",
                       shale_db_scan(db, opts, flags, null_fn ? nullptr : Scanned,
                                     &left),
                       bad || flags > 1 || null_fn);
        }
        shale_iter *it = nullptr;
        int32_t rc = shale_iter_new(db, opts, &it);
        Check("shale_iter_new", rc, bad);
        if (rc == SHALE_OK) Add(kIter, it, DbOf(dbs));
        return;
      }
      case 17:
      case 18:
      case 19: {
        auto *it = static_cast<shale_iter *>(Handle(kIter, &bad));
        switch (in_.ConsumeIntegralInRange<int>(0, 9)) {
          case 0: return CheckErrorReport("shale_iter_first", shale_iter_first(it));
          case 1: return CheckErrorReport("shale_iter_last", shale_iter_last(it));
          case 2: {
            Bytes k = Data(SHALE_MAX_KEY_SIZE);
            return Check("shale_iter_seek", shale_iter_seek(it, k.p, k.n),
                         bad || k.bad);
          }
          case 3: {
            Bytes k = Data(SHALE_MAX_KEY_SIZE);
            return Check("shale_iter_seek_for_prev",
                         shale_iter_seek_for_prev(it, k.p, k.n), bad || k.bad);
          }
          case 4: return Check("shale_iter_next", shale_iter_next(it), bad);
          case 5: return Check("shale_iter_prev", shale_iter_prev(it), bad);
          case 6: return Check("shale_iter_valid", shale_iter_valid(it), bad);
          case 7: {
            const void *p = nullptr;
            size_t n = 0;
            bool null_out = in_.ConsumeBool() && in_.ConsumeBool();
            bool key = in_.ConsumeBool();
            int32_t rc = key ? shale_iter_key(it, null_out ? nullptr : &p, &n)
                             : shale_iter_value(it, null_out ? nullptr : &p, &n);
            return Check(key ? "shale_iter_key" : "shale_iter_value", rc,
                         bad || null_out);
          }
          default: {
            size_t max_count;
            uint8_t m = in_.ConsumeIntegral<uint8_t>();
            bool count_bad = false;
            if (m < 8) {
              max_count = m == 0 ? 0 : SIZE_MAX / 2 + m;
              count_bad = true;
            } else {
              max_count = m % 8 + 1;
            }
            size_t lens[16];
            void *data = nullptr;
            size_t count = 0;
            int32_t dir = in_.ConsumeIntegralInRange<int32_t>(-1, 2);
            int32_t rc = shale_iter_next_many(it, dir, max_count,
                                              in_.ConsumeIntegral<uint8_t>(),
                                              &data, lens, &count);
            if (rc == SHALE_OK) shale_free(data);
            return Check("shale_iter_next_many", rc,
                         bad || count_bad || dir < 0 || dir > 1);
          }
        }
      }
      case 20: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &slot));
        Bytes px = Data(SHALE_MAX_KEY_SIZE);
        shale_subscription *sub = nullptr;
        bool null_fn = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
        int32_t rc = shale_db_subscribe(db, px.p, px.n, null_fn ? nullptr : Changed,
                                        nullptr, nullptr, &sub);
        Check("shale_db_subscribe", rc, bad || px.bad || null_fn);
        if (rc == SHALE_OK) Add(kSub, sub, DbOf(slot));
        return;
      }
      case 21: {
        auto *db = static_cast<shale_db *>(Handle(kDb, &bad, &slot));
        shale_job *job = nullptr;
        int32_t rc;
        const char *fn;
        if (in_.ConsumeBool()) {
          fn = "shale_db_verify_async";
          rc = shale_db_verify_async(db, Progress, Done, nullptr, nullptr, &job);
        } else {
          fn = "shale_db_compact_range_async";
          Bytes a = Data(SHALE_MAX_KEY_SIZE), b = Data(SHALE_MAX_KEY_SIZE);
          bad = bad || a.bad || b.bad;
          rc = shale_db_compact_range_async(db, a.p, a.n, b.p, b.n, nullptr, Done,
                                            nullptr, nullptr, &job);
        }
        Check(fn, rc, bad);
        if (rc == SHALE_OK) Add(kJob, job, DbOf(slot));
        return;
      }
      case 22: {
        auto *job = static_cast<shale_job *>(Handle(kJob, &bad));
        switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
          case 0:
            return Check("shale_job_wait",
                         shale_job_wait(job, in_.ConsumeBool() ? -1 : 0), bad);
          case 1: return Check("shale_job_cancel", shale_job_cancel(job), bad);
          default: {
            int32_t state, result;
            uint64_t done, total;
            char *msg = nullptr;
            int32_t rc = shale_job_status(job, &state, &result, &done, &total,
                                          in_.ConsumeBool() ? &msg : nullptr);
            shale_free(msg);
            return Check("shale_job_status", rc, bad);
          }
        }
      }
      case 23:
      case 24: {  // a release of any kind, given any handle
        Kind k = static_cast<Kind>(in_.ConsumeIntegralInRange<int>(1, kKinds - 1));
        void *h = Handle(k, &bad, &slot, true, true);
        int32_t rc = Release(k, h);
        if (rc != SHALE_OK) CheckErrorReport(ReleaseName(k), rc);
        FUZZ_CHECK(!bad || h == nullptr || rc < 0,
                   "release of kind %d accepted a bad handle", k);
        return MarkReleased(slot, rc);
      }
      case 25: {
        int32_t s = in_.ConsumeIntegral<int32_t>();
        const char *name = shale_status_name(s);
        FUZZ_CHECK(name != nullptr && name[0] != '\0', "status_name(%d)", s);
        return;
      }
      case 26: {
        std::vector<char> b(sizeof(shale_options) + 64);
        size_t size = in_.ConsumeIntegralInRange<size_t>(0, b.size());
        bool null = in_.ConsumeIntegralInRange<int>(0, 7) == 0;
        int32_t rc = shale_options_init(
            null ? nullptr : reinterpret_cast<shale_options *>(b.data()), size);
        return Check("shale_options_init", rc,
                     null || size < offsetof(shale_options, write_buffer_size));
      }
      default: {
        // Walk an iterator of a live db to the end: exercises moves after
        // writes by other calls.
        auto *it = static_cast<shale_iter *>(Handle(kIter, &bad));
        const char *fn = "shale_iter_first";
        int32_t rc = shale_iter_first(it);
        for (int n = 0; rc == SHALE_OK && n < 64; ++n) {
          fn = "shale_iter_next";
          rc = shale_iter_next(it);
        }
        return Check(fn, rc, bad);
      }
    }
  }

  FuzzedDataProvider in_;
  std::string dir_;
  std::vector<Slot> slots_;
  std::set<int> open_dbs_;
  int next_db_id_ = 0;
  std::deque<std::string> strings_;  // keeps the bytes of Data() alive
  char buf_[16] = {};
  long junk_[4] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Abi abi(data, size);
  abi.Run();
  return 0;
}
