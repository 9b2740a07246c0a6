#include "table/table_builder.h"

#include <algorithm>

#include "env/env.h"
#include "memtable/internal_key.h"
#include "table/block_builder.h"
#include "table/bloom_filter.h"
#include "table/flat_block.h"
#include "table/format.h"
#include "table/local_bloom.h"
#include "table/meta_block.h"
#include "table/table.h"
#include "util/coding.h"

namespace shale {

struct TableBuilder::Rep {
  Rep(const TableOptions &opts, WritableFile *f)
      : options(opts),
        flat(opts.format_version != kTableFormatPrefixed),
        file(f),
        data_block(opts.block_restart_interval),
        index_block(1) {
    if (opts.bloom_bits_per_key > 0 && flat) {
      local_filter =
          std::make_unique<LocalBloomBuilder>(opts.bloom_bits_per_key);
    } else if (opts.bloom_bits_per_key > 0) {
      filter = std::make_unique<BloomFilterBuilder>(opts.bloom_bits_per_key);
    }
  }

  TableOptions options;
  const bool flat;  // format 2: flat data blocks, a cache-local filter
  WritableFile *file;
  uint64_t offset = 0;
  Status status;
  BlockBuilder data_block;      // format 1
  FlatBlockBuilder flat_block;  // format 2
  BlockBuilder index_block;
  std::unique_ptr<BloomFilterBuilder> filter;
  std::unique_ptr<LocalBloomBuilder> local_filter;

  bool DataEmpty() const {
    return flat ? flat_block.empty() : data_block.empty();
  }
  size_t DataSize() const {
    return flat ? flat_block.CurrentSizeEstimate()
                : data_block.CurrentSizeEstimate();
  }
  uint64_t num_entries = 0;
  uint64_t num_data_blocks = 0;
  bool closed = false;

  std::string smallest_user_key;
  uint64_t smallest_tag = 0;
  std::string last_user_key;  // the largest entry so far
  uint64_t last_tag = 0;

  // After a data block is written, its index entry waits for the next key
  // so the separator can be shortened.
  bool pending_index_entry = false;
  BlockHandle pending_handle;
  std::string scratch;
  uint64_t key_hash = 0;  // of last_user_key (format 2)

  Status WriteRawBlock(std::string_view contents, BlockHandle *handle) {
    handle->offset = offset;
    handle->size = contents.size();
    scratch.assign(contents.data(), contents.size());
    AppendBlockTrailer(contents, &scratch);
    Status s = file->Append(scratch);
    if (s.ok()) offset += scratch.size();
    return s;
  }

  void FlushDataBlock() {
    if (!status.ok() || DataEmpty()) return;
    if (flat) {
      status = WriteRawBlock(flat_block.Finish(), &pending_handle);
      flat_block.Reset();
    } else {
      status = WriteRawBlock(data_block.Finish(), &pending_handle);
      data_block.Reset();
    }
    if (status.ok()) {
      pending_index_entry = true;
      ++num_data_blocks;
    }
  }

  // Adds the pending index entry with a separator >= the last key written
  // and < (next_user_key, next_tag) when has_next.
  void AddIndexEntry(bool has_next, std::string_view next_user_key) {
    std::string sep = last_user_key;
    uint64_t sep_tag = last_tag;
    if (has_next && next_user_key != last_user_key) {
      const std::string &a = last_user_key;
      size_t i = 0;
      const size_t n = std::min(a.size(), next_user_key.size());
      while (i < n && a[i] == next_user_key[i]) ++i;
      if (i < n) {
        const auto ca = static_cast<unsigned char>(a[i]);
        const auto cb = static_cast<unsigned char>(next_user_key[i]);
        if (ca + 1 < cb) {
          sep.assign(a.data(), i);
          sep.push_back(static_cast<char>(ca + 1));
          sep_tag = UINT64_MAX;  // the first internal key of sep
        }
      }
    }
    PutFixed64(&sep, sep_tag);
    std::string handle;
    pending_handle.EncodeTo(&handle);
    index_block.Add(sep, handle);
    pending_index_entry = false;
  }
};

TableBuilder::TableBuilder(const TableOptions &options, WritableFile *file)
    : rep_(std::make_unique<Rep>(options, file)) {}

TableBuilder::~TableBuilder() = default;

Status TableBuilder::Add(std::string_view user_key, uint64_t tag,
                         std::string_view value) {
  Rep &r = *rep_;
  if (r.closed) return Status::InvalidArgument("TableBuilder: already closed");
  if (!r.status.ok()) return r.status;
  const bool same_user_key = r.num_entries > 0 && user_key == r.last_user_key;
  if (r.num_entries > 0 &&
      CompareInternal(user_key, tag, r.last_user_key, r.last_tag) <= 0) {
    return Status::InvalidArgument("TableBuilder: keys added out of order");
  }
  if (r.pending_index_entry) r.AddIndexEntry(true, user_key);
  if (r.flat) {
    if (!same_user_key) r.key_hash = Table::FilterHash(user_key);
    if (r.local_filter && !same_user_key) r.local_filter->AddHash(r.key_hash);
    r.flat_block.Add(user_key, tag, r.key_hash, value);
  } else {
    if (r.filter && !same_user_key) r.filter->AddKey(user_key);
    std::string &key = r.scratch;
    key.assign(user_key.data(), user_key.size());
    PutFixed64(&key, tag);
    r.data_block.Add(key, value);
  }

  if (r.num_entries == 0) {
    r.smallest_user_key.assign(user_key.data(), user_key.size());
    r.smallest_tag = tag;
  }
  r.last_user_key.assign(user_key.data(), user_key.size());
  r.last_tag = tag;
  ++r.num_entries;

  if (r.DataSize() >= r.options.block_size) r.FlushDataBlock();
  return r.status;
}

Status TableBuilder::Finish() {
  Rep &r = *rep_;
  if (r.closed) return Status::InvalidArgument("TableBuilder: already closed");
  r.FlushDataBlock();
  r.closed = true;
  if (!r.status.ok()) return r.status;
  if (r.pending_index_entry) r.AddIndexEntry(false, {});

  Footer footer;
  footer.version = r.flat ? kTableFormatFlat : kTableFormatPrefixed;
  if (r.filter || r.local_filter) {
    std::string contents =
        r.local_filter ? r.local_filter->Finish() : r.filter->Finish();
    r.status = r.WriteRawBlock(contents, &footer.filter);
    if (!r.status.ok()) return r.status;
  }

  MetaProperties props;
  props.num_entries = r.num_entries;
  props.num_data_blocks = r.num_data_blocks;
  props.has_filter = r.filter != nullptr || r.local_filter != nullptr;
  props.filter_kind =
      r.local_filter ? FilterKind::kLocal : FilterKind::kWholeTable;
  props.filter = footer.filter;
  r.status = r.WriteRawBlock(props.Encode(), &footer.meta);
  if (!r.status.ok()) return r.status;

  r.status = r.WriteRawBlock(r.index_block.Finish(), &footer.index);
  if (!r.status.ok()) return r.status;

  std::string tail;
  footer.EncodeTo(&tail);
  r.status = r.file->Append(tail);
  if (r.status.ok()) r.offset += tail.size();
  return r.status;
}

void TableBuilder::Abandon() { rep_->closed = true; }

uint64_t TableBuilder::NumEntries() const { return rep_->num_entries; }
uint64_t TableBuilder::FileSize() const { return rep_->offset; }
Status TableBuilder::status() const { return rep_->status; }

const std::string &TableBuilder::smallest_user_key() const {
  return rep_->smallest_user_key;
}
uint64_t TableBuilder::smallest_tag() const { return rep_->smallest_tag; }
const std::string &TableBuilder::largest_user_key() const {
  return rep_->last_user_key;
}
uint64_t TableBuilder::largest_tag() const { return rep_->last_tag; }

}  // namespace shale
