#include "cache/block_cache.h"

#include <algorithm>

#include "util/epoch.h"

namespace shale {

struct BlockCache::Entry final : epoch::Retirable {
  std::shared_ptr<const Block> block;
  size_t charge = 0;
  Slot *slot = nullptr;  // guarded by mu_; nullptr once unlinked
  size_t pos = 0;        // index in ring_, guarded by mu_
  // Set by hits, cleared by the eviction hand. Relaxed: a lost update only
  // shifts which entry goes first.
  std::atomic<bool> referenced{true};
};

BlockCache::BlockCache(size_t capacity) : capacity_(capacity) {}

BlockCache::~BlockCache() {
  // Tables hold the cache alive, so none is left pointing here.
  for (Entry *e : ring_) delete e;
}

const Block *BlockCache::Lookup(const Slot &slot) {
  Entry *e = slot.load(std::memory_order_acquire);
  if (e == nullptr) {
    misses_.Add(1);
    return nullptr;
  }
  // Read first: most hits find it set, and a store would dirty the line.
  if (!e->referenced.load(std::memory_order_relaxed)) {
    e->referenced.store(true, std::memory_order_relaxed);
  }
  hits_.Add(1);
  return e->block.get();
}

std::shared_ptr<const Block> BlockCache::LookupShared(const Slot &slot) {
  epoch::ReadSection section;
  Entry *e = slot.load(std::memory_order_acquire);
  if (e == nullptr) {
    misses_.Add(1);
    return nullptr;
  }
  if (!e->referenced.load(std::memory_order_relaxed)) {
    e->referenced.store(true, std::memory_order_relaxed);
  }
  hits_.Add(1);
  return e->block;
}

std::shared_ptr<const Block> BlockCache::Insert(
    Slot *slot, std::shared_ptr<const Block> block, size_t charge) {
  if (charge > capacity_) return block;
  auto fresh = std::make_unique<Entry>();
  {
    std::lock_guard<std::mutex> g(mu_);
    if (Entry *e = slot->load(std::memory_order_relaxed); e != nullptr) {
      return e->block;  // another reader cached it first
    }
    MakeRoom(charge);
    if (ring_.size() == ring_.capacity()) {
      ring_.reserve(std::max<size_t>(16, 2 * ring_.capacity()));
    }  // may throw: nothing changed yet
    fresh->block = block;
    fresh->charge = charge;
    fresh->slot = slot;
    fresh->pos = ring_.size();
    ring_.push_back(fresh.get());
    usage_ += charge;
    slot->store(fresh.release(), std::memory_order_release);
  }
  epoch::ReclaimIfMany();  // the evicted entries, without the lock
  return block;
}

void BlockCache::MakeRoom(size_t charge) {
  size_t spared = 0;
  while (usage_ + charge > capacity_ && !ring_.empty()) {
    if (hand_ >= ring_.size()) hand_ = 0;
    Entry *e = ring_[hand_];
    if (e->referenced.exchange(false, std::memory_order_relaxed) &&
        spared++ < 2 * ring_.size()) {
      ++hand_;
      continue;
    }
    Unlink(e);  // the last entry moves to hand_: look at it next
    epoch::Retire(e);
  }
}

void BlockCache::Unlink(Entry *e) {
  e->slot->store(nullptr, std::memory_order_release);
  e->slot = nullptr;
  usage_ -= e->charge;
  Entry *last = ring_.back();
  ring_[e->pos] = last;
  last->pos = e->pos;
  ring_.pop_back();
}

void BlockCache::EraseSlots(Slot *slots, size_t n) {
  std::lock_guard<std::mutex> g(mu_);
  for (size_t i = 0; i < n; ++i) {
    Entry *e = slots[i].load(std::memory_order_relaxed);
    if (e == nullptr) continue;
    Unlink(e);
    delete e;  // no section can reach it: its table is unreachable
  }
}

size_t BlockCache::entries() const {
  std::lock_guard<std::mutex> g(mu_);
  return ring_.size();
}

size_t BlockCache::usage() const {
  std::lock_guard<std::mutex> g(mu_);
  return usage_;
}

}  // namespace shale
