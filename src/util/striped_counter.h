// StripedCounter: a statistics counter that many threads add to without
// bouncing one cache line between cores. A thread adds to the padded cell
// of the CPU it runs on (sched_getcpu: a read of the kernel's rseq area,
// no system call); Sum() adds the cells up. A thread moved to another CPU
// meanwhile still adds atomically, to a cell another CPU may share. A sum
// taken while others add is some value between the counts before and
// after (not a snapshot across cells).
#pragma once

#include <sched.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shale {

class StripedCounter {
 public:
  void Add(uint64_t n) noexcept {
    cells_[ThreadStripe()].value.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Sum() const noexcept {
    uint64_t sum = 0;
    for (const Cell &c : cells_) sum += c.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  static constexpr size_t kStripes = 16;
  struct alignas(64) Cell {
    std::atomic<uint64_t> value{0};
  };

  static size_t ThreadStripe() noexcept {
    const int cpu = sched_getcpu();
    return cpu < 0 ? 0 : static_cast<size_t>(cpu) % kStripes;
  }

  Cell cells_[kStripes];
};

}  // namespace shale
