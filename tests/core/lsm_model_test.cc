// Model-based randomized test: random puts, deletes, batches, gets,
// iterations (both directions, bounds, prefixes) and snapshots, interleaved
// with flushes, compactions and reopens, checked against std::map models.
// SHALE_MODEL_STEPS sets the number of steps per seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "db/db.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::TempDir;
using Model = std::map<std::string, std::string>;

int Steps() {
  const char *env = std::getenv("SHALE_MODEL_STEPS");
  if (env != nullptr && std::atoi(env) > 0) return std::atoi(env);
  return 3000;
}

class ModelRun {
 public:
  explicit ModelRun(uint32_t seed) : rng_(seed) {
    options_.write_buffer_size = 16 * 1024;
    options_.target_file_size = 8 * 1024;
    options_.block_size = 512;
    options_.block_cache_capacity = 32 * 1024;
    options_.level1_max_bytes = 64 * 1024;
    options_.level_size_multiplier = 4;
    options_.level0_compaction_trigger = 3;
    options_.sync_mode = SyncMode::kNone;
    Reopen();
  }

  void Reopen() {
    snaps_.clear();
    if (db_) {
      ASSERT_OK(db_->Close());
    }
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.Sub("db"), &db_));
  }

  std::string RandKey() {
    // A small key space so keys are overwritten and deleted often.
    int k = Uniform(400);
    std::string key = "k" + std::to_string(k % 7) + "/" + std::to_string(k);
    return key;
  }
  std::string RandValue() {
    return std::string(Uniform(120), static_cast<char>('a' + Uniform(26))) +
           std::to_string(Uniform(1000000));
  }
  int Uniform(int n) {
    return static_cast<int>(rng_() % static_cast<uint32_t>(n));
  }

  void Step() {
    int op = Uniform(1000);
    if (op < 400) {
      std::string k = RandKey(), v = RandValue();
      ASSERT_OK(db_->Put(k, v));
      model_[k] = v;
    } else if (op < 520) {
      std::string k = RandKey();
      ASSERT_OK(db_->Delete(k));
      model_.erase(k);
    } else if (op < 580) {
      WriteBatch b;
      Model next = model_;
      for (int i = Uniform(8); i >= 0; --i) {
        std::string k = RandKey();
        if (Uniform(3) == 0) {
          ASSERT_OK(b.Delete(k));
          next.erase(k);
        } else {
          std::string v = RandValue();
          ASSERT_OK(b.Put(k, v));
          next[k] = v;
        }
      }
      ASSERT_OK(db_->Write(b));
      model_ = std::move(next);
    } else if (op < 750) {
      CheckGet();
    } else if (op < 850) {
      CheckIterate();
    } else if (op < 900) {
      if (snaps_.size() < 4) {
        snaps_.push_back({db_->GetSnapshot(), model_});
      } else {
        snaps_.erase(snaps_.begin() + Uniform(static_cast<int>(snaps_.size())));
      }
    } else if (op < 950) {
      ASSERT_OK(db_->Flush());
    } else if (op < 985) {
      std::string a = RandKey(), b = RandKey();
      if (b < a) std::swap(a, b);
      if (Uniform(2) == 0) {
        ASSERT_OK(db_->CompactRange(nullptr, nullptr, nullptr));
      } else {
        ASSERT_OK(db_->CompactRange(&a, &b, nullptr));
      }
    } else {
      Reopen();
    }
  }

  void CheckGet() {
    std::string k = RandKey();
    const Model *m = &model_;
    ReadOptions ro;
    if (!snaps_.empty() && Uniform(2) == 0) {
      auto &s = snaps_[Uniform(static_cast<int>(snaps_.size()))];
      ro.snapshot = s.first;
      m = &s.second;
    }
    std::string v;
    Status s = db_->Get(ro, k, &v);
    auto it = m->find(k);
    if (it == m->end()) {
      ASSERT_TRUE(s.IsNotFound()) << k << " " << s.ToString();
    } else {
      ASSERT_OK(s);
      ASSERT_EQ(it->second, v) << k;
    }
  }

  void CheckIterate() {
    const Model *m = &model_;
    ReadOptions ro;
    if (!snaps_.empty() && Uniform(2) == 0) {
      auto &s = snaps_[Uniform(static_cast<int>(snaps_.size()))];
      ro.snapshot = s.first;
      m = &s.second;
    }
    int shape = Uniform(4);
    if (shape == 1) {
      ro.lower_bound = RandKey();
      ro.upper_bound = RandKey();
    } else if (shape == 2) {
      ro.prefix = "k" + std::to_string(Uniform(7)) + "/";
    } else if (shape == 3) {
      ro.lower_bound = RandKey();
    }
    auto in = [&](const std::string &k) {
      if (ro.lower_bound && k < *ro.lower_bound) return false;
      if (ro.upper_bound && k >= *ro.upper_bound) return false;
      if (ro.prefix && k.compare(0, ro.prefix->size(), *ro.prefix) != 0) {
        return false;
      }
      return true;
    };
    std::vector<std::pair<std::string, std::string>> want;
    for (auto &kv : *m) {
      if (in(kv.first)) want.push_back(kv);
    }
    auto it = db_->NewIterator(ro);
    if (Uniform(2) == 0) {
      size_t i = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
        ASSERT_LT(i, want.size());
        ASSERT_EQ(want[i].first, it->key());
        ASSERT_EQ(want[i].second, it->value());
      }
      ASSERT_EQ(want.size(), i);
    } else {
      size_t i = want.size();
      for (it->SeekToLast(); it->Valid(); it->Prev()) {
        ASSERT_GT(i, 0u);
        --i;
        ASSERT_EQ(want[i].first, it->key());
        ASSERT_EQ(want[i].second, it->value());
      }
      ASSERT_EQ(0u, i);
    }
    ASSERT_OK(it->status());
    // A seek, then a few steps each way.
    std::string target = RandKey();
    it->Seek(target);
    auto lb = std::lower_bound(
        want.begin(), want.end(), target,
        [](const auto &kv, const std::string &t) { return kv.first < t; });
    if (lb == want.end()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(lb->first, it->key());
      it->Prev();
      if (lb == want.begin()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ((lb - 1)->first, it->key());
      }
    }
    it->SeekForPrev(target);
    auto ub = std::upper_bound(
        want.begin(), want.end(), target,
        [](const std::string &t, const auto &kv) { return t < kv.first; });
    if (ub == want.begin()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ((ub - 1)->first, it->key());
      it->Next();
      if (ub == want.end()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(ub->first, it->key());
      }
    }
  }

  void CheckAll() {
    auto it = db_->NewIterator(ReadOptions());
    auto m = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, model_.end());
      ASSERT_EQ(m->first, it->key());
      ASSERT_EQ(m->second, it->value());
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(m, model_.end());
  }

  DB *db() { return db_.get(); }

 private:
  std::mt19937 rng_;
  TempDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  Model model_;
  std::vector<std::pair<std::shared_ptr<const Snapshot>, Model>> snaps_;
};

class LsmModel : public ::testing::TestWithParam<uint32_t> {};

TEST_P(LsmModel, MatchesMap) {
  const uint32_t seed = GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun: --gtest_filter=*LsmModel*; SHALE_MODEL_STEPS=N)");
  ModelRun run(seed);
  const int steps = Steps();
  for (int i = 0; i < steps; ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    run.Step();
    if (::testing::Test::HasFatalFailure()) return;
  }
  run.CheckAll();
  run.Reopen();
  run.CheckAll();
}

INSTANTIATE_TEST_SUITE_P(Seeds, LsmModel,
                         ::testing::Values(1u, 7u, 42u, 1234u, 99991u));

}  // namespace
}  // namespace shale
