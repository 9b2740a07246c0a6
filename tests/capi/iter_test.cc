// Iterators, snapshots, scans.
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

using namespace shale_test;

namespace {

std::string Key(shale_iter *it) {
  const void *k = nullptr;
  size_t n = 0;
  if (shale_iter_key(it, &k, &n) != SHALE_OK) return "<ERR>";
  return std::string(static_cast<const char *>(k), n);
}

std::string Value(shale_iter *it) {
  const void *v = nullptr;
  size_t n = 0;
  if (shale_iter_value(it, &v, &n) != SHALE_OK) return "<ERR>";
  return std::string(static_cast<const char *>(v), n);
}

class IterTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    for (const char *k : {"a", "b", "ba", "bb", "c", "d"}) Put(k, k);
  }
  // Keys visited forward by an iterator with these options.
  std::vector<std::string> Forward(const shale_iter_options *o) {
    std::vector<std::string> out;
    shale_iter *it = nullptr;
    if (shale_iter_new(db_, o, &it) != SHALE_OK) return {"<ERR>"};
    for (int32_t rc = shale_iter_first(it); rc == SHALE_OK;
         rc = shale_iter_next(it)) {
      out.push_back(Key(it));
    }
    shale_iter_free(it);
    return out;
  }
};

using V = std::vector<std::string>;

}  // namespace

TEST_F(IterTest, ForwardBackwardSeek) {
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_valid(it));
  // Unpositioned: next/prev/key/value refused.
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_next(it));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_prev(it));
  const void *p = reinterpret_cast<void *>(0x1);
  size_t n = 3;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_key(it, &p, &n));
  EXPECT_EQ(nullptr, p);
  EXPECT_EQ(0u, n);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_value(it, &p, &n));

  ASSERT_EQ(SHALE_OK, shale_iter_first(it));
  EXPECT_EQ(SHALE_OK, shale_iter_valid(it));
  EXPECT_EQ(SHALE_OK, shale_last_status());
  EXPECT_EQ("a", Key(it));
  EXPECT_EQ("a", Value(it));
  ASSERT_EQ(SHALE_OK, shale_iter_next(it));
  EXPECT_EQ("b", Key(it));
  ASSERT_EQ(SHALE_OK, shale_iter_last(it));
  EXPECT_EQ("d", Key(it));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_next(it));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_valid(it));
  ASSERT_EQ(SHALE_OK, shale_iter_seek(it, "ba", 2));
  EXPECT_EQ("ba", Key(it));
  ASSERT_EQ(SHALE_OK, shale_iter_prev(it));
  EXPECT_EQ("b", Key(it));
  ASSERT_EQ(SHALE_OK, shale_iter_seek(it, "bc", 2));
  EXPECT_EQ("c", Key(it));
  ASSERT_EQ(SHALE_OK, shale_iter_seek_for_prev(it, "bc", 2));
  EXPECT_EQ("bb", Key(it));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_seek(it, "e", 1));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_seek_for_prev(it, "0", 1));
  ASSERT_EQ(SHALE_OK, shale_iter_seek(it, nullptr, 0));
  EXPECT_EQ("a", Key(it));
  ASSERT_EQ(SHALE_OK, shale_iter_first(it));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_prev(it));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_seek(it, nullptr, 1));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_seek_for_prev(it, nullptr, 1));
  ASSERT_EQ(SHALE_OK, shale_iter_first(it));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_key(it, nullptr, &n));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_key(it, &p, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_value(it, nullptr, &n));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
}

TEST_F(IterTest, NewArguments) {
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, nullptr, nullptr));
  shale_iter *it = reinterpret_cast<shale_iter *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_new(BogusDb(), nullptr, &it));
  EXPECT_EQ(nullptr, it);
  shale_iter_options o;
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.lower_bound_len = 3;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, &o, &it));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "lower_bound"));
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.upper_bound_len = 1;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, &o, &it));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "upper_bound"));
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.prefix_len = 1;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, &o, &it));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "prefix"));
  std::string big(SHALE_MAX_KEY_SIZE + 1, 'x');
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.upper_bound = big.data();
  o.upper_bound_len = big.size();
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, &o, &it));
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.struct_size = 4;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, &o, &it));
  EXPECT_EQ(nullptr, it);
  // A snapshot of another db.
  TempDir other_dir;
  shale_db *other = nullptr;
  ASSERT_EQ(SHALE_OK,
            shale_db_open(other_dir.Sub("db").c_str(), nullptr, &other));
  shale_snapshot *s = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(other, &s));
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.snapshot = s;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_iter_new(db_, &o, &it));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "another db"));
  void *v = nullptr;
  size_t n = 0;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_get(db_, s, "a", 1, &v, &n));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_exists(db_, s, "a", 1));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(s));
  EXPECT_EQ(SHALE_OK, shale_db_close(other));
}

TEST_F(IterTest, BoundsAndPrefix) {
  shale_iter_options o;
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  EXPECT_EQ((V{"a", "b", "ba", "bb", "c", "d"}), Forward(&o));
  o.lower_bound = "b";
  o.lower_bound_len = 1;
  o.upper_bound = "c";
  o.upper_bound_len = 1;
  EXPECT_EQ((V{"b", "ba", "bb"}), Forward(&o));
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.prefix = "b";
  o.prefix_len = 1;
  EXPECT_EQ((V{"b", "ba", "bb"}), Forward(&o));
  o.lower_bound = "ba";
  o.lower_bound_len = 2;
  EXPECT_EQ((V{"ba", "bb"}), Forward(&o));
  // A non-NULL empty upper bound excludes everything.
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.upper_bound = "";
  EXPECT_EQ(V{}, Forward(&o));
}

TEST_F(IterTest, SnapshotIsolation) {
  shale_snapshot *s = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db_, &s));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_snapshot_new(db_, nullptr));
  Put("a", "changed");
  Put("z", "new");
  ASSERT_EQ(SHALE_OK, shale_db_delete(db_, "b", 1));
  EXPECT_EQ("a", Get("a", s));
  EXPECT_EQ("<NOT_FOUND>", Get("z", s));
  EXPECT_EQ("b", Get("b", s));
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, s, "b", 1));
  char buf[8];
  size_t needed = 0;
  EXPECT_EQ(SHALE_OK, shale_db_get_into(db_, s, "a", 1, buf, 8, &needed));
  EXPECT_EQ(1u, needed);
  EXPECT_EQ("changed", Get("a"));
  // An iterator on the snapshot, which can be freed before the iterator.
  shale_iter_options o;
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.snapshot = s;
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, &o, &it));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(s));
  ASSERT_EQ(SHALE_OK, shale_iter_first(it));
  EXPECT_EQ("a", Value(it));
  ASSERT_EQ(SHALE_OK, shale_iter_last(it));
  EXPECT_EQ("d", Key(it));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
  // An iterator without a snapshot sees the state at its creation.
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  Put("zz", "later");
  ASSERT_EQ(SHALE_OK, shale_iter_last(it));
  EXPECT_EQ("z", Key(it));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
}

TEST_F(IterTest, EmptyValueThroughIterator) {
  Put("e", "");
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  ASSERT_EQ(SHALE_OK, shale_iter_seek(it, "e", 1));
  const void *v = nullptr;
  size_t n = 9;
  ASSERT_EQ(SHALE_OK, shale_iter_value(it, &v, &n));
  EXPECT_NE(nullptr, v);
  EXPECT_EQ(0u, n);
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
}

namespace {

struct ScanState {
  std::vector<std::pair<std::string, std::string>> seen;
  size_t stop_after = 0;  // 0: never
  shale_db *db = nullptr;
  int32_t nested = SHALE_OK;
};

int Collect(void *user, const void *k, size_t kn, const void *v, size_t vn) {
  auto *s = static_cast<ScanState *>(user);
  if (k == nullptr || v == nullptr) return 1;
  s->seen.emplace_back(std::string(static_cast<const char *>(k), kn),
                       std::string(static_cast<const char *>(v), vn));
  if (s->db != nullptr) {
    // Reads and writes are allowed from the callback; writes are not seen.
    s->nested = shale_db_put(s->db, "zzz", 3, "x", 1);
  }
  return s->stop_after != 0 && s->seen.size() >= s->stop_after;
}

}  // namespace

TEST_F(IterTest, Scan) {
  ScanState s;
  ASSERT_EQ(SHALE_OK, shale_db_scan(db_, nullptr, 0, Collect, &s));
  ASSERT_EQ(6u, s.seen.size());
  EXPECT_EQ("a", s.seen.front().first);
  EXPECT_EQ("d", s.seen.back().second);
  s = {};
  ASSERT_EQ(SHALE_OK,
            shale_db_scan(db_, nullptr, SHALE_SCAN_REVERSE, Collect, &s));
  ASSERT_EQ(6u, s.seen.size());
  EXPECT_EQ("d", s.seen.front().first);
  s = {};
  shale_iter_options o;
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.prefix = "b";
  o.prefix_len = 1;
  ASSERT_EQ(SHALE_OK, shale_db_scan(db_, &o, 0, Collect, &s));
  EXPECT_EQ(3u, s.seen.size());
  // Stopped by the callback.
  s = {};
  s.stop_after = 2;
  EXPECT_EQ(SHALE_E_CANCELLED, shale_db_scan(db_, nullptr, 0, Collect, &s));
  EXPECT_EQ(2u, s.seen.size());
  EXPECT_NE(nullptr, strstr(shale_last_error(), "scan stopped by callback"));
  // Writes from inside the callback.
  s = {};
  s.db = db_;
  ASSERT_EQ(SHALE_OK, shale_db_scan(db_, nullptr, 0, Collect, &s));
  EXPECT_EQ(SHALE_OK, s.nested);
  EXPECT_EQ(6u, s.seen.size());
  EXPECT_EQ("x", Get("zzz"));
  // Bad arguments.
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_scan(db_, nullptr, 0, nullptr, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_scan(db_, nullptr, 4, Collect, &s));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_scan(BogusDb(), nullptr, 0, Collect, &s));
  o.prefix_len = 5;
  o.prefix = nullptr;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_scan(db_, &o, 0, Collect, &s));
}

namespace {
int CloseFromScan(void *user, const void *, size_t, const void *, size_t) {
  auto *db = static_cast<shale_db *>(user);
  int32_t rc = shale_db_close(db);
  return rc == SHALE_E_BUSY ? 0 : 1;
}
}  // namespace

TEST_F(IterTest, CloseFromScanCallbackIsBusy) {
  EXPECT_EQ(SHALE_OK, shale_db_scan(db_, nullptr, 0, CloseFromScan, db_));
  Put("still", "open");
}
