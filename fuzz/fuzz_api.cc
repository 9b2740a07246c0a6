// fuzz_api — the input is a program of C API calls on one db; every result
// is checked against an in-memory model (a std::map, copies of it for
// snapshots and iterators). Any difference aborts, so libFuzzer keeps the
// input. Keys come from a 4-letter alphabet (with NUL and 0xff) and are at
// most 3 bytes long, so they collide; values are small or up to 4 KiB, and
// the write buffer is 64 KiB, so flushes and compactions happen within a
// few dozen calls. The db can be closed and reopened (also read-only or
// with salvage) on the same directory; its contents must survive.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_common.h"

namespace {

using shale_fuzz::CheckErrorReport;
using Map = std::map<std::string, std::string>;
using Op = std::pair<std::string, std::optional<std::string>>;  // nullopt: delete

constexpr size_t kMaxCalls = 256;
constexpr size_t kMaxSnapshots = 4;
constexpr size_t kMaxIters = 4;
constexpr size_t kMaxBatches = 2;
constexpr size_t kMaxPins = 2;

// Checks rc against the expected status and the error-message rule.
#define EXPECT_RC(fn, rc, want)                                              \
  do {                                                                       \
    int32_t rc_ = (rc);                                                      \
    FUZZ_CHECK(rc_ == (want), "%s returned %s, model expects %s", fn,        \
               shale_status_name(rc_), shale_status_name(want));             \
    CheckErrorReport(fn, rc_);                                               \
  } while (0)

std::string Show(const std::string &s) {
  std::string out;
  char buf[8];
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out.size() > 80 ? out.substr(0, 80) + "...(" +
                               std::to_string(s.size()) + " bytes)"
                         : out;
}

struct Snapshot {
  shale_snapshot *h;
  Map state;
};

struct Iter {
  shale_iter *h;
  Map view;                         // the entries in range, as of creation
  std::optional<std::string> pos;   // nullopt: unpositioned
};

struct Batch {
  shale_batch *h;
  std::vector<Op> ops;
};

// A change subscription and the last change it saw per key.
struct Sub {
  shale_subscription *h = nullptr;
  std::string prefix;
  std::map<std::string, std::optional<std::string>> last;

  static int OnChange(void *user, int32_t kind, const void *k, size_t kl,
                      const void *v, size_t vl) {
    auto *s = static_cast<Sub *>(user);
    std::string key(static_cast<const char *>(k), kl);
    FUZZ_CHECK(key.compare(0, s->prefix.size(), s->prefix) == 0,
               "change of %s delivered to prefix %s", Show(key).c_str(),
               Show(s->prefix).c_str());
    if (kind == SHALE_CHANGE_PUT) {
      s->last[key] = std::string(static_cast<const char *>(v), vl);
    } else {
      FUZZ_CHECK(kind == SHALE_CHANGE_DELETE && v == nullptr && vl == 0,
                 "bad change kind %d (value %p, %zu bytes)", kind, v, vl);
      s->last[key] = std::nullopt;
    }
    return 0;
  }
};

struct Pin {
  shale_pin *h;
  const void *data;
  size_t len;
  std::string want;
};

class Harness {
 public:
  Harness(const uint8_t *data, size_t size) : in_(data, size) {
    dir_ = shale_fuzz::ScratchRoot() + "/db";
    shale_fuzz::RemoveTree(dir_);
  }

  void Run() {
    Open(/*read_only=*/false, /*salvage=*/false, SHALE_SYNC_NONE);
    for (size_t i = 0; i < kMaxCalls && in_.remaining_bytes() > 0; ++i) Step();
    VerifyAll(nullptr, model_);
    Teardown();
  }

 private:
  // ---- input ----------------------------------------------------------
  std::string Key() {
    static const char kAlphabet[4] = {'a', 'b', '\0', '\xff'};
    size_t n = in_.ConsumeIntegralInRange<size_t>(0, 3);
    std::string k;
    for (size_t i = 0; i < n; ++i)
      k.push_back(kAlphabet[in_.ConsumeIntegral<uint8_t>() & 3]);
    return k;
  }

  std::string Value() {
    uint8_t mode = in_.ConsumeIntegral<uint8_t>();
    if (mode < 192) return in_.ConsumeBytesAsString(mode % 9);
    // A large value: a pattern, so that it is cheap to encode in the input.
    size_t len = (static_cast<size_t>(mode - 191)) * 64;  // up to 4 KiB
    std::string v(len, '\0');
    for (size_t i = 0; i < len; ++i) v[i] = static_cast<char>(i * 31 + mode);
    return v;
  }

  std::optional<std::string> MaybeKey() {
    if (in_.ConsumeBool()) return std::nullopt;
    return Key();
  }

  // ---- db lifecycle ---------------------------------------------------
  void Open(bool read_only, bool salvage, uint32_t sync_mode) {
    shale_options o = shale_fuzz::SmallOptions();
    o.read_only = read_only;
    o.salvage = salvage;
    o.sync_mode = sync_mode;
    o.create_if_missing = 1;
    EXPECT_RC("shale_db_open", shale_db_open(dir_.c_str(), &o, &db_),
              SHALE_OK);
    read_only_ = read_only;
  }

  // Closes the db; its children must then report SHALE_E_CLOSED and still
  // be freeable. Pins stay readable.
  void CloseAndReopen() {
    uint8_t how = in_.ConsumeIntegral<uint8_t>();
    shale_db *old = db_;
    EXPECT_RC("shale_db_close", shale_db_close(db_), SHALE_OK);
    db_ = nullptr;
    void *v = nullptr;
    size_t vl = 0;
    EXPECT_RC("shale_db_get", shale_db_get(old, nullptr, "a", 1, &v, &vl),
              SHALE_E_INVALID_HANDLE);
    for (auto &it : iters_) {
      EXPECT_RC("shale_iter_first", shale_iter_first(it.h), SHALE_E_CLOSED);
      int32_t rc = shale_iter_free(it.h);
      FUZZ_CHECK(rc == SHALE_OK, "shale_iter_free after close: %d", rc);
    }
    iters_.clear();
    for (auto &s : snaps_) {
      int32_t rc = shale_snapshot_free(s.h);
      FUZZ_CHECK(rc == SHALE_OK, "shale_snapshot_free after close: %d", rc);
    }
    snaps_.clear();
    for (auto &sub : subs_) {  // ended by the close; releasing still works
      int32_t rc = shale_unsubscribe(sub->h);
      FUZZ_CHECK(rc == SHALE_OK, "shale_unsubscribe after close: %d", rc);
    }
    subs_.clear();
    CheckPins();
    Open(/*read_only=*/(how & 3) == 0, /*salvage=*/(how & 4) != 0,
         (how >> 3) % 3);
    VerifyAll(nullptr, model_);
  }

  void Teardown() {
    for (auto &it : iters_) shale_iter_free(it.h);
    for (auto &s : snaps_) shale_snapshot_free(s.h);
    for (auto &b : batches_) shale_batch_free(b.h);
    for (auto &sub : subs_) shale_unsubscribe(sub->h);
    CheckPins();
    for (auto &p : pins_) shale_pin_free(p.h);
    EXPECT_RC("shale_db_close", shale_db_close(db_), SHALE_OK);
    shale_fuzz::RemoveTree(dir_);
  }

  void CheckPins() {
    for (auto &p : pins_) {
      FUZZ_CHECK(p.len == p.want.size() &&
                     std::memcmp(p.data, p.want.data(), p.len) == 0,
                 "pin changed: has %zu bytes, wants %s", p.len,
                 Show(p.want).c_str());
    }
  }

  // Every write, an empty one included, is refused by a read-only db.
  int32_t WriteRc() const { return read_only_ ? SHALE_E_READ_ONLY : SHALE_OK; }
  int32_t WriteRc(size_t /*entries*/) const { return WriteRc(); }

  // ---- reads ----------------------------------------------------------
  // The snapshot a read uses: nullptr (latest) or one of ours.
  std::pair<shale_snapshot *, const Map *> PickSnapshot() {
    size_t i = in_.ConsumeIntegralInRange<size_t>(0, snaps_.size());
    if (i == snaps_.size()) return {nullptr, &model_};
    return {snaps_[i].h, &snaps_[i].state};
  }

  static const std::string *Find(const Map &m, const std::string &k) {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  }

  void Get() {
    auto [snap, state] = PickSnapshot();
    std::string k = Key();
    const std::string *want = Find(*state, k);
    int32_t want_rc = want != nullptr ? SHALE_OK : SHALE_NOT_FOUND;
    switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: {
        void *v = reinterpret_cast<void *>(1);
        size_t vl = 7;
        EXPECT_RC("shale_db_get",
                  shale_db_get(db_, snap, k.data(), k.size(), &v, &vl),
                  want_rc);
        if (want != nullptr) {
          FUZZ_CHECK(v != nullptr && vl == want->size() &&
                         std::memcmp(v, want->data(), vl) == 0,
                     "get %s: got %zu bytes, want %s", Show(k).c_str(), vl,
                     Show(*want).c_str());
        } else {
          FUZZ_CHECK(v == nullptr && vl == 0, "get miss left out-params set");
        }
        shale_free(v);
        break;
      }
      case 1: {
        size_t cap = in_.ConsumeIntegralInRange<size_t>(0, 20);
        if (want != nullptr && in_.ConsumeBool()) cap = want->size();
        std::vector<char> buf(cap + 1, '\x5a');
        size_t needed = 99;
        int32_t exp = want_rc;
        if (want != nullptr && cap < want->size())
          exp = SHALE_E_BUFFER_TOO_SMALL;
        EXPECT_RC("shale_db_get_into",
                  shale_db_get_into(db_, snap, k.data(), k.size(),
                                    cap == 0 ? nullptr : buf.data(), cap,
                                    &needed),
                  exp);
        FUZZ_CHECK(needed == (want != nullptr ? want->size() : 0),
                   "get_into needed %zu", needed);
        if (exp == SHALE_OK)
          FUZZ_CHECK(std::memcmp(buf.data(), want->data(), want->size()) == 0,
                     "get_into %s: wrong bytes", Show(k).c_str());
        FUZZ_CHECK(buf[cap] == '\x5a', "get_into wrote past capacity");
        break;
      }
      case 2: {
        shale_pin *pin = nullptr;
        const void *v = nullptr;
        size_t vl = 0;
        EXPECT_RC("shale_db_get_pinned",
                  shale_db_get_pinned(db_, snap, k.data(), k.size(), &pin, &v,
                                      &vl),
                  want_rc);
        if (want == nullptr) {
          FUZZ_CHECK(pin == nullptr && v == nullptr, "pinned miss set outs");
          break;
        }
        FUZZ_CHECK(pin != nullptr && v != nullptr, "pinned hit without pin");
        Pin p{pin, v, vl, *want};
        pins_.push_back(p);
        CheckPins();
        if (pins_.size() > kMaxPins) {
          FUZZ_CHECK(shale_pin_free(pins_.front().h) == SHALE_OK, "pin_free");
          pins_.erase(pins_.begin());
        }
        break;
      }
      default:
        EXPECT_RC("shale_db_exists",
                  shale_db_exists(db_, snap, k.data(), k.size()), want_rc);
    }
  }

  void GetMany() {
    auto [snap, state] = PickSnapshot();
    size_t n = in_.ConsumeIntegralInRange<size_t>(0, 8);
    std::vector<std::string> keys;
    std::string joined;
    std::vector<size_t> lens;
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(Key());
      joined += keys.back();
      lens.push_back(keys.back().size());
    }
    std::vector<size_t> vlens(n + 1, 12345);
    void *values = nullptr;
    size_t found = 999;
    EXPECT_RC("shale_db_get_many",
              shale_db_get_many(db_, snap, n,
                                joined.empty() ? nullptr : joined.data(),
                                n == 0 ? nullptr : lens.data(), &values,
                                n == 0 ? nullptr : vlens.data(), &found),
              SHALE_OK);
    FUZZ_CHECK(values != nullptr, "get_many: values NULL on success");
    FUZZ_CHECK(vlens[n] == 12345, "get_many wrote past value_lens");
    size_t off = 0, hits = 0;
    for (size_t i = 0; i < n; ++i) {
      const std::string *want = Find(*state, keys[i]);
      if (want == nullptr) {
        FUZZ_CHECK(vlens[i] == SHALE_MISSING, "get_many[%zu] %s: not missing",
                   i, Show(keys[i]).c_str());
        continue;
      }
      ++hits;
      FUZZ_CHECK(vlens[i] == want->size() &&
                     std::memcmp(static_cast<char *>(values) + off,
                                 want->data(), want->size()) == 0,
                 "get_many[%zu] %s: want %s", i, Show(keys[i]).c_str(),
                 Show(*want).c_str());
      off += want->size();
    }
    FUZZ_CHECK(found == hits, "get_many found %zu, want %zu", found, hits);
    shale_free(values);
  }

  // ---- writes ---------------------------------------------------------
  // After a successful write of ops: every subscription whose prefix
  // matches a written key saw, last, the key's new state.
  void CheckFeeds(const std::vector<Op> &ops) {
    for (auto &s : subs_) {
      for (auto &op : ops) {
        const std::string &k = op.first;
        if (k.compare(0, s->prefix.size(), s->prefix) != 0) continue;
        auto got = s->last.find(k);
        FUZZ_CHECK(got != s->last.end(), "no change delivered for %s",
                   Show(k).c_str());
        const std::string *want = Find(model_, k);
        FUZZ_CHECK(want ? got->second == *want : !got->second,
                   "last change of %s disagrees with the model",
                   Show(k).c_str());
      }
    }
  }

  void SubscriptionOp() {
    if (!subs_.empty() && in_.ConsumeBool()) {
      size_t i = in_.ConsumeIntegralInRange<size_t>(0, subs_.size() - 1);
      FUZZ_CHECK(shale_unsubscribe(subs_[i]->h) == SHALE_OK, "unsubscribe");
      subs_.erase(subs_.begin() + static_cast<long>(i));
      return;
    }
    if (subs_.size() >= 2) return;
    auto s = std::make_unique<Sub>();
    s->prefix = in_.ConsumeBool() ? "" : Key();
    EXPECT_RC("shale_db_subscribe",
              shale_db_subscribe(db_, s->prefix.data(), s->prefix.size(),
                                 Sub::OnChange, s.get(), nullptr, &s->h),
              SHALE_OK);
    subs_.push_back(std::move(s));
  }

  // A backup is an ordinary db with the contents as of the call.
  void Backup() {
    std::string dest = shale_fuzz::ScratchRoot() + "/backup";
    shale_fuzz::RemoveTree(dest);
    EXPECT_RC("shale_db_backup",
              shale_db_backup(db_, dest.c_str(), nullptr, nullptr), SHALE_OK);
    shale_options o = shale_fuzz::SmallOptions();
    shale_db *copy = nullptr;
    EXPECT_RC("shale_db_open", shale_db_open(dest.c_str(), &o, &copy),
              SHALE_OK);
    VerifyDb(copy, nullptr, model_);
    EXPECT_RC("shale_db_close", shale_db_close(copy), SHALE_OK);
    shale_fuzz::RemoveTree(dest);
  }

  static void Apply(Map &m, const Op &op) {
    if (op.second)
      m[op.first] = *op.second;
    else
      m.erase(op.first);
  }

  // n keys (and values for puts), packed as the *_many functions take them.
  struct Packed {
    std::vector<Op> ops;
    std::string keys, values;
    std::vector<size_t> key_lens, value_lens;
    const void *K() const { return keys.empty() ? nullptr : keys.data(); }
    const void *V() const { return values.empty() ? nullptr : values.data(); }
    const size_t *KL() const {
      return key_lens.empty() ? nullptr : key_lens.data();
    }
    const size_t *VL() const {
      return value_lens.empty() ? nullptr : value_lens.data();
    }
  };

  Packed MakePacked(bool puts) {
    Packed p;
    size_t n = in_.ConsumeIntegralInRange<size_t>(0, 6);
    for (size_t i = 0; i < n; ++i) {
      std::string k = Key();
      p.keys += k;
      p.key_lens.push_back(k.size());
      std::optional<std::string> v;
      if (puts) {
        v = Value();
        p.values += *v;
        p.value_lens.push_back(v->size());
      }
      p.ops.emplace_back(k, v);
    }
    return p;
  }

  void Write() {
    int32_t want = WriteRc();
    switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: {
        std::string k = Key(), v = Value();
        EXPECT_RC("shale_db_put",
                  shale_db_put(db_, k.data(), k.size(), v.data(), v.size()),
                  want);
        if (want == SHALE_OK) model_[k] = v, CheckFeeds({{k, v}});
        break;
      }
      case 1: {
        std::string k = Key();
        EXPECT_RC("shale_db_delete", shale_db_delete(db_, k.data(), k.size()),
                  want);
        if (want == SHALE_OK) model_.erase(k), CheckFeeds({{k, std::nullopt}});
        break;
      }
      case 2: {
        Packed p = MakePacked(true);
        want = WriteRc(p.ops.size());
        EXPECT_RC("shale_db_put_many",
                  shale_db_put_many(db_, p.ops.size(), p.K(), p.KL(), p.V(),
                                    p.VL()),
                  want);
        if (want == SHALE_OK) {
          for (auto &op : p.ops) Apply(model_, op);
          CheckFeeds(p.ops);
        }
        break;
      }
      default: {
        Packed p = MakePacked(false);
        want = WriteRc(p.ops.size());
        EXPECT_RC("shale_db_delete_many",
                  shale_db_delete_many(db_, p.ops.size(), p.K(), p.KL()),
                  want);
        if (want == SHALE_OK) {
          for (auto &op : p.ops) Apply(model_, op);
          CheckFeeds(p.ops);
        }
      }
    }
  }

  void BatchOp() {
    if (batches_.empty() || (batches_.size() < kMaxBatches && in_.ConsumeBool())) {
      shale_batch *b = nullptr;
      EXPECT_RC("shale_batch_new", shale_batch_new(&b), SHALE_OK);
      batches_.push_back({b, {}});
      return;
    }
    size_t i = in_.ConsumeIntegralInRange<size_t>(0, batches_.size() - 1);
    Batch &b = batches_[i];
    switch (in_.ConsumeIntegralInRange<int>(0, 6)) {
      case 0: {
        std::string k = Key(), v = Value();
        EXPECT_RC("shale_batch_put",
                  shale_batch_put(b.h, k.data(), k.size(), v.data(), v.size()),
                  SHALE_OK);
        b.ops.emplace_back(k, v);
        break;
      }
      case 1: {
        std::string k = Key();
        EXPECT_RC("shale_batch_delete",
                  shale_batch_delete(b.h, k.data(), k.size()), SHALE_OK);
        b.ops.emplace_back(k, std::nullopt);
        break;
      }
      case 2: {
        Packed p = MakePacked(true);
        EXPECT_RC("shale_batch_put_many",
                  shale_batch_put_many(b.h, p.ops.size(), p.K(), p.KL(), p.V(),
                                       p.VL()),
                  SHALE_OK);
        b.ops.insert(b.ops.end(), p.ops.begin(), p.ops.end());
        break;
      }
      case 3: {
        Packed p = MakePacked(false);
        EXPECT_RC("shale_batch_delete_many",
                  shale_batch_delete_many(b.h, p.ops.size(), p.K(), p.KL()),
                  SHALE_OK);
        b.ops.insert(b.ops.end(), p.ops.begin(), p.ops.end());
        break;
      }
      case 4: {
        EXPECT_RC("shale_batch_clear", shale_batch_clear(b.h), SHALE_OK);
        b.ops.clear();
        break;
      }
      case 5: {
        size_t n = 77;
        EXPECT_RC("shale_batch_count", shale_batch_count(b.h, &n), SHALE_OK);
        FUZZ_CHECK(n == b.ops.size(), "batch_count %zu, want %zu", n,
                   b.ops.size());
        break;
      }
      default: {
        int32_t want = WriteRc(b.ops.size());
        EXPECT_RC("shale_db_write", shale_db_write(db_, b.h), want);
        if (want == SHALE_OK) {
          for (auto &op : b.ops) Apply(model_, op);
          CheckFeeds(b.ops);
        }
        if (in_.ConsumeBool()) {
          FUZZ_CHECK(shale_batch_free(b.h) == SHALE_OK, "batch_free");
          batches_.erase(batches_.begin() + static_cast<long>(i));
        }
      }
    }
  }

  // ---- snapshots ------------------------------------------------------
  void SnapshotOp() {
    if (!snaps_.empty() && (snaps_.size() >= kMaxSnapshots || in_.ConsumeBool())) {
      size_t i = in_.ConsumeIntegralInRange<size_t>(0, snaps_.size() - 1);
      int32_t rc = shale_snapshot_free(snaps_[i].h);
      FUZZ_CHECK(rc == SHALE_OK, "snapshot_free: %d", rc);
      snaps_.erase(snaps_.begin() + static_cast<long>(i));
      return;
    }
    shale_snapshot *s = nullptr;
    EXPECT_RC("shale_snapshot_new", shale_snapshot_new(db_, &s), SHALE_OK);
    snaps_.push_back({s, model_});
  }

  // ---- iterators ------------------------------------------------------
  void NewIter() {
    auto [snap, state] = PickSnapshot();
    shale_iter_options o;
    SHALE_ITER_OPTIONS_INIT(&o);
    o.snapshot = snap;
    std::optional<std::string> lo = MaybeKey(), hi = MaybeKey();
    std::optional<std::string> prefix;
    if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) prefix = Key();
    if (lo) o.lower_bound = lo->data(), o.lower_bound_len = lo->size();
    if (hi) o.upper_bound = hi->data(), o.upper_bound_len = hi->size();
    if (prefix && !prefix->empty())
      o.prefix = prefix->data(), o.prefix_len = prefix->size();
    Iter it{nullptr, {}, std::nullopt};
    EXPECT_RC("shale_iter_new", shale_iter_new(db_, &o, &it.h), SHALE_OK);
    for (auto &[k, v] : *state) {
      if (lo && k < *lo) continue;
      if (hi && k >= *hi) continue;
      if (prefix && k.compare(0, prefix->size(), *prefix) != 0) continue;
      it.view.emplace(k, v);
    }
    // The iterator keeps its own reference: freeing the snapshot now must
    // not change what it sees.
    if (snap != nullptr && in_.ConsumeBool()) {
      for (size_t i = 0; i < snaps_.size(); ++i) {
        if (snaps_[i].h != snap) continue;
        FUZZ_CHECK(shale_snapshot_free(snap) == SHALE_OK, "snapshot_free");
        snaps_.erase(snaps_.begin() + static_cast<long>(i));
        break;
      }
    }
    iters_.push_back(std::move(it));
  }

  // Compares the iterator's position with the model after a move that
  // returned rc.
  void CheckPosition(const char *fn, Iter &it, int32_t rc) {
    EXPECT_RC(fn, rc, it.pos ? SHALE_OK : SHALE_NOT_FOUND);
    EXPECT_RC("shale_iter_valid", shale_iter_valid(it.h),
              it.pos ? SHALE_OK : SHALE_NOT_FOUND);
    const void *k = nullptr, *v = nullptr;
    size_t kl = 0, vl = 0;
    if (!it.pos) {
      EXPECT_RC("shale_iter_key", shale_iter_key(it.h, &k, &kl),
                SHALE_E_INVALID_ARGUMENT);
      return;
    }
    EXPECT_RC("shale_iter_key", shale_iter_key(it.h, &k, &kl), SHALE_OK);
    EXPECT_RC("shale_iter_value", shale_iter_value(it.h, &v, &vl), SHALE_OK);
    const std::string &want_v = it.view.at(*it.pos);
    FUZZ_CHECK(kl == it.pos->size() && std::memcmp(k, it.pos->data(), kl) == 0,
               "%s: iterator at %s, want %s", fn,
               Show(std::string(static_cast<const char *>(k), kl)).c_str(),
               Show(*it.pos).c_str());
    FUZZ_CHECK(vl == want_v.size() && std::memcmp(v, want_v.data(), vl) == 0,
               "%s: value of %s is %s, want %s", fn, Show(*it.pos).c_str(),
               Show(std::string(static_cast<const char *>(v), vl)).c_str(),
               Show(want_v).c_str());
  }

  static std::optional<std::string> At(const Map &m, Map::const_iterator i) {
    if (i == m.end()) return std::nullopt;
    return i->first;
  }

  // The model's key before / after k in the view.
  static std::optional<std::string> Before(const Map &m, const std::string &k,
                                           bool inclusive) {
    auto i = inclusive ? m.upper_bound(k) : m.lower_bound(k);
    if (i == m.begin()) return std::nullopt;
    return std::prev(i)->first;
  }

  void IterMove() {
    if (iters_.empty()) return NewIter();
    Iter &it = iters_[in_.ConsumeIntegralInRange<size_t>(0, iters_.size() - 1)];
    const Map &m = it.view;
    switch (in_.ConsumeIntegralInRange<int>(0, 6)) {
      case 0:
        it.pos = At(m, m.begin());
        return CheckPosition("shale_iter_first", it, shale_iter_first(it.h));
      case 1:
        it.pos = m.empty() ? std::nullopt
                           : std::optional<std::string>(m.rbegin()->first);
        return CheckPosition("shale_iter_last", it, shale_iter_last(it.h));
      case 2: {
        std::string k = Key();
        it.pos = At(m, m.lower_bound(k));
        return CheckPosition("shale_iter_seek", it,
                             shale_iter_seek(it.h, k.data(), k.size()));
      }
      case 3: {
        std::string k = Key();
        it.pos = Before(m, k, /*inclusive=*/true);
        return CheckPosition(
            "shale_iter_seek_for_prev", it,
            shale_iter_seek_for_prev(it.h, k.data(), k.size()));
      }
      case 4:
      case 5: {
        bool next = in_.ConsumeBool();
        const char *fn = next ? "shale_iter_next" : "shale_iter_prev";
        int32_t rc = next ? shale_iter_next(it.h) : shale_iter_prev(it.h);
        if (!it.pos) {
          EXPECT_RC(fn, rc, SHALE_E_INVALID_ARGUMENT);
          return;
        }
        it.pos = next ? At(m, m.upper_bound(*it.pos))
                      : Before(m, *it.pos, /*inclusive=*/false);
        return CheckPosition(fn, it, rc);
      }
      default:
        return NextMany(it);
    }
  }

  void NextMany(Iter &it) {
    bool forward = in_.ConsumeBool();
    size_t max_count = in_.ConsumeIntegralInRange<size_t>(1, 8);
    size_t max_bytes =
        in_.ConsumeBool() ? 0 : in_.ConsumeIntegralInRange<size_t>(1, 4096);
    std::vector<size_t> lens(2 * max_count + 1, 4242);
    void *data = nullptr;
    size_t count = 9;
    int32_t rc = shale_iter_next_many(
        it.h, forward ? SHALE_ITER_FORWARD : SHALE_ITER_BACKWARD, max_count,
        max_bytes, &data, lens.data(), &count);
    FUZZ_CHECK(lens[2 * max_count] == 4242, "next_many wrote past lens");
    if (!it.pos) {
      EXPECT_RC("shale_iter_next_many", rc, SHALE_NOT_FOUND);
      FUZZ_CHECK(data == nullptr && count == 0, "next_many miss set outs");
      return;
    }
    EXPECT_RC("shale_iter_next_many", rc, SHALE_OK);
    const Map &m = it.view;
    size_t n = 0, bytes = 0;
    const char *p = static_cast<const char *>(data);
    while (n < max_count && it.pos) {
      const std::string &k = *it.pos;
      const std::string &v = m.at(k);
      if (n > 0 && max_bytes != 0 && bytes + k.size() + v.size() > max_bytes)
        break;
      FUZZ_CHECK(n < count, "next_many returned %zu entries, model more",
                 count);
      FUZZ_CHECK(lens[2 * n] == k.size() && lens[2 * n + 1] == v.size() &&
                     std::memcmp(p, k.data(), k.size()) == 0 &&
                     std::memcmp(p + k.size(), v.data(), v.size()) == 0,
                 "next_many entry %zu: want %s", n, Show(k).c_str());
      p += k.size() + v.size();
      bytes += k.size() + v.size();
      ++n;
      it.pos = forward ? At(m, m.upper_bound(k)) : Before(m, k, false);
    }
    FUZZ_CHECK(n == count, "next_many returned %zu entries, model %zu", count,
               n);
    shale_free(data);
    CheckPosition("shale_iter_valid", it, shale_iter_valid(it.h));
  }

  void IterOp() {
    uint8_t what = in_.ConsumeIntegral<uint8_t>();
    if (iters_.empty() || (what < 40 && iters_.size() < kMaxIters)) {
      return NewIter();
    }
    if (what < 60) {
      size_t i = in_.ConsumeIntegralInRange<size_t>(0, iters_.size() - 1);
      FUZZ_CHECK(shale_iter_free(iters_[i].h) == SHALE_OK, "iter_free");
      iters_.erase(iters_.begin() + static_cast<long>(i));
      return;
    }
    IterMove();
  }

  // ---- scans ----------------------------------------------------------
  struct ScanState {
    std::vector<std::pair<std::string, std::string>> seen;
    size_t stop_after;  // 0: never
  };

  static int ScanFn(void *user, const void *k, size_t kl, const void *v,
                    size_t vl) {
    auto *s = static_cast<ScanState *>(user);
    s->seen.emplace_back(std::string(static_cast<const char *>(k), kl),
                         std::string(static_cast<const char *>(v), vl));
    return s->stop_after != 0 && s->seen.size() >= s->stop_after;
  }

  void Scan() {
    bool reverse = in_.ConsumeBool();
    ScanState s{{}, in_.ConsumeIntegralInRange<size_t>(0, 4)};
    int32_t rc = shale_db_scan(db_, nullptr, reverse ? SHALE_SCAN_REVERSE : 0,
                               ScanFn, &s);
    std::vector<std::pair<std::string, std::string>> want(model_.begin(),
                                                          model_.end());
    if (reverse) std::reverse(want.begin(), want.end());
    bool cancelled = s.stop_after != 0 && want.size() >= s.stop_after;
    if (cancelled) want.resize(s.stop_after);
    EXPECT_RC("shale_db_scan", rc, cancelled ? SHALE_E_CANCELLED : SHALE_OK);
    FUZZ_CHECK(s.seen == want, "scan saw %zu entries, model %zu",
               s.seen.size(), want.size());
  }

  // ---- maintenance ----------------------------------------------------
  static int CancelAfter(void *user, uint64_t, uint64_t) {
    int *left = static_cast<int *>(user);
    return --*left == 0;
  }

  void Maintenance() {
    switch (in_.ConsumeIntegralInRange<int>(0, 6)) {
      case 5:
        return SubscriptionOp();
      case 6:
        if (read_only_) return;  // (a backup of a read-only db: not checked)
        return Backup();
      case 0:
        EXPECT_RC("shale_db_flush", shale_db_flush(db_), WriteRc());
        break;
      case 1:
        // On a read-only db there is nothing to make durable: SHALE_OK
        // (as the header says).
        EXPECT_RC("shale_db_sync", shale_db_sync(db_), SHALE_OK);
        break;
      case 2: {
        std::optional<std::string> lo = MaybeKey(), hi = MaybeKey();
        int left = in_.ConsumeIntegralInRange<int>(0, 3);
        const bool may_cancel = left > 0 && !read_only_;
        int32_t rc = shale_db_compact_range(
            db_, lo ? lo->data() : nullptr, lo ? lo->size() : 0,
            hi ? hi->data() : nullptr, hi ? hi->size() : 0,
            left > 0 ? CancelAfter : nullptr, &left);
        // Cancelling may or may not happen before the work is done.
        if (!(may_cancel && rc == SHALE_E_CANCELLED))
          EXPECT_RC("shale_db_compact_range", rc, WriteRc());
        else
          CheckErrorReport("shale_db_compact_range", rc);
        break;
      }
      case 3: {
        // A second open of the same directory is refused while it is open.
        shale_db *other = reinterpret_cast<shale_db *>(1);
        EXPECT_RC("shale_db_open", shale_db_open(dir_.c_str(), nullptr, &other),
                  SHALE_E_LOCKED);
        FUZZ_CHECK(other == nullptr, "failed open left *out set");
        break;
      }
      default:
        CloseAndReopen();
    }
  }

  // ---- whole-db check -------------------------------------------------
  // Walks the db forward (next_many) and backward (prev) and compares it
  // with `want`.
  void VerifyAll(shale_snapshot *snap, const Map &want) {
    VerifyDb(db_, snap, want);
  }

  static void VerifyDb(shale_db *db, shale_snapshot *snap, const Map &want) {
    shale_iter_options o;
    SHALE_ITER_OPTIONS_INIT(&o);
    o.snapshot = snap;
    shale_iter *it = nullptr;
    EXPECT_RC("shale_iter_new", shale_iter_new(db, &o, &it), SHALE_OK);
    Map got;
    int32_t rc = shale_iter_first(it);
    while (rc == SHALE_OK) {
      void *data = nullptr;
      size_t lens[32], count = 0;
      EXPECT_RC("shale_iter_next_many",
                shale_iter_next_many(it, SHALE_ITER_FORWARD, 16, 0, &data,
                                     lens, &count),
                SHALE_OK);
      const char *p = static_cast<const char *>(data);
      for (size_t i = 0; i < count; ++i) {
        std::string k(p, lens[2 * i]);
        p += lens[2 * i];
        std::string v(p, lens[2 * i + 1]);
        p += lens[2 * i + 1];
        FUZZ_CHECK(got.empty() || got.rbegin()->first < k,
                   "iteration out of order at %s", Show(k).c_str());
        got.emplace(std::move(k), std::move(v));
      }
      shale_free(data);
      rc = shale_iter_valid(it);
    }
    EXPECT_RC("shale_iter_valid", rc, SHALE_NOT_FOUND);
    if (got != want) {
      for (auto &[k, v] : want) {
        const std::string *g = Find(got, k);
        FUZZ_CHECK(g != nullptr && *g == v, "db lost or changed %s (want %s)",
                   Show(k).c_str(), Show(v).c_str());
      }
      for (auto &[k, v] : got)
        FUZZ_CHECK(want.count(k), "db has extra key %s", Show(k).c_str());
    }
    size_t back = 0;
    for (rc = shale_iter_last(it); rc == SHALE_OK; rc = shale_iter_prev(it))
      ++back;
    EXPECT_RC("shale_iter_prev", rc, SHALE_NOT_FOUND);
    FUZZ_CHECK(back == want.size(), "backward walk saw %zu of %zu", back,
               want.size());
    FUZZ_CHECK(shale_iter_free(it) == SHALE_OK, "iter_free");
  }

  void Step() {
    switch (in_.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
      case 1:
      case 2:
        return Write();
      case 3:
        return Get();
      case 4:
        return GetMany();
      case 5:
        return BatchOp();
      case 6:
        return SnapshotOp();
      case 7:
        return IterOp();
      case 8:
        if (in_.ConsumeBool()) return Scan();
        if (snaps_.empty() || in_.ConsumeBool())
          return VerifyAll(nullptr, model_);
        return VerifyAll(snaps_.back().h, snaps_.back().state);
      default:
        return Maintenance();
    }
  }

  FuzzedDataProvider in_;
  std::string dir_;
  shale_db *db_ = nullptr;
  bool read_only_ = false;
  Map model_;
  std::vector<Snapshot> snaps_;
  std::vector<Iter> iters_;
  std::vector<Batch> batches_;
  std::vector<Pin> pins_;
  std::vector<std::unique_ptr<Sub>> subs_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Harness(data, size).Run();
  return 0;
}
