// SkipList: an ordered set of keys with one writer at a time and any number
// of concurrent lock-free readers. Nodes are never removed; they live in an
// Arena until the list is destroyed.
//
// Publication: a node is fully initialised before the release store that
// links it at level 0, and readers follow links with acquire loads, so a
// reader never sees a half-built node.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <new>

#include "memtable/arena.h"

namespace shale {

// Cmp: int operator()(const Key&, const Key&) const, memcmp-style.
template <typename Key, class Cmp>
class SkipList {
 private:
  struct Node;

 public:
  SkipList(Cmp cmp, Arena *arena)
      : cmp_(cmp), arena_(arena), head_(NewNode(Key(), kMaxHeight)) {
    for (int i = 0; i < kMaxHeight; ++i) head_->SetNext(i, nullptr);
  }
  SkipList(const SkipList &) = delete;
  SkipList &operator=(const SkipList &) = delete;

  // REQUIRES: external serialization of writers; key not already present.
  void Insert(const Key &key) {
    Node *prev[kMaxHeight];
    Node *x = FindGreaterOrEqual(key, prev);
    assert(x == nullptr || cmp_(key, x->key) != 0);
    (void)x;
    int height = RandomHeight();
    int cur = height_.load(std::memory_order_relaxed);
    if (height > cur) {
      for (int i = cur; i < height; ++i) prev[i] = head_;
      // Readers seeing the new height before the links simply find null
      // links from head_ at those levels and drop down.
      height_.store(height, std::memory_order_relaxed);
    }
    Node *n = NewNode(key, height);
    for (int i = 0; i < height; ++i) {
      n->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
      prev[i]->SetNext(i, n);
    }
  }

  bool Contains(const Key &key) const {
    Node *x = FindGreaterOrEqual(key, nullptr);
    return x != nullptr && cmp_(key, x->key) == 0;
  }

  class Iterator {
   public:
    explicit Iterator(const SkipList *list) : list_(list) {}
    bool Valid() const { return node_ != nullptr; }
    const Key &key() const { return node_->key; }
    void Next() { node_ = node_->Next(0); }
    // The last entry before the current one.
    void Prev() {
      node_ = list_->FindLessThan(node_->key);
      if (node_ == list_->head_) node_ = nullptr;
    }
    // First entry >= target.
    void Seek(const Key &target) {
      node_ = list_->FindGreaterOrEqual(target, nullptr);
    }
    // Last entry < target.
    void SeekBefore(const Key &target) {
      node_ = list_->FindLessThan(target);
      if (node_ == list_->head_) node_ = nullptr;
    }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList *list_;
    Node *node_ = nullptr;
  };

 private:
  static constexpr int kMaxHeight = 12;

  // A node is followed in memory by its `height` links.
  struct Node {
    explicit Node(const Key &k) : key(k) {}
    Key const key;
    Node *Next(int n) { return link(n)->load(std::memory_order_acquire); }
    void SetNext(int n, Node *x) {
      link(n)->store(x, std::memory_order_release);
    }
    Node *NoBarrierNext(int n) {
      return link(n)->load(std::memory_order_relaxed);
    }
    void NoBarrierSetNext(int n, Node *x) {
      link(n)->store(x, std::memory_order_relaxed);
    }

   private:
    std::atomic<Node *> *link(int n) {
      return reinterpret_cast<std::atomic<Node *> *>(
                 reinterpret_cast<char *>(this) + kLinksOffset) +
             n;
    }
  };

  static constexpr size_t kLinksOffset =
      (sizeof(Node) + alignof(std::atomic<Node *>) - 1) /
      alignof(std::atomic<Node *>) * alignof(std::atomic<Node *>);

  Node *NewNode(const Key &key, int height) {
    size_t bytes = kLinksOffset + sizeof(std::atomic<Node *>) * size_t(height);
    char *mem = arena_->AllocateAligned(bytes);
    Node *n = new (mem) Node(key);
    for (int i = 0; i < height; ++i) {
      new (mem + kLinksOffset + i * sizeof(std::atomic<Node *>))
          std::atomic<Node *>(nullptr);
    }
    return n;
  }

  int RandomHeight() {
    // xorshift; branching factor 4.
    int height = 1;
    while (height < kMaxHeight) {
      rnd_ ^= rnd_ << 13;
      rnd_ ^= rnd_ >> 7;
      rnd_ ^= rnd_ << 17;
      if ((rnd_ & 3) != 0) break;
      ++height;
    }
    return height;
  }

  int GetMaxHeight() const { return height_.load(std::memory_order_relaxed); }

  // First node >= key; fills prev[level] with the node before it per level.
  Node *FindGreaterOrEqual(const Key &key, Node **prev) const {
    Node *x = head_;
    int level = GetMaxHeight() - 1;
    while (true) {
      Node *next = x->Next(level);
      if (next != nullptr && cmp_(next->key, key) < 0) {
        x = next;
      } else {
        if (prev != nullptr) prev[level] = x;
        if (level == 0) return next;
        --level;
      }
    }
  }

  // Last node < key, or head_.
  Node *FindLessThan(const Key &key) const {
    Node *x = head_;
    int level = GetMaxHeight() - 1;
    while (true) {
      Node *next = x->Next(level);
      if (next != nullptr && cmp_(next->key, key) < 0) {
        x = next;
      } else {
        if (level == 0) return x;
        --level;
      }
    }
  }

  Node *FindLast() const {
    Node *x = head_;
    int level = GetMaxHeight() - 1;
    while (true) {
      Node *next = x->Next(level);
      if (next != nullptr) {
        x = next;
      } else {
        if (level == 0) return x;
        --level;
      }
    }
  }

  Cmp const cmp_;
  Arena *const arena_;
  Node *const head_;
  std::atomic<int> height_{1};
  uint64_t rnd_ = 0x2545f4914f6cdd1dull;
};

}  // namespace shale
