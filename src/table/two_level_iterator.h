// TwoLevelIterator: walks an index iterator whose values name blocks, and
// for each block the iterator block_fn opens for it. Empty blocks are
// skipped; a block iterator's error stops the walk and becomes status().
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "db/internal_iterator.h"

namespace shale {

using BlockIteratorFn =
    std::function<std::unique_ptr<InternalIterator>(std::string_view)>;

// block_fn(index value) never returns nullptr (an error iterator instead).
std::unique_ptr<InternalIterator> NewTwoLevelIterator(
    std::unique_ptr<InternalIterator> index, BlockIteratorFn block_fn);

}  // namespace shale
