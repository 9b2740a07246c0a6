// Handle validation: NULL, never issued, garbage, wrong type, double free,
// use after close.
#include <random>

#include "test_util.h"

using namespace shale_test;

namespace {

template <class T>
T *As(void *p) {
  return reinterpret_cast<T *>(p);
}

}  // namespace

TEST(Handles, NullFreesAreNoops) {
  EXPECT_EQ(SHALE_OK, shale_db_close(nullptr));
  EXPECT_EQ(SHALE_OK, shale_batch_free(nullptr));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(nullptr));
  EXPECT_EQ(SHALE_OK, shale_iter_free(nullptr));
  EXPECT_EQ(SHALE_OK, shale_unsubscribe(nullptr));
}

TEST(Handles, NullHandleInCalls) {
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_put(nullptr, "k", 1, "v", 1));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_sync(nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_first(nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_valid(nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_batch_clear(nullptr));
  EXPECT_STRNE("", shale_last_error());
}

TEST(Handles, NeverIssuedAndGarbage) {
  std::mt19937_64 rng(12345);
  std::vector<uint64_t> values = {0x1234, 0x1, 0xdeadbeef, ~0ull,
                                  0x8000000000000000ull};
  for (int i = 0; i < 2000; ++i) values.push_back(rng());
  for (uint64_t v : values) {
    void *p = reinterpret_cast<void *>(static_cast<uintptr_t>(v));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE,
              shale_db_put(As<shale_db>(p), "k", 1, "v", 1));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE, shale_db_close(As<shale_db>(p)));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_next(As<shale_iter>(p)));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_free(As<shale_iter>(p)));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE, shale_batch_free(As<shale_batch>(p)));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE,
              shale_snapshot_free(As<shale_snapshot>(p)));
    ASSERT_EQ(SHALE_E_INVALID_HANDLE,
              shale_unsubscribe(As<shale_subscription>(p)));
  }
  EXPECT_NE(nullptr, strstr(shale_last_error(), "not a live"))
      << shale_last_error();
}

TEST_F(DbTest, WrongHandleTypes) {
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  shale_snapshot *s = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db_, &s));

  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_next(As<shale_iter>(b)));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "shale_iter_next"));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "iterator"));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_free(As<shale_iter>(b)));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_batch_put(As<shale_batch>(it), "k", 1, "v", 1));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_put(As<shale_db>(it), "k", 1, "v", 1));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_close(As<shale_db>(b)));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_write(db_, As<shale_batch>(s)));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_snapshot_free(As<shale_snapshot>(db_)));
  void *v = nullptr;
  size_t n = 0;
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_get(db_, As<shale_snapshot>(it), "k", 1, &v, &n));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_unsubscribe(As<shale_subscription>(s)));
  // Everything still works after the refusals.
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_first(it));
  EXPECT_EQ(SHALE_OK, shale_batch_put(b, "k", 1, "v", 1));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(s));
}

TEST_F(DbTest, DoubleFree) {
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_batch_free(b));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_batch_put(b, "k", 1, "v", 1));

  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_free(it));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_first(it));

  shale_snapshot *s = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db_, &s));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(s));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_snapshot_free(s));

  // A slot reused by a new object does not revive the old handle.
  shale_batch *b2 = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b2));
  EXPECT_NE(b, b2);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_batch_free(b));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b2));
}

TEST_F(DbTest, DoubleCloseAndUseAfterClose) {
  shale_db *db = db_;
  db_ = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_close(db));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_put(db, "k", 1, "v", 1));
  shale_iter *it = reinterpret_cast<shale_iter *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_new(db, nullptr, &it));
  EXPECT_EQ(nullptr, it);
}

TEST_F(DbTest, ChildrenAfterCloseReportClosedAndFreeWorks) {
  Put("a", "1");
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it));
  ASSERT_EQ(SHALE_OK, shale_iter_first(it));
  shale_snapshot *s = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db_, &s));
  shale_iter *it2 = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it2));

  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  db_ = nullptr;

  EXPECT_EQ(SHALE_E_CLOSED, shale_iter_next(it));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "closed"));
  EXPECT_EQ(SHALE_E_CLOSED, shale_iter_first(it));
  EXPECT_EQ(SHALE_E_CLOSED, shale_iter_valid(it));
  const void *k = nullptr;
  size_t kn = 7;
  EXPECT_EQ(SHALE_E_CLOSED, shale_iter_key(it, &k, &kn));
  EXPECT_EQ(nullptr, k);
  EXPECT_EQ(0u, kn);
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_iter_free(it));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(s));
  EXPECT_EQ(SHALE_OK, shale_iter_free(it2));
}
