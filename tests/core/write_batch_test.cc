#include "db/write_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/options.h"
#include "test_util.h"

namespace shale {
namespace {

struct Collector : WriteBatch::Handler {
  std::vector<std::string> ops;
  void Put(std::string_view k, std::string_view v) override {
    ops.push_back("put(" + std::string(k) + "," + std::string(v) + ")");
  }
  void Delete(std::string_view k) override {
    ops.push_back("del(" + std::string(k) + ")");
  }
};

TEST(WriteBatchTest, EmptyBatch) {
  WriteBatch b;
  EXPECT_EQ(0u, b.Count());
  EXPECT_EQ(12u, b.ByteSize());
  Collector c;
  ASSERT_OK(b.Iterate(&c));
  EXPECT_TRUE(c.ops.empty());
}

TEST(WriteBatchTest, EncodeIterateInOrder) {
  WriteBatch b;
  ASSERT_OK(b.Put("a", "1"));
  ASSERT_OK(b.Delete("b"));
  ASSERT_OK(b.Put("", ""));  // empty key and value are legal
  ASSERT_OK(b.Put(std::string("k\0z", 3), "v"));
  b.SetSequence(77);
  EXPECT_EQ(4u, b.Count());
  EXPECT_EQ(77u, b.Sequence());
  Collector c;
  ASSERT_OK(b.Iterate(&c));
  std::vector<std::string> want = {"put(a,1)", "del(b)", "put(,)",
                                   "put(" + std::string("k\0z", 3) + ",v)"};
  EXPECT_EQ(want, c.ops);

  WriteBatch copy;
  ASSERT_OK(copy.SetContents(b.Contents()));
  EXPECT_EQ(77u, copy.Sequence());
  Collector c2;
  ASSERT_OK(copy.Iterate(&c2));
  EXPECT_EQ(want, c2.ops);
}

TEST(WriteBatchTest, Append) {
  WriteBatch a, b;
  ASSERT_OK(a.Put("x", "1"));
  ASSERT_OK(b.Delete("y"));
  ASSERT_OK(b.Put("z", "2"));
  ASSERT_OK(a.Append(b));
  EXPECT_EQ(3u, a.Count());
  Collector c;
  ASSERT_OK(a.Iterate(&c));
  EXPECT_EQ((std::vector<std::string>{"put(x,1)", "del(y)", "put(z,2)"}),
            c.ops);
}

TEST(WriteBatchTest, Limits) {
  WriteBatch b;
  std::string big_key(kMaxKeySize + 1, 'k');
  Status s = b.Put(big_key, "v");
  ASSERT_EQ(Status::Code::kInvalidArgument, s.code());
  EXPECT_NE(std::string::npos, s.message().find("65537 bytes"));
  EXPECT_NE(std::string::npos, s.message().find("SHALE_MAX_KEY_SIZE"));
  EXPECT_EQ(Status::Code::kInvalidArgument, b.Delete(big_key).code());
  EXPECT_EQ(0u, b.Count());
  EXPECT_EQ(12u, b.ByteSize());                          // unchanged on error
  ASSERT_OK(b.Put(std::string(kMaxKeySize, 'k'), "v"));  // at the limit
}

TEST(WriteBatchTest, MalformedContents) {
  WriteBatch b;
  EXPECT_TRUE(b.SetContents("short").IsCorruption());
  ASSERT_OK(b.Put("key", "value"));
  std::string rep = b.Contents();
  // Truncated entries are rejected at every cut.
  for (size_t n = 12; n < rep.size(); ++n) {
    WriteBatch c;
    EXPECT_TRUE(c.SetContents(rep.substr(0, n)).IsCorruption()) << n;
  }
  // Count mismatch.
  std::string bad = rep;
  bad[8] = 2;
  EXPECT_TRUE(b.SetContents(bad).IsCorruption());
  // Unknown kind.
  bad = rep;
  bad[12] = 9;
  EXPECT_TRUE(b.SetContents(bad).IsCorruption());
}

}  // namespace
}  // namespace shale
