// Arena: bump allocation for the memtable. Memory is released all at once
// when the arena is destroyed. Allocation is single-threaded (the write
// path's leader); MemoryUsage may be read from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace shale {

class Arena {
 public:
  Arena() = default;
  // block_size: bytes per block (smaller for small write buffers, so that
  // the memory usage tracks the data closely).
  explicit Arena(size_t block_size) : block_size_(block_size) {}
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  // Returns bytes aligned for any pointer-sized type.
  char *AllocateAligned(size_t bytes);
  char *Allocate(size_t bytes) { return AllocateAligned(bytes); }

  // Bytes of the blocks allocated (the memory held).
  size_t MemoryUsage() const {
    return memory_usage_.load(std::memory_order_relaxed);
  }
  // Bytes handed out by AllocateAligned, padding included (the data held;
  // not the unused rest of the current block).
  size_t BytesUsed() const {
    return bytes_used_.load(std::memory_order_relaxed);
  }

 private:
  char *NewBlock(size_t bytes);

  static constexpr size_t kBlockSize = 64 * 1024;
  size_t block_size_ = kBlockSize;
  char *ptr_ = nullptr;
  size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
  std::atomic<size_t> bytes_used_{0};
};

}  // namespace shale
