// The corruption sweep: one test per file kind; each damages the files of
// that kind of a freshly built db one site at a time (see damage.h) and
// checks each damaged copy (see checker.h). Prints one summary line.
//
// Environment: SHALE_RELIABILITY_SCALE=N (default 1) multiplies the evenly
// spaced sites per file and, above 1, damages every table, not just three.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "checker.h"

namespace corruption {
namespace {

namespace fs = std::filesystem;

int Scale() {
  const char *s = std::getenv("SHALE_RELIABILITY_SCALE");
  const int n = s != nullptr ? std::atoi(s) : 1;
  return n > 0 ? n : 1;
}

class CorruptionSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ScratchBase() + "/shale-co-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    pristine_ = root_ + "/pristine";
    const std::string err = BuildPristine(pristine_, &model_);
    ASSERT_EQ(err, "");
    ASSERT_NO_FATAL_FAILURE(Classify());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  void Classify() { ASSERT_EQ(ClassifyFiles(pristine_, &files_), ""); }

  void Sweep(FileKind kind) {
    std::vector<DbFile> chosen;
    for (const DbFile &f : files_) {
      if (f.kind == kind) chosen.push_back(f);
    }
    ASSERT_FALSE(chosen.empty()) << "the pristine db has no " << KindName(kind);
    if (Scale() == 1 && chosen.size() > 3) {
      chosen = {chosen.front(), chosen[chosen.size() / 2], chosen.back()};
    }
    Stats stats;
    uint64_t failed_copies = 0;
    for (const DbFile &f : chosen) {
      const std::string bytes = ReadAll(pristine_ + "/" + f.name);
      for (const Damage &d : SitesFor(f, bytes, Scale())) {
        const auto failures =
            CheckDamagedCopy(d, model_, pristine_, root_, &stats);
        if (!failures.empty() && ++failed_copies <= 20) {
          for (const std::string &msg : failures) ADD_FAILURE() << msg;
        }
      }
    }
    std::printf("%s\n", stats.Summary().c_str());
    EXPECT_EQ(failed_copies, 0u);
    const KindStats &k = stats.kinds[static_cast<int>(kind)];
    EXPECT_GT(k.copies, 0u);
    EXPECT_EQ(k.salvage_opens, k.copies);
  }

  std::string root_, pristine_;
  Model model_;
  std::vector<DbFile> files_;
};

TEST_F(CorruptionSweep, Log) { Sweep(FileKind::kLog); }
TEST_F(CorruptionSweep, LevelZeroTable) { Sweep(FileKind::kTableL0); }
TEST_F(CorruptionSweep, DeepTables) { Sweep(FileKind::kTableDeep); }
TEST_F(CorruptionSweep, Manifest) { Sweep(FileKind::kManifest); }
TEST_F(CorruptionSweep, Current) { Sweep(FileKind::kCurrent); }

}  // namespace
}  // namespace corruption
