// options_test.cc — the 0.2.0 sizing fields of shale_options: defaults,
// bounds (the message names the field), and callers built against 0.1.0.
#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test_util.h"

namespace shale_test {
namespace {

// The size of shale_options in 0.1.0.
constexpr size_t kOptions010Size = offsetof(shale_options, write_buffer_size);

TEST(Options, Defaults) {
  shale_options o;
  memset(&o, 0xff, sizeof(o));
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  EXPECT_EQ(uint64_t{8} << 20, o.write_buffer_size);
  EXPECT_EQ(uint64_t{32} << 20, o.block_cache_capacity);
  EXPECT_EQ(4096u, o.block_size);
  EXPECT_EQ(10u, o.bloom_bits_per_key);
  EXPECT_EQ(1000u, o.max_open_files);
  EXPECT_EQ(4u, o.level0_compaction_trigger);
  EXPECT_EQ(8u, o.level0_slowdown_trigger);
  EXPECT_EQ(12u, o.level0_stop_trigger);
  EXPECT_EQ(uint64_t{4} << 20, o.target_file_size);
  EXPECT_EQ(uint64_t{64} << 20, o.level1_max_bytes);
  EXPECT_EQ(10u, o.level_size_multiplier);
  EXPECT_EQ(0u, o.reserved0);
}

TEST(Options, InitOf010Size) {
  std::vector<unsigned char> buf(sizeof(shale_options), 0xee);
  auto *o = reinterpret_cast<shale_options *>(buf.data());
  ASSERT_EQ(SHALE_OK, shale_options_init(o, kOptions010Size));
  EXPECT_EQ(kOptions010Size, o->struct_size);
  for (size_t i = kOptions010Size; i < buf.size(); ++i) {
    ASSERT_EQ(0xee, buf[i]) << "wrote past the caller's struct at " << i;
  }
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_options_init(o, kOptions010Size - 1));
}

// A caller built against 0.1.0: only the 0.1.0 bytes exist; what follows
// in memory is garbage and must not be read.
TEST(Options, OpenWith010StructGetsDefaults) {
  std::vector<unsigned char> buf(sizeof(shale_options), 0xff);
  auto *o = reinterpret_cast<shale_options *>(buf.data());
  ASSERT_EQ(SHALE_OK, shale_options_init(o, kOptions010Size));
  TempDir dir;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), o, &db))
      << shale_last_error();
  ASSERT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
  shale_stats s;
  ASSERT_EQ(SHALE_OK, SHALE_STATS_INIT(&s));
  ASSERT_EQ(SHALE_OK, shale_db_stats(db, &s)) << shale_last_error();
  EXPECT_EQ(uint64_t{32} << 20, s.cache_capacity);
  EXPECT_EQ(SHALE_OK, shale_db_close(db));
}

struct Case {
  const char *field;
  std::function<void(shale_options *)> set;
  bool ok;
};

void ExpectOpen(const Case &c) {
  SCOPED_TRACE(c.field);
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  c.set(&o);
  TempDir dir;
  shale_db *db = nullptr;
  int32_t rc = shale_db_open(dir.Sub("db").c_str(), &o, &db);
  if (c.ok) {
    EXPECT_EQ(SHALE_OK, rc) << shale_last_error();
    if (db != nullptr) {
      EXPECT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
      EXPECT_EQ(SHALE_OK, shale_db_close(db));
    }
  } else {
    EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, rc);
    EXPECT_EQ(nullptr, db);
    std::string msg = shale_last_error();
    EXPECT_NE(msg.find(std::string("options.") + c.field), std::string::npos)
        << msg;
  }
}

TEST(Options, Bounds) {
  const Case cases[] = {
      {"write_buffer_size",
       [](shale_options *o) { o->write_buffer_size = 65535; }, false},
      {"write_buffer_size",
       [](shale_options *o) { o->write_buffer_size = 65536; }, true},
      {"block_cache_capacity",
       [](shale_options *o) { o->block_cache_capacity = 0; }, true},
      {"block_cache_capacity",
       [](shale_options *o) { o->block_cache_capacity = 1 << 20; }, true},
      {"block_size", [](shale_options *o) { o->block_size = 255; }, false},
      {"block_size", [](shale_options *o) { o->block_size = 256; }, true},
      {"block_size", [](shale_options *o) { o->block_size = 4 << 20; }, true},
      {"block_size", [](shale_options *o) { o->block_size = (4 << 20) + 1; },
       false},
      {"bloom_bits_per_key",
       [](shale_options *o) { o->bloom_bits_per_key = 0; }, true},
      {"bloom_bits_per_key",
       [](shale_options *o) { o->bloom_bits_per_key = 64; }, true},
      {"bloom_bits_per_key",
       [](shale_options *o) { o->bloom_bits_per_key = 65; }, false},
      {"max_open_files", [](shale_options *o) { o->max_open_files = 15; },
       false},
      {"max_open_files", [](shale_options *o) { o->max_open_files = 16; },
       true},
      {"max_open_files",
       [](shale_options *o) { o->max_open_files = 0x80000000u; }, false},
      {"level0_compaction_trigger",
       [](shale_options *o) { o->level0_compaction_trigger = 0; }, false},
      {"level0_compaction_trigger",
       [](shale_options *o) { o->level0_compaction_trigger = 9; }, false},
      {"level0_compaction_trigger",
       [](shale_options *o) { o->level0_compaction_trigger = 8; }, true},
      {"level0_slowdown_trigger",
       [](shale_options *o) { o->level0_slowdown_trigger = 13; }, false},
      {"level0_slowdown_trigger",
       [](shale_options *o) { o->level0_slowdown_trigger = 12; }, true},
      {"level0_stop_trigger",
       [](shale_options *o) { o->level0_stop_trigger = 0; }, false},
      {"level0_stop_trigger",
       [](shale_options *o) { o->level0_stop_trigger = 1000; }, true},
      {"target_file_size", [](shale_options *o) { o->target_file_size = 0; },
       false},
      {"target_file_size",
       [](shale_options *o) { o->target_file_size = 1 << 20; }, true},
      {"level1_max_bytes", [](shale_options *o) { o->level1_max_bytes = 0; },
       false},
      {"level1_max_bytes",
       [](shale_options *o) { o->level1_max_bytes = 1 << 20; }, true},
      {"level_size_multiplier",
       [](shale_options *o) { o->level_size_multiplier = 1; }, false},
      {"level_size_multiplier",
       [](shale_options *o) { o->level_size_multiplier = 2; }, true},
      {"level_size_multiplier",
       [](shale_options *o) { o->level_size_multiplier = 100; }, true},
      {"level_size_multiplier",
       [](shale_options *o) { o->level_size_multiplier = 101; }, false},
      {"reserved0", [](shale_options *o) { o->reserved0 = 1; }, false},
  };
  for (const Case &c : cases) ExpectOpen(c);
}

TEST(Options, TriggersAllEqual) {
  ExpectOpen({"level0_stop_trigger",
              [](shale_options *o) {
                o->level0_compaction_trigger = 2;
                o->level0_slowdown_trigger = 2;
                o->level0_stop_trigger = 2;
              },
              true});
}

}  // namespace
}  // namespace shale_test
