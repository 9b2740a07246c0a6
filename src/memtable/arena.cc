#include "memtable/arena.h"

#include <cstdint>

namespace shale {

char *Arena::NewBlock(size_t bytes) {
  blocks_.push_back(std::make_unique<char[]>(bytes));
  memory_usage_.fetch_add(bytes + sizeof(void *), std::memory_order_relaxed);
  return blocks_.back().get();
}

char *Arena::AllocateAligned(size_t bytes) {
  constexpr size_t kAlign =
      alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  size_t pad = 0;
  if (ptr_ != nullptr) {
    size_t misalign = reinterpret_cast<uintptr_t>(ptr_) & (kAlign - 1);
    pad = misalign == 0 ? 0 : kAlign - misalign;
  }
  if (ptr_ != nullptr && bytes + pad <= remaining_) {
    char *result = ptr_ + pad;
    bytes_used_.fetch_add(bytes + pad, std::memory_order_relaxed);
    ptr_ += bytes + pad;
    remaining_ -= bytes + pad;
    return result;
  }
  bytes_used_.fetch_add(bytes, std::memory_order_relaxed);
  if (bytes > block_size_ / 4) {
    // Large objects get their own block so the current one is not wasted.
    return NewBlock(bytes);
  }
  ptr_ = NewBlock(block_size_);
  remaining_ = block_size_ - bytes;
  char *result = ptr_;
  ptr_ += bytes;
  return result;
}

}  // namespace shale
