// Table::VerifyChecksums: every block read from the file and checked,
// bypassing the cache, and every entry's order.
#include "env/env.h"
#include "memtable/internal_key.h"
#include "table/table_impl.h"

namespace shale {

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
  BlockContents contents;
  s = ReadBlock(*file_, data_end_, footer.index, BlockKind::kIndex, path_,
                &contents);
  if (!s.ok()) return s;
  std::shared_ptr<const Block> index;
  s = Block::Parse(std::move(contents), BlockKind::kIndex, footer.index.offset,
                   path_, &index);
  if (!s.ok()) return s;
  s = step(footer.index.size + kBlockTrailerSize);
  if (!s.ok()) return s;
  s = ReadBlock(*file_, data_end_, footer.meta, BlockKind::kMeta, path_,
                &contents);
  if (!s.ok()) return s;
  MetaProperties props;
  if (!props.Decode(contents.view())) {
    return TableCorruption(path_, BlockKind::kMeta, footer.meta.offset,
                           "malformed properties");
  }
  s = step(footer.meta.size + kBlockTrailerSize);
  if (!s.ok()) return s;
  if (footer.filter.size != 0) {
    s = ReadBlock(*file_, data_end_, footer.filter, BlockKind::kFilter, path_,
                  &contents);
    if (!s.ok()) return s;
    BloomFilterReader whole;
    LocalBloomReader local;
    if (props.filter_kind == FilterKind::kLocal
            ? !local.Parse(contents.view())
            : !whole.Parse(contents.view())) {
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
    s = ReadBlock(*file_, data_end_, h, BlockKind::kData, path_, &contents);
    if (!s.ok()) return s;
    std::shared_ptr<const Block> block;
    s = Block::Parse(std::move(contents), BlockKind::kData, h.offset, path_,
                     &block, footer.data_format());
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

}  // namespace shale
