// Damaged table files: every flipped byte, truncations, zeroed ranges.
// Open or VerifyChecksums must report Corruption naming the file; Get and
// iteration must never crash (run under ASan/UBSan too).
#include <gtest/gtest.h>

#include <random>

#include "cache/block_cache.h"
#include "memtable/internal_key.h"
#include "table/format.h"
#include "table/table.h"
#include "table_test_util.h"
#include "util/epoch.h"

namespace shale::test {
namespace {

const std::string kPath = "/mem/000042.sst";

Model SmallModel() {
  Model m;
  for (int i = 0; i < 300; ++i) {
    m[IKey{"key" + std::to_string(1000 + i / 2), PackTag(500 - i, 1 + i % 2)}] =
        std::string(i % 17, static_cast<char>('a' + i % 26));
  }
  return m;
}

// Every format a table may be in (this library writes the last one).
class Corruption : public ::testing::TestWithParam<uint32_t> {};

TableOptions SmallOptions(std::shared_ptr<BlockCache> cache, uint32_t format) {
  TableOptions o;
  o.format_version = format;
  o.block_size = 512;
  o.block_restart_interval = 4;
  o.block_cache = cache;
  return o;
}

// Opens bytes and exercises every read path. Returns true if some call
// reported an error (which must then be Corruption naming the file).
bool ExerciseDamaged(const TableOptions &opts, const std::string &bytes) {
  std::shared_ptr<Table> t;
  Status s = OpenTable(opts, bytes, &t, kPath, 42);
  bool failed = false;
  auto check = [&](const Status &st) {
    if (st.ok()) return;
    failed = true;
    EXPECT_TRUE(st.IsCorruption()) << st.ToString();
    EXPECT_NE(st.message().find(kPath), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("block at offset"), std::string::npos)
        << st.ToString();
  };
  check(s);
  if (!s.ok()) return true;
  check(t->VerifyChecksums(nullptr));
  // Reads must not crash whatever they return.
  size_t n = 0;
  auto it = t->NewIterator();
  for (it->SeekToFirst(); it->Valid() && n < 10000; it->Next()) ++n;
  check(it->status());
  for (it->SeekToLast(); it->Valid() && n < 20000; it->Prev()) ++n;
  check(it->status());
  it->Seek("key1100", UINT64_MAX);
  it->SeekForPrev("key1050", 0);
  check(it->status());
  epoch::ReadSection section;
  for (int k : {1000, 1075, 1149, 2000}) {
    Table::GetResult r;
    std::string v;
    check(t->Get("key" + std::to_string(k), kMaxSequence, &r, &v));
  }
  return failed;
}

TEST_P(Corruption, EveryFlippedByteIsDetected) {
  const Model m = SmallModel();
  // Each table opened has block slots of its own: no block of one copy is
  // ever served for another.
  const TableOptions opts =
      SmallOptions(std::make_shared<BlockCache>(1 << 20), GetParam());
  const std::string good = BuildTable(opts, m);
  ASSERT_FALSE(ExerciseDamaged(opts, good));
  std::printf("table of %zu bytes: flipping each byte\n", good.size());
  for (size_t pos = 0; pos < good.size(); ++pos) {
    // Every position with one mask; a dense sample with two more (keeps
    // the test fast under sanitizers).
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      if (mask != 0x01 && pos % 5 != 0) continue;
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ mask);
      ASSERT_TRUE(ExerciseDamaged(opts, bad))
          << "flip at " << pos << " mask " << int(mask) << " undetected";
    }
  }
}

TEST_P(Corruption, TruncationsAreDetected) {
  const Model m = SmallModel();
  const TableOptions opts = SmallOptions(nullptr, GetParam());
  const std::string good = BuildTable(opts, m);
  for (size_t len = 0; len < good.size(); ++len) {
    ASSERT_TRUE(ExerciseDamaged(opts, good.substr(0, len))) << len;
  }
  // Garbage appended after the footer.
  ASSERT_TRUE(ExerciseDamaged(opts, good + "x"));
}

TEST_P(Corruption, ZeroedAndRandomRanges) {
  const Model m = SmallModel();
  const TableOptions opts =
      SmallOptions(std::make_shared<BlockCache>(4096), GetParam());
  const std::string good = BuildTable(opts, m);
  std::mt19937 rng(77);
  for (int round = 0; round < 2000; ++round) {
    std::string bad = good;
    const size_t start = rng() % bad.size();
    const size_t len = 1 + rng() % 64;
    for (size_t i = start; i < bad.size() && i < start + len; ++i) {
      bad[i] = round % 2 ? '\0' : static_cast<char>(rng());
    }
    if (bad == good) continue;
    ASSERT_TRUE(ExerciseDamaged(opts, bad)) << start << "+" << len;
  }
  // Not a table at all.
  EXPECT_TRUE(ExerciseDamaged(opts, std::string(4096, '\0')));
  EXPECT_TRUE(ExerciseDamaged(opts, std::string(100, 'x')));
}

TEST_P(Corruption, MessagesNameKindAndOffset) {
  const Model m = SmallModel();
  const TableOptions opts = SmallOptions(nullptr, GetParam());
  std::string bad = BuildTable(opts, m);
  bad[bad.size() - 1] ^= 1;  // magic
  std::shared_ptr<Table> t;
  Status s = OpenTable(opts, bad, &t, kPath, 42);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("footer block at offset " +
                             std::to_string(bad.size() - 64)),
            std::string::npos)
      << s.message();

  bad = BuildTable(opts, m);
  bad[3] ^= 1;  // first data block
  ASSERT_TRUE(OpenTable(opts, bad, &t, kPath, 42).ok());
  s = t->VerifyChecksums(nullptr);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("data block at offset 0: checksum mismatch"),
            std::string::npos)
      << s.message();
  auto it = t->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_NE(it->status().message().find("data block at offset 0"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Formats, Corruption,
                         ::testing::Values(kTableFormatPrefixed,
                                           kTableFormatFlat));

}  // namespace
}  // namespace shale::test
