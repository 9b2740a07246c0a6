// shale_iter_borrow_many: the entries of shale_iter_next_many, lent instead
// of copied, and valid exactly as long as promised.
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

using namespace shale_test;

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// One call; the entries copied out right away (as a binding does).
int32_t Borrow(shale_iter *it, int32_t dir, size_t max_count, size_t max_bytes,
               Entries *out) {
  std::vector<const void *> ptrs(2 * max_count, nullptr);
  std::vector<size_t> lens(2 * max_count, 77);
  size_t count = 99;
  const int32_t rc = shale_iter_borrow_many(it, dir, max_count, max_bytes,
                                            ptrs.data(), lens.data(), &count);
  if (rc != SHALE_OK) {
    EXPECT_EQ(0u, count);
    return rc;
  }
  EXPECT_GE(count, 1u);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_NE(nullptr, ptrs[2 * i]);
    EXPECT_NE(nullptr, ptrs[2 * i + 1]);
    out->emplace_back(
        std::string(static_cast<const char *>(ptrs[2 * i]), lens[2 * i]),
        std::string(static_cast<const char *>(ptrs[2 * i + 1]),
                    lens[2 * i + 1]));
  }
  return rc;
}

// Every entry, page by page, in direction.
Entries Walk(shale_iter *it, int32_t dir, size_t page, size_t max_bytes = 0) {
  Entries all;
  int32_t rc =
      dir == SHALE_ITER_FORWARD ? shale_iter_first(it) : shale_iter_last(it);
  while (rc == SHALE_OK) rc = Borrow(it, dir, page, max_bytes, &all);
  EXPECT_EQ(SHALE_NOT_FOUND, rc) << shale_last_error();
  return all;
}

std::string Key(int i) {
  char b[16];
  snprintf(b, sizeof b, "key%05d", i);
  return b;
}

std::string Value(int i) { return std::string(i % 300, 'a' + i % 26); }

// Entries in a table (several blocks) and in the memtable.
class IterBorrowTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    PutEvery(0);  // in a table
    ASSERT_EQ(SHALE_OK, shale_db_flush(db_));
    PutEvery(1);         // in the memtable
    Put(Key(3000), "");  // a value of 0 bytes
    for (int i = 0; i <= 3000; ++i)
      model_.emplace(Key(i), i == 3000 ? "" : Value(i));
    ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it_));
  }
  void TearDown() override {
    EXPECT_EQ(SHALE_OK, shale_iter_free(it_));
    DbTest::TearDown();
  }
  // Keys first, first + 2, ... below 3000, in one write.
  void PutEvery(int first) {
    shale_batch *b = nullptr;
    ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
    for (int i = first; i < 3000; i += 2) {
      const std::string k = Key(i), v = Value(i);
      ASSERT_EQ(SHALE_OK,
                shale_batch_put(b, k.data(), k.size(), v.data(), v.size()));
    }
    ASSERT_EQ(SHALE_OK, shale_db_write(db_, b)) << shale_last_error();
    ASSERT_EQ(SHALE_OK, shale_batch_free(b));
  }
  Entries Forward() const { return Entries(model_.begin(), model_.end()); }
  Entries Backward() const { return Entries(model_.rbegin(), model_.rend()); }

  std::map<std::string, std::string> model_;
  shale_iter *it_ = nullptr;
};

}  // namespace

TEST_F(IterBorrowTest, WalksBothWaysAsNextManyDoes) {
  for (size_t page : {1u, 7u, 64u, 5000u}) {
    EXPECT_EQ(Forward(), Walk(it_, SHALE_ITER_FORWARD, page)) << page;
    EXPECT_EQ(Backward(), Walk(it_, SHALE_ITER_BACKWARD, page)) << page;
  }
}

TEST_F(IterBorrowTest, ByteLimitStopsAfterTheFirstEntry) {
  ASSERT_EQ(SHALE_OK, shale_iter_seek(it_, Key(1).data(), Key(1).size()));
  Entries e;
  ASSERT_EQ(SHALE_OK, Borrow(it_, SHALE_ITER_FORWARD, 100, 1, &e));
  ASSERT_EQ(1u, e.size());  // the first entry always comes
  EXPECT_EQ(Key(1), e[0].first);
  EXPECT_EQ(Forward(), Walk(it_, SHALE_ITER_FORWARD, 100, 2000));
}

// The lent bytes stay valid while the store changes under them: tables
// compacted away, blocks evicted, the memtable flushed.
TEST_F(IterBorrowTest, LentBytesOutliveCompactionAndEviction) {
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  const size_t page = 3001;
  std::vector<const void *> ptrs(2 * page);
  std::vector<size_t> lens(2 * page);
  size_t count = 0;
  ASSERT_EQ(SHALE_OK, shale_iter_borrow_many(it_, SHALE_ITER_FORWARD, page, 0,
                                             ptrs.data(), lens.data(), &count));
  ASSERT_EQ(model_.size(), count);
  PutEvery(0);
  PutEvery(1);
  ASSERT_EQ(SHALE_OK, shale_db_compact_range(db_, nullptr, 0, nullptr, 0,
                                             nullptr, nullptr));
  size_t i = 0;
  for (const auto &[k, v] : model_) {
    ASSERT_EQ(k,
              std::string(static_cast<const char *>(ptrs[2 * i]), lens[2 * i]));
    ASSERT_EQ(v, std::string(static_cast<const char *>(ptrs[2 * i + 1]),
                             lens[2 * i + 1]));
    ++i;
  }
}

TEST_F(IterBorrowTest, UnpositionedIsNotFoundAndBadArgumentsAreRefused) {
  const void *ptrs[8];
  size_t lens[8];
  size_t count = 5;
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_borrow_many(it_, SHALE_ITER_FORWARD, 4,
                                                    0, ptrs, lens, &count));
  EXPECT_EQ(0u, count);
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  struct Bad {
    const void **ptrs;
    size_t *lens;
    size_t *count;
    size_t max_count;
    int32_t dir;
    const char *names;
  };
  const Bad bad[] = {
      {nullptr, lens, &count, 4, SHALE_ITER_FORWARD, "ptrs"},
      {ptrs, nullptr, &count, 4, SHALE_ITER_FORWARD, "lens"},
      {ptrs, lens, nullptr, 4, SHALE_ITER_FORWARD, "count"},
      {ptrs, lens, &count, 0, SHALE_ITER_FORWARD, "max_count"},
      {ptrs, lens, &count, SIZE_MAX, SHALE_ITER_FORWARD, "max_count"},
      {ptrs, lens, &count, 4, 7, "direction"},
  };
  for (const Bad &b : bad) {
    EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
              shale_iter_borrow_many(it_, b.dir, b.max_count, 0, b.ptrs, b.lens,
                                     b.count))
        << b.names;
    EXPECT_NE(nullptr, strstr(shale_last_error(), b.names))
        << shale_last_error();
  }
  EXPECT_EQ(
      SHALE_E_INVALID_HANDLE,
      shale_iter_borrow_many(reinterpret_cast<shale_iter *>(0x1234),
                             SHALE_ITER_FORWARD, 4, 0, ptrs, lens, &count));
  // The iterator is still on its entry after the refusals.
  Entries e;
  ASSERT_EQ(SHALE_OK, Borrow(it_, SHALE_ITER_FORWARD, 1, 0, &e));
  EXPECT_EQ(Key(0), e[0].first);
}

TEST_F(IterBorrowTest, AfterDbCloseIsClosed) {
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  db_ = nullptr;
  const void *ptrs[2];
  size_t lens[2], count = 3;
  EXPECT_EQ(SHALE_E_CLOSED, shale_iter_borrow_many(it_, SHALE_ITER_FORWARD, 1,
                                                   0, ptrs, lens, &count));
  EXPECT_EQ(0u, count);
}

// Two threads on one iterator: one of them is told SHALE_E_BUSY, nothing
// is torn.
TEST_F(IterBorrowTest, ConcurrentUseIsRefused) {
  std::atomic<int> busy{0}, ok{0}, other{0};
  auto hammer = [&] {
    for (int i = 0; i < 3000; ++i) {
      Entries e;
      int32_t rc = i % 20 == 0 ? shale_iter_first(it_)
                               : Borrow(it_, SHALE_ITER_FORWARD, 8, 0, &e);
      if (rc == SHALE_E_BUSY) {
        ++busy;
      } else if (rc == SHALE_OK || rc == SHALE_NOT_FOUND) {
        ++ok;
        for (auto &[k, v] : e) {
          if (model_.at(k) != v) ++other;
        }
      } else {
        ++other;
      }
    }
  };
  std::thread a(hammer), b(hammer);
  a.join();
  b.join();
  EXPECT_EQ(0, other.load());
  EXPECT_GT(ok.load(), 0);
  RecordProperty("busy", busy.load());
}

// A store written by shale 0.3 (format-1 tables, whose keys are stored
// prefix-compressed): its entries are copied into the loan.
TEST(IterBorrowCompat, FormatOneTablesAreLentCopies) {
  TempDir dir;
  const std::string path = dir.Sub("store");
  std::filesystem::copy(SHALE_COMPAT_STORE, path);
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.read_only = 1;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), &o, &db))
      << shale_last_error();
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db, nullptr, &it));
  Entries paged = Walk(it, SHALE_ITER_FORWARD, 50);
  // The same entries one at a time.
  Entries stepped;
  for (int32_t rc = shale_iter_first(it); rc == SHALE_OK;
       rc = shale_iter_next(it)) {
    const void *k, *v;
    size_t kl, vl;
    ASSERT_EQ(SHALE_OK, shale_iter_key(it, &k, &kl));
    ASSERT_EQ(SHALE_OK, shale_iter_value(it, &v, &vl));
    stepped.emplace_back(std::string(static_cast<const char *>(k), kl),
                         std::string(static_cast<const char *>(v), vl));
  }
  EXPECT_GT(paged.size(), 3000u);
  EXPECT_EQ(stepped, paged);
  Entries back = Walk(it, SHALE_ITER_BACKWARD, 33);
  EXPECT_EQ(Entries(paged.rbegin(), paged.rend()), back);
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
  EXPECT_EQ(SHALE_OK, shale_db_close(db));
}
