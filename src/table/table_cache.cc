#include "table/table_cache.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <vector>

#include "env/env.h"
#include "util/epoch.h"
#include "version/version_edit.h"

namespace shale {

// A reader the cache holds, attached to one FileMeta's slot.
struct OpenTable final : epoch::Retirable {
  std::shared_ptr<Table> table;
  std::shared_ptr<TableCache::Core> core;  // outlives the TableCache if need be
  TableSlot *slot = nullptr;  // guarded by core->mu; nullptr once detached
  size_t pos = 0;             // index in core->ring, guarded by core->mu
  // Set by reads, cleared by the eviction hand (relaxed: a lost update
  // only changes which reader closes first).
  std::atomic<bool> referenced{true};
};

struct TableCache::Core {
  Env *env = nullptr;
  std::string dbpath;
  TableOptions options;
  size_t capacity = 1;

  mutable std::mutex mu;
  std::vector<OpenTable *> ring;  // guarded by mu
  size_t hand = 0;                // guarded by mu

  std::string PathOf(uint64_t number) const {
    char name[32];
    std::snprintf(name, sizeof(name), "/%06llu.sst",
                  static_cast<unsigned long long>(number));
    return dbpath + name;
  }

  Status OpenFile(uint64_t number, uint64_t file_size,
                  std::shared_ptr<Table> *out) const {
    const std::string path = PathOf(number);
    uint64_t actual = 0;
    Status s = env->GetFileSize(path, &actual);
    if (!s.ok()) return s;
    if (actual != file_size) {
      return Status::Corruption(
          path + ": table file is " + std::to_string(actual) +
          " bytes, the manifest says " + std::to_string(file_size));
    }
    std::unique_ptr<RandomAccessFile> file;
    s = env->NewRandomAccessFile(path, &file);
    if (!s.ok()) return s;
    return Table::Open(options, std::move(file), file_size, number, path, out);
  }

  // REQUIRES: mu held. Takes o out of the ring and off its slot.
  void Detach(OpenTable *o) {
    o->slot->open_.store(nullptr, std::memory_order_release);
    o->slot = nullptr;
    OpenTable *last = ring.back();
    ring[o->pos] = last;
    last->pos = o->pos;
    ring.pop_back();
  }

  // REQUIRES: mu held. Closes readers beyond the capacity, sparing each
  // recently used one once.
  void Trim() {
    size_t spared = 0;
    while (ring.size() > capacity) {
      if (hand >= ring.size()) hand = 0;
      OpenTable *o = ring[hand];
      if (o->referenced.exchange(false, std::memory_order_relaxed) &&
          spared++ < 2 * ring.size()) {
        ++hand;
        continue;
      }
      Detach(o);
      epoch::Retire(o);  // a section may still be reading it
    }
  }
};

void TableSlot::Close() noexcept {
  epoch::ReadSection section;  // keeps a reader the cache retires alive
  OpenTable *o = open_.load(std::memory_order_acquire);
  if (o == nullptr) return;
  const std::shared_ptr<TableCache::Core> core = o->core;
  std::lock_guard<std::mutex> g(core->mu);
  if (open_.load(std::memory_order_relaxed) != o) return;  // closed meanwhile
  core->Detach(o);
  epoch::Retire(o);
}

TableCache::TableCache(Env *env, std::string dbpath,
                       const TableOptions &options, size_t max_open_files)
    : core_(std::make_shared<Core>()) {
  core_->env = env;
  core_->dbpath = std::move(dbpath);
  core_->options = options;
  core_->capacity = max_open_files == 0 ? 1 : max_open_files;
}

TableCache::~TableCache() = default;

OpenTable *TableCache::Loaded(const FileMeta &f) {
  OpenTable *o = f.table.open_.load(std::memory_order_acquire);
  if (o != nullptr && !o->referenced.load(std::memory_order_relaxed)) {
    o->referenced.store(true, std::memory_order_relaxed);
  }
  return o;
}

Status TableCache::Find(const FileMeta &f, const Table **out) {
  *out = nullptr;
  if (OpenTable *o = Loaded(f); o != nullptr) {
    *out = o->table.get();
    return Status::OK();
  }
  // Open without the lock; two readers may open the same file at once,
  // and the first to attach its reader wins.
  std::shared_ptr<Table> table;
  Status s = core_->OpenFile(f.number, f.file_size, &table);
  if (!s.ok()) return s;
  auto fresh = std::make_unique<OpenTable>();
  std::shared_ptr<Table> spare;  // a reader that lost the race goes unlocked
  {
    std::lock_guard<std::mutex> g(core_->mu);
    if (OpenTable *o = f.table.open_.load(std::memory_order_relaxed)) {
      spare = std::move(table);
      *out = o->table.get();
      return Status::OK();
    }
    if (core_->ring.size() == core_->ring.capacity()) {
      core_->ring.reserve(
          std::max<size_t>(16, 2 * core_->ring.capacity()));  // may throw
    }
    fresh->table = std::move(table);
    fresh->core = core_;
    fresh->slot = &f.table;
    fresh->pos = core_->ring.size();
    core_->ring.push_back(fresh.get());
    *out = fresh->table.get();
    f.table.open_.store(fresh.release(), std::memory_order_release);
    core_->Trim();
  }
  epoch::ReclaimIfMany();
  return Status::OK();
}

Status TableCache::FindShared(const FileMeta &f,
                              std::shared_ptr<const Table> *out) {
  out->reset();
  epoch::ReadSection section;
  const Table *t = nullptr;
  Status s = Find(f, &t);
  if (!s.ok()) return s;
  *out = t->shared_from_this();  // alive: the section began before Find
  return Status::OK();
}

Status TableCache::Open(uint64_t file_number, uint64_t file_size,
                        std::shared_ptr<Table> *out) const {
  out->reset();
  return core_->OpenFile(file_number, file_size, out);
}

size_t TableCache::open_tables() const {
  std::lock_guard<std::mutex> g(core_->mu);
  return core_->ring.size();
}

}  // namespace shale
