// Status names, the thread-local last error, versions, option structs.
#include <errno.h>

#include <cstddef>
#include <set>
#include <string>
#include <thread>

#include "test_util.h"

using namespace shale_test;

TEST(Versions, MatchMacros) {
  EXPECT_STREQ(SHALE_VERSION_STRING, shale_version());
  EXPECT_EQ(SHALE_VERSION_NUMBER, shale_version_number());
  EXPECT_EQ(SHALE_ABI_VERSION, shale_abi_version());
  EXPECT_EQ(400, SHALE_VERSION_NUMBER);  // 0.4.0
}

TEST(StatusName, EveryCode) {
  const std::pair<int32_t, const char *> codes[] = {
      {SHALE_OK, "SHALE_OK"},
      {SHALE_NOT_FOUND, "SHALE_NOT_FOUND"},
      {SHALE_E_INVALID_ARGUMENT, "SHALE_E_INVALID_ARGUMENT"},
      {SHALE_E_INVALID_HANDLE, "SHALE_E_INVALID_HANDLE"},
      {SHALE_E_CLOSED, "SHALE_E_CLOSED"},
      {SHALE_E_IO, "SHALE_E_IO"},
      {SHALE_E_CORRUPTION, "SHALE_E_CORRUPTION"},
      {SHALE_E_LOCKED, "SHALE_E_LOCKED"},
      {SHALE_E_NOMEM, "SHALE_E_NOMEM"},
      {SHALE_E_BUFFER_TOO_SMALL, "SHALE_E_BUFFER_TOO_SMALL"},
      {SHALE_E_READ_ONLY, "SHALE_E_READ_ONLY"},
      {SHALE_E_CANCELLED, "SHALE_E_CANCELLED"},
      {SHALE_E_NOT_SUPPORTED, "SHALE_E_NOT_SUPPORTED"},
      {SHALE_E_INTERNAL, "SHALE_E_INTERNAL"},
      {SHALE_E_EXISTS, "SHALE_E_EXISTS"},
      {SHALE_E_BUSY, "SHALE_E_BUSY"},
      {SHALE_E_FORKED, "SHALE_E_FORKED"},
      {SHALE_E_TIMEOUT, "SHALE_E_TIMEOUT"},
  };
  std::set<int32_t> seen;
  for (const auto &[code, name] : codes) {
    EXPECT_STREQ(name, shale_status_name(code));
    EXPECT_TRUE(seen.insert(code).second);
  }
  EXPECT_STREQ("SHALE_E_UNKNOWN", shale_status_name(2));
  EXPECT_STREQ("SHALE_E_UNKNOWN", shale_status_name(-17));
  EXPECT_STREQ("SHALE_E_UNKNOWN", shale_status_name(INT32_MIN));
  EXPECT_STREQ("SHALE_E_UNKNOWN", shale_status_name(INT32_MAX));
}

TEST(StatusName, DoesNotTouchLastError) {
  ASSERT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_new(nullptr));
  std::string msg = shale_last_error();
  ASSERT_FALSE(msg.empty());
  (void)shale_status_name(SHALE_E_IO);
  (void)shale_version();
  EXPECT_EQ(msg, shale_last_error());
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_last_status());
  // Reading it twice does not clear it either.
  EXPECT_EQ(msg, shale_last_error());
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_last_status());
}

TEST(LastError, NeverNullAndClearedBySuccess) {
  ASSERT_NE(nullptr, shale_last_error());
  ASSERT_EQ(SHALE_E_INVALID_HANDLE, shale_db_put(BogusDb(), "k", 1, "v", 1));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "shale_db_put"))
      << shale_last_error();
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_last_status());
  EXPECT_EQ(0, shale_last_errno());
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  EXPECT_STREQ("", shale_last_error());
  EXPECT_EQ(SHALE_OK, shale_last_status());
  EXPECT_EQ(SHALE_OK, shale_batch_free(b));
}

TEST(LastError, IsPerThread) {
  ASSERT_EQ(SHALE_E_INVALID_ARGUMENT, shale_batch_new(nullptr));
  std::string other;
  int32_t other_status = -100;
  std::thread t([&] {
    other = shale_last_error();
    other_status = shale_last_status();
  });
  t.join();
  EXPECT_EQ("", other);
  EXPECT_EQ(SHALE_OK, other_status);
  EXPECT_STRNE("", shale_last_error());
}

TEST(LastError, ErrnoForIoError) {
  TempDir dir;
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.create_if_missing = 0;
  std::string path = dir.Sub("missing/db");
  shale_db *db = reinterpret_cast<shale_db *>(0x1);
  EXPECT_EQ(SHALE_E_IO, shale_db_open(path.c_str(), &o, &db));
  EXPECT_EQ(nullptr, db);
  EXPECT_EQ(ENOENT, shale_last_errno()) << shale_last_error();
  EXPECT_NE(nullptr, strstr(shale_last_error(), "missing"))
      << shale_last_error();
  // The next successful call clears both.
  EXPECT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  EXPECT_EQ(0, shale_last_errno());
  EXPECT_STREQ("", shale_last_error());
}

TEST(Free, NullIsNoop) { shale_free(nullptr); }

TEST(Options, InitDefaults) {
  shale_options o;
  memset(&o, 0xab, sizeof(o));
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  EXPECT_EQ(sizeof(o), o.struct_size);
  EXPECT_EQ(1u, o.create_if_missing);
  EXPECT_EQ(0u, o.error_if_exists);
  EXPECT_EQ(0u, o.read_only);
  EXPECT_EQ(static_cast<uint32_t>(SHALE_SYNC_GROUP), o.sync_mode);
  EXPECT_EQ(0u, o.salvage);
  EXPECT_EQ(SHALE_LOG_INFO, o.log_level);
  EXPECT_EQ(nullptr, o.logger);
  EXPECT_EQ(nullptr, o.logger_user);
  EXPECT_EQ(nullptr, o.logger_user_free);

  shale_iter_options io;
  memset(&io, 0xab, sizeof(io));
  ASSERT_EQ(SHALE_OK, SHALE_ITER_OPTIONS_INIT(&io));
  EXPECT_EQ(sizeof(io), io.struct_size);
  EXPECT_EQ(nullptr, io.snapshot);
  EXPECT_EQ(nullptr, io.lower_bound);
  EXPECT_EQ(0u, io.lower_bound_len);
  EXPECT_EQ(nullptr, io.upper_bound);
  EXPECT_EQ(nullptr, io.prefix);
  EXPECT_EQ(0u, io.prefix_len);
}

TEST(Options, InitRejectsNullAndSmall) {
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_options_init(nullptr, sizeof(shale_options)));
  shale_options o;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_options_init(&o, 0));
  // Below the 0.1.0 struct (which ended at the 0.2.0 fields).
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_options_init(&o, offsetof(shale_options, write_buffer_size) - 1));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "struct_size"));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_options_init(nullptr, sizeof(shale_iter_options)));
  shale_iter_options io;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_iter_options_init(&io, sizeof(io) - 8));
}

// A program compiled against a future header with more fields.
struct FutureOptions {
  shale_options base;
  uint64_t future_field;
};

TEST(Options, LargerFutureStructWorks) {
  FutureOptions f;
  memset(&f, 0xcd, sizeof(f));
  ASSERT_EQ(SHALE_OK, shale_options_init(&f.base, sizeof(f)));
  EXPECT_EQ(sizeof(f), f.base.struct_size);
  EXPECT_EQ(0u, f.future_field);  // unknown tail zeroed
  f.future_field = 0x1234;        // a future field the library ignores
  f.base.sync_mode = SHALE_SYNC_NONE;
  TempDir dir;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), &f.base, &db))
      << shale_last_error();
  EXPECT_EQ(SHALE_OK, shale_db_close(db));
}

TEST(Options, SmallStructSizeRejectedByOpen) {
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.struct_size = 8;
  TempDir dir;
  shale_db *db = reinterpret_cast<shale_db *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_open(dir.Sub("db").c_str(), &o, &db));
  EXPECT_EQ(nullptr, db);
  EXPECT_NE(nullptr, strstr(shale_last_error(), "struct_size"));
}

TEST(Options, EveryFieldValidated) {
  TempDir dir;
  std::string path = dir.Sub("db");
  struct Case {
    const char *field;
    void (*mutate)(shale_options *);
  };
  const Case cases[] = {
      {"create_if_missing", [](shale_options *o) { o->create_if_missing = 2; }},
      {"error_if_exists", [](shale_options *o) { o->error_if_exists = 7; }},
      {"read_only", [](shale_options *o) { o->read_only = 0xffffffffu; }},
      {"sync_mode", [](shale_options *o) { o->sync_mode = 3; }},
      {"salvage", [](shale_options *o) { o->salvage = 2; }},
      {"log_level", [](shale_options *o) { o->log_level = 4; }},
      {"log_level", [](shale_options *o) { o->log_level = -1; }},
  };
  for (const Case &c : cases) {
    shale_options o;
    ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
    c.mutate(&o);
    shale_db *db = nullptr;
    EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_open(path.c_str(), &o, &db))
        << c.field;
    EXPECT_EQ(nullptr, db);
    EXPECT_NE(nullptr, strstr(shale_last_error(), c.field))
        << shale_last_error();
  }
}

// Release functions keep the previous call's error when they succeed, so a
// garbage collector's finalizer between a failed call and the read of its
// message cannot erase it; a failing release records its own error.
TEST(LastError, SuccessfulReleaseKeepsPreviousError) {
  TempDir dir;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), nullptr, &db));
  shale_batch *batch = nullptr;
  shale_snapshot *snap = nullptr;
  shale_iter *iter = nullptr;
  shale_subscription *sub = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&batch));
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db, &snap));
  ASSERT_EQ(SHALE_OK, shale_iter_new(db, nullptr, &iter));
  ASSERT_EQ(SHALE_OK, shale_db_subscribe(
                          db, nullptr, 0,
                          [](void *, int32_t, const void *, size_t,
                             const void *, size_t) { return 0; },
                          nullptr, nullptr, &sub));

  auto fail = [&] {
    ASSERT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_put(db, nullptr, 5, "v", 1));
  };
  auto expect_kept = [](const char *what) {
    EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_last_status()) << what;
    EXPECT_NE(nullptr, strstr(shale_last_error(), "shale_db_put")) << what;
  };
  fail();
  EXPECT_EQ(SHALE_OK, shale_batch_free(batch));
  expect_kept("shale_batch_free");
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(snap));
  expect_kept("shale_snapshot_free");
  EXPECT_EQ(SHALE_OK, shale_iter_free(iter));
  expect_kept("shale_iter_free");
  EXPECT_EQ(SHALE_OK, shale_unsubscribe(sub));
  expect_kept("shale_unsubscribe");
  EXPECT_EQ(SHALE_OK, shale_iter_free(nullptr));
  expect_kept("shale_iter_free(NULL)");
  shale_free(nullptr);
  expect_kept("shale_free");

  // A failing release records its own error.
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_batch_free(batch));  // double free
  EXPECT_NE(nullptr, strstr(shale_last_error(), "shale_batch_free"));

  fail();
  EXPECT_EQ(SHALE_OK, shale_db_close(db));
  expect_kept("shale_db_close");
  // The next ordinary call clears it.
  shale_options o;
  EXPECT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  EXPECT_EQ(SHALE_OK, shale_last_status());
  EXPECT_STREQ("", shale_last_error());
}
