#include "table/table_cache.h"

#include <cinttypes>
#include <cstdio>
#include <list>
#include <mutex>
#include <unordered_map>

#include "cache/block_cache.h"
#include "env/env.h"

namespace shale {

struct TableCache::Impl {
  Env *env;
  std::string dbpath;
  TableOptions options;
  size_t capacity;

  struct Entry {
    std::shared_ptr<Table> table;
    std::list<uint64_t>::iterator lru_pos;
  };
  mutable std::mutex mu;
  std::list<uint64_t> lru;  // front: most recently used file number
  std::unordered_map<uint64_t, Entry> map;
  // Bumped by every Evict, so that an open racing with the eviction of the
  // same file does not put the reader back.
  uint64_t evictions = 0;

  std::string PathOf(uint64_t file_number) const {
    char name[32];
    std::snprintf(name, sizeof(name), "/%06llu.sst",
                  static_cast<unsigned long long>(file_number));
    return dbpath + name;
  }

  // Called with mu held; drops readers past the capacity (their memory goes
  // when their last user lets go, after the lock is released).
  void Trim(std::vector<std::shared_ptr<Table>> *dropped) {
    while (map.size() > capacity && !lru.empty()) {
      auto it = map.find(lru.back());
      dropped->push_back(std::move(it->second.table));
      map.erase(it);
      lru.pop_back();
    }
  }
};

TableCache::TableCache(Env *env, std::string dbpath,
                       const TableOptions &options, size_t max_open_files)
    : impl_(std::make_unique<Impl>()) {
  impl_->env = env;
  impl_->dbpath = std::move(dbpath);
  impl_->options = options;
  impl_->capacity = max_open_files == 0 ? 1 : max_open_files;
}

TableCache::~TableCache() = default;

Status TableCache::Get(uint64_t file_number, uint64_t file_size,
                       std::shared_ptr<Table> *out) {
  Impl &im = *impl_;
  out->reset();
  uint64_t evictions_before;
  {
    std::lock_guard<std::mutex> l(im.mu);
    auto it = im.map.find(file_number);
    if (it != im.map.end()) {
      im.lru.splice(im.lru.begin(), im.lru, it->second.lru_pos);
      *out = it->second.table;
      return Status::OK();
    }
    evictions_before = im.evictions;
  }

  // Open without the lock: two threads may open the same file at once;
  // the first to come back wins and the other's reader is dropped.
  const std::string path = im.PathOf(file_number);
  uint64_t actual_size = 0;
  Status s = im.env->GetFileSize(path, &actual_size);
  if (!s.ok()) return s;
  if (actual_size != file_size) {
    return Status::Corruption(
        path + ": table file is " + std::to_string(actual_size) +
        " bytes, the manifest says " + std::to_string(file_size));
  }
  std::unique_ptr<RandomAccessFile> file;
  s = im.env->NewRandomAccessFile(path, &file);
  if (!s.ok()) return s;
  std::shared_ptr<Table> table;
  s = Table::Open(im.options, std::move(file), file_size, file_number, path,
                  &table);
  if (!s.ok()) return s;

  std::vector<std::shared_ptr<Table>> dropped;
  std::lock_guard<std::mutex> l(im.mu);
  auto it = im.map.find(file_number);
  if (it != im.map.end()) {  // another thread opened it first
    im.lru.splice(im.lru.begin(), im.lru, it->second.lru_pos);
    dropped.push_back(std::move(table));
    *out = it->second.table;
    return Status::OK();
  }
  *out = table;
  if (im.evictions != evictions_before) return Status::OK();  // not cached
  im.lru.push_front(file_number);
  im.map.emplace(file_number, Impl::Entry{std::move(table), im.lru.begin()});
  im.Trim(&dropped);
  return Status::OK();
}

void TableCache::Evict(uint64_t file_number) {
  std::shared_ptr<Table> dropped;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    ++impl_->evictions;
    auto it = impl_->map.find(file_number);
    if (it != impl_->map.end()) {
      dropped = std::move(it->second.table);
      impl_->lru.erase(it->second.lru_pos);
      impl_->map.erase(it);
    }
  }
  if (impl_->options.block_cache != nullptr) {
    impl_->options.block_cache->EraseFile(file_number);
  }
}

size_t TableCache::open_tables() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->map.size();
}

}  // namespace shale
