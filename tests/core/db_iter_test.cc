// The iterator against a std::map model: random writes, random snapshots,
// random bounds and prefixes, random moves in both directions.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>

#include "db/db.h"
#include "test_util.h"

namespace shale {
namespace {

using testing::OpenOrDie;
using testing::TempDir;
using Model = std::map<std::string, std::string>;

// A small alphabet so keys collide, share prefixes and include 0x00/0xff.
std::string RandomKey(std::mt19937 &rng) {
  static const char kAlphabet[] = {'\0', 'a', 'b', 'c', '\xff'};
  std::string k;
  int len = static_cast<int>(rng() % 4);
  for (int i = 0; i < len; ++i) k.push_back(kAlphabet[rng() % 5]);
  return k;
}

struct Range {
  std::optional<std::string> lower, upper, prefix;
  bool Contains(const std::string &k) const {
    if (lower && k < *lower) return false;
    if (upper && k >= *upper) return false;
    if (prefix && k.compare(0, prefix->size(), *prefix) != 0) return false;
    return true;
  }
};

// The model's answer for each iterator operation, as key or nullopt.
class ModelIter {
 public:
  ModelIter(const Model *m, Range r) : m_(m), r_(std::move(r)) {}
  void SeekToFirst() { Fwd(m_->begin()); }
  void SeekToLast() { Bwd(m_->end()); }
  void Seek(const std::string &t) { Fwd(m_->lower_bound(t)); }
  void SeekForPrev(const std::string &t) { Bwd(m_->upper_bound(t)); }
  void Next() { Fwd(std::next(m_->find(*cur_))); }
  void Prev() { Bwd(m_->find(*cur_)); }
  const std::optional<std::string> &cur() const { return cur_; }

 private:
  void Fwd(Model::const_iterator it) {
    for (; it != m_->end(); ++it) {
      if (r_.Contains(it->first)) {
        cur_ = it->first;
        return;
      }
    }
    cur_.reset();
  }
  // The last in-range key before it.
  void Bwd(Model::const_iterator it) {
    while (it != m_->begin()) {
      --it;
      if (r_.Contains(it->first)) {
        cur_ = it->first;
        return;
      }
    }
    cur_.reset();
  }
  const Model *m_;
  Range r_;
  std::optional<std::string> cur_;
};

void CheckAgainstModel(DB *db, const Model &model,
                       std::shared_ptr<const Snapshot> snap, std::mt19937 &rng,
                       int ops) {
  Range r;
  if (rng() % 3 == 0) r.lower = RandomKey(rng);
  if (rng() % 3 == 0) r.upper = RandomKey(rng);
  if (rng() % 3 == 0) r.prefix = RandomKey(rng).substr(0, 1 + rng() % 2);
  ReadOptions ro;
  ro.snapshot = snap;
  ro.lower_bound = r.lower;
  ro.upper_bound = r.upper;
  ro.prefix = r.prefix;
  auto it = db->NewIterator(ro);
  ModelIter m(&model, r);
  for (int i = 0; i < ops; ++i) {
    int op = static_cast<int>(rng() % 6);
    if ((op == 4 || op == 5) && !m.cur()) op = static_cast<int>(rng() % 4);
    std::string t = RandomKey(rng);
    switch (op) {
      case 0:
        it->SeekToFirst();
        m.SeekToFirst();
        break;
      case 1:
        it->SeekToLast();
        m.SeekToLast();
        break;
      case 2:
        it->Seek(t);
        m.Seek(t);
        break;
      case 3:
        it->SeekForPrev(t);
        m.SeekForPrev(t);
        break;
      case 4:
        it->Next();
        m.Next();
        break;
      case 5:
        it->Prev();
        m.Prev();
        break;
    }
    ASSERT_EQ(m.cur().has_value(), it->Valid()) << "op " << op;
    ASSERT_OK(it->status());
    if (m.cur()) {
      ASSERT_EQ(*m.cur(), it->key()) << "op " << op;
      ASSERT_EQ(model.at(*m.cur()), it->value());
    }
  }
}

// tables: also flush to level-0 tables and compact now and then, so moves
// cross the memtable, several tables and the merging iterator's direction
// switches.
void RandomOpsAgainstModel(bool tables) {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TempDir dir;
    Options o;
    o.sync_mode = SyncMode::kNone;
    auto db = OpenOrDie(dir.Sub("db"), o);
    std::mt19937 rng(seed);
    Model model;
    std::vector<std::pair<std::shared_ptr<const Snapshot>, Model>> snaps;
    for (int round = 0; round < 30; ++round) {
      WriteBatch b;
      Model next = model;
      int n = 1 + static_cast<int>(rng() % 5);
      for (int i = 0; i < n; ++i) {
        std::string k = RandomKey(rng);
        if (rng() % 3 == 0) {
          ASSERT_OK(b.Delete(k));
          next.erase(k);
        } else {
          std::string v = "v" + std::to_string(rng() % 1000);
          ASSERT_OK(b.Put(k, v));
          next[k] = v;
        }
      }
      ASSERT_OK(db->Write(b));
      model = std::move(next);
      if (tables && rng() % 3 == 0) ASSERT_OK(db->Flush());
      if (tables && rng() % 10 == 0) {
        ASSERT_OK(db->CompactRange(nullptr, nullptr, nullptr));
      }
      if (rng() % 4 == 0) snaps.emplace_back(db->GetSnapshot(), model);
      CheckAgainstModel(db.get(), model, nullptr, rng, 40);
      for (auto &[snap, m] : snaps) {
        CheckAgainstModel(db.get(), m, snap, rng, 20);
      }
    }
  }
}

TEST(DBIter, RandomOpsAgainstModel) { RandomOpsAgainstModel(false); }
TEST(DBIter, RandomOpsAgainstModelAcrossTables) { RandomOpsAgainstModel(true); }

TEST(DBIter, IteratorSeesPointInTimeOfCreation) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  ASSERT_OK(db->Put("a", "1"));
  ASSERT_OK(db->Put("c", "3"));
  auto it = db->NewIterator(ReadOptions());
  ASSERT_OK(db->Put("b", "2"));
  ASSERT_OK(db->Delete("a"));
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen += it->key();
  EXPECT_EQ("ac", seen);
  seen.clear();
  for (it->SeekToLast(); it->Valid(); it->Prev()) seen += it->key();
  EXPECT_EQ("ca", seen);
}

TEST(DBIter, BoundsAndPrefix) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  for (const char *k : {"a", "ab", "abc", "abd", "ac", "b", "ba"}) {
    ASSERT_OK(db->Put(k, std::string("v_") + k));
  }
  auto collect = [&](ReadOptions ro, bool reverse) {
    auto it = db->NewIterator(ro);
    std::string out;
    if (reverse) {
      for (it->SeekToLast(); it->Valid(); it->Prev())
        out += std::string(it->key()) + ",";
    } else {
      for (it->SeekToFirst(); it->Valid(); it->Next())
        out += std::string(it->key()) + ",";
    }
    return out;
  };
  ReadOptions ro;
  ro.prefix = "ab";
  EXPECT_EQ("ab,abc,abd,", collect(ro, false));
  EXPECT_EQ("abd,abc,ab,", collect(ro, true));
  ro = ReadOptions();
  ro.lower_bound = "abc";
  ro.upper_bound = "b";
  EXPECT_EQ("abc,abd,ac,", collect(ro, false));
  EXPECT_EQ("ac,abd,abc,", collect(ro, true));
  auto it = db->NewIterator(ro);
  it->SeekForPrev("zzz");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("ac", it->key());
  it->SeekForPrev("abcc");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("abc", it->key());
  it->SeekForPrev("abb");
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("abc", it->key());
  EXPECT_EQ("v_abc", it->value());
}

}  // namespace
}  // namespace shale
