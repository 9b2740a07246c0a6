// Focused, deterministic regressions for the engine bugs the power-loss
// suite found (one TEST each, named after the bug).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

#include "db/db.h"
#include "env/env_wrapper.h"
#include "env/fault_env.h"

namespace shale::power_loss {
namespace {

class ScratchDb {
 public:
  ScratchDb() {
    // tmpfs when there is one: these tests fsync a lot.
    std::string tmpl = std::filesystem::exists("/dev/shm")
                           ? "/dev/shm/shale-pl-regress-XXXXXX"
                           : "/tmp/shale-pl-regress-XXXXXX";
    root_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : "/tmp";
  }
  ~ScratchDb() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  std::string path() const { return root_ + "/db"; }
  // The file of that suffix with the highest number.
  std::string Newest(const std::string &suffix) const {
    std::string best;
    for (const auto &e : std::filesystem::directory_iterator(path())) {
      const std::string name = e.path().filename().string();
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
              0 &&
          name > best) {
        best = name;
      }
    }
    return path() + "/" + best;
  }

 private:
  std::string root_;
};

Options SmallOptions(Env *env, SyncMode mode) {
  Options o;
  o.env = env;
  o.sync_mode = mode;
  o.write_buffer_size = 4096;
  o.target_file_size = 2048;
  o.level0_compaction_trigger = 2;
  o.log_level = LogLevel::kError;
  return o;
}

std::string Value(int i) {
  return "value-" + std::to_string(i) + std::string(200, 'x');
}
std::string Key(int i) { return "key" + std::to_string(1000 + i); }

// Holds the creation of table files until Release(): the background flush
// stops there, with its memtable not yet durable anywhere but the log.
class TableGateEnv final : public EnvWrapper {
 public:
  explicit TableGateEnv(Env *base) : EnvWrapper(base) {}
  Status NewWritableFile(const std::string &path,
                         std::unique_ptr<WritableFile> *out) override {
    if (path.ends_with(".sst")) {
      std::unique_lock<std::mutex> l(mu_);
      waiting_ = true;
      cv_.notify_all();
      cv_.wait(l, [&] { return open_; });
    }
    return base()->NewWritableFile(path, out);
  }
  void WaitUntilHeld() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return waiting_; });
  }
  void Release() {
    std::lock_guard<std::mutex> g(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool waiting_ = false;
  bool open_ = false;
};

// Bug: a manifest edit named new tables whose directory entries had never
// been synced; a power loss right after it left "a table named by the
// manifest is missing" and the db could not be opened. Cuts every flush and
// compaction at each of its mutating calls.
TEST(PowerLossRegression, TablesNamedByTheManifestSurviveEveryCut) {
  for (uint64_t cut = 0;; ++cut) {
    ScratchDb dir;
    FaultInjectionEnv env;
    const Options o = SmallOptions(&env, SyncMode::kEvery);
    int acked = 0;
    {
      std::unique_ptr<DB> db;
      ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
      for (; acked < 30; ++acked) {
        ASSERT_TRUE(db->Put(Key(acked), Value(acked)).ok());
      }
      env.CrashAfter(cut);
      bool ok = db->Flush().ok();
      for (int i = 0; ok && i < 30; ++i) {
        ok = db->Put(Key(acked), Value(acked)).ok();
        if (ok) ++acked;
      }
      ok = ok && db->CompactRange(nullptr, nullptr, nullptr).ok();
      if (ok && !env.crashed()) break;  // every cut point was tried
      env.CrashNow();
    }
    ASSERT_TRUE(env.SimulatePowerLoss(TailMode::kDrop, cut).ok());
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, dir.path(), &db);
    ASSERT_TRUE(s.ok()) << "cut after " << cut << " calls: " << s.ToString();
    for (int i = 0; i < acked; ++i) {
      std::string v;
      ASSERT_TRUE(db->Get(ReadOptions(), Key(i), &v).ok())
          << "cut " << cut << " key " << i;
      EXPECT_EQ(v, Value(i));
    }
    ASSERT_TRUE(db->Verify(nullptr, nullptr).ok());
  }
}

// Bug: with SyncMode kNone a full memtable switched to a new log without
// syncing the old one; DB::Sync then synced only the new log, and a power
// loss before the flush finished kept the later writes and dropped the
// earlier ones: a hole in the write order.
TEST(PowerLossRegression, OldLogIsSyncedBeforeTheNextOneTakesOver) {
  ScratchDb dir;
  FaultInjectionEnv fault;
  TableGateEnv gate(&fault);
  const Options o = SmallOptions(&gate, SyncMode::kNone);
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
    int i = 0;
    // Unsynced writes until the memtable (4 KiB) is full and switched once;
    // the flush of the old memtable then waits at the gate.
    for (; i < 25; ++i) ASSERT_TRUE(db->Put(Key(i), Value(i)).ok());
    gate.WaitUntilHeld();
    ASSERT_TRUE(db->Put("later", "synced").ok());
    ASSERT_TRUE(db->Sync().ok());
    fault.CrashNow();
    gate.Release();
  }
  ASSERT_TRUE(fault.SimulatePowerLoss(TailMode::kDrop, 1).ok());
  std::unique_ptr<DB> db;
  ASSERT_TRUE(
      DB::Open(SmallOptions(&fault, SyncMode::kNone), dir.path(), &db).ok());
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "later", &v).ok());
  for (int i = 0; i < 25; ++i) {
    EXPECT_TRUE(db->Get(ReadOptions(), Key(i), &v).ok())
        << Key(i) << " was written before a synced write that survived";
  }
}

// Bug: a failed log write set the sticky error without waking bg_cv_; a
// Flush waiting there for its memtable (which the background thread no
// longer flushes once the error is set) waited forever.
TEST(PowerLossRegression, FlushReturnsWhenAnotherWriterFailsTheLog) {
  ScratchDb dir;
  FaultInjectionEnv fault;
  TableGateEnv gate(&fault);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(
      DB::Open(SmallOptions(&gate, SyncMode::kGroup), dir.path(), &db).ok());
  ASSERT_TRUE(db->Put("a", "1").ok());
  auto flush = std::async(std::launch::async, [&] { return db->Flush(); });
  gate.WaitUntilHeld();  // Flush switched the memtable and now waits
  fault.FailNth(FaultKind::kWrite, 1, /*persistent=*/true);
  EXPECT_FALSE(db->Put("b", "2").ok());
  const bool returned =
      flush.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  gate.Release();
  ASSERT_TRUE(returned) << "Flush still waits after the log failed";
  EXPECT_FALSE(flush.get().ok());
}

void AppendBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A record header that claims a payload which fits in the file, with a
// wrong checksum, followed by non-zero junk: what a torn write leaves when
// its first sector reached the disk and later ones hold garbage.
std::string TornRecordThenGarbage() {
  std::string b(9, '\0');
  b[0] = 0x12;  // checksum: wrong
  b[4] = 100;   // payload length 100
  b[8] = 1;     // kind: write batch
  for (int i = 0; i < 300; ++i) b += static_cast<char>(1 + (i * 37) % 255);
  return b;
}

// Bug: in the last log (and the manifest) a damaged record followed by
// non-zero bytes, with no valid record after it, was reported as
// corruption and the open failed, although only the unsynced tail was
// damaged. A bad record followed by a valid one stays corruption (see
// DBRecovery.MiddleCorruptionFailsOpenAndSalvageRepairs).
TEST(PowerLossRegression, GarbageTailOfTheLastLogAndManifestIsTorn) {
  ScratchDb dir;
  Options o = SmallOptions(nullptr, SyncMode::kEvery);
  o.write_buffer_size = 1 << 20;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(db->Put(Key(i), Value(i)).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  AppendBytes(dir.Newest(".log"), TornRecordThenGarbage());
  std::string manifest;
  for (const auto &e : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("MANIFEST-") && name > manifest) manifest = name;
  }
  ASSERT_FALSE(manifest.empty());
  AppendBytes(dir.path() + "/" + manifest, TornRecordThenGarbage());

  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dir.path(), &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int i = 0; i < 10; ++i) {
    std::string v;
    ASSERT_TRUE(db->Get(ReadOptions(), Key(i), &v).ok());
    EXPECT_EQ(v, Value(i));
  }
  std::string report;
  ASSERT_TRUE(db->GetProperty("shale.recovery", &report).ok());
  EXPECT_NE(report.find("torn tail"), std::string::npos) << report;
  EXPECT_TRUE(db->Verify(nullptr, nullptr).ok());
}

}  // namespace
}  // namespace shale::power_loss
