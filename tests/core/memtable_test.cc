#include "memtable/memtable.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "memtable/skiplist.h"

namespace shale {
namespace {

struct U64Cmp {
  int operator()(uint64_t a, uint64_t b) const {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
};

TEST(SkipListTest, OrderedInsertAndSeek) {
  Arena arena;
  SkipList<uint64_t, U64Cmp> list(U64Cmp(), &arena);
  std::set<uint64_t> model;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    uint64_t k = rng() % 5000 + 1;
    if (model.insert(k).second) list.Insert(k);
  }
  SkipList<uint64_t, U64Cmp>::Iterator it(&list);
  it.SeekToFirst();
  for (uint64_t k : model) {
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(k, it.key());
    it.Next();
  }
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  for (auto r = model.rbegin(); r != model.rend(); ++r) {
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(*r, it.key());
    it.Prev();
  }
  EXPECT_FALSE(it.Valid());
  for (uint64_t probe = 0; probe < 5100; probe += 37) {
    it.Seek(probe);
    auto m = model.lower_bound(probe);
    ASSERT_EQ(m != model.end(), it.Valid());
    if (it.Valid()) {
      EXPECT_EQ(*m, it.key());
    }
    it.SeekBefore(probe);
    auto b = model.lower_bound(probe);
    if (b == model.begin()) {
      EXPECT_FALSE(it.Valid());
    } else {
      ASSERT_TRUE(it.Valid());
      EXPECT_EQ(*std::prev(b), it.key());
    }
    EXPECT_EQ(model.count(probe) > 0, list.Contains(probe));
  }
}

TEST(SkipListTest, ConcurrentReadersDuringWrites) {
  // One writer inserts increasing even keys; readers check that whatever
  // they see is sorted and never half-built.
  Arena arena;
  SkipList<uint64_t, U64Cmp> list(U64Cmp(), &arena);
  std::atomic<uint64_t> published{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> checks{0};
  auto reader = [&] {
    while (!stop.load()) {
      uint64_t seen = published.load(std::memory_order_acquire);
      SkipList<uint64_t, U64Cmp>::Iterator it(&list);
      uint64_t prev = 0, count = 0;
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        EXPECT_LT(prev, it.key());
        EXPECT_EQ(0u, it.key() % 2);
        prev = it.key();
        ++count;
      }
      // Everything published before the scan started is present.
      EXPECT_GE(count, seen);
      if (seen > 0) {
        EXPECT_TRUE(list.Contains(seen * 2));
      }
      checks.fetch_add(1);
    }
  };
  std::thread r1(reader), r2(reader);
  for (uint64_t i = 1; i <= 20000; ++i) {
    list.Insert(i * 2);
    published.store(i, std::memory_order_release);
  }
  while (checks.load() < 20) std::this_thread::yield();
  stop = true;
  r1.join();
  r2.join();
}

TEST(MemTableTest, VersionsAndSnapshots) {
  MemTable mem;
  mem.Add(1, EntryKind::kPut, "k", "v1");
  mem.Add(2, EntryKind::kPut, "k", "v2");
  mem.Add(3, EntryKind::kDelete, "k", "");
  mem.Add(4, EntryKind::kPut, "k", "v4");
  mem.Add(5, EntryKind::kPut, "", "empty-key");
  std::string v;
  EXPECT_EQ(MemTable::LookupResult::kAbsent, mem.Get("k", 0, &v));
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get("k", 1, &v));
  EXPECT_EQ("v1", v);
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get("k", 2, &v));
  EXPECT_EQ("v2", v);
  EXPECT_EQ(MemTable::LookupResult::kDeleted, mem.Get("k", 3, &v));
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get("k", 100, &v));
  EXPECT_EQ("v4", v);
  EXPECT_EQ(MemTable::LookupResult::kAbsent, mem.Get("j", 100, &v));
  EXPECT_EQ(MemTable::LookupResult::kAbsent,
            mem.Get(std::string("k\0", 2), 100, &v));
  EXPECT_EQ(MemTable::LookupResult::kFound, mem.Get("", 5, &v));
  EXPECT_EQ("empty-key", v);
  EXPECT_EQ(5u, mem.EntryCount());
  EXPECT_GT(mem.ApproximateMemoryUsage(), 0u);
}

TEST(MemTableTest, InternalKeyOrder) {
  MemTable mem;
  mem.Add(1, EntryKind::kPut, "b", "1");
  mem.Add(2, EntryKind::kPut, "a", "2");
  mem.Add(3, EntryKind::kPut, "b", "3");
  mem.Add(4, EntryKind::kPut, "ab", "4");
  mem.Add(5, EntryKind::kPut, std::string("a\xff", 2), "5");
  MemTable::Iterator it(&mem);
  std::vector<std::pair<std::string, uint64_t>> got;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    got.emplace_back(std::string(it.user_key()), it.sequence());
  }
  std::vector<std::pair<std::string, uint64_t>> want = {
      {"a", 2}, {"ab", 4}, {std::string("a\xff", 2), 5}, {"b", 3}, {"b", 1}};
  EXPECT_EQ(want, got);
}

// The size the flush trigger uses is the data held, not the arena blocks:
// an empty memtable with 64 KiB blocks is not 64 KiB full.
TEST(MemTableTest, DataSizeTracksEntriesNotBlocks) {
  MemTable mem(64 * 1024);
  EXPECT_LT(mem.DataSize(), 1024u);
  EXPECT_GE(mem.ApproximateMemoryUsage(), 64u * 1024);
  const std::string value(100, 'v');
  for (int i = 0; i < 1000; ++i) {
    mem.Add(static_cast<SequenceNumber>(i + 1), EntryKind::kPut,
            "key" + std::to_string(100000 + i), value);
  }
  // 1000 entries of 109 bytes of key and value, plus tags and nodes.
  EXPECT_GE(mem.DataSize(), 1000u * 109);
  EXPECT_LE(mem.DataSize(), 1000u * 200);
  EXPECT_LE(mem.DataSize(), mem.ApproximateMemoryUsage());
}

TEST(MemTableTest, LargeValue) {
  MemTable mem;
  std::string big(1 << 20, 'x');
  mem.Add(1, EntryKind::kPut, "big", big);
  std::string v;
  ASSERT_EQ(MemTable::LookupResult::kFound, mem.Get("big", 1, &v));
  EXPECT_EQ(big, v);
}

}  // namespace
}  // namespace shale
