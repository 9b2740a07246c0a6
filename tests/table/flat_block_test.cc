// FlatBlockBuilder / flat Block: round trips, point lookups through the
// hash index and without it, and damage.
#include "table/flat_block.h"

#include <gtest/gtest.h>

#include <random>

#include "memtable/internal_key.h"
#include "table/block.h"
#include "table/table.h"
#include "table_test_util.h"
#include "util/coding.h"

namespace shale::test {
namespace {

const std::string kPath = "/mem/flat";
constexpr uint8_t kPut = static_cast<uint8_t>(EntryKind::kPut);
constexpr uint8_t kDel = static_cast<uint8_t>(EntryKind::kDelete);

std::string BuildBytes(const Model &m) {
  FlatBlockBuilder b;
  for (const auto &[k, v] : m) {
    b.Add(k.user_key, k.tag, Table::FilterHash(k.user_key), v);
  }
  return std::string(b.Finish());
}

std::shared_ptr<const Block> Parse(const std::string &bytes, Status *s) {
  std::shared_ptr<const Block> block;
  *s = Block::Parse(bytes, BlockKind::kData, 0, kPath, &block,
                    BlockFormat::kFlat);
  return block;
}

std::shared_ptr<const Block> Build(const Model &m) {
  Status s;
  auto block = Parse(BuildBytes(m), &s);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return block;
}

// What Block::Find must answer, from the model.
Block::Probe ModelFind(const Model &m, const std::string &key, uint64_t tag,
                       uint64_t *found_tag, std::string *value) {
  auto it = m.lower_bound(IKey{key, tag});
  if (it == m.end()) return Block::Probe::kPastEnd;
  if (it->first.user_key != key) return Block::Probe::kOtherKey;
  *found_tag = it->first.tag;
  *value = it->second;
  return Block::Probe::kFound;
}

void CheckFinds(const Block &block, const Model &m,
                const std::vector<std::string> &probes) {
  for (const std::string &k : probes) {
    for (uint64_t tag :
         {UINT64_MAX, PackTag(50, kSeekKind), PackTag(3, 0xff), uint64_t{0}}) {
      uint64_t want_tag = 0, got_tag = 0;
      std::string want_value;
      std::string_view got_value;
      const Block::Probe want = ModelFind(m, k, tag, &want_tag, &want_value);
      Block::Probe got;
      Status s = block.Find(k, tag, Table::FilterHash(k), &kPath, &got,
                            &got_tag, &got_value);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(static_cast<int>(want), static_cast<int>(got))
          << k << " @" << tag;
      if (got == Block::Probe::kFound) {
        ASSERT_EQ(want_tag, got_tag) << k;
        ASSERT_EQ(want_value, got_value) << k;
      }
    }
  }
}

void CheckIteration(const Block &block, const Model &m) {
  auto it = block.NewIterator(&kPath, nullptr);
  EXPECT_EQ(Collect(it.get()), m);
  auto r = m.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_NE(r, m.rend());
    ASSERT_EQ(it->user_key(), r->first.user_key);
    ASSERT_EQ(it->tag(), r->first.tag);
    ASSERT_EQ(it->value(), r->second);
  }
  EXPECT_EQ(r, m.rend());
  auto model = NewModelIterator(&m);
  for (const auto &[k, v] : m) {
    for (uint64_t t : {k.tag, k.tag + 1, k.tag - 1}) {
      it->Seek(k.user_key, t);
      model->Seek(k.user_key, t);
      ASSERT_EQ(it->Valid(), model->Valid());
      if (it->Valid()) {
        ASSERT_EQ(it->tag(), model->tag());
      }
      it->SeekForPrev(k.user_key, t);
      model->SeekForPrev(k.user_key, t);
      ASSERT_EQ(it->Valid(), model->Valid());
      if (it->Valid()) {
        ASSERT_EQ(it->user_key(), model->user_key());
        ASSERT_EQ(it->tag(), model->tag());
      }
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

// n keys with up to `versions` versions each (puts and deletes).
Model Versions(int n, int versions, std::mt19937 *rng) {
  Model m;
  for (int i = 0; i < n; ++i) {
    const std::string k = "user-" + std::to_string(1000 + i * 3);
    const int count = 1 + static_cast<int>((*rng)() % versions);
    for (int v = 0; v < count; ++v) {
      const uint64_t seq = 1 + (*rng)() % 100;
      const uint8_t kind = (*rng)() % 4 == 0 ? kDel : kPut;
      m[IKey{k, PackTag(seq, kind)}] =
          kind == kDel ? "" : std::string((*rng)() % 30, 'a' + i % 26);
    }
  }
  return m;
}

std::vector<std::string> ProbeKeys(int n) {
  std::vector<std::string> keys = {"", "a", "user-", "zzz"};
  for (int i = 0; i < n * 3 + 5; ++i) {
    keys.push_back("user-" + std::to_string(1000 + i));  // present and absent
  }
  return keys;
}

TEST(FlatBlock, FindsAndIteratesWithTheHashIndex) {
  std::mt19937 rng(11);
  for (int n : {1, 2, 7, 30, 60, 120}) {
    const Model m = Versions(n, 2, &rng);
    ASSERT_LE(m.size(), kMaxHashedEntries) << "keep these blocks hashed";
    auto block = Build(m);
    ASSERT_TRUE(block);
    CheckFinds(*block, m, ProbeKeys(n));
    CheckIteration(*block, m);
  }
}

TEST(FlatBlock, BigBlocksSearchWithoutAHashIndex) {
  std::mt19937 rng(12);
  const Model m = Versions(400, 4, &rng);
  ASSERT_GT(m.size(), kMaxHashedEntries);
  auto block = Build(m);
  ASSERT_TRUE(block);
  CheckFinds(*block, m, ProbeKeys(400));
  CheckIteration(*block, m);
}

// Keys that share a home bucket are found by probing on.
TEST(FlatBlock, KeysSharingABucketAreFound) {
  // Three keys get 6 buckets: find three with the same one.
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 3 && i < 100000; ++i) {
    const std::string k = "c" + std::to_string(i);
    if (keys.empty() || FlatBucket(Table::FilterHash(k), 6) ==
                            FlatBucket(Table::FilterHash(keys[0]), 6)) {
      keys.push_back(k);
    }
  }
  ASSERT_EQ(keys.size(), 3u);
  Model c;
  for (size_t i = 0; i < keys.size(); ++i) {
    c[IKey{keys[i], PackTag(9 - i, kPut)}] = "v" + std::to_string(i);
    c[IKey{keys[i], PackTag(2, kPut)}] = "old";
  }
  auto block = Build(c);
  ASSERT_TRUE(block);
  std::vector<std::string> probes = keys;
  probes.push_back("c");
  probes.push_back("d");
  CheckFinds(*block, c, probes);
}

TEST(FlatBlock, GuessFormatTellsTheLayoutsApart) {
  std::mt19937 rng(13);
  const std::string flat = BuildBytes(Versions(10, 2, &rng));
  EXPECT_EQ(Block::GuessFormat(flat), BlockFormat::kFlat);
  std::string prefixed(8, '\0');
  prefixed[4] = 1;  // one restart
  EXPECT_EQ(Block::GuessFormat(prefixed), BlockFormat::kPrefixed);
  // Each layout refuses the other.
  Status s;
  EXPECT_FALSE(Parse(prefixed, &s));
  EXPECT_TRUE(s.IsCorruption());
  std::shared_ptr<const Block> b;
  EXPECT_FALSE(
      Block::Parse(flat, BlockKind::kData, 0, kPath, &b, BlockFormat::kPrefixed)
          .ok());
}

// Damage the checksum would miss (a writer's bug): the header is refused
// at Parse, offsets and buckets when a lookup or a step reaches them.
TEST(FlatBlock, MalformedBlocksAreCorruption) {
  std::mt19937 rng(14);
  const Model m = Versions(20, 2, &rng);
  const std::string good = BuildBytes(m);
  const size_t n_at = good.size() - 5, m_at = good.size() - 7;
  auto expect_bad_parse = [&](std::string bytes, const char *what) {
    Status s;
    EXPECT_FALSE(Parse(bytes, &s)) << what;
    EXPECT_TRUE(s.IsCorruption()) << what << ": " << s.ToString();
    EXPECT_NE(s.message().find(kPath), std::string::npos) << s.ToString();
  };
  // Parses, but every key's lookup and a full scan report corruption
  // somewhere, and nothing reads out of bounds (ASan).
  auto expect_bad_use = [&](std::string bytes, const char *what) {
    Status s;
    auto block = Parse(bytes, &s);
    ASSERT_TRUE(block) << what << ": " << s.ToString();
    bool reported = false;
    for (const auto &[k, v] : m) {
      Block::Probe p;
      uint64_t t;
      std::string_view got;
      s = block->Find(k.user_key, UINT64_MAX, Table::FilterHash(k.user_key),
                      &kPath, &p, &t, &got);
      if (!s.ok()) {
        EXPECT_TRUE(s.IsCorruption()) << what << ": " << s.ToString();
        reported = true;
      }
    }
    auto it = block->NewIterator(&kPath, nullptr);
    size_t steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) ++steps;
    if (!it->status().ok()) {
      EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
      reported = true;
    }
    EXPECT_TRUE(reported) << what;
  };
  std::string bad = good;
  bad.back() = 0x42;
  expect_bad_parse(bad, "tag");
  bad = good;
  EncodeFixed32(bad.data() + n_at, 1u << 30);
  expect_bad_parse(bad, "count too large");
  bad = good;
  bad[m_at] = static_cast<char>(0xff);
  bad[m_at + 1] = static_cast<char>(0xff);
  expect_bad_parse(bad, "buckets too many");
  const uint32_t n = DecodeFixed32(good.data() + n_at);
  const uint32_t buckets = static_cast<uint8_t>(good[m_at]);
  const size_t offsets = good.size() - 7 - buckets - 4 * n;
  bad = good;
  EncodeFixed32(bad.data() + offsets, 5);
  expect_bad_parse(bad, "first offset");
  // An offset out of order; a bucket pointing past the entries; no empty
  // bucket (a lookup must not probe forever).
  bad = good;
  EncodeFixed32(bad.data() + offsets + 8, 1);
  expect_bad_use(bad, "offset");
  bad = good;
  for (uint32_t i = 0; i < buckets; ++i) {
    if (static_cast<uint8_t>(bad[offsets + 4 * n + i]) != kBucketEmpty) {
      bad[offsets + 4 * n + i] = static_cast<char>(n + 3);
    }
  }
  expect_bad_use(bad, "bucket");
  bad = good;
  for (uint32_t i = 0; i < buckets; ++i) bad[offsets + 4 * n + i] = 0;
  expect_bad_use(bad, "no empty bucket");
}

// Random bytes over the entries: Find and iteration report corruption or
// answer, and never read out of bounds (ASan).
TEST(FlatBlock, DamagedEntriesNeverCrash) {
  std::mt19937 rng(15);
  const Model m = Versions(40, 2, &rng);
  const std::string good = BuildBytes(m);
  for (int round = 0; round < 3000; ++round) {
    std::string bad = good;
    const size_t at = rng() % (good.size() - 7);
    bad[at] = static_cast<char>(rng());
    Status s;
    auto block = Parse(bad, &s);
    if (!block) continue;
    auto it = block->NewIterator(&kPath, nullptr);
    size_t steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) ++steps;
    for (it->SeekToLast(); it->Valid() && steps < 2000; it->Prev()) ++steps;
    for (const std::string &k : ProbeKeys(40)) {
      Block::Probe p;
      uint64_t t;
      std::string_view v;
      s = block->Find(k, UINT64_MAX, Table::FilterHash(k), &kPath, &p, &t, &v);
      if (!s.ok()) {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      }
    }
  }
}

}  // namespace
}  // namespace shale::test
