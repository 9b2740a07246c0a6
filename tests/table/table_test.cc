// TableBuilder / Table round trips against a std::map model.
#include "table/table.h"

#include <gtest/gtest.h>

#include <random>

#include "cache/block_cache.h"
#include "memtable/internal_key.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "table_test_util.h"
#include "util/epoch.h"

namespace shale::test {
namespace {

constexpr uint8_t kPut = static_cast<uint8_t>(EntryKind::kPut);
constexpr uint8_t kDel = static_cast<uint8_t>(EntryKind::kDelete);

std::string UserKey(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "user%08d", i);
  return buf;
}

// 100k entries: 40k user keys with 1..4 versions each, some tombstones.
Model BigModel() {
  std::mt19937 rng(1234);
  Model m;
  uint64_t seq = 1;
  int i = 0;
  while (m.size() < 100000) {
    const std::string k = UserKey(i * 2);  // odd numbers stay absent
    const int versions = 1 + static_cast<int>(rng() % 4);
    for (int v = 0; v < versions; ++v) {
      const uint8_t kind = rng() % 7 == 0 ? kDel : kPut;
      m[IKey{k, PackTag(seq, kind)}] =
          kind == kPut ? k + "@" + std::to_string(seq) : std::string();
      seq += 1 + rng() % 3;
    }
    ++i;
  }
  return m;
}

const Model &SharedBigModel() {
  static const Model m = BigModel();
  return m;
}

// The model's answer for Get(user_key, seq).
Table::GetResult ModelGet(const Model &m, const std::string &k, uint64_t seq,
                          std::string *value) {
  auto it = m.lower_bound(IKey{k, PackTag(seq, kSeekKind)});
  if (it == m.end() || it->first.user_key != k) {
    return Table::GetResult::kAbsent;
  }
  if ((it->first.tag & 0xff) == kDel) return Table::GetResult::kDeleted;
  *value = it->second;
  return Table::GetResult::kFound;
}

// (cache capacity, table format)
class TableRoundTrip
    : public ::testing::TestWithParam<std::tuple<size_t, uint32_t>> {};

TEST_P(TableRoundTrip, GetAndIterateMatchModel) {
  const Model &m = SharedBigModel();
  const auto [capacity, format] = GetParam();
  auto shared_cache = std::make_shared<BlockCache>(capacity);
  BlockCache &cache = *shared_cache;
  TableOptions opts;
  opts.block_cache = shared_cache;
  opts.format_version = format;
  std::string bytes = BuildTable(opts, m);
  std::shared_ptr<Table> table;
  Status s = OpenTable(opts, bytes, &table);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(table->VerifyChecksums(nullptr).ok());

  // Get at various snapshots (reads of cached blocks need a section).
  epoch::ReadSection section;
  std::mt19937 rng(99);
  const uint64_t max_seq = m.rbegin()->first.tag >> 8;
  int found = 0, deleted = 0;
  uint64_t checks = 0, negatives = 0;
  for (int n = 0; n < 20000; ++n) {
    const int i = static_cast<int>(rng() % 90000);
    const std::string k = UserKey(i);
    const uint64_t seq = rng() % 4 == 0 ? kMaxSequence : rng() % (max_seq + 2);
    std::string want_value, got_value;
    const auto want = ModelGet(m, k, seq, &want_value);
    Table::GetResult got;
    Table::FilterOutcome filter;
    s = table->Get(k, seq, &got, &got_value, &filter);
    checks += filter.checked;
    negatives += filter.negative;
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(got, want) << k << " @" << seq;
    if (got == Table::GetResult::kFound) {
      ASSERT_EQ(got_value, want_value);
      ++found;
    }
    if (got == Table::GetResult::kDeleted) ++deleted;
  }
  EXPECT_GT(found, 1000);
  EXPECT_GT(deleted, 50);
  EXPECT_GT(checks, 0u);
  EXPECT_GT(negatives, 0u);

  // Forward and backward.
  auto it = table->NewIterator();
  EXPECT_EQ(Collect(it.get()), m);
  auto mit = m.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++mit) {
    ASSERT_NE(mit, m.rend());
    ASSERT_EQ(it->user_key(), mit->first.user_key);
    ASSERT_EQ(it->tag(), mit->first.tag);
  }
  EXPECT_EQ(mit, m.rend());
  EXPECT_TRUE(it->status().ok());

  // Seek / SeekForPrev at random targets, then a few steps either way.
  auto model = NewModelIterator(&m);
  for (int n = 0; n < 3000; ++n) {
    const std::string k = UserKey(static_cast<int>(rng() % 90000));
    const uint64_t t = rng() % 3 == 0 ? UINT64_MAX : rng() % (max_seq << 8);
    if (n % 2 == 0) {
      it->Seek(k, t);
      model->Seek(k, t);
    } else {
      it->SeekForPrev(k, t);
      model->SeekForPrev(k, t);
    }
    for (int step = 0; step < 6; ++step) {
      ASSERT_EQ(it->Valid(), model->Valid());
      if (!it->Valid()) break;
      ASSERT_EQ(it->user_key(), model->user_key());
      ASSERT_EQ(it->tag(), model->tag());
      ASSERT_EQ(it->value(), model->value());
      if (rng() % 2) {
        it->Next();
        model->Next();
      } else {
        it->Prev();
        model->Prev();
      }
    }
  }
  EXPECT_TRUE(it->status().ok());
  if (capacity > 0) {
    EXPECT_LE(cache.usage(), cache.capacity());
    EXPECT_GT(cache.hits(), 0u);
  } else {
    EXPECT_EQ(cache.usage(), 0u);
  }
}

// Uncached, a small cache that evicts constantly, a cache holding it all.
INSTANTIATE_TEST_SUITE_P(
    CacheSizesAndFormats, TableRoundTrip,
    ::testing::Combine(
        ::testing::Values(size_t{0}, size_t{64} << 10, size_t{64} << 20),
        ::testing::Values(kTableFormatPrefixed, kTableFormatFlat)));

TEST(TableTest, EmptyTable) {
  Model m;
  TableOptions opts;
  std::shared_ptr<Table> table;
  ASSERT_TRUE(OpenTable(opts, BuildTable(opts, m), &table).ok());
  auto it = table->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  Table::GetResult r;
  std::string v;
  epoch::ReadSection section;
  ASSERT_TRUE(table->Get("x", kMaxSequence, &r, &v).ok());
  EXPECT_EQ(r, Table::GetResult::kAbsent);
  EXPECT_TRUE(table->VerifyChecksums(nullptr).ok());
}

TEST(TableTest, NoFilterAndTinyBlocks) {
  Model m;
  for (int i = 0; i < 500; ++i) {
    m[IKey{UserKey(i), PackTag(i + 1, kPut)}] = std::string(i % 50, 'x');
  }
  TableOptions opts;
  opts.bloom_bits_per_key = 0;
  opts.block_size = 64;
  opts.block_restart_interval = 1;
  std::shared_ptr<Table> table;
  ASSERT_TRUE(OpenTable(opts, BuildTable(opts, m), &table).ok());
  auto it = table->NewIterator();
  EXPECT_EQ(Collect(it.get()), m);
  Table::GetResult r;
  std::string v;
  epoch::ReadSection section;
  ASSERT_TRUE(table->Get(UserKey(10), kMaxSequence, &r, &v).ok());
  EXPECT_EQ(r, Table::GetResult::kFound);
  EXPECT_EQ(v, std::string(10, 'x'));
  Table::FilterOutcome filter;
  ASSERT_TRUE(table->Get(UserKey(10), 5, &r, &v, &filter).ok());  // at 11
  EXPECT_EQ(r, Table::GetResult::kAbsent);
  EXPECT_FALSE(filter.checked);
}

TEST(TableTest, BuilderRejectsOutOfOrderAndReportsRange) {
  StringSink sink;
  TableOptions opts;
  TableBuilder b(opts, &sink);
  ASSERT_TRUE(b.Add("b", PackTag(5, kPut), "1").ok());
  EXPECT_FALSE(b.Add("a", PackTag(9, kPut), "1").ok());
  EXPECT_FALSE(b.Add("b", PackTag(6, kPut), "1").ok());  // higher tag first
  ASSERT_TRUE(b.Add("b", PackTag(4, kDel), "").ok());
  ASSERT_TRUE(b.Add("c", PackTag(1, kPut), "1").ok());
  ASSERT_TRUE(b.Finish().ok());
  EXPECT_EQ(b.NumEntries(), 3u);
  EXPECT_EQ(b.smallest_user_key(), "b");
  EXPECT_EQ(b.smallest_tag(), PackTag(5, kPut));
  EXPECT_EQ(b.largest_user_key(), "c");
  EXPECT_EQ(b.largest_tag(), PackTag(1, kPut));
  EXPECT_EQ(b.FileSize(), sink.contents.size());
}

TEST(TableTest, IteratorKeepsTableAlive) {
  Model m;
  for (int i = 0; i < 2000; ++i) m[IKey{UserKey(i), PackTag(1, kPut)}] = "v";
  TableOptions opts;
  opts.block_cache = std::make_shared<BlockCache>(1 << 20);
  std::shared_ptr<Table> table;
  ASSERT_TRUE(OpenTable(opts, BuildTable(opts, m), &table).ok());
  auto it = table->NewIterator();
  table.reset();
  opts.block_cache.reset();  // the table holds the cache
  it->SeekToFirst();
  size_t n = 0;
  for (; it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, m.size());
}

TEST(TableTest, VerifyChecksumsReportsProgressAndCancels) {
  Model m;
  for (int i = 0; i < 5000; ++i) m[IKey{UserKey(i), PackTag(1, kPut)}] = "v";
  TableOptions opts;
  std::string bytes = BuildTable(opts, m);
  std::shared_ptr<Table> table;
  ASSERT_TRUE(OpenTable(opts, bytes, &table).ok());
  uint64_t last = 0;
  ASSERT_TRUE(table
                  ->VerifyChecksums([&](uint64_t done) {
                    EXPECT_GE(done, last);
                    last = done;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(last, bytes.size());
  Status s = table->VerifyChecksums([](uint64_t) { return false; });
  EXPECT_EQ(s.code(), Status::Code::kCancelled);
}

}  // namespace
}  // namespace shale::test
