#include "version/version_edit.h"

#include "db/db.h"
#include "util/coding.h"

namespace shale {

namespace {

enum Field : uint32_t {
  kLogNumber = 1,
  kNextFileNumber = 2,
  kLastSequence = 3,
  kAddedFile = 4,
  kDeletedFile = 5,
  // Optional, follows the kAddedFile it belongs to: file number, entries.
  kFileEntries = 6,
};

bool GetFixed64(std::string_view *in, uint64_t *v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(in->data());
  in->remove_prefix(8);
  return true;
}

void PutLengthPrefixed(std::string *dst, std::string_view s) {
  PutVarint32(dst, static_cast<uint32_t>(s.size()));
  dst->append(s);
}

}  // namespace

void VersionEdit::EncodeTo(std::string *dst) const {
  if (log_number) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number);
  }
  if (next_file_number) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, *next_file_number);
  }
  if (last_sequence) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence);
  }
  for (const auto &[level, number] : deleted) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  for (const auto &[level, f] : added) {
    PutVarint32(dst, kAddedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, f->number);
    PutVarint64(dst, f->file_size);
    PutLengthPrefixed(dst, f->smallest_key);
    PutFixed64(dst, f->smallest_tag);
    PutLengthPrefixed(dst, f->largest_key);
    PutFixed64(dst, f->largest_tag);
    if (f->num_entries != 0) {
      PutVarint32(dst, kFileEntries);
      PutVarint64(dst, f->number);
      PutVarint64(dst, f->num_entries);
    }
  }
}

Status VersionEdit::DecodeFrom(std::string_view in) {
  *this = VersionEdit();
  auto bad = [](const char *what) {
    return Status::Corruption(std::string("malformed version edit: ") + what);
  };
  std::shared_ptr<FileMeta> last_added;  // for kFileEntries
  while (!in.empty()) {
    uint32_t field = 0;
    if (!GetVarint32(&in, &field)) return bad("field tag");
    uint64_t v = 0;
    switch (field) {
      case kLogNumber:
        if (!GetVarint64(&in, &v)) return bad("log number");
        log_number = v;
        break;
      case kNextFileNumber:
        if (!GetVarint64(&in, &v)) return bad("next file number");
        next_file_number = v;
        break;
      case kLastSequence:
        if (!GetVarint64(&in, &v)) return bad("last sequence");
        last_sequence = v;
        break;
      case kDeletedFile: {
        uint32_t level = 0;
        if (!GetVarint32(&in, &level) || level >= kNumLevels ||
            !GetVarint64(&in, &v)) {
          return bad("deleted file");
        }
        deleted.emplace_back(static_cast<int>(level), v);
        break;
      }
      case kAddedFile: {
        uint32_t level = 0;
        auto f = std::make_shared<FileMeta>();
        std::string_view smallest, largest;
        if (!GetVarint32(&in, &level) || level >= kNumLevels ||
            !GetVarint64(&in, &f->number) || !GetVarint64(&in, &f->file_size) ||
            !GetLengthPrefixed(&in, &smallest) ||
            !GetFixed64(&in, &f->smallest_tag) ||
            !GetLengthPrefixed(&in, &largest) ||
            !GetFixed64(&in, &f->largest_tag)) {
          return bad("added file");
        }
        f->smallest_key.assign(smallest);
        f->largest_key.assign(largest);
        last_added = f;
        added.emplace_back(static_cast<int>(level), std::move(f));
        break;
      }
      case kFileEntries: {
        uint64_t entries = 0;
        if (!GetVarint64(&in, &v) || !GetVarint64(&in, &entries) ||
            last_added == nullptr || last_added->number != v) {
          return bad("file entries");
        }
        last_added->num_entries = entries;
        break;
      }
      default:
        return bad("unknown field");
    }
  }
  return Status::OK();
}

std::string VersionEdit::DebugString() const {
  std::string s = "edit{";
  if (log_number) s += " log " + std::to_string(*log_number);
  if (next_file_number) s += " next " + std::to_string(*next_file_number);
  if (last_sequence) s += " seq " + std::to_string(*last_sequence);
  for (const auto &[level, f] : added) {
    s += " +L" + std::to_string(level) + ":" + std::to_string(f->number);
  }
  for (const auto &[level, n] : deleted) {
    s += " -L" + std::to_string(level) + ":" + std::to_string(n);
  }
  return s + " }";
}

}  // namespace shale
