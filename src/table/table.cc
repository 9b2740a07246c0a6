// Opening a table and its point reads.
#include "table/table.h"

#include "env/env.h"
#include "memtable/internal_key.h"
#include "table/table_impl.h"
#include "util/epoch.h"

namespace shale {

uint64_t Table::FilterHash(std::string_view user_key) {
  return BloomHash(user_key);
}

TableImpl::TableImpl(const TableOptions &options,
                     std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                     uint64_t file_number, std::string path)
    : options_(options),
      file_(std::move(file)),
      file_size_(file_size),
      data_end_(file_size - kFooterSize),
      file_number_(file_number),
      path_(std::move(path)) {}

TableImpl::~TableImpl() {
  if (slots_ != nullptr && options_.block_cache != nullptr) {
    options_.block_cache->EraseSlots(slots_.get(), index_.size());
  }
}

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

  BlockContents contents;
  s = ReadBlock(*file_, data_end_, footer_.index, BlockKind::kIndex, path_,
                &contents);
  if (!s.ok()) return s;
  std::shared_ptr<const Block> index;
  s = Block::Parse(std::move(contents), BlockKind::kIndex, footer_.index.offset,
                   path_, &index);
  if (!s.ok()) return s;
  // Checks every index entry now, so that a damaged index fails the open.
  s = index_.Build(*index, footer_.index.offset, data_end_, path_);
  if (!s.ok()) return s;

  s = ReadBlock(*file_, data_end_, footer_.meta, BlockKind::kMeta, path_,
                &contents);
  if (!s.ok()) return s;
  if (!props_.Decode(contents.view())) {
    return TableCorruption(path_, BlockKind::kMeta, footer_.meta.offset,
                           "malformed properties");
  }
  if (index_.size() != props_.num_data_blocks) {
    return TableCorruption(path_, BlockKind::kMeta, footer_.meta.offset,
                           "data block count disagrees with the index");
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
    const bool local = props_.filter_kind == FilterKind::kLocal;
    if (local != (footer_.version >= kTableFormatFlat)) {
      return TableCorruption(path_, BlockKind::kMeta, footer_.meta.offset,
                             "filter kind does not match the table format");
    }
    if (local ? !local_filter_.Parse(filter_data_.view())
              : !filter_.Parse(filter_data_.view())) {
      return TableCorruption(path_, BlockKind::kFilter, footer_.filter.offset,
                             "malformed bloom filter");
    }
    has_filter_ = true;
  }
  slots_ = std::make_unique<BlockCache::Slot[]>(index_.size());
  return Status::OK();
}

Status TableImpl::ReadDataBlock(size_t i,
                                std::shared_ptr<const Block> *block) const {
  const BlockHandle &h = index_.handle(i);
  BlockContents contents;
  Status s =
      ReadBlock(*file_, data_end_, h, BlockKind::kData, path_, &contents);
  if (!s.ok()) return s;
  return Block::Parse(std::move(contents), BlockKind::kData, h.offset, path_,
                      block, footer_.data_format());
}

Status TableImpl::BlockForRead(size_t i, const Block **block,
                               std::shared_ptr<const Block> *hold) const {
  if (cached()) {
    *block = options_.block_cache->Lookup(slots_[i]);
    if (*block != nullptr) return Status::OK();
  }
  Status s = ReadDataBlock(i, hold);
  if (!s.ok()) return s;
  if (cached()) {
    const size_t charge = (*hold)->memory_usage();
    *hold = options_.block_cache->Insert(&slots_[i], std::move(*hold), charge);
  }
  *block = hold->get();
  return Status::OK();
}

Status TableImpl::BlockShared(size_t i,
                              std::shared_ptr<const Block> *block) const {
  if (cached()) {
    *block = options_.block_cache->LookupShared(slots_[i]);
    if (*block != nullptr) return Status::OK();
  }
  Status s = ReadDataBlock(i, block);
  if (!s.ok()) return s;
  if (cached()) {
    const size_t charge = (*block)->memory_usage();
    *block =
        options_.block_cache->Insert(&slots_[i], std::move(*block), charge);
  }
  return Status::OK();
}

Status TableImpl::Get(std::string_view user_key, uint64_t key_hash,
                      uint64_t seq, GetResult *result, std::string *value,
                      FilterOutcome *filter) const {
  *result = GetResult::kAbsent;
  if (filter != nullptr) *filter = FilterOutcome();
  if (has_filter_) {
    if (filter != nullptr) filter->checked = true;
    const bool may = footer_.version >= kTableFormatFlat
                         ? local_filter_.HashMayMatch(key_hash)
                         : filter_.HashMayMatch(key_hash);
    if (!may) {
      if (filter != nullptr) filter->negative = true;
      return Status::OK();
    }
  }
  if (seq > kMaxSequence) seq = kMaxSequence;
  const uint64_t target = PackTag(seq, kSeekKind);
  for (size_t i = index_.Find(user_key, target); i < index_.size(); ++i) {
    const Block *block = nullptr;
    std::shared_ptr<const Block> hold;
    Status s = BlockForRead(i, &block, &hold);
    if (!s.ok()) return s;
    Block::Probe probe;
    uint64_t tag = 0;
    std::string_view v;
    s = block->Find(user_key, target, key_hash, &path_, &probe, &tag, &v);
    if (!s.ok()) return s;
    if (probe == Block::Probe::kPastEnd) continue;  // the next block's first
    if (probe == Block::Probe::kOtherKey) return Status::OK();
    const uint8_t kind = static_cast<uint8_t>(tag & 0xff);
    if (kind == static_cast<uint8_t>(EntryKind::kPut)) {
      value->assign(v.data(), v.size());
      *result = GetResult::kFound;
    } else if (kind == static_cast<uint8_t>(EntryKind::kDelete)) {
      *result = GetResult::kDeleted;
    } else {
      return TableCorruption(path_, BlockKind::kData, index_.handle(i).offset,
                             "unknown entry kind " + std::to_string(kind));
    }
    return Status::OK();
  }
  return Status::OK();
}

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
