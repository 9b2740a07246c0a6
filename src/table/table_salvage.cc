#include "table/table_salvage.h"

#include <algorithm>
#include <memory>

#include "env/env.h"
#include "memtable/internal_key.h"
#include "table/block.h"
#include "table/format.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace shale {

namespace {

constexpr size_t kMinBlockSize = 8;  // an empty restart array

struct Entry {
  std::string key;
  uint64_t tag;
  std::string value;
};

class Salvager {
 public:
  Salvager(std::string_view data, const std::string &path,
           const std::function<Status(std::string_view, uint64_t,
                                      std::string_view)> &emit,
           std::vector<TableSkip> *skipped)
      : data_(data), path_(path), emit_(emit), skipped_(skipped) {}

  Status Run() {
    Footer footer;
    bool footer_ok = false;
    uint64_t data_end = data_.size();
    if (data_.size() >= kFooterSize) {
      const uint64_t at = data_.size() - kFooterSize;
      footer_ok = footer.DecodeFrom(data_.substr(at), at, path_).ok();
    }
    if (footer_ok) {
      data_end = std::min(footer.index.offset, footer.meta.offset);
      if (footer.filter.size != 0) {
        data_end = std::min(data_end, footer.filter.offset);
      }
      std::vector<BlockHandle> handles;
      if (ReadIndex(footer, data_end, &handles)) return ByIndex(handles);
    }
    return Walk(data_end, footer_ok);
  }

 private:
  // The data block handles of an intact index: ascending, inside the data.
  bool ReadIndex(const Footer &footer, uint64_t data_end,
                 std::vector<BlockHandle> *handles) {
    std::string contents;
    if (!CheckedBlock(footer.index, &contents)) return false;
    std::shared_ptr<const Block> block;
    if (!Block::Parse(std::move(contents), BlockKind::kIndex,
                      footer.index.offset, path_, &block)
             .ok()) {
      return false;
    }
    auto it = block->NewIterator(&path_, nullptr);
    uint64_t next = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view v = it->value();
      BlockHandle h;
      if (!h.DecodeFrom(&v) || h.offset < next ||
          h.offset + h.size + kBlockTrailerSize > data_end) {
        return false;
      }
      next = h.offset + h.size + kBlockTrailerSize;
      handles->push_back(h);
    }
    return it->status().ok();
  }

  // The contents of the block at h if its trailer holds.
  bool CheckedBlock(const BlockHandle &h, std::string *contents) const {
    if (h.offset > data_.size() ||
        h.size + kBlockTrailerSize > data_.size() - h.offset) {
      return false;
    }
    const char *p = data_.data() + h.offset;
    if (static_cast<uint8_t>(p[h.size]) != kNoCompression) return false;
    const uint32_t stored = DecodeFixed32(p + h.size + 1);
    if (crc32c::Mask(crc32c::Value(p, h.size + 1)) != stored) return false;
    contents->assign(p, h.size);
    return true;
  }

  Status ByIndex(const std::vector<BlockHandle> &handles) {
    for (const BlockHandle &h : handles) {
      std::string contents;
      std::string why;
      if (!CheckedBlock(h, &contents)) {
        why = "data block checksum mismatch";
      } else {
        bool is_data = false;
        Status s = TryDataBlock(std::move(contents), h.offset, &is_data);
        if (!s.ok()) return s;
        if (!is_data) why = "data block does not parse or is out of order";
      }
      if (!why.empty()) {
        skipped_->push_back({h.offset, h.size + kBlockTrailerSize, why});
      }
    }
    return Status::OK();
  }

  // Finds the blocks one after the other from offset 0.
  Status Walk(uint64_t limit, bool footer_ok) {
    uint64_t pos = 0;
    while (pos < limit) {
      uint64_t end = 0;
      if (!FindTrailer(pos, limit, &end)) {
        skipped_->push_back(
            {pos, limit - pos,
             footer_ok ? "no intact data block from here on"
                       : "no intact block from here on (damaged or cut "
                         "short; the footer is unusable)"});
        return Status::OK();
      }
      bool is_data = false;
      Status s = TryDataBlock(std::string(data_.substr(pos, end - pos)), pos,
                              &is_data);
      if (!s.ok()) return s;
      if (!is_data) {
        // Without a footer this is where the data ends (the filter, meta
        // or index block); with one, the data was supposed to go on.
        if (footer_ok) {
          skipped_->push_back(
              {pos, limit - pos, "a block that is not a data block in order"});
        }
        return Status::OK();
      }
      pos = end + kBlockTrailerSize;
    }
    return Status::OK();
  }

  // The first end > pos + kMinBlockSize whose trailer's checksum covers
  // [pos, end).
  bool FindTrailer(uint64_t pos, uint64_t limit, uint64_t *end) const {
    const char zero = 0;
    uint32_t crc = 0;
    for (uint64_t e = pos; e + kBlockTrailerSize <= limit; ++e) {
      if (e - pos >= kMinBlockSize && data_[e] == zero) {
        const uint32_t c = crc32c::Extend(crc, &zero, 1);
        if (crc32c::Mask(c) == DecodeFixed32(data_.data() + e + 1)) {
          *end = e;
          return true;
        }
      }
      crc = crc32c::Extend(crc, data_.data() + e, 1);
    }
    return false;
  }

  // Emits the entries of contents if it is a well-formed data block whose
  // entries are real internal keys in order after everything emitted.
  Status TryDataBlock(std::string contents, uint64_t offset, bool *is_data) {
    *is_data = false;
    std::shared_ptr<const Block> block;
    const BlockFormat format = Block::GuessFormat(contents);
    if (!Block::Parse(std::move(contents), BlockKind::kData, offset, path_,
                      &block, format)
             .ok()) {
      return Status::OK();
    }
    std::vector<Entry> entries;
    const std::string *prev_key = have_last_ ? &last_key_ : nullptr;
    uint64_t prev_tag = last_tag_;
    auto it = block->NewIterator(&path_, nullptr);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint8_t kind = static_cast<uint8_t>(it->tag() & 0xff);
      if (kind != static_cast<uint8_t>(EntryKind::kPut) &&
          kind != static_cast<uint8_t>(EntryKind::kDelete)) {
        return Status::OK();
      }
      if (prev_key != nullptr &&
          CompareInternal(*prev_key, prev_tag, it->user_key(), it->tag()) >=
              0) {
        return Status::OK();
      }
      entries.push_back(
          {std::string(it->user_key()), it->tag(), std::string(it->value())});
      prev_key = &entries.back().key;
      prev_tag = it->tag();
    }
    if (!it->status().ok() || entries.empty()) return Status::OK();
    *is_data = true;
    for (const Entry &e : entries) {
      Status s = emit_(e.key, e.tag, e.value);
      if (!s.ok()) return s;
    }
    last_key_ = entries.back().key;
    last_tag_ = entries.back().tag;
    have_last_ = true;
    return Status::OK();
  }

  std::string_view data_;
  const std::string &path_;
  const std::function<Status(std::string_view, uint64_t, std::string_view)>
      &emit_;
  std::vector<TableSkip> *skipped_;
  bool have_last_ = false;
  std::string last_key_;
  uint64_t last_tag_ = 0;
};

}  // namespace

Status SalvageTableEntries(
    const RandomAccessFile &file, uint64_t file_size, const std::string &path,
    const std::function<Status(std::string_view, uint64_t, std::string_view)>
        &emit,
    std::vector<TableSkip> *skipped) {
  std::string buf(file_size, '\0');
  std::string_view got;
  Status s = file.Read(0, file_size, &got, buf.data());
  if (!s.ok()) return s;
  return Salvager(got, path, emit, skipped).Run();
}

}  // namespace shale
