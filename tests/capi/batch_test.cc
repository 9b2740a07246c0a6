// Write batches.
#include "test_util.h"

using namespace shale_test;

TEST_F(DbTest, BatchPutDeleteCountClearWrite) {
  Put("gone", "x");
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  size_t count = 99;
  ASSERT_EQ(SHALE_OK, shale_batch_count(b, &count));
  EXPECT_EQ(0u, count);
  EXPECT_EQ(SHALE_OK, shale_db_write(db_, b));  // empty: no-op
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "a", 1, "1", 1));
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "b", 1, "", 0));
  ASSERT_EQ(SHALE_OK, shale_batch_delete(b, "gone", 4));
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "a", 1, "2", 1));
  ASSERT_EQ(SHALE_OK, shale_batch_count(b, &count));
  EXPECT_EQ(4u, count);
  ASSERT_EQ(SHALE_OK, shale_db_write(db_, b)) << shale_last_error();
  EXPECT_EQ("2", Get("a"));
  EXPECT_EQ("", Get("b"));
  EXPECT_EQ("<NOT_FOUND>", Get("gone"));
  // Reusable; clear empties it.
  ASSERT_EQ(SHALE_OK, shale_batch_clear(b));
  ASSERT_EQ(SHALE_OK, shale_batch_count(b, &count));
  EXPECT_EQ(0u, count);
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "c", 1, "3", 1));
  ASSERT_EQ(SHALE_OK, shale_db_write(db_, b));
  EXPECT_EQ("3", Get("c"));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}

TEST_F(DbTest, BatchBadArguments) {
  shale_batch *b = nullptr;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_new(nullptr));
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_put(b, nullptr, 1, "v", 1));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_put(b, "k", 1, nullptr, 1));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_delete(b, nullptr, 1));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_count(b, nullptr));
  std::string big(SHALE_MAX_KEY_SIZE + 1, 'k');
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_batch_put(b, big.data(), big.size(), "v", 1));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_batch_delete(b, big.data(), big.size()));
  EXPECT_EQ(SHALE_OK,
            shale_batch_put(b, big.data(), SHALE_MAX_KEY_SIZE, "v", 1));
  size_t count = 0;
  ASSERT_EQ(SHALE_OK, shale_batch_count(b, &count));
  EXPECT_EQ(1u, count);  // the refused entries changed nothing
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, nullptr, 0, nullptr, 0));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_write(BogusDb(), b));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_write(db_, nullptr));
  EXPECT_EQ(SHALE_OK, shale_db_write(db_, b));
  EXPECT_EQ("", Get(""));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}

TEST(Batch, UsableWithoutDbAndAfterDbClose) {
  TempDir dir;
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "k", 1, "v", 1));
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), nullptr, &db));
  ASSERT_EQ(SHALE_OK, shale_db_write(db, b));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_write(db, b));
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "k2", 2, "v", 1));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}
