#include "db/snapshot_registry.h"

namespace shale {

class SnapshotRegistry::Impl final : public Snapshot {
 public:
  Impl(std::shared_ptr<SnapshotRegistry> owner, uint64_t seq)
      : owner_(std::move(owner)), seq_(seq) {}
  ~Impl() override { owner_->Release(seq_); }
  uint64_t sequence() const override { return seq_; }
  const SnapshotRegistry *owner() const { return owner_.get(); }

 private:
  std::shared_ptr<SnapshotRegistry> owner_;
  uint64_t seq_;
};

std::shared_ptr<const Snapshot> SnapshotRegistry::Take(uint64_t sequence) {
  {
    std::lock_guard<std::mutex> g(mu_);
    live_.insert(sequence);
  }
  return std::make_shared<Impl>(shared_from_this(), sequence);
}

void SnapshotRegistry::Release(uint64_t sequence) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = live_.find(sequence);
  if (it != live_.end()) live_.erase(it);
}

uint64_t SnapshotRegistry::OldestSequence() const {
  std::lock_guard<std::mutex> g(mu_);
  return live_.empty() ? UINT64_MAX : *live_.begin();
}

size_t SnapshotRegistry::Count() const {
  std::lock_guard<std::mutex> g(mu_);
  return live_.size();
}

bool SnapshotRegistry::Owns(const Snapshot &snap) const {
  auto *impl = dynamic_cast<const Impl *>(&snap);
  return impl != nullptr && impl->owner() == this;
}

}  // namespace shale
