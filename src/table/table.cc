#include "table/table.h"

#include <atomic>

#include "cache/block_cache.h"
#include "env/env.h"
#include "memtable/internal_key.h"
#include "table/block.h"
#include "table/bloom_filter.h"
#include "table/format.h"
#include "table/iterator_util.h"
#include "table/meta_block.h"
#include "table/two_level_iterator.h"

namespace shale {

namespace {

class TableImpl final : public Table {
 public:
  TableImpl(const TableOptions &options, std::unique_ptr<RandomAccessFile> file,
            uint64_t file_size, uint64_t file_number, std::string path)
      : options_(options),
        file_(std::move(file)),
        file_size_(file_size),
        data_end_(file_size - kFooterSize),
        file_number_(file_number),
        path_(std::move(path)) {}

  Status Load();

  Status Get(std::string_view user_key, uint64_t seq, GetResult *result,
             std::string *value,
             FilterOutcome *filter = nullptr) const override;
  std::unique_ptr<InternalIterator> NewIterator() const override;
  Status VerifyChecksums(
      const std::function<bool(uint64_t)> &progress) const override;

  uint64_t file_number() const override { return file_number_; }
  uint64_t file_size() const override { return file_size_; }
  const std::string &path() const override { return path_; }
  uint64_t num_entries() const override { return props_.num_entries; }
  uint64_t filter_checks() const override {
    return filter_checks_.load(std::memory_order_relaxed);
  }
  uint64_t filter_negatives() const override {
    return filter_negatives_.load(std::memory_order_relaxed);
  }

 private:
  // Decodes an index value into a data block handle.
  Status DecodeIndexValue(std::string_view v, BlockHandle *h) const {
    if (!h->DecodeFrom(&v) || !v.empty()) {
      return TableCorruption(path_, BlockKind::kIndex, footer_.index.offset,
                             "malformed block handle");
    }
    return Status::OK();
  }
  // The data block at h, through the block cache when there is one.
  Status GetDataBlock(const BlockHandle &h,
                      std::shared_ptr<const Block> *block) const;
  // An iterator over the data block named by an index value; it holds the
  // block (cached or not) alive.
  std::unique_ptr<InternalIterator> NewDataIterator(
      std::string_view index_value) const;
  std::unique_ptr<InternalIterator> NewIndexIterator() const {
    return index_->NewIterator(&path_, nullptr);
  }

  const TableOptions options_;
  const std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_size_;
  const uint64_t data_end_;  // where the footer begins
  const uint64_t file_number_;
  const std::string path_;
  Footer footer_;
  MetaProperties props_;
  std::shared_ptr<const Block> index_;
  std::string filter_data_;
  BloomFilterReader filter_;
  bool has_filter_ = false;
  mutable std::atomic<uint64_t> filter_checks_{0};
  mutable std::atomic<uint64_t> filter_negatives_{0};
};

Status TableImpl::Load() {
  const uint64_t footer_offset = data_end_;
  std::string buf(kFooterSize, '\0');
  std::string_view got;
  Status s = file_->Read(footer_offset, kFooterSize, &got, buf.data());
  if (!s.ok()) return s;
  if (got.size() != kFooterSize) {
    return TableCorruption(path_, BlockKind::kFooter, footer_offset,
                           "truncated footer read");
  }
  s = footer_.DecodeFrom(got, footer_offset, path_);
  if (!s.ok()) return s;

  std::string contents;
  s = ReadBlock(*file_, data_end_, footer_.index, BlockKind::kIndex, path_,
                &contents);
  if (!s.ok()) return s;
  s = Block::Parse(std::move(contents), BlockKind::kIndex, footer_.index.offset,
                   path_, &index_);
  if (!s.ok()) return s;

  contents.clear();
  s = ReadBlock(*file_, data_end_, footer_.meta, BlockKind::kMeta, path_,
                &contents);
  if (!s.ok()) return s;
  if (!props_.Decode(contents)) {
    return TableCorruption(path_, BlockKind::kMeta, footer_.meta.offset,
                           "malformed properties");
  }
  const bool footer_filter = footer_.filter.size != 0;
  if (props_.has_filter != footer_filter ||
      (footer_filter && (props_.filter.offset != footer_.filter.offset ||
                         props_.filter.size != footer_.filter.size))) {
    return TableCorruption(path_, BlockKind::kMeta, footer_.meta.offset,
                           "filter handle disagrees with the footer");
  }
  if (footer_filter) {
    s = ReadBlock(*file_, data_end_, footer_.filter, BlockKind::kFilter, path_,
                  &filter_data_);
    if (!s.ok()) return s;
    if (!filter_.Parse(filter_data_)) {
      return TableCorruption(path_, BlockKind::kFilter, footer_.filter.offset,
                             "malformed bloom filter");
    }
    has_filter_ = true;
  }

  // Check every index entry now, so that a damaged index fails the open.
  auto it = NewIndexIterator();
  std::string prev_key;
  uint64_t prev_tag = 0;
  bool first = true;
  uint64_t blocks = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BlockHandle h;
    s = DecodeIndexValue(it->value(), &h);
    if (!s.ok()) return s;
    if (h.offset > data_end_ || h.size > data_end_ - h.offset ||
        data_end_ - h.offset - h.size < kBlockTrailerSize) {
      return TableCorruption(path_, BlockKind::kIndex, footer_.index.offset,
                             "data block handle out of range");
    }
    if (!first &&
        CompareInternal(prev_key, prev_tag, it->user_key(), it->tag()) >= 0) {
      return TableCorruption(path_, BlockKind::kIndex, footer_.index.offset,
                             "index keys out of order");
    }
    first = false;
    prev_key.assign(it->user_key().data(), it->user_key().size());
    prev_tag = it->tag();
    ++blocks;
  }
  s = it->status();
  if (!s.ok()) return s;
  if (blocks != props_.num_data_blocks) {
    return TableCorruption(path_, BlockKind::kMeta, footer_.meta.offset,
                           "data block count disagrees with the index");
  }
  return Status::OK();
}

Status TableImpl::GetDataBlock(const BlockHandle &h,
                               std::shared_ptr<const Block> *block) const {
  BlockCache *cache = options_.block_cache;
  const bool cached = cache != nullptr && cache->capacity() > 0;
  if (cached) {
    *block = cache->Lookup(file_number_, h.offset);
    if (*block != nullptr) return Status::OK();
  }
  std::string contents;
  Status s =
      ReadBlock(*file_, data_end_, h, BlockKind::kData, path_, &contents);
  if (!s.ok()) return s;
  s = Block::Parse(std::move(contents), BlockKind::kData, h.offset, path_,
                   block);
  if (!s.ok()) return s;
  if (cached)
    cache->Insert(file_number_, h.offset, *block, (*block)->memory_usage());
  return Status::OK();
}

std::unique_ptr<InternalIterator> TableImpl::NewDataIterator(
    std::string_view index_value) const {
  BlockHandle h;
  Status s = DecodeIndexValue(index_value, &h);
  std::shared_ptr<const Block> block;
  if (s.ok()) s = GetDataBlock(h, &block);
  if (!s.ok()) return NewErrorIterator(std::move(s));
  const Block *raw = block.get();
  return raw->NewIterator(&path_, std::move(block));
}

std::unique_ptr<InternalIterator> TableImpl::NewIterator() const {
  // The block function holds the table alive as long as the iterator.
  auto self = std::static_pointer_cast<const TableImpl>(shared_from_this());
  return NewTwoLevelIterator(NewIndexIterator(), [self](std::string_view v) {
    return self->NewDataIterator(v);
  });
}

Status TableImpl::Get(std::string_view user_key, uint64_t seq,
                      GetResult *result, std::string *value,
                      FilterOutcome *filter) const {
  *result = GetResult::kAbsent;
  if (filter != nullptr) *filter = FilterOutcome();
  if (has_filter_) {
    filter_checks_.fetch_add(1, std::memory_order_relaxed);
    if (filter != nullptr) filter->checked = true;
    if (!filter_.KeyMayMatch(user_key)) {
      filter_negatives_.fetch_add(1, std::memory_order_relaxed);
      if (filter != nullptr) filter->negative = true;
      return Status::OK();
    }
  }
  if (seq > kMaxSequence) seq = kMaxSequence;
  const uint64_t target_tag = PackTag(seq, kSeekKind);
  auto index = NewIndexIterator();
  for (index->Seek(user_key, target_tag); index->Valid(); index->Next()) {
    BlockHandle h;
    Status s = DecodeIndexValue(index->value(), &h);
    std::shared_ptr<const Block> block;
    if (s.ok()) s = GetDataBlock(h, &block);
    if (!s.ok()) return s;
    auto it = block->NewIterator(&path_, nullptr);
    it->Seek(user_key, target_tag);
    if (it->Valid()) {
      if (it->user_key() != user_key) return Status::OK();
      const uint8_t kind = static_cast<uint8_t>(it->tag() & 0xff);
      if (kind == static_cast<uint8_t>(EntryKind::kPut)) {
        value->assign(it->value().data(), it->value().size());
        *result = GetResult::kFound;
      } else if (kind == static_cast<uint8_t>(EntryKind::kDelete)) {
        *result = GetResult::kDeleted;
      } else {
        return TableCorruption(path_, BlockKind::kData, h.offset,
                               "unknown entry kind " + std::to_string(kind));
      }
      return Status::OK();
    }
    if (!it->status().ok()) return it->status();
    // Target is past this block's last entry: look at the next block.
  }
  return index->status();
}

Status TableImpl::VerifyChecksums(
    const std::function<bool(uint64_t)> &progress) const {
  uint64_t checked = 0;
  auto step = [&](uint64_t bytes) {
    checked += bytes;
    if (progress && !progress(checked)) {
      return Status::Cancelled("verify of " + path_ + " cancelled");
    }
    return Status::OK();
  };
  // Footer.
  const uint64_t footer_offset = data_end_;
  std::string buf(kFooterSize, '\0');
  std::string_view got;
  Status s = file_->Read(footer_offset, kFooterSize, &got, buf.data());
  if (!s.ok()) return s;
  if (got.size() != kFooterSize) {
    return TableCorruption(path_, BlockKind::kFooter, footer_offset,
                           "truncated footer read");
  }
  Footer footer;
  s = footer.DecodeFrom(got, footer_offset, path_);
  if (!s.ok()) return s;
  s = step(kFooterSize);
  if (!s.ok()) return s;

  // Index, meta, filter.
  std::string contents;
  s = ReadBlock(*file_, data_end_, footer.index, BlockKind::kIndex, path_,
                &contents);
  if (!s.ok()) return s;
  std::shared_ptr<const Block> index;
  s = Block::Parse(std::move(contents), BlockKind::kIndex, footer.index.offset,
                   path_, &index);
  if (!s.ok()) return s;
  s = step(footer.index.size + kBlockTrailerSize);
  if (!s.ok()) return s;
  contents.clear();
  s = ReadBlock(*file_, data_end_, footer.meta, BlockKind::kMeta, path_,
                &contents);
  if (!s.ok()) return s;
  MetaProperties props;
  if (!props.Decode(contents)) {
    return TableCorruption(path_, BlockKind::kMeta, footer.meta.offset,
                           "malformed properties");
  }
  s = step(footer.meta.size + kBlockTrailerSize);
  if (!s.ok()) return s;
  if (footer.filter.size != 0) {
    contents.clear();
    s = ReadBlock(*file_, data_end_, footer.filter, BlockKind::kFilter, path_,
                  &contents);
    if (!s.ok()) return s;
    BloomFilterReader f;
    if (!f.Parse(contents)) {
      return TableCorruption(path_, BlockKind::kFilter, footer.filter.offset,
                             "malformed bloom filter");
    }
    s = step(footer.filter.size + kBlockTrailerSize);
    if (!s.ok()) return s;
  }

  // Every data block, and every entry in order.
  auto idx = index->NewIterator(&path_, nullptr);
  bool first = true;
  std::string prev_key;
  uint64_t prev_tag = 0;
  uint64_t entries = 0;
  for (idx->SeekToFirst(); idx->Valid(); idx->Next()) {
    BlockHandle h;
    std::string_view v = idx->value();
    if (!h.DecodeFrom(&v) || !v.empty()) {
      return TableCorruption(path_, BlockKind::kIndex, footer.index.offset,
                             "malformed block handle");
    }
    contents.clear();
    s = ReadBlock(*file_, data_end_, h, BlockKind::kData, path_, &contents);
    if (!s.ok()) return s;
    std::shared_ptr<const Block> block;
    s = Block::Parse(std::move(contents), BlockKind::kData, h.offset, path_,
                     &block);
    if (!s.ok()) return s;
    auto it = block->NewIterator(&path_, nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!first &&
          CompareInternal(prev_key, prev_tag, it->user_key(), it->tag()) >= 0) {
        return TableCorruption(path_, BlockKind::kData, h.offset,
                               "keys out of order");
      }
      if (CompareInternal(it->user_key(), it->tag(), idx->user_key(),
                          idx->tag()) > 0) {
        return TableCorruption(path_, BlockKind::kData, h.offset,
                               "key beyond its index separator");
      }
      first = false;
      prev_key.assign(it->user_key().data(), it->user_key().size());
      prev_tag = it->tag();
      ++entries;
    }
    s = it->status();
    if (!s.ok()) return s;
    s = step(h.size + kBlockTrailerSize);
    if (!s.ok()) return s;
  }
  s = idx->status();
  if (!s.ok()) return s;
  if (entries != props.num_entries) {
    return TableCorruption(path_, BlockKind::kMeta, footer.meta.offset,
                           "entry count " + std::to_string(props.num_entries) +
                               " but the data blocks hold " +
                               std::to_string(entries));
  }
  return Status::OK();
}

}  // namespace

Status Table::Open(const TableOptions &options,
                   std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                   uint64_t file_number, std::string path,
                   std::shared_ptr<Table> *out) {
  out->reset();
  if (file == nullptr) return Status::InvalidArgument("Table::Open: no file");
  if (file_size < kFooterSize) {
    return TableCorruption(path, BlockKind::kFooter, 0,
                           "file too short (" + std::to_string(file_size) +
                               " bytes) to be a table");
  }
  auto table = std::make_shared<TableImpl>(options, std::move(file), file_size,
                                           file_number, std::move(path));
  Status s = table->Load();
  if (!s.ok()) return s;
  *out = std::move(table);
  return Status::OK();
}

}  // namespace shale
