// Iterators that combine other InternalIterators.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "db/internal_iterator.h"

namespace shale {

// Merges children into one internal-order sequence, forward and backward.
// Entries with equal (user key, tag) do not occur across children.
std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children);

// Concatenates a sorted, non-overlapping run of files (one level >= 1):
// opens each file's iterator lazily through open_file(i). file_largest /
// file_smallest give each file's key range for seeks.
struct LevelFile {
  std::string smallest_user_key;
  uint64_t smallest_tag;
  std::string largest_user_key;
  uint64_t largest_tag;
};
std::unique_ptr<InternalIterator> NewLevelIterator(
    std::vector<LevelFile> files,
    std::function<std::unique_ptr<InternalIterator>(size_t index)> open_file);

}  // namespace shale
