#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/coding.h"
#include "util/crc32c.h"
#include "util/status.h"

namespace shale {
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 (iSCSI) appendix B.4 test vectors.
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string up(32, '\0'), down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  for (bool portable : {false, true}) {
    auto crc = [&](const std::string &s) {
      return portable ? crc32c::ExtendPortable(0, s.data(), s.size())
                      : crc32c::Value(s.data(), s.size());
    };
    EXPECT_EQ(0x8a9136aau, crc(zeros));
    EXPECT_EQ(0x62a8ab43u, crc(ones));
    EXPECT_EQ(0x46dd794eu, crc(up));
    EXPECT_EQ(0x113fdb5cu, crc(down));
    EXPECT_EQ(0xe3069283u, crc("123456789"));
    EXPECT_EQ(0u, crc(""));
  }
}

TEST(Crc32c, ExtendMatchesWholeAtEverySplit) {
  std::string data;
  for (int i = 0; i < 200; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  const uint32_t whole = crc32c::Value(data.data(), data.size());
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t a = crc32c::Value(data.data(), split);
    EXPECT_EQ(whole,
              crc32c::Extend(a, data.data() + split, data.size() - split));
    EXPECT_EQ(whole, crc32c::ExtendPortable(
                         crc32c::ExtendPortable(0, data.data(), split),
                         data.data() + split, data.size() - split));
  }
}

// The accelerated path (three interleaved streams, combined by zero-byte
// shifts) equals the table-driven one at every length around its stretch
// sizes (256 and 8192 bytes, three of them at a time) and any alignment.
TEST(Crc32c, AcceleratedMatchesPortable) {
  std::string data(3 * 8192 * 2 + 4096, '\0');
  uint64_t x = 88172645463325252ull;
  for (char &c : data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 900; ++n) lengths.push_back(n);
  for (size_t base : {3 * 256, 3 * 8192, 2 * 3 * 8192}) {
    for (size_t d = 0; d < 20; ++d) {
      lengths.push_back(base - 10 + d);
    }
  }
  lengths.push_back(4096 + 5);
  lengths.push_back(data.size() - 7);
  for (size_t offset : {0, 1, 3, 8}) {
    for (size_t n : lengths) {
      if (offset + n > data.size()) continue;
      const char *p = data.data() + offset;
      ASSERT_EQ(crc32c::ExtendPortable(0x1234u, p, n),
                crc32c::Extend(0x1234u, p, n))
          << "length " << n << " offset " << offset;
    }
  }
}

TEST(Crc32c, Mask) {
  const uint32_t crc = crc32c::Value("foo", 3);
  EXPECT_NE(crc, crc32c::Mask(crc));
  EXPECT_NE(crc, crc32c::Mask(crc32c::Mask(crc)));
  EXPECT_EQ(crc, crc32c::Unmask(crc32c::Mask(crc)));
  EXPECT_EQ(crc,
            crc32c::Unmask(crc32c::Unmask(crc32c::Mask(crc32c::Mask(crc)))));
}

TEST(Coding, Fixed) {
  std::string s;
  PutFixed32(&s, 0x01020304u);
  PutFixed64(&s, 0x0102030405060708ull);
  ASSERT_EQ(12u, s.size());
  EXPECT_EQ(0x04, s[0]);  // little-endian
  EXPECT_EQ(0x01020304u, DecodeFixed32(s.data()));
  EXPECT_EQ(0x0102030405060708ull, DecodeFixed64(s.data() + 4));
}

TEST(Coding, Varint) {
  std::string s;
  std::vector<uint64_t> values = {
      0,         1,     127,   128,        255,
      300,       16383, 16384, UINT32_MAX, uint64_t{1} << 40,
      UINT64_MAX};
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in(s);
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(v, got);
  }
  EXPECT_TRUE(in.empty());
  for (uint64_t v : values) {
    std::string one;
    PutVarint64(&one, v);
    EXPECT_EQ(static_cast<size_t>(VarintLength(v)), one.size());
    // Every truncation fails cleanly.
    for (size_t n = 0; n < one.size(); ++n) {
      std::string_view cut(one.data(), n);
      uint64_t got = 0;
      EXPECT_FALSE(GetVarint64(&cut, &got));
    }
  }
  std::string big;
  PutVarint64(&big, uint64_t{1} << 33);
  std::string_view in32(big);
  uint32_t v32 = 0;
  EXPECT_FALSE(GetVarint32(&in32, &v32));
}

TEST(Coding, LengthPrefixed) {
  std::string s;
  PutVarint32(&s, 3);
  s += "abcX";
  std::string_view in(s), out;
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ("abc", out);
  EXPECT_EQ("X", in);
  std::string_view bad(
      "\x05"
      "ab");
  EXPECT_FALSE(GetLengthPrefixed(&bad, &out));
}

TEST(StatusTest, ToString) {
  EXPECT_EQ("OK", Status::OK().ToString());
  Status s = Status::IOError("open /x: No such file", 2);
  EXPECT_EQ("IO error: open /x: No such file", s.ToString());
  EXPECT_EQ(2, s.sys_errno());
  EXPECT_TRUE(Status::NotFound().IsNotFound());
}

}  // namespace
}  // namespace shale
