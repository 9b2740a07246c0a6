// Bloom filter false-positive rates; block cache and table cache.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "cache/block_cache.h"
#include "env/env.h"
#include "memtable/internal_key.h"
#include "table/block.h"
#include "table/bloom_filter.h"
#include "table/table_builder.h"
#include "table/table_cache.h"
#include "table_test_util.h"

namespace shale::test {
namespace {

double MeasureFalsePositiveRate(int bits_per_key, int n) {
  BloomFilterBuilder b(bits_per_key);
  for (int i = 0; i < n; ++i) b.AddKey("key" + std::to_string(i));
  const std::string data = b.Finish();
  BloomFilterReader r;
  EXPECT_TRUE(r.Parse(data));
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(r.KeyMayMatch("key" + std::to_string(i))) << i;
  }
  int fp = 0;
  const int probes = 100000;
  for (int i = 0; i < probes; ++i) {
    if (r.KeyMayMatch("absent" + std::to_string(i))) ++fp;
  }
  const double rate = static_cast<double>(fp) / probes;
  std::printf("bloom: %d bits/key, %d keys, k=%d: false positives %.3f%%\n",
              bits_per_key, n, BloomFilterBuilder::ProbesFor(bits_per_key),
              100.0 * rate);
  return rate;
}

TEST(BloomTest, NoFalseNegativesAndFalsePositiveRates) {
  EXPECT_LT(MeasureFalsePositiveRate(10, 100000), 0.02);
  EXPECT_LT(MeasureFalsePositiveRate(5, 100000), 0.12);
  EXPECT_LT(MeasureFalsePositiveRate(20, 100000), 0.001);
  EXPECT_LT(MeasureFalsePositiveRate(10, 100), 0.05);
}

TEST(BloomTest, ProbeCountClamped) {
  EXPECT_EQ(BloomFilterBuilder::ProbesFor(1), 1);
  EXPECT_EQ(BloomFilterBuilder::ProbesFor(10), 6);
  EXPECT_EQ(BloomFilterBuilder::ProbesFor(100), 30);
}

TEST(BloomTest, MalformedFilterRejected) {
  BloomFilterReader r;
  // The reader views its input: keep each one alive while it is used.
  const std::string k0 = std::string(8, '\0') + '\0';     // k = 0
  const std::string k31 = std::string(8, '\0') + '\x1f';  // k = 31
  const std::string ok = std::string(8, '\0') + '\x06';
  EXPECT_FALSE(r.Parse(""));
  EXPECT_FALSE(r.Parse("\x05"));
  EXPECT_FALSE(r.Parse(k0));
  EXPECT_FALSE(r.Parse(k31));
  EXPECT_TRUE(r.Parse(ok));
  EXPECT_FALSE(r.KeyMayMatch("x"));
}

std::shared_ptr<const Block> MakeBlock() {
  std::string contents(8, '\0');
  contents[4] = 1;  // one restart at offset 0, no entries
  std::shared_ptr<const Block> b;
  EXPECT_TRUE(Block::Parse(contents, BlockKind::kData, 0, "/mem/x", &b).ok());
  return b;
}

TEST(BlockCacheTest, LruOrderCapacityAndCounts) {
  BlockCache cache(1000, 0);
  for (uint64_t i = 0; i < 10; ++i) cache.Insert(1, i, MakeBlock(), 100);
  EXPECT_EQ(cache.usage(), 1000u);
  EXPECT_NE(cache.Lookup(1, 0), nullptr);  // 0 becomes most recent
  cache.Insert(1, 10, MakeBlock(), 100);   // evicts 1, the least recent
  EXPECT_EQ(cache.Lookup(1, 1), nullptr);
  EXPECT_NE(cache.Lookup(1, 0), nullptr);
  EXPECT_NE(cache.Lookup(1, 2), nullptr);
  EXPECT_EQ(cache.hits(), 3u);
  EXPECT_EQ(cache.misses(), 1u);
  cache.Insert(1, 11, MakeBlock(), 350);  // evicts 3, 4, 5, 6
  EXPECT_LE(cache.usage(), cache.capacity());
  for (uint64_t i : {3, 4, 5, 6}) EXPECT_EQ(cache.Lookup(1, i), nullptr) << i;
  for (uint64_t i : {0, 2, 7}) EXPECT_NE(cache.Lookup(1, i), nullptr) << i;
  // Larger than the whole cache: not kept.
  cache.Insert(2, 0, MakeBlock(), 5000);
  EXPECT_EQ(cache.Lookup(2, 0), nullptr);
  EXPECT_LE(cache.usage(), cache.capacity());
  // Replacing an entry does not double-count it.
  const size_t before = cache.usage();
  cache.Insert(1, 0, MakeBlock(), 100);
  EXPECT_EQ(cache.usage(), before);
}

TEST(BlockCacheTest, EraseFileAndPinnedBlocks) {
  BlockCache cache(10000, 2);
  for (uint64_t i = 0; i < 20; ++i) {
    cache.Insert(5, i * 4096, MakeBlock(), 100);
    cache.Insert(6, i * 4096, MakeBlock(), 100);
  }
  std::shared_ptr<const Block> pinned = cache.Lookup(5, 0);
  ASSERT_NE(pinned, nullptr);
  cache.EraseFile(5);
  for (uint64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(cache.Lookup(5, i * 4096), nullptr);
    EXPECT_NE(cache.Lookup(6, i * 4096), nullptr);
  }
  EXPECT_EQ(cache.entries(), 20u);
  EXPECT_EQ(cache.usage(), 2000u);
  // Evicted but still pinned: the block stays usable.
  auto it = pinned->NewIterator(nullptr, nullptr);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(pinned.use_count(), 1);
}

TEST(BlockCacheTest, ZeroCapacityKeepsNothing) {
  BlockCache cache(0);
  cache.Insert(1, 0, MakeBlock(), 1);
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.usage(), 0u);
}

TEST(BlockCacheTest, ConcurrentUse) {
  BlockCache cache(64 * 100, 3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (uint64_t i = 0; i < 20000; ++i) {
        const uint64_t file = (i + t) % 7, off = (i * 31) % 500;
        if (auto b = cache.Lookup(file, off); b == nullptr) {
          cache.Insert(file, off, MakeBlock(), 64);
        }
        if (i % 997 == 0) cache.EraseFile(file);
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_LE(cache.usage(), cache.capacity());
  EXPECT_EQ(cache.hits() + cache.misses(), 80000u);
}

class TableCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("shale_table_cache_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  uint64_t WriteTable(uint64_t number) {
    Model m;
    for (int i = 0; i < 300; ++i) {
      m[IKey{"f" + std::to_string(number) + "k" + std::to_string(i),
             PackTag(i + 1, 1)}] = "v" + std::to_string(i);
    }
    TableOptions opts;
    std::string bytes = BuildTable(opts, m);
    char name[32];
    std::snprintf(name, sizeof(name), "/%06llu.sst",
                  static_cast<unsigned long long>(number));
    std::unique_ptr<WritableFile> f;
    EXPECT_TRUE(Env::Default()->NewWritableFile(dir_.string() + name, &f).ok());
    EXPECT_TRUE(f->Append(bytes).ok());
    EXPECT_TRUE(f->Close().ok());
    return bytes.size();
  }

  std::filesystem::path dir_;
};

TEST_F(TableCacheTest, BoundedOpenTablesAndEvict) {
  std::vector<uint64_t> sizes;
  for (uint64_t n = 1; n <= 10; ++n) sizes.push_back(WriteTable(n));
  BlockCache blocks(1 << 20);
  TableOptions opts;
  opts.block_cache = &blocks;
  TableCache cache(Env::Default(), dir_.string(), opts, 3);
  for (int round = 0; round < 3; ++round) {
    for (uint64_t n = 1; n <= 10; ++n) {
      std::shared_ptr<Table> t;
      Status s = cache.Get(n, sizes[n - 1], &t);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(t->file_number(), n);
      Table::GetResult r;
      std::string v;
      ASSERT_TRUE(
          t->Get("f" + std::to_string(n) + "k7", kMaxSequence, &r, &v).ok());
      EXPECT_EQ(r, Table::GetResult::kFound);
      EXPECT_EQ(v, "v7");
      EXPECT_LE(cache.open_tables(), 3u);
    }
  }
  EXPECT_EQ(cache.open_tables(), 3u);
  cache.Evict(10);
  EXPECT_EQ(cache.open_tables(), 2u);

  // Size mismatch and missing files.
  std::shared_ptr<Table> t;
  Status s = cache.Get(1, sizes[0] + 1, &t);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("000001.sst"), std::string::npos);
  EXPECT_FALSE(cache.Get(99, 100, &t).ok());
  EXPECT_EQ(t, nullptr);
}

TEST_F(TableCacheTest, ConcurrentGets) {
  std::vector<uint64_t> sizes;
  for (uint64_t n = 1; n <= 6; ++n) sizes.push_back(WriteTable(n));
  BlockCache blocks(256 << 10, 2);
  TableOptions opts;
  opts.block_cache = &blocks;
  TableCache cache(Env::Default(), dir_.string(), opts, 4);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        const uint64_t n = 1 + (i * 7 + t) % 6;
        std::shared_ptr<Table> table;
        if (!cache.Get(n, sizes[n - 1], &table).ok()) {
          ++failures;
          continue;
        }
        Table::GetResult r;
        std::string v;
        if (!table
                 ->Get("f" + std::to_string(n) + "k" + std::to_string(i % 300),
                       kMaxSequence, &r, &v)
                 .ok() ||
            r != Table::GetResult::kFound) {
          ++failures;
        }
        if (i % 50 == 0) cache.Evict(n);
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(cache.open_tables(), 4u);
}

}  // namespace
}  // namespace shale::test
