// Merging and level iterators against a model.
#include <gtest/gtest.h>

#include <random>

#include "memtable/internal_key.h"
#include "table/iterator_util.h"
#include "table/merging_iterator.h"
#include "table/table.h"
#include "table_test_util.h"

namespace shale::test {
namespace {

// Random walk comparing it with the model iterator over all entries.
void RandomWalk(InternalIterator *it, const Model &all, std::mt19937 *rng,
                int steps) {
  auto model = NewModelIterator(&all);
  for (int n = 0; n < steps; ++n) {
    const int op = static_cast<int>((*rng)() % 10);
    const std::string k = "k" + std::to_string((*rng)() % 600);
    const uint64_t t = (*rng)() % 3 == 0 ? UINT64_MAX : (*rng)() % 4000;
    if (op == 0) {
      it->SeekToFirst();
      model->SeekToFirst();
    } else if (op == 1) {
      it->SeekToLast();
      model->SeekToLast();
    } else if (op == 2) {
      it->Seek(k, t);
      model->Seek(k, t);
    } else if (op == 3) {
      it->SeekForPrev(k, t);
      model->SeekForPrev(k, t);
    } else if (it->Valid()) {
      if (op < 7) {
        it->Next();
        model->Next();
      } else {
        it->Prev();
        model->Prev();
      }
    }
    ASSERT_EQ(it->Valid(), model->Valid()) << "step " << n << " op " << op;
    ASSERT_TRUE(it->status().ok());
    if (it->Valid()) {
      ASSERT_EQ(it->user_key(), model->user_key()) << "step " << n;
      ASSERT_EQ(it->tag(), model->tag());
      ASSERT_EQ(it->value(), model->value());
    }
  }
}

TEST(MergingIteratorTest, RandomChildrenAndDirectionSwitches) {
  std::mt19937 rng(5);
  for (int round = 0; round < 20; ++round) {
    const int nchildren = 1 + static_cast<int>(rng() % 6);
    std::vector<Model> parts(nchildren);
    Model all;
    for (int i = 0; i < 800; ++i) {
      IKey k{"k" + std::to_string(rng() % 500), PackTag(rng() % 15, 1)};
      if (all.count(k)) continue;  // no equal entries across children
      std::string v = "v" + std::to_string(i);
      all[k] = v;
      parts[rng() % nchildren][k] = v;
    }
    std::vector<std::unique_ptr<InternalIterator>> children;
    for (auto &p : parts) children.push_back(NewModelIterator(&p));
    children.push_back(NewEmptyIterator());
    auto it = NewMergingIterator(std::move(children));
    EXPECT_EQ(Collect(it.get()), all);
    RandomWalk(it.get(), all, &rng, 3000);
  }
}

TEST(MergingIteratorTest, ChildErrorStopsTheMerge) {
  Model a;
  a[IKey{"a", PackTag(1, 1)}] = "1";
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(NewModelIterator(&a));
  children.push_back(NewErrorIterator(Status::Corruption("bad child")));
  auto it = NewMergingIterator(std::move(children));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST(LevelIteratorTest, ManyFiles) {
  std::mt19937 rng(8);
  // 40 files of consecutive key ranges, some with versions of a key that
  // straddles a boundary in the middle of a file.
  Model all;
  for (int i = 0; i < 2000; ++i) {
    all[IKey{"k" + std::to_string(100 + i / 4), PackTag(1000 - i % 4, 1)}] =
        "v" + std::to_string(i);
  }
  std::vector<Model> files;
  std::vector<LevelFile> meta;
  auto pos = all.begin();
  while (pos != all.end()) {
    Model f;
    const int n = 1 + static_cast<int>(rng() % 100);
    for (int i = 0; i < n && pos != all.end(); ++i, ++pos) f.insert(*pos);
    files.push_back(std::move(f));
  }
  for (auto &f : files) {
    meta.push_back(LevelFile{f.begin()->first.user_key, f.begin()->first.tag,
                             f.rbegin()->first.user_key,
                             f.rbegin()->first.tag});
  }
  int opens = 0;
  auto it = NewLevelIterator(meta, [&](size_t i) {
    ++opens;
    return NewModelIterator(&files[i]);
  });
  EXPECT_EQ(Collect(it.get()), all);
  RandomWalk(it.get(), all, &rng, 5000);
  EXPECT_GT(opens, 0);

  // The same files as tables, through real table iterators.
  TableOptions opts;
  opts.block_size = 256;
  std::vector<std::shared_ptr<Table>> tables;
  for (auto &f : files) {
    std::shared_ptr<Table> t;
    ASSERT_TRUE(OpenTable(opts, BuildTable(opts, f), &t).ok());
    tables.push_back(t);
  }
  auto tit = NewLevelIterator(
      meta, [&](size_t i) { return tables[i]->NewIterator(); });
  EXPECT_EQ(Collect(tit.get()), all);
  RandomWalk(tit.get(), all, &rng, 5000);
}

TEST(LevelIteratorTest, EmptyLevelAndFileErrors) {
  auto empty = NewLevelIterator({}, [](size_t) { return NewEmptyIterator(); });
  empty->SeekToFirst();
  EXPECT_FALSE(empty->Valid());
  empty->SeekToLast();
  EXPECT_FALSE(empty->Valid());
  empty->Seek("a", 0);
  EXPECT_FALSE(empty->Valid());
  EXPECT_TRUE(empty->status().ok());

  Model a;
  a[IKey{"a", PackTag(1, 1)}] = "1";
  std::vector<LevelFile> meta = {{"a", PackTag(1, 1), "a", PackTag(1, 1)},
                                 {"b", PackTag(1, 1), "b", PackTag(1, 1)}};
  auto it = NewLevelIterator(meta, [&](size_t i) {
    return i == 0 ? NewModelIterator(&a)
                  : NewErrorIterator(Status::Corruption("file 2 is bad"));
  });
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

}  // namespace
}  // namespace shale::test
