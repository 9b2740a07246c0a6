// Pinned reads: shale_db_get_pinned and shale_pin_free.
#include <cstring>

#include "test_util.h"

using namespace shale_test;

TEST_F(DbTest, PinnedValueReadableUntilFreedEvenAfterClose) {
  Put("k", std::string("v\0alue", 6));
  Put("empty", "");
  shale_pin *pin = nullptr;
  const void *v = nullptr;
  size_t n = 0;
  ASSERT_EQ(SHALE_OK, shale_db_get_pinned(db_, nullptr, "k", 1, &pin, &v, &n))
      << shale_last_error();
  ASSERT_NE(nullptr, pin);
  EXPECT_EQ(std::string("v\0alue", 6),
            std::string(static_cast<const char *>(v), n));
  shale_pin *empty = nullptr;
  const void *ev = nullptr;
  size_t en = 9;
  ASSERT_EQ(SHALE_OK,
            shale_db_get_pinned(db_, nullptr, "empty", 5, &empty, &ev, &en));
  EXPECT_NE(nullptr, ev);
  EXPECT_EQ(0u, en);
  Put("k", "overwritten");  // a pin is a point-in-time copy
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  db_ = nullptr;
  EXPECT_EQ(0, std::memcmp(v, "v\0alue", 6));
  EXPECT_EQ(SHALE_OK, shale_pin_free(pin));
  EXPECT_EQ(SHALE_OK, shale_pin_free(empty));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_pin_free(pin));  // twice
  EXPECT_EQ(SHALE_OK, shale_pin_free(nullptr));
}

TEST_F(DbTest, PinnedMissAndBadArguments) {
  shale_pin *pin = reinterpret_cast<shale_pin *>(0x1);
  const void *v = reinterpret_cast<const void *>(0x1);
  size_t n = 5;
  EXPECT_EQ(SHALE_NOT_FOUND,
            shale_db_get_pinned(db_, nullptr, "no", 2, &pin, &v, &n));
  EXPECT_EQ(nullptr, pin);
  EXPECT_EQ(nullptr, v);
  EXPECT_EQ(0u, n);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get_pinned(db_, nullptr, "k", 1, nullptr, &v, &n));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get_pinned(db_, nullptr, "k", 1, &pin, nullptr, &n));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get_pinned(db_, nullptr, "k", 1, &pin, &v, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_get_pinned(db_, nullptr, nullptr, 1, &pin, &v, &n));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_db_get_pinned(BogusDb(), nullptr, "k", 1, &pin, &v, &n));
  // A db handle is not a pin.
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_pin_free(reinterpret_cast<shale_pin *>(db_)));
}

TEST_F(DbTest, PinnedThroughSnapshot) {
  Put("k", "old");
  shale_snapshot *snap = nullptr;
  ASSERT_EQ(SHALE_OK, shale_snapshot_new(db_, &snap));
  Put("k", "new");
  shale_pin *pin = nullptr;
  const void *v = nullptr;
  size_t n = 0;
  ASSERT_EQ(SHALE_OK, shale_db_get_pinned(db_, snap, "k", 1, &pin, &v, &n));
  EXPECT_EQ("old", std::string(static_cast<const char *>(v), n));
  EXPECT_EQ(SHALE_OK, shale_pin_free(pin));
  EXPECT_EQ(SHALE_OK, shale_snapshot_free(snap));
}
