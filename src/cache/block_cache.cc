#include "cache/block_cache.h"

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace shale {

namespace {

using CacheKey = std::pair<uint64_t, uint64_t>;  // (file number, offset)

// A hash map, not an ordered one: a lookup on every block read was a
// quarter of a cached readrandom's time with std::map (perf). Offsets are
// multiples of small sizes, so both halves are mixed.
struct CacheKeyHash {
  size_t operator()(const CacheKey &k) const {
    uint64_t h = (k.first * 0x9e3779b97f4a7c15ull) ^ k.second;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// One LRU list under one mutex. The list's front is the most recently used.
class Shard {
 public:
  void set_capacity(size_t c) { capacity_ = c; }

  std::shared_ptr<const Block> Lookup(const CacheKey &key) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->block;
  }

  void Insert(const CacheKey &key, std::shared_ptr<const Block> block,
              size_t charge) {
    // Dropped blocks are released after the lock is let go.
    std::vector<std::shared_ptr<const Block>> dropped;
    std::lock_guard<std::mutex> l(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      usage_ -= it->second->charge;
      dropped.push_back(std::move(it->second->block));
      lru_.erase(it->second);
      map_.erase(it);
    }
    if (charge <= capacity_) {
      lru_.push_front(Node{key, std::move(block), charge});
      map_.emplace(key, lru_.begin());
      usage_ += charge;
    } else {
      dropped.push_back(std::move(block));  // larger than the whole shard
    }
    while (usage_ > capacity_ && !lru_.empty()) {
      Node &victim = lru_.back();
      usage_ -= victim.charge;
      dropped.push_back(std::move(victim.block));
      map_.erase(victim.key);
      lru_.pop_back();
    }
  }

  void EraseFile(uint64_t file_number) {
    std::vector<std::shared_ptr<const Block>> dropped;
    std::lock_guard<std::mutex> l(mu_);
    // A walk of the shard (a few thousand blocks at most): files are
    // dropped only when a compaction retires them.
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (it->key.first != file_number) {
        ++it;
        continue;
      }
      usage_ -= it->charge;
      dropped.push_back(std::move(it->block));
      map_.erase(it->key);
      it = lru_.erase(it);
    }
  }

  size_t usage() const {
    std::lock_guard<std::mutex> l(mu_);
    return usage_;
  }
  size_t entries() const {
    std::lock_guard<std::mutex> l(mu_);
    return map_.size();
  }

 private:
  struct Node {
    CacheKey key;
    std::shared_ptr<const Block> block;
    size_t charge;
  };

  mutable std::mutex mu_;
  size_t capacity_ = 0;
  size_t usage_ = 0;
  std::list<Node> lru_;
  std::unordered_map<CacheKey, std::list<Node>::iterator, CacheKeyHash> map_;
};

}  // namespace

struct BlockCache::Impl {
  size_t capacity = 0;
  int shard_bits = 0;
  std::vector<Shard> shards;
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};

  Shard &ShardFor(uint64_t file_number, uint64_t offset) {
    if (shard_bits == 0) return shards[0];
    uint64_t h = (file_number * 0x9e3779b97f4a7c15ull) ^ offset;
    h *= 0xbf58476d1ce4e5b9ull;
    return shards[h >> (64 - shard_bits)];
  }
};

BlockCache::BlockCache(size_t capacity)
    : BlockCache(capacity, capacity >= (size_t{8} << 20) ? 4 : 0) {}

BlockCache::BlockCache(size_t capacity, int num_shard_bits)
    : impl_(std::make_unique<Impl>()) {
  impl_->capacity = capacity;
  impl_->shard_bits = std::clamp(num_shard_bits, 0, 8);
  impl_->shards = std::vector<Shard>(size_t{1} << impl_->shard_bits);
  const size_t per_shard = capacity >> impl_->shard_bits;
  for (Shard &s : impl_->shards) s.set_capacity(per_shard);
}

BlockCache::~BlockCache() = default;

std::shared_ptr<const Block> BlockCache::Lookup(uint64_t file_number,
                                                uint64_t offset) {
  std::shared_ptr<const Block> b =
      impl_->ShardFor(file_number, offset).Lookup({file_number, offset});
  (b ? impl_->hits : impl_->misses).fetch_add(1, std::memory_order_relaxed);
  return b;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset,
                        std::shared_ptr<const Block> block, size_t charge) {
  if (block == nullptr) return;
  impl_->ShardFor(file_number, offset)
      .Insert({file_number, offset}, std::move(block), charge);
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard &s : impl_->shards) s.EraseFile(file_number);
}

size_t BlockCache::capacity() const { return impl_->capacity; }

size_t BlockCache::usage() const {
  size_t total = 0;
  for (const Shard &s : impl_->shards) total += s.usage();
  return total;
}

size_t BlockCache::entries() const {
  size_t total = 0;
  for (const Shard &s : impl_->shards) total += s.entries();
  return total;
}

uint64_t BlockCache::hits() const {
  return impl_->hits.load(std::memory_order_relaxed);
}
uint64_t BlockCache::misses() const {
  return impl_->misses.load(std::memory_order_relaxed);
}

}  // namespace shale
