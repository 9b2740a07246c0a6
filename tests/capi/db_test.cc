// Opening, closing, single-key reads and writes, limits, properties.
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "test_util.h"

using namespace shale_test;

namespace {

// One buffer one byte over the largest limit, allocated once.
const char *BigBuffer() {
  static char *buf = [] {
    char *p = static_cast<char *>(calloc(SHALE_MAX_VALUE_SIZE + 1, 1));
    if (p == nullptr) abort();
    return p;
  }();
  return buf;
}

}  // namespace

TEST_F(DbTest, PutGetDeleteExists) {
  Put("alpha", "one");
  EXPECT_EQ("one", Get("alpha"));
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "alpha", 5));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_db_exists(db_, nullptr, "beta", 4));
  EXPECT_EQ(SHALE_NOT_FOUND, shale_last_status());
  Put("alpha", "two");
  EXPECT_EQ("two", Get("alpha"));
  EXPECT_EQ(SHALE_OK, shale_db_delete(db_, "alpha", 5));
  EXPECT_EQ("<NOT_FOUND>", Get("alpha"));
  EXPECT_EQ(SHALE_OK, shale_db_delete(db_, "alpha", 5));  // absent: fine
  // Bytes with NUL inside.
  std::string k("a\0b", 3), v("\0\0x", 3);
  Put(k, v);
  EXPECT_EQ(v, Get(k));
  EXPECT_EQ("<NOT_FOUND>", Get("a"));
}

TEST_F(DbTest, EmptyKeyAndEmptyValue) {
  ASSERT_EQ(SHALE_OK, shale_db_put(db_, nullptr, 0, nullptr, 0));
  void *v = nullptr;
  size_t n = 99;
  ASSERT_EQ(SHALE_OK, shale_db_get(db_, nullptr, nullptr, 0, &v, &n));
  EXPECT_NE(nullptr, v);
  EXPECT_EQ(0u, n);
  shale_free(v);
  ASSERT_EQ(SHALE_OK, shale_db_put(db_, "k", 1, "", 0));
  ASSERT_EQ(SHALE_OK, shale_db_get(db_, nullptr, "k", 1, &v, &n));
  EXPECT_NE(nullptr, v);
  EXPECT_EQ(0u, n);
  shale_free(v);
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "", 0));
  // Not found is distinct from empty.
  EXPECT_EQ(SHALE_NOT_FOUND, shale_db_get(db_, nullptr, "x", 1, &v, &n));
  EXPECT_EQ(nullptr, v);
  EXPECT_EQ(0u, n);
}

TEST_F(DbTest, NullPointersWithLengths) {
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_put(db_, nullptr, 1, "v", 1));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "key"));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_put(db_, "k", 1, nullptr, 3));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "value"));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_delete(db_, nullptr, 2));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_exists(db_, nullptr, nullptr, 2));
  void *v = reinterpret_cast<void *>(0x1);
  size_t n = 5;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get(db_, nullptr, nullptr, 1, &v, &n));
  EXPECT_EQ(nullptr, v);
  EXPECT_EQ(0u, n);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get(db_, nullptr, "k", 1, nullptr, &n));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get(db_, nullptr, "k", 1, &v, nullptr));
  EXPECT_EQ(nullptr, v);
  size_t needed = 9;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get_into(db_, nullptr, "k", 1, nullptr, 4, &needed));
  EXPECT_EQ(0u, needed);
  char buf[4];
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get_into(db_, nullptr, "k", 1, buf, 4, nullptr));
  char *prop = reinterpret_cast<char *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_property(db_, nullptr, &prop));
  EXPECT_EQ(nullptr, prop);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_property(db_, "shale.path", nullptr));
  // Nothing was written by the refused calls.
  EXPECT_EQ("<NOT_FOUND>", Get("k"));
}

TEST_F(DbTest, GetInto) {
  Put("k", "hello");
  char buf[16];
  size_t needed = 0;
  ASSERT_EQ(SHALE_OK, shale_db_get_into(db_, nullptr, "k", 1, buf, 5, &needed));
  EXPECT_EQ(5u, needed);
  EXPECT_EQ(0, memcmp(buf, "hello", 5));
  memset(buf, 'z', sizeof(buf));
  EXPECT_EQ(SHALE_E_BUFFER_TOO_SMALL,
            shale_db_get_into(db_, nullptr, "k", 1, buf, 4, &needed));
  EXPECT_EQ(5u, needed);
  EXPECT_EQ('z', buf[0]);  // nothing copied
  EXPECT_EQ(SHALE_E_BUFFER_TOO_SMALL,
            shale_db_get_into(db_, nullptr, "k", 1, nullptr, 0, &needed));
  EXPECT_EQ(5u, needed);
  EXPECT_EQ(SHALE_NOT_FOUND,
            shale_db_get_into(db_, nullptr, "nope", 4, buf, 16, &needed));
  EXPECT_EQ(0u, needed);
  Put("e", "");
  EXPECT_EQ(SHALE_OK,
            shale_db_get_into(db_, nullptr, "e", 1, nullptr, 0, &needed));
  EXPECT_EQ(0u, needed);
}

TEST_F(DbTest, KeyLimits) {
  const char *big = BigBuffer();
  std::string at(big, SHALE_MAX_KEY_SIZE);
  ASSERT_EQ(SHALE_OK, shale_db_put(db_, big, SHALE_MAX_KEY_SIZE, "v", 1))
      << shale_last_error();
  EXPECT_EQ("v", Get(at));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_put(db_, big, SHALE_MAX_KEY_SIZE + 1, "v", 1));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "SHALE_MAX_KEY_SIZE"));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_delete(db_, big, SHALE_MAX_KEY_SIZE + 1));
  void *v = nullptr;
  size_t n = 0;
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get(db_, nullptr, big, SHALE_MAX_KEY_SIZE + 1, &v, &n));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_exists(db_, nullptr, big, SHALE_MAX_KEY_SIZE + 1));
}

TEST_F(DbTest, ValueLimits) {
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  const char *big = BigBuffer();
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_put(db_, "k", 1, big, SHALE_MAX_VALUE_SIZE + 1));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "SHALE_MAX_VALUE_SIZE"));
  EXPECT_EQ("<NOT_FOUND>", Get("k"));
  ASSERT_EQ(SHALE_OK, shale_db_put(db_, "k", 1, big, SHALE_MAX_VALUE_SIZE))
      << shale_last_error();
  size_t needed = 0;
  EXPECT_EQ(SHALE_E_BUFFER_TOO_SMALL,
            shale_db_get_into(db_, nullptr, "k", 1, nullptr, 0, &needed));
  EXPECT_EQ(SHALE_MAX_VALUE_SIZE, needed);
}

TEST_F(DbTest, PropertiesAndSync) {
  Put("a", "b");
  EXPECT_EQ(SHALE_OK, shale_db_sync(db_));
  char *s = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_property(db_, "shale.path", &s))
      << shale_last_error();
  ASSERT_NE(nullptr, s);
  EXPECT_NE(nullptr, strstr(s, "db"));
  shale_free(s);
  ASSERT_EQ(SHALE_OK, shale_db_property(db_, "shale.sequence", &s));
  EXPECT_GE(atoi(s), 1);
  shale_free(s);
  ASSERT_EQ(SHALE_OK, shale_db_property(db_, "shale.recovery", &s));
  shale_free(s);
  s = reinterpret_cast<char *>(0x1);
  EXPECT_EQ(SHALE_NOT_FOUND, shale_db_property(db_, "shale.nope", &s));
  EXPECT_EQ(nullptr, s);
}

TEST(Open, ArgumentErrors) {
  TempDir dir;
  shale_db *db = reinterpret_cast<shale_db *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_open(nullptr, nullptr, &db));
  EXPECT_EQ(nullptr, db);
  EXPECT_NE(nullptr, strstr(shale_last_error(), "path"));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_open(dir.Sub("db").c_str(), nullptr, nullptr));
  db = reinterpret_cast<shale_db *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT, shale_db_open("", nullptr, &db));
  EXPECT_EQ(nullptr, db);
}

TEST(Open, ReopenKeepsData) {
  TempDir dir;
  std::string path = dir.Sub("db");
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db));
  ASSERT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db));
  char buf[4];
  size_t needed = 0;
  EXPECT_EQ(SHALE_OK, shale_db_get_into(db, nullptr, "k", 1, buf, 4, &needed));
  EXPECT_EQ(1u, needed);
  ASSERT_EQ(SHALE_OK, shale_db_close(db));

  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.error_if_exists = 1;
  EXPECT_EQ(SHALE_E_EXISTS, shale_db_open(path.c_str(), &o, &db));
  EXPECT_EQ(nullptr, db);
}

TEST(Open, ReadOnly) {
  TempDir dir;
  std::string path = dir.Sub("db");
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db));
  ASSERT_EQ(SHALE_OK, shale_db_put(db, "k", 1, "v", 1));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  shale_options o;
  ASSERT_EQ(SHALE_OK, SHALE_OPTIONS_INIT(&o));
  o.read_only = 1;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), &o, &db))
      << shale_last_error();
  EXPECT_EQ(SHALE_E_READ_ONLY, shale_db_put(db, "k", 1, "w", 1));
  EXPECT_EQ(SHALE_E_READ_ONLY, shale_db_delete(db, "k", 1));
  // Empty writes are refused too (found by fuzz_api: they returned OK).
  EXPECT_EQ(SHALE_E_READ_ONLY,
            shale_db_put_many(db, 0, nullptr, nullptr, nullptr, nullptr));
  EXPECT_NE(nullptr, strstr(shale_last_error(), "read-only"))
      << shale_last_error();
  EXPECT_EQ(SHALE_E_READ_ONLY, shale_db_delete_many(db, 0, nullptr, nullptr));
  shale_batch *empty = nullptr;
  ASSERT_EQ(SHALE_OK, shale_batch_new(&empty));
  EXPECT_EQ(SHALE_E_READ_ONLY, shale_db_write(db, empty));
  shale_batch_free(empty);
  EXPECT_EQ(SHALE_OK, shale_db_sync(db));  // nothing to make durable
  EXPECT_EQ(SHALE_OK, shale_db_exists(db, nullptr, "k", 1));
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
}

TEST(Open, SecondOpenIsLocked) {
  TempDir dir;
  std::string path = dir.Sub("db");
  shale_db *db = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db));
  shale_db *db2 = reinterpret_cast<shale_db *>(0x1);
  EXPECT_EQ(SHALE_E_LOCKED, shale_db_open(path.c_str(), nullptr, &db2));
  EXPECT_EQ(nullptr, db2);
  EXPECT_NE(nullptr, strstr(shale_last_error(), path.c_str()))
      << shale_last_error();

  // From another process too.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    shale_db *c = nullptr;
    int32_t rc = shale_db_open(path.c_str(), nullptr, &c);
    bool named = strstr(shale_last_error(), path.c_str()) != nullptr;
    _exit(rc == SHALE_E_LOCKED && c == nullptr && named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  // Released by close.
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), nullptr, &db2));
  ASSERT_EQ(SHALE_OK, shale_db_close(db2));
}
