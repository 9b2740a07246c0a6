// BlockBuilder / Block round trips.
#include "table/block.h"

#include <gtest/gtest.h>

#include <random>

#include "memtable/internal_key.h"
#include "table/block_builder.h"
#include "table_test_util.h"
#include "util/coding.h"

namespace shale::test {
namespace {

const std::string kPath = "/mem/block";

std::string IKeyBytes(std::string_view user, uint64_t tag) {
  std::string k(user);
  PutFixed64(&k, tag);
  return k;
}

std::shared_ptr<const Block> BuildBlock(const Model &m, int interval) {
  BlockBuilder b(interval);
  for (const auto &[k, v] : m) b.Add(IKeyBytes(k.user_key, k.tag), v);
  std::shared_ptr<const Block> block;
  Status s =
      Block::Parse(std::string(b.Finish()), BlockKind::kData, 0, kPath, &block);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return block;
}

void CheckAgainstModel(const Block &block, const Model &m) {
  auto it = block.NewIterator(&kPath, nullptr);
  EXPECT_EQ(Collect(it.get()), m);
  // Backward.
  auto mit = m.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++mit) {
    ASSERT_NE(mit, m.rend());
    EXPECT_EQ(it->user_key(), mit->first.user_key);
    EXPECT_EQ(it->tag(), mit->first.tag);
    EXPECT_EQ(it->value(), mit->second);
  }
  EXPECT_EQ(mit, m.rend());
  EXPECT_TRUE(it->status().ok());
  // Seek / SeekForPrev to every key and to keys between them.
  auto model_it = NewModelIterator(&m);
  for (const auto &[k, v] : m) {
    for (uint64_t dt : {uint64_t{0}, uint64_t{1}}) {
      const uint64_t t = k.tag + dt;
      it->Seek(k.user_key, t);
      model_it->Seek(k.user_key, t);
      ASSERT_EQ(it->Valid(), model_it->Valid());
      if (it->Valid()) {
        EXPECT_EQ(it->user_key(), model_it->user_key());
        EXPECT_EQ(it->tag(), model_it->tag());
      }
      it->SeekForPrev(k.user_key, t);
      model_it->SeekForPrev(k.user_key, t);
      ASSERT_EQ(it->Valid(), model_it->Valid());
      if (it->Valid()) {
        EXPECT_EQ(it->user_key(), model_it->user_key());
        EXPECT_EQ(it->tag(), model_it->tag());
      }
    }
  }
}

TEST(BlockTest, EmptyBlock) {
  Model m;
  auto block = BuildBlock(m, 16);
  auto it = block->NewIterator(&kPath, nullptr);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a", 0);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockTest, RoundTripAcrossRestartIntervals) {
  for (int interval : {1, 2, 3, 16, 1000}) {
    for (int n : {1, 2, 15, 16, 17, 33, 200}) {
      Model m;
      for (int i = 0; i < n; ++i) {
        std::string k = "key" + std::to_string(1000 + i / 3);
        m[IKey{k, PackTag(100 - i % 3, 1)}] =
            i % 5 == 0 ? std::string() : "value" + std::to_string(i);
      }
      SCOPED_TRACE("interval " + std::to_string(interval) + " n " +
                   std::to_string(n));
      CheckAgainstModel(*BuildBlock(m, interval), m);
    }
  }
}

TEST(BlockTest, BinaryAndLargeKeys) {
  std::mt19937 rng(7);
  Model m;
  std::string nul_key("a\0b\0", 4);
  m[IKey{nul_key, PackTag(5, 1)}] = std::string("\0\0", 2);
  m[IKey{std::string("a\0", 2), PackTag(5, 1)}] = "x";
  m[IKey{std::string(), PackTag(9, 2)}] = "";
  std::string big(64 * 1024, '\0');
  for (auto &c : big) c = static_cast<char>(rng());
  m[IKey{big, PackTag(1, 1)}] = std::string(70000, 'v');
  m[IKey{big + "z", PackTag(1, 1)}] = "small";
  for (int i = 0; i < 100; ++i) {
    std::string k(1 + rng() % 20, '\0');
    for (auto &c : k) c = static_cast<char>(rng() % 4);  // many NULs
    m[IKey{k, PackTag(rng() % 1000, 1 + rng() % 2)}] = k;
  }
  for (int interval : {1, 4, 16})
    CheckAgainstModel(*BuildBlock(m, interval), m);
}

TEST(BlockTest, MalformedBlocksAreCorruption) {
  std::shared_ptr<const Block> block;
  for (std::string bad :
       {std::string(), std::string(7, '\0'), std::string(8, '\0'),
        std::string("\0\0\0\0\xff\xff\xff\x7f", 8)}) {
    Status s = Block::Parse(bad, BlockKind::kData, 42, kPath, &block);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.message().find("data block at offset 42"), std::string::npos)
        << s.message();
  }
  // Restart points out of order.
  std::string r;
  r.append("abc");
  PutFixed32(&r, 0);
  PutFixed32(&r, 2);
  PutFixed32(&r, 1);
  PutFixed32(&r, 3);
  EXPECT_TRUE(
      Block::Parse(r, BlockKind::kIndex, 0, kPath, &block).IsCorruption());
}

TEST(BlockTest, GarbageEntriesNeverCrash) {
  std::mt19937 rng(11);
  Model m;
  for (int i = 0; i < 50; ++i) {
    m[IKey{"k" + std::to_string(i), PackTag(i, 1)}] = std::string(i, 'v');
  }
  BlockBuilder b(4);
  for (const auto &[k, v] : m) b.Add(IKeyBytes(k.user_key, k.tag), v);
  const std::string good(b.Finish());
  for (int round = 0; round < 3000; ++round) {
    std::string bad = good;
    int flips = 1 + rng() % 4;
    for (int f = 0; f < flips; ++f) {
      bad[rng() % bad.size()] = static_cast<char>(rng());
    }
    std::shared_ptr<const Block> block;
    if (!Block::Parse(bad, BlockKind::kData, 0, kPath, &block).ok()) continue;
    auto it = block->NewIterator(&kPath, nullptr);
    int steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) ++steps;
    for (it->SeekToLast(); it->Valid() && steps < 2000; it->Prev()) ++steps;
    it->Seek("k25", 0);
    it->SeekForPrev("k25", 0);
    if (!it->status().ok()) {
      EXPECT_TRUE(it->status().IsCorruption());
    }
  }
}

}  // namespace
}  // namespace shale::test
