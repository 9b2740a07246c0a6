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
#include "table/local_bloom.h"
#include "table/table_builder.h"
#include "table/table_cache.h"
#include "table_test_util.h"
#include "util/coding.h"
#include "util/epoch.h"
#include "version/version_edit.h"

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

double LocalFalsePositiveRate(int bits_per_key, int n) {
  LocalBloomBuilder b(bits_per_key);
  for (int i = 0; i < n; ++i)
    b.AddHash(Table::FilterHash("key" + std::to_string(i)));
  const std::string data = b.Finish();
  LocalBloomReader r;
  EXPECT_TRUE(r.Parse(data));
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(r.HashMayMatch(Table::FilterHash("key" + std::to_string(i))))
        << i;
  }
  int fp = 0;
  const int probes = 100000;
  for (int i = 0; i < probes; ++i) {
    fp += r.HashMayMatch(Table::FilterHash("absent" + std::to_string(i)));
  }
  const double rate = static_cast<double>(fp) / probes;
  std::printf(
      "local bloom: %d bits/key, %d keys, k=%d: false positives %.3f%%\n",
      bits_per_key, n, LocalBloomBuilder::ProbesFor(bits_per_key),
      100.0 * rate);
  return rate;
}

TEST(LocalBloomTest, NoFalseNegativesAndFalsePositiveRates) {
  EXPECT_LT(LocalFalsePositiveRate(10, 100000), 0.015);
  EXPECT_LT(LocalFalsePositiveRate(5, 100000), 0.12);
  EXPECT_LT(LocalFalsePositiveRate(20, 100000), 0.002);
  EXPECT_LT(LocalFalsePositiveRate(10, 100), 0.05);
  EXPECT_LT(LocalFalsePositiveRate(10, 1), 0.05);
}

TEST(LocalBloomTest, MalformedFilterRejected) {
  LocalBloomBuilder b(10);
  b.AddHash(Table::FilterHash("x"));
  const std::string good = b.Finish();
  LocalBloomReader r;
  ASSERT_TRUE(r.Parse(good));
  EXPECT_TRUE(r.HashMayMatch(Table::FilterHash("x")));
  EXPECT_FALSE(r.Parse(""));
  EXPECT_FALSE(r.Parse(good.substr(1)));  // size disagrees with the lines
  std::string bad = good;
  bad.back() = 0;  // tag
  EXPECT_FALSE(r.Parse(bad));
  bad = good;
  bad[bad.size() - 2] = 0;  // k = 0
  EXPECT_FALSE(r.Parse(bad));
  bad[bad.size() - 2] = 17;  // k too large
  EXPECT_FALSE(r.Parse(bad));
  bad = good;
  EncodeFixed32(bad.data() + bad.size() - 6, 2);  // two lines claimed
  EXPECT_FALSE(r.Parse(bad));
}

std::shared_ptr<const Block> MakeBlock() {
  std::string contents(8, '\0');
  contents[4] = 1;  // one restart at offset 0, no entries
  std::shared_ptr<const Block> b;
  EXPECT_TRUE(Block::Parse(contents, BlockKind::kData, 0, "/mem/x", &b).ok());
  return b;
}

// Slots as a table keeps them, one per block.
struct Slots {
  explicit Slots(size_t n) : n(n), slots(new BlockCache::Slot[n]()) {}
  size_t n;
  std::unique_ptr<BlockCache::Slot[]> slots;
  BlockCache::Slot *at(size_t i) { return &slots[i]; }
};

bool Cached(BlockCache &cache, Slots &s, size_t i) {
  epoch::ReadSection section;
  return cache.Lookup(*s.at(i)) != nullptr;
}

TEST(BlockCacheTest, ClockEvictionCapacityAndCounts) {
  BlockCache cache(1000);
  Slots s(20);
  for (size_t i = 0; i < 10; ++i) cache.Insert(s.at(i), MakeBlock(), 100);
  EXPECT_EQ(cache.usage(), 1000u);
  EXPECT_EQ(cache.entries(), 10u);
  // New entries start referenced: the first eviction sweeps them all once.
  cache.Insert(s.at(10), MakeBlock(), 100);
  EXPECT_EQ(cache.entries(), 10u);
  std::vector<size_t> used;
  uint64_t probes = 0;
  for (size_t i = 0; i < 10 && used.size() < 3; ++i, ++probes) {
    if (Cached(cache, s, i)) used.push_back(i);
  }
  ASSERT_EQ(used.size(), 3u);
  EXPECT_EQ(cache.hits(), 3u);
  EXPECT_EQ(cache.misses(), probes - 3);
  // Five more evictions among the seven blocks not used since the sweep:
  // the used ones are spared.
  for (size_t i = 11; i < 16; ++i) cache.Insert(s.at(i), MakeBlock(), 100);
  for (size_t i : used) EXPECT_TRUE(Cached(cache, s, i)) << i;
  EXPECT_EQ(cache.usage(), 1000u);
  size_t cached = 0;
  for (size_t i = 0; i < 16; ++i) cached += Cached(cache, s, i);
  EXPECT_EQ(cached, 10u);
  EXPECT_EQ(cache.hits(), 3u + 3u + 10u);  // used, used again, the scan
  EXPECT_EQ(cache.misses(), probes - 3 + 6u);
  // A bigger block evicts as many as it needs.
  cache.Insert(s.at(16), MakeBlock(), 350);
  EXPECT_LE(cache.usage(), cache.capacity());
  EXPECT_TRUE(Cached(cache, s, 16));
  // Larger than the whole cache: handed back, not kept.
  auto big = MakeBlock();
  EXPECT_EQ(cache.Insert(s.at(17), big, 5000), big);
  EXPECT_FALSE(Cached(cache, s, 17));
  // A slot filled by another reader first keeps the first block.
  auto first = MakeBlock(), second = MakeBlock();
  cache.Insert(s.at(18), first, 100);
  EXPECT_EQ(cache.Insert(s.at(18), second, 100), first);
  EXPECT_LE(cache.usage(), cache.capacity());
  cache.EraseSlots(s.slots.get(), s.n);
  EXPECT_EQ(cache.usage(), 0u);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(BlockCacheTest, EraseSlotsKeepsBlocksInUse) {
  BlockCache cache(10000);
  Slots a(20), b(20);
  for (size_t i = 0; i < 20; ++i) {
    cache.Insert(a.at(i), MakeBlock(), 100);
    cache.Insert(b.at(i), MakeBlock(), 100);
  }
  std::shared_ptr<const Block> pinned = cache.LookupShared(*a.at(0));
  ASSERT_NE(pinned, nullptr);
  cache.EraseSlots(a.slots.get(), a.n);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_FALSE(Cached(cache, a, i));
    EXPECT_TRUE(Cached(cache, b, i));
  }
  EXPECT_EQ(cache.entries(), 20u);
  EXPECT_EQ(cache.usage(), 2000u);
  // Erased but still referenced: the block stays usable.
  auto it = pinned->NewIterator(nullptr, nullptr);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(pinned.use_count(), 1);
  cache.EraseSlots(b.slots.get(), b.n);
}

// An evicted block stays valid for the section that looked it up, and is
// freed after it (ASan would report a use after free).
TEST(BlockCacheTest, EvictionWaitsForTheReadersSection) {
  BlockCache cache(200);
  Slots s(10);
  auto block = MakeBlock();
  std::weak_ptr<const Block> watch = block;
  cache.Insert(s.at(0), std::move(block), 100);
  {
    epoch::ReadSection section;
    const Block *b = cache.Lookup(*s.at(0));
    ASSERT_NE(b, nullptr);
    for (size_t i = 1; i < 10; ++i) cache.Insert(s.at(i), MakeBlock(), 100);
    EXPECT_FALSE(Cached(cache, s, 0)) << "evicted";
    epoch::Reclaim();
    EXPECT_FALSE(watch.expired()) << "freed under a section that uses it";
    auto it = b->NewIterator(nullptr, nullptr);
    it->SeekToFirst();
  }
  epoch::Reclaim();
  EXPECT_TRUE(watch.expired());
  cache.EraseSlots(s.slots.get(), s.n);
}

TEST(BlockCacheTest, ZeroCapacityKeepsNothing) {
  BlockCache cache(0);
  Slots s(1);
  auto b = MakeBlock();
  EXPECT_EQ(cache.Insert(s.at(0), b, 1), b);
  EXPECT_FALSE(Cached(cache, s, 0));
  EXPECT_EQ(cache.usage(), 0u);
}

TEST(BlockCacheTest, ConcurrentUse) {
  BlockCache cache(64 * 100);
  Slots s(500);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &s, t] {
      for (size_t i = 0; i < 20000; ++i) {
        const size_t k = (i * 31 + t) % s.n;
        epoch::ReadSection section;
        if (cache.Lookup(*s.at(k)) == nullptr) {
          cache.Insert(s.at(k), MakeBlock(), 64);
        }
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_LE(cache.usage(), cache.capacity());
  EXPECT_EQ(cache.hits() + cache.misses(), 80000u);
  cache.EraseSlots(s.slots.get(), s.n);
  EXPECT_EQ(cache.entries(), 0u);
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

std::shared_ptr<FileMeta> Meta(uint64_t number, uint64_t size) {
  auto f = std::make_shared<FileMeta>();
  f->number = number;
  f->file_size = size;
  return f;
}

// Finds f's reader and reads one of its keys.
testing::AssertionResult ReadsKey(TableCache &cache, const FileMeta &f,
                                  const std::string &key,
                                  const std::string &want) {
  epoch::ReadSection section;
  const Table *t = nullptr;
  Status s = cache.Find(f, &t);
  if (!s.ok()) return testing::AssertionFailure() << s.ToString();
  if (t->file_number() != f.number) {
    return testing::AssertionFailure() << "reader of " << t->file_number();
  }
  Table::GetResult r;
  std::string v;
  s = t->Get(key, kMaxSequence, &r, &v);
  if (!s.ok() || r != Table::GetResult::kFound || v != want) {
    return testing::AssertionFailure() << key << ": " << s.ToString();
  }
  return testing::AssertionSuccess();
}

TEST_F(TableCacheTest, BoundedOpenTablesAttachedToTheirFiles) {
  std::vector<std::shared_ptr<FileMeta>> files;
  for (uint64_t n = 1; n <= 10; ++n) files.push_back(Meta(n, WriteTable(n)));
  TableOptions opts;
  opts.block_cache = std::make_shared<BlockCache>(1 << 20);
  TableCache cache(Env::Default(), dir_.string(), opts, 3);
  for (int round = 0; round < 3; ++round) {
    for (const auto &f : files) {
      EXPECT_TRUE(
          ReadsKey(cache, *f, "f" + std::to_string(f->number) + "k7", "v7"));
      EXPECT_LE(cache.open_tables(), 3u);
    }
  }
  EXPECT_EQ(cache.open_tables(), 3u);
  // A reader closes with its FileMeta (the file left every version).
  for (auto &f : files) f.reset();
  EXPECT_EQ(cache.open_tables(), 0u);
  epoch::Synchronize();
  epoch::Reclaim();

  // Size mismatch and missing files.
  auto wrong = Meta(1, WriteTable(1) + 1);
  epoch::ReadSection section;
  const Table *t = nullptr;
  Status s = cache.Find(*wrong, &t);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("000001.sst"), std::string::npos);
  EXPECT_FALSE(cache.Find(*Meta(99, 100), &t).ok());
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(cache.open_tables(), 0u);
}

TEST_F(TableCacheTest, ReadersOutliveTheCache) {
  auto f = Meta(3, WriteTable(3));
  std::shared_ptr<const Table> held;
  {
    TableOptions opts;
    TableCache cache(Env::Default(), dir_.string(), opts, 4);
    ASSERT_TRUE(cache.FindShared(*f, &held).ok());
    EXPECT_EQ(cache.open_tables(), 1u);
  }
  Table::GetResult r;
  std::string v;
  epoch::ReadSection section;
  ASSERT_TRUE(held->Get("f3k9", kMaxSequence, &r, &v).ok());
  EXPECT_EQ(v, "v9");
  f.reset();  // closes the reader the destroyed cache left attached
  ASSERT_TRUE(held->Get("f3k9", kMaxSequence, &r, &v).ok());
  EXPECT_EQ(v, "v9");
}

TEST_F(TableCacheTest, ConcurrentFinds) {
  std::vector<uint64_t> sizes;
  for (uint64_t n = 1; n <= 6; ++n) sizes.push_back(WriteTable(n));
  TableOptions opts;
  opts.block_cache = std::make_shared<BlockCache>(256 << 10);
  TableCache cache(Env::Default(), dir_.string(), opts, 4);
  std::vector<std::shared_ptr<FileMeta>> files;
  for (uint64_t n = 1; n <= 6; ++n) files.push_back(Meta(n, sizes[n - 1]));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        const size_t n = (i * 7 + t) % 6;
        // Each thread its own FileMetas too, as versions come and go.
        auto own = i % 50 == 0 ? Meta(n + 1, sizes[n]) : files[n];
        if (!ReadsKey(
                cache, *own,
                "f" + std::to_string(n + 1) + "k" + std::to_string(i % 300),
                "v" + std::to_string(i % 300))) {
          ++failures;
        }
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(cache.open_tables(), 4u);
}

}  // namespace
}  // namespace shale::test
