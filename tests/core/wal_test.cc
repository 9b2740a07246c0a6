#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "env/env.h"
#include "test_util.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace shale {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Payloads() {
  return {"first", std::string(1000, 'a'), "", std::string(300 * 1024, 'b'),
          "last"};
}

// Writes payloads as records; returns each record's end offset.
std::vector<uint64_t> WriteLog(const std::string &path,
                               const std::vector<std::string> &payloads) {
  std::unique_ptr<WritableFile> f;
  EXPECT_TRUE(Env::Default()->NewWritableFile(path, &f).ok());
  wal::Writer w(std::move(f), path);
  std::vector<uint64_t> ends;
  for (const auto &p : payloads) {
    EXPECT_TRUE(w.AddRecord(wal::RecordKind::kWriteBatch, p).ok());
    ends.push_back(w.size());
  }
  EXPECT_TRUE(w.Sync().ok());
  EXPECT_TRUE(w.Close().ok());
  return ends;
}

struct ReadResult {
  Status status;
  std::vector<std::string> records;
  uint64_t valid_end = 0;
  uint64_t torn = 0;
  std::vector<wal::SkippedRange> skipped;
};

ReadResult ReadLog(const std::string &path, bool salvage) {
  ReadResult r;
  uint64_t size = 0;
  EXPECT_TRUE(Env::Default()->GetFileSize(path, &size).ok());
  std::unique_ptr<RandomAccessFile> f;
  EXPECT_TRUE(Env::Default()->NewRandomAccessFile(path, &f).ok());
  wal::Reader reader(std::move(f), path, size, salvage);
  while (true) {
    bool has = false;
    wal::RecordKind kind;
    std::string payload;
    uint64_t off = 0;
    r.status = reader.ReadRecord(&has, &kind, &payload, &off);
    if (!r.status.ok() || !has) break;
    r.records.push_back(payload);
  }
  r.valid_end = reader.valid_end();
  r.torn = reader.torn_bytes();
  r.skipped = reader.skipped();
  return r;
}

TEST(WalTest, RoundTrip) {
  TempDir dir;
  const std::string path = dir.Sub("000001.log");
  auto payloads = Payloads();
  auto ends = WriteLog(path, payloads);
  ReadResult r = ReadLog(path, false);
  ASSERT_OK(r.status);
  EXPECT_EQ(payloads, r.records);
  EXPECT_EQ(ends.back(), r.valid_end);
  EXPECT_EQ(0u, r.torn);
}

TEST(WalTest, EmptyLog) {
  TempDir dir;
  const std::string path = dir.Sub("000001.log");
  WriteFile(path, "");
  ReadResult r = ReadLog(path, false);
  ASSERT_OK(r.status);
  EXPECT_TRUE(r.records.empty());
}

TEST(WalTest, TornTailAtEveryTruncationPoint) {
  TempDir dir;
  const std::string path = dir.Sub("000001.log");
  std::vector<std::string> payloads = {"alpha", std::string(100, 'x'), "",
                                       "omega-omega"};
  auto ends = WriteLog(path, payloads);
  const std::string full = ReadFile(path);
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    WriteFile(path, full.substr(0, cut));
    ReadResult r = ReadLog(path, false);
    ASSERT_OK(r.status) << "cut " << cut;
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) ++whole;
    ASSERT_EQ(whole, r.records.size()) << "cut " << cut;
    for (size_t i = 0; i < whole; ++i) EXPECT_EQ(payloads[i], r.records[i]);
    uint64_t good_end = whole == 0 ? 0 : ends[whole - 1];
    EXPECT_EQ(good_end, r.valid_end);
    EXPECT_EQ(cut - good_end, r.torn);
  }
}

TEST(WalTest, ZeroFilledTailIsTorn) {
  TempDir dir;
  const std::string path = dir.Sub("000001.log");
  auto payloads = Payloads();
  auto ends = WriteLog(path, payloads);
  // A file system may extend a file with zeros before the data lands.
  WriteFile(path, ReadFile(path) + std::string(5000, '\0'));
  ReadResult r = ReadLog(path, false);
  ASSERT_OK(r.status);
  EXPECT_EQ(payloads, r.records);
  EXPECT_EQ(5000u, r.torn);
  EXPECT_EQ(ends.back(), r.valid_end);
}

TEST(WalTest, GarbageLastRecordToEofIsTorn) {
  TempDir dir;
  const std::string path = dir.Sub("000001.log");
  auto ends = WriteLog(path, {"one", "two-two"});
  std::string data = ReadFile(path);
  data[data.size() - 2] ^= 0x40;  // corrupt the last record's payload
  WriteFile(path, data);
  ReadResult r = ReadLog(path, false);
  ASSERT_OK(r.status);
  EXPECT_EQ(std::vector<std::string>{"one"}, r.records);
  EXPECT_EQ(ends[0], r.valid_end);
}

TEST(WalTest, MiddleCorruptionIsAnErrorNamingFileAndOffset) {
  TempDir dir;
  const std::string path = dir.Sub("000007.log");
  auto ends = WriteLog(path, {"one", "two", "three"});
  for (size_t pos = ends[0]; pos < ends[1]; ++pos) {  // every byte of rec 2
    std::string data = ReadFile(path);
    data[pos] ^= 0x01;
    WriteFile(path, data);
    ReadResult r = ReadLog(path, false);
    ASSERT_TRUE(r.status.IsCorruption()) << "byte " << pos;
    EXPECT_NE(std::string::npos, r.status.message().find(path));
    EXPECT_NE(std::string::npos,
              r.status.message().find("offset " + std::to_string(ends[0])))
        << r.status.message();
    EXPECT_EQ(std::vector<std::string>{"one"}, r.records);

    ReadResult s = ReadLog(path, true);
    ASSERT_OK(s.status);
    EXPECT_EQ((std::vector<std::string>{"one", "three"}), s.records);
    ASSERT_EQ(1u, s.skipped.size());
    EXPECT_EQ(ends[0], s.skipped[0].offset);
    EXPECT_EQ(ends[1] - ends[0], s.skipped[0].length);
    data[pos] ^= 0x01;
    WriteFile(path, data);
  }
}

}  // namespace
}  // namespace shale
