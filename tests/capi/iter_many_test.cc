// shale_iter_next_many: entries in chunks, forward and backward.
#include <string>
#include <vector>

#include "test_util.h"

using namespace shale_test;

namespace {

struct Chunk {
  int32_t rc;
  std::vector<std::pair<std::string, std::string>> entries;
};

Chunk NextMany(shale_iter *it, int32_t dir, size_t max_count,
               size_t max_bytes = 0) {
  std::vector<size_t> lens(2 * max_count, 77);
  void *data = reinterpret_cast<void *>(0x1);
  size_t count = 99;
  Chunk c;
  c.rc = shale_iter_next_many(it, dir, max_count, max_bytes, &data, lens.data(),
                              &count);
  if (c.rc != SHALE_OK) {
    EXPECT_EQ(nullptr, data);
    EXPECT_EQ(0u, count);
    return c;
  }
  const char *p = static_cast<const char *>(data);
  for (size_t i = 0; i < count; ++i) {
    std::string k(p, lens[2 * i]);
    p += lens[2 * i];
    std::string v(p, lens[2 * i + 1]);
    p += lens[2 * i + 1];
    c.entries.emplace_back(k, v);
  }
  shale_free(data);
  return c;
}

class IterManyTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    for (int i = 0; i < 10; ++i) {
      Put("k" + std::to_string(i), std::string(i, 'v'));
    }
    ASSERT_EQ(SHALE_OK, shale_iter_new(db_, nullptr, &it_));
  }
  void TearDown() override {
    EXPECT_EQ(SHALE_OK, shale_iter_free(it_));
    DbTest::TearDown();
  }
  shale_iter *it_ = nullptr;
};

}  // namespace

TEST_F(IterManyTest, ForwardInChunksWalksTheWholeRange) {
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  std::vector<std::string> keys;
  Chunk c;
  while ((c = NextMany(it_, SHALE_ITER_FORWARD, 4)).rc == SHALE_OK) {
    EXPECT_LE(c.entries.size(), 4u);
    for (auto &[k, v] : c.entries) {
      EXPECT_EQ(std::string(k[1] - '0', 'v'), v);
      keys.push_back(k);
    }
  }
  EXPECT_EQ(SHALE_NOT_FOUND, c.rc);
  ASSERT_EQ(10u, keys.size());
  EXPECT_EQ("k0", keys.front());
  EXPECT_EQ("k9", keys.back());
  EXPECT_EQ(SHALE_NOT_FOUND, shale_iter_valid(it_));
}

TEST_F(IterManyTest, BackwardFromSeekForPrev) {
  ASSERT_EQ(SHALE_OK, shale_iter_seek_for_prev(it_, "k5", 2));
  Chunk c = NextMany(it_, SHALE_ITER_BACKWARD, 3);
  ASSERT_EQ(SHALE_OK, c.rc);
  ASSERT_EQ(3u, c.entries.size());
  EXPECT_EQ("k5", c.entries[0].first);
  EXPECT_EQ("k3", c.entries[2].first);
  // Left on the next entry in that direction.
  ASSERT_EQ(SHALE_OK, shale_iter_valid(it_));
  c = NextMany(it_, SHALE_ITER_FORWARD, 1);
  ASSERT_EQ(1u, c.entries.size());
  EXPECT_EQ("k2", c.entries[0].first);
}

TEST_F(IterManyTest, ByteLimitStopsAfterTheFirstEntry) {
  ASSERT_EQ(SHALE_OK, shale_iter_seek(it_, "k9", 2));
  Chunk c = NextMany(it_, SHALE_ITER_FORWARD, 8, 1);  // k9 alone is 11 bytes
  ASSERT_EQ(SHALE_OK, c.rc);
  EXPECT_EQ(1u, c.entries.size());
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  c = NextMany(it_, SHALE_ITER_FORWARD, 100, 2 + 0 + 2 + 1 + 2 + 2);
  ASSERT_EQ(SHALE_OK, c.rc);
  EXPECT_EQ(3u, c.entries.size());  // k0 (2), k1 (3), k2 (4): 9 bytes
}

TEST_F(IterManyTest, UnpositionedIsNotFoundAndBadArgumentsAreRefused) {
  EXPECT_EQ(SHALE_NOT_FOUND, NextMany(it_, SHALE_ITER_FORWARD, 2).rc);
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  size_t lens[4];
  void *data = nullptr;
  size_t count = 0;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_next_many(it_, 2, 2, 0, &data, lens, &count));
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_iter_next_many(it_, SHALE_ITER_FORWARD, 0, 0, &data, lens, &count));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_next_many(it_, SHALE_ITER_FORWARD, SIZE_MAX, 0, &data,
                                 lens, &count));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_next_many(it_, SHALE_ITER_FORWARD, 2, 0, nullptr, lens,
                                 &count));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_next_many(it_, SHALE_ITER_FORWARD, 2, 0, &data, nullptr,
                                 &count));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_next_many(it_, SHALE_ITER_FORWARD, 2, 0, &data, lens,
                                 nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_iter_next_many(nullptr, SHALE_ITER_FORWARD, 2, 0, &data, lens,
                                 &count));
  // The refused calls did not move it.
  EXPECT_EQ(SHALE_OK, shale_iter_valid(it_));
}

TEST_F(IterManyTest, AfterDbCloseIsClosed) {
  ASSERT_EQ(SHALE_OK, shale_iter_first(it_));
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  db_ = nullptr;
  EXPECT_EQ(SHALE_E_CLOSED, NextMany(it_, SHALE_ITER_FORWARD, 2).rc);
}

TEST_F(IterManyTest, RespectsBoundsOfTheIterator) {
  shale_iter_options o;
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&o));
  o.lower_bound = "k3";
  o.lower_bound_len = 2;
  o.upper_bound = "k6";
  o.upper_bound_len = 2;
  shale_iter *it = nullptr;
  ASSERT_EQ(SHALE_OK, shale_iter_new(db_, &o, &it));
  ASSERT_EQ(SHALE_OK, shale_iter_last(it));
  Chunk c = NextMany(it, SHALE_ITER_BACKWARD, 100);
  ASSERT_EQ(SHALE_OK, c.rc);
  ASSERT_EQ(3u, c.entries.size());
  EXPECT_EQ("k5", c.entries[0].first);
  EXPECT_EQ("k3", c.entries[2].first);
  EXPECT_EQ(SHALE_OK, shale_iter_free(it));
}
