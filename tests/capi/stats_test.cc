// stats_test.cc — shale_stats_init, shale_db_stats and "shale.stats".
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "maintenance_util.h"

namespace shale_test {
namespace {

TEST(Stats, InitSetsSizeAndZeroes) {
  shale_stats s;
  memset(&s, 0xab, sizeof(s));
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&s));
  EXPECT_EQ(sizeof(s), s.struct_size);
  EXPECT_EQ(0u, s.approximate_keys);
  EXPECT_EQ(0u, s.write_stalls);
  EXPECT_EQ(0.0, s.write_amplification);
}

TEST(Stats, InitRejectsSmallOrNull) {
  shale_stats s;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_stats_init(nullptr, sizeof(s)));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_stats_init(&s, 0));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_stats_init(&s, offsetof(shale_stats, write_amplification)));
  EXPECT_NE(std::string(shale_last_error()).find("struct_size"),
            std::string::npos);
}

TEST(Stats, LargerStructFromANewerHeader) {
  // A caller built against a future header with more fields.
  std::vector<unsigned char> buf(sizeof(shale_stats) + 32, 0xcd);
  auto *s = reinterpret_cast<shale_stats *>(buf.data());
  ASSERT_EQ(SHALE_OK, shale_stats_init(s, buf.size()));
  EXPECT_EQ(buf.size(), s->struct_size);
  for (size_t i = sizeof(shale_stats); i < buf.size(); ++i) {
    ASSERT_EQ(0, buf[i]) << i;
    buf[i] = 0x5a;  // the newer fields: not touched by this library
  }
  TempDir dir;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), nullptr, &db));
  ASSERT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
  ASSERT_EQ(SHALE_OK, shale_db_stats(db, s)) << shale_last_error();
  EXPECT_EQ(buf.size(), s->struct_size);
  for (size_t i = sizeof(shale_stats); i < buf.size(); ++i) {
    ASSERT_EQ(0x5a, buf[i]) << i;
  }
  EXPECT_EQ(SHALE_OK, shale_db_close(db));
}

using StatsTest = FilledDbTest;

TEST_F(StatsTest, ArgumentErrors) {
  shale_stats s;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_stats(db_, nullptr));
  memset(&s, 0, sizeof(s));
  s.struct_size = 8;  // not initialised
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_stats(db_, &s));
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&s));
  s.flushes = 99;
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_stats(BogusDb(), &s));
  EXPECT_EQ(0u, s.flushes);  // zeroed on failure
  EXPECT_EQ(sizeof(s), s.struct_size);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_stats(nullptr, &s));
}

TEST_F(StatsTest, CountersMove) {
  shale_stats before, after;
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&before));
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&after));
  ASSERT_EQ(SHALE_OK, shale_db_stats(db_, &before)) << shale_last_error();
  Fill(db_, 300);
  ASSERT_EQ(SHALE_OK, shale_db_stats(db_, &after));
  EXPECT_GT(after.user_bytes_written, before.user_bytes_written);
  EXPECT_GE(after.user_bytes_written, 300u * 1000u);
  EXPECT_GT(after.wal_bytes_written, before.wal_bytes_written);
  EXPECT_GT(after.memtable_bytes, 0u);
  EXPECT_GT(after.approximate_keys, 0u);
  EXPECT_GT(after.write_amplification, 0.0);

  ASSERT_EQ(SHALE_OK, shale_db_flush(db_)) << shale_last_error();
  shale_stats flushed;
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&flushed));
  ASSERT_EQ(SHALE_OK, shale_db_stats(db_, &flushed));
  EXPECT_GT(flushed.flushes, after.flushes);
  EXPECT_GT(flushed.flush_bytes_written, after.flush_bytes_written);
  uint64_t files = 0;
  for (int i = 0; i < SHALE_STATS_LEVELS; ++i) files += flushed.level_files[i];
  EXPECT_GT(files, 0u);
  EXPECT_GT(flushed.disk_bytes, 0u);
  EXPECT_GT(flushed.live_bytes, 0u);

  // A second batch of tables, then a full compaction.
  Fill(db_, 300, "other");
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_));
  ASSERT_EQ(SHALE_OK, shale_db_compact_range(db_, nullptr, 0, nullptr, 0,
                                             nullptr, nullptr))
      << shale_last_error();
  shale_stats compacted;
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&compacted));
  ASSERT_EQ(SHALE_OK, shale_db_stats(db_, &compacted));
  EXPECT_GT(compacted.compactions, flushed.compactions);
  EXPECT_GT(compacted.compaction_bytes_written, 0u);
  EXPECT_GT(compacted.compaction_bytes_read, 0u);
  EXPECT_EQ(0u, compacted.level_files[0]);

  // Reads through the tables move the cache counters.
  for (int i = 0; i < 50; ++i) {
    char key[32];
    snprintf(key, sizeof(key), "key%08d", i);
    EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, key, strlen(key)));
  }
  shale_stats read;
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&read));
  ASSERT_EQ(SHALE_OK, shale_db_stats(db_, &read));
  EXPECT_GT(read.cache_hits + read.cache_misses,
            compacted.cache_hits + compacted.cache_misses);
  EXPECT_EQ(uint64_t{32} << 20, read.cache_capacity);
}

TEST_F(StatsTest, StatsProperty) {
  Fill(db_, 10);
  char *text = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_property(db_, "shale.stats", &text))
      << shale_last_error();
  ASSERT_NE(nullptr, text);
  std::string s(text);
  shale_free(text);
  EXPECT_FALSE(s.empty());
  EXPECT_NE(s.find("flush"), std::string::npos) << s;
}

TEST_F(StatsTest, ClosedDb) {
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  shale_db *closed = db_;
  db_ = nullptr;
  shale_stats s;
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&s));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_db_stats(closed, &s));
}

}  // namespace
}  // namespace shale_test
