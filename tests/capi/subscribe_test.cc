// Change subscriptions, the logger, user_free accounting.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "test_util.h"

using namespace shale_test;

namespace {

struct Sink {
  std::mutex mu;
  std::vector<std::string> events;  // "P key=value" / "D key"
  std::atomic<int> frees{0};
  shale_db *db = nullptr;
  shale_subscription *self = nullptr;
  int32_t nested_rc = 12345;
};

int OnChange(void *user, int32_t kind, const void *k, size_t kn, const void *v,
             size_t vn) {
  auto *s = static_cast<Sink *>(user);
  std::string key(static_cast<const char *>(k), kn);
  std::lock_guard lock(s->mu);
  if (kind == SHALE_CHANGE_PUT) {
    s->events.push_back("P " + key + "=" +
                        std::string(static_cast<const char *>(v), vn));
  } else {
    s->events.push_back("D " + key + (v == nullptr && vn == 0 ? "" : "!"));
  }
  return 0;
}

void CountFree(void *user) { static_cast<Sink *>(user)->frees++; }

int UnsubscribeSelf(void *user, int32_t, const void *, size_t, const void *,
                    size_t) {
  auto *s = static_cast<Sink *>(user);
  s->events.push_back("call");
  s->nested_rc = shale_unsubscribe(s->self);
  return 0;
}

int CloseFromCallback(void *user, int32_t, const void *, size_t, const void *,
                      size_t) {
  auto *s = static_cast<Sink *>(user);
  s->nested_rc = shale_db_close(s->db);
  return 0;
}

}  // namespace

TEST_F(DbTest, SubscribeDeliversAndUnsubscribeFreesOnce) {
  Sink sink;
  shale_subscription *sub = nullptr;
  ASSERT_EQ(SHALE_OK,
            shale_db_subscribe(db_, "p/", 2, OnChange, &sink, CountFree, &sub));
  Put("p/1", "one");
  Put("q/1", "other");
  ASSERT_EQ(SHALE_OK, shale_db_delete(db_, "p/1", 3));
  shale_batch *b = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&b));
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "p/2", 3, "", 0));
  ASSERT_EQ(SHALE_OK, shale_batch_put(b, "p/3", 3, "x", 1));
  ASSERT_EQ(SHALE_OK, shale_db_write(db_, b));
  ASSERT_EQ(SHALE_OK, shale_batch_free(b));
  EXPECT_EQ(
      (std::vector<std::string>{"P p/1=one", "D p/1", "P p/2=", "P p/3=x"}),
      sink.events);
  EXPECT_EQ(0, sink.frees.load());
  EXPECT_EQ(SHALE_OK, shale_unsubscribe(sub));
  EXPECT_EQ(1, sink.frees.load());
  Put("p/4", "after");
  EXPECT_EQ(4u, sink.events.size());
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_unsubscribe(sub));
  EXPECT_EQ(1, sink.frees.load());
}

TEST_F(DbTest, SubscribeEveryKeyAndCloseEndsIt) {
  Sink sink;
  shale_subscription *sub = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_subscribe(db_, nullptr, 0, OnChange, &sink,
                                         CountFree, &sub));
  Put("anything", "v");
  EXPECT_EQ(1u, sink.events.size());
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  db_ = nullptr;
  EXPECT_EQ(1, sink.frees.load());              // close ended it
  EXPECT_EQ(SHALE_OK, shale_unsubscribe(sub));  // still valid, no second free
  EXPECT_EQ(1, sink.frees.load());
}

TEST_F(DbTest, SubscribeWithoutUserFree) {
  Sink sink;
  shale_subscription *sub = nullptr;
  ASSERT_EQ(SHALE_OK,
            shale_db_subscribe(db_, "", 0, OnChange, &sink, nullptr, &sub));
  Put("k", "v");
  EXPECT_EQ(SHALE_OK, shale_unsubscribe(sub));
  EXPECT_EQ(1u, sink.events.size());
}

TEST_F(DbTest, FailedSubscribeDoesNotCallUserFree) {
  Sink sink;
  shale_subscription *sub = reinterpret_cast<shale_subscription *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_subscribe(db_, "p", 1, nullptr, &sink, CountFree, &sub));
  EXPECT_EQ(nullptr, sub);
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_subscribe(db_, nullptr, 3, OnChange, &sink, CountFree, &sub));
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_subscribe(db_, "p", 1, OnChange, &sink, CountFree, nullptr));
  EXPECT_EQ(
      SHALE_E_INVALID_HANDLE,
      shale_db_subscribe(BogusDb(), "p", 1, OnChange, &sink, CountFree, &sub));
  std::string big(SHALE_MAX_KEY_SIZE + 1, 'p');
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_subscribe(db_, big.data(), big.size(), OnChange, &sink,
                               CountFree, &sub));
  EXPECT_EQ(0, sink.frees.load());
}

TEST_F(DbTest, UnsubscribeFromInsideCallback) {
  Sink sink;
  ASSERT_EQ(SHALE_OK, shale_db_subscribe(db_, "", 0, UnsubscribeSelf, &sink,
                                         CountFree, &sink.self));
  Put("a", "1");
  EXPECT_EQ(SHALE_OK, sink.nested_rc);
  EXPECT_EQ(1, sink.frees.load());
  Put("b", "2");
  EXPECT_EQ(1u, sink.events.size());  // never called again
  EXPECT_EQ(1, sink.frees.load());
}

TEST_F(DbTest, CloseFromSubscriptionCallbackIsBusy) {
  Sink sink;
  sink.db = db_;
  shale_subscription *sub = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_subscribe(db_, "", 0, CloseFromCallback, &sink,
                                         CountFree, &sub));
  Put("a", "1");  // the put itself succeeds
  EXPECT_EQ(SHALE_E_BUSY, sink.nested_rc);
  EXPECT_EQ("1", Get("a"));  // nothing was closed
  EXPECT_EQ(SHALE_OK, shale_unsubscribe(sub));
  EXPECT_EQ(1, sink.frees.load());
}

namespace {

struct LogSink {
  std::atomic<int> messages{0};
  std::atomic<int> frees{0};
};

int OnLog(void *user, int32_t level, const char *msg) {
  if (msg == nullptr || level < SHALE_LOG_DEBUG || level > SHALE_LOG_ERROR) {
    abort();
  }
  static_cast<LogSink *>(user)->messages++;
  return 0;
}

void FreeLog(void *user) { static_cast<LogSink *>(user)->frees++; }

}  // namespace

TEST(Logger, UserFreeOnceAtClose) {
  TempDir dir;
  LogSink sink;
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.logger = OnLog;
  o.logger_user = &sink;
  o.logger_user_free = FreeLog;
  o.log_level = SHALE_LOG_DEBUG;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), &o, &db));
  ASSERT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
  EXPECT_EQ(0, sink.frees.load());
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  EXPECT_EQ(1, sink.frees.load());
  int after = sink.messages.load();
  // Reopening with no logger: the old sink is never called again.
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), nullptr, &db));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  EXPECT_EQ(after, sink.messages.load());
  EXPECT_EQ(1, sink.frees.load());
}

// The registration begins only when the open succeeds: a failed open never
// calls user_free, so the caller still owns user (as with a failed
// subscribe).
TEST(Logger, UserFreeNotCalledOnFailedOpen) {
  TempDir dir;
  LogSink sink;
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.logger = OnLog;
  o.logger_user = &sink;
  o.logger_user_free = FreeLog;
  o.create_if_missing = 0;
  shale_db *db = nullptr;
  EXPECT_EQ(SHALE_E_IO, shale_db_open(dir.Sub("none").c_str(), &o, &db));
  EXPECT_EQ(0, sink.frees.load());
  // Nor when failing on an option value or a missing out-param.
  o.create_if_missing = 1;
  o.sync_mode = 9;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_open(dir.Sub("db").c_str(), &o, &db));
  EXPECT_EQ(0, sink.frees.load());
  o.sync_mode = SHALE_SYNC_NONE;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_open(dir.Sub("db").c_str(), &o, nullptr));
  EXPECT_EQ(0, sink.frees.load());
  // Locked.
  shale_db *first = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), nullptr, &first));
  EXPECT_EQ(SHALE_E_LOCKED, shale_db_open(dir.Sub("db").c_str(), &o, &db));
  EXPECT_EQ(0, sink.frees.load());
  ASSERT_EQ(SHALE_OK, shale_db_close(first));
  EXPECT_EQ(0, sink.frees.load());
}

TEST(Logger, UserFreeWithoutLogger) {
  TempDir dir;
  LogSink sink;
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.logger_user = &sink;
  o.logger_user_free = FreeLog;
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dir.Sub("db").c_str(), &o, &db));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  EXPECT_EQ(1, sink.frees.load());
}
