// StripedCounter: a statistics counter that many threads add to without
// bouncing one cache line between cores. Each thread adds to one of
// kStripes padded cells (picked once per thread, round robin); Sum() adds
// the cells up. A sum taken while others add is some value between the
// counts before and after (not a snapshot across cells).
#pragma once

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
    static std::atomic<size_t> next{0};
    thread_local size_t stripe =
        next.fetch_add(1, std::memory_order_relaxed) % kStripes;
    return stripe;
  }

  Cell cells_[kStripes];
};

}  // namespace shale
