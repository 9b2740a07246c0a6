// TableImpl: the Table behind Table::Open (table.cc: open and point reads;
// table_iterator.cc: iteration; table_verify.cc: VerifyChecksums).
#pragma once

#include <memory>
#include <string>

#include "cache/block_cache.h"
#include "table/block.h"
#include "table/bloom_filter.h"
#include "table/format.h"
#include "table/local_bloom.h"
#include "table/meta_block.h"
#include "table/table.h"
#include "table/table_index.h"

namespace shale {

class TableImpl final : public Table {
 public:
  TableImpl(const TableOptions &options, std::unique_ptr<RandomAccessFile> file,
            uint64_t file_size, uint64_t file_number, std::string path);
  ~TableImpl() override;

  // Reads the footer, index, meta and filter blocks.
  Status Load();

  Status Get(std::string_view user_key, uint64_t key_hash, uint64_t seq,
             GetResult *result, std::string *value,
             FilterOutcome *filter) const override;
  using Table::Get;
  std::unique_ptr<InternalIterator> NewIterator() const override;
  Status VerifyChecksums(
      const std::function<bool(uint64_t)> &progress) const override;

  uint64_t file_number() const override { return file_number_; }
  uint64_t file_size() const override { return file_size_; }
  const std::string &path() const override { return path_; }
  uint64_t num_entries() const override { return props_.num_entries; }

  const TableIndex &index() const { return index_; }
  BlockFormat data_format() const { return footer_.data_format(); }

  // Data block i of the index. REQUIRES: inside an epoch section, which
  // *block stays valid for; *hold keeps it alive when it is not cached.
  Status BlockForRead(size_t i, const Block **block,
                      std::shared_ptr<const Block> *hold) const;
  // Data block i with a reference of its own (iterators).
  Status BlockShared(size_t i, std::shared_ptr<const Block> *block) const;
  // Reads, checks and parses data block i from the file.
  Status ReadDataBlock(size_t i, std::shared_ptr<const Block> *block) const;

 private:
  bool cached() const {
    return options_.block_cache != nullptr &&
           options_.block_cache->capacity() > 0;
  }

  const TableOptions options_;
  const std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_size_;
  const uint64_t data_end_;  // where the footer begins
  const uint64_t file_number_;
  const std::string path_;
  Footer footer_;
  MetaProperties props_;
  TableIndex index_;
  // One per data block: its cache entry while cached (BlockCache).
  std::unique_ptr<BlockCache::Slot[]> slots_;
  BlockContents filter_data_;      // what the filter readers view
  BloomFilterReader filter_;       // format 1
  LocalBloomReader local_filter_;  // format 2
  bool has_filter_ = false;
};

}  // namespace shale
