// Many keys in one call: get_many, put_many, delete_many, batch_*_many.
#include <cstring>
#include <vector>

#include "test_util.h"

using namespace shale_test;

namespace {

// The packed form the *_many functions take.
struct Packed {
  std::string data;
  std::vector<size_t> lens;
  explicit Packed(std::initializer_list<std::string> items) {
    for (const std::string &s : items) Add(s);
  }
  void Add(const std::string &s) {
    data += s;
    lens.push_back(s.size());
  }
  size_t count() const { return lens.size(); }
};

// Runs get_many; returns one string per key, "<MISSING>" for none.
std::vector<std::string> GetMany(shale_db *db, const Packed &keys,
                                 shale_snapshot *snap = nullptr,
                                 size_t *found_out = nullptr) {
  void *values = nullptr;
  std::vector<size_t> lens(keys.count(), 7);
  size_t found = 99;
  int32_t rc =
      shale_db_get_many(db, snap, keys.count(), keys.data.data(),
                        keys.lens.data(), &values, lens.data(), &found);
  EXPECT_EQ(SHALE_OK, rc) << shale_last_error();
  std::vector<std::string> out;
  if (rc != SHALE_OK) return out;
  EXPECT_NE(nullptr, values);
  size_t off = 0, hits = 0;
  for (size_t len : lens) {
    if (len == SHALE_MISSING) {
      out.push_back("<MISSING>");
      continue;
    }
    out.emplace_back(static_cast<char *>(values) + off, len);
    off += len;
    ++hits;
  }
  EXPECT_EQ(hits, found);
  if (found_out != nullptr) *found_out = found;
  shale_free(values);
  return out;
}

}  // namespace

TEST_F(DbTest, PutManyThenGetManyInKeyOrderWithMisses) {
  Packed keys{"b", "a", "", "c"};
  Packed values{"2", "1", "empty-key", ""};
  ASSERT_EQ(SHALE_OK, shale_db_put_many(db_, keys.count(), keys.data.data(),
                                        keys.lens.data(), values.data.data(),
                                        values.lens.data()))
      << shale_last_error();
  Packed ask{"a", "zz", "c", "b", "a", ""};
  std::vector<std::string> want{"1", "<MISSING>", "", "2", "1", "empty-key"};
  size_t found = 0;
  EXPECT_EQ(want, GetMany(db_, ask, nullptr, &found));
  EXPECT_EQ(5u, found);
}

TEST_F(DbTest, PutManyLaterEqualKeyWins) {
  Packed keys{"k", "k"};
  Packed values{"first", "second"};
  ASSERT_EQ(SHALE_OK,
            shale_db_put_many(db_, 2, keys.data.data(), keys.lens.data(),
                              values.data.data(), values.lens.data()));
  EXPECT_EQ("second", Get("k"));
}

TEST_F(DbTest, DeleteManyRemovesPresentAndIgnoresAbsent) {
  Put("a", "1");
  Put("b", "2");
  Put("c", "3");
  Packed keys{"a", "nope", "c"};
  ASSERT_EQ(SHALE_OK, shale_db_delete_many(db_, keys.count(), keys.data.data(),
                                           keys.lens.data()));
  EXPECT_EQ((std::vector<std::string>{"<MISSING>", "2", "<MISSING>"}),
            GetMany(db_, Packed{"a", "b", "c"}));
}

TEST_F(DbTest, GetManySeesOneSnapshot) {
  Put("a", "old");
  shale_snapshot *snap = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db_, &snap));
  Put("a", "new");
  Put("b", "new");
  EXPECT_EQ((std::vector<std::string>{"old", "<MISSING>"}),
            GetMany(db_, Packed{"a", "b"}, snap));
  EXPECT_EQ((std::vector<std::string>{"new", "new"}),
            GetMany(db_, Packed{"a", "b"}));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(snap));
}

TEST_F(DbTest, GetManyReadsFromTablesAfterFlush) {
  Packed keys{}, values{};
  for (int i = 0; i < 2000; ++i) {
    keys.Add("key" + std::to_string(i));
    values.Add(std::string(100, static_cast<char>('a' + i % 26)));
  }
  ASSERT_EQ(SHALE_OK, shale_db_put_many(db_, keys.count(), keys.data.data(),
                                        keys.lens.data(), values.data.data(),
                                        values.lens.data()));
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_));
  Put("key5", "fresh");  // memtable over table
  std::vector<std::string> got = GetMany(db_, keys);
  ASSERT_EQ(2000u, got.size());
  EXPECT_EQ("fresh", got[5]);
  EXPECT_EQ(std::string(100, 'a' + 1999 % 26), got[1999]);
}

TEST_F(DbTest, ManyWithZeroCountIsANoOp) {
  void *values = nullptr;
  size_t found = 5;
  ASSERT_EQ(SHALE_OK, shale_db_get_many(db_, nullptr, 0, nullptr, nullptr,
                                        &values, nullptr, &found));
  EXPECT_NE(nullptr, values);  // owned, empty, still to be freed
  EXPECT_EQ(0u, found);
  shale_free(values);
  EXPECT_EQ(SHALE_OK,
            shale_db_put_many(db_, 0, nullptr, nullptr, nullptr, nullptr));
  EXPECT_EQ(SHALE_OK, shale_db_delete_many(db_, 0, nullptr, nullptr));
}

TEST_F(DbTest, ManyBadArgumentsNameTheIndexAndWriteNothing) {
  Put("keep", "v");
  std::string big(SHALE_MAX_KEY_SIZE + 1, 'k');
  Packed keys{"a", "b", big};
  Packed values{"1", "2", "3"};
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_put_many(db_, 3, keys.data.data(), keys.lens.data(),
                              values.data.data(), values.lens.data()));
  EXPECT_NE(nullptr, std::strstr(shale_last_error(), "key_lens[2]"))
      << shale_last_error();
  EXPECT_NE(nullptr, std::strstr(shale_last_error(), "SHALE_MAX_KEY_SIZE"));
  EXPECT_EQ("<NOT_FOUND>", Get("a"));  // nothing of it was written

  // NULL data with a non-zero length; NULL length arrays.
  size_t lens[2] = {0, 3};
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_delete_many(db_, 2, nullptr, lens));
  EXPECT_NE(nullptr, std::strstr(shale_last_error(),
                                 "keys is NULL but key_lens[1] is 3"))
      << shale_last_error();
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_delete_many(db_, 2, "abc", nullptr));
  EXPECT_NE(nullptr, std::strstr(shale_last_error(), "key_lens is NULL"));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_put_many(db_, 1, "k", lens + 1, "v", nullptr));
  EXPECT_NE(nullptr, std::strstr(shale_last_error(), "value_lens"));

  // get_many: out-pointers.
  size_t vlens[1] = {0};
  void *v = reinterpret_cast<void *>(0x1);
  size_t one = 1;
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_get_many(db_, nullptr, 1, "k", &one, nullptr, vlens, nullptr));
  EXPECT_EQ(SHALE_MISSING, vlens[0]);
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_get_many(db_, nullptr, 1, "k", &one, &v, nullptr, nullptr));
  EXPECT_EQ(nullptr, v);
  EXPECT_EQ(
      SHALE_E_INVALID_HANDLE,
      shale_db_get_many(BogusDb(), nullptr, 1, "k", &one, &v, vlens, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_put_many(nullptr, 1, "k", &one, "v", &one));
  EXPECT_EQ("v", Get("keep"));
}

TEST_F(DbTest, ManyAfterCloseIsClosedNotACrash) {
  // A second handle on the same db object is impossible; close ours and use
  // the stale handle: it is refused as no longer valid.
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  size_t one = 1, vlen = 0;
  void *v = nullptr;
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_get_many(db_, nullptr, 1, "k", &one, &v, &vlen, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_delete_many(db_, 1, "k", &one));
  db_ = nullptr;
}

TEST(BatchMany, AppendsAllOrNothing) {
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  Packed keys{"a", "b"};
  Packed values{"1", "2"};
  ASSERT_EQ(SHALE_OK,
            shale_batch_put_many(b, 2, keys.data.data(), keys.lens.data(),
                                 values.data.data(), values.lens.data()));
  ASSERT_EQ(SHALE_OK,
            shale_batch_delete_many(b, 1, keys.data.data(), keys.lens.data()));
  size_t count = 0;
  ASSERT_EQ(SHALE_OK, shale_batch_count(b, &count));
  EXPECT_EQ(3u, count);
  std::string big(SHALE_MAX_VALUE_SIZE + 1, 'v');
  Packed bad_values{"ok"};
  bad_values.lens.push_back(big.size());
  bad_values.data += big;
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_batch_put_many(b, 2, keys.data.data(), keys.lens.data(),
                           bad_values.data.data(), bad_values.lens.data()));
  EXPECT_NE(nullptr, std::strstr(shale_last_error(), "value_lens[1]"))
      << shale_last_error();
  ASSERT_EQ(SHALE_OK, shale_batch_count(b, &count));
  EXPECT_EQ(3u, count);  // unchanged
  EXPECT_EQ(
      SHALE_E_INVALID_HANDLE,
      shale_batch_put_many(nullptr, 0, nullptr, nullptr, nullptr, nullptr));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}

TEST_F(DbTest, BatchManyWrittenAtomically) {
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  Packed keys{"x", "y", "z"};
  Packed values{"1", "2", "3"};
  ASSERT_EQ(SHALE_OK,
            shale_batch_put_many(b, 3, keys.data.data(), keys.lens.data(),
                                 values.data.data(), values.lens.data()));
  ASSERT_EQ(SHALE_OK, shale_db_write(db_, b));
  EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), GetMany(db_, keys));
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}
