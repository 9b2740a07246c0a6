#include "version/version.h"

#include <algorithm>
#include <set>

namespace shale {

uint64_t Version::LevelBytes(int level) const {
  uint64_t sum = 0;
  for (const FileRef &f : files_[level]) sum += f->file_size;
  return sum;
}

size_t Version::TotalFiles() const {
  size_t n = 0;
  for (const auto &level : files_) n += level.size();
  return n;
}

std::vector<FileRef> Version::Overlapping(int level, const std::string *begin,
                                          const std::string *end) const {
  std::vector<FileRef> out;
  for (const FileRef &f : files_[level]) {
    if (begin != nullptr && f->largest_key < *begin) continue;
    if (end != nullptr && f->smallest_key > *end) continue;
    out.push_back(f);
  }
  return out;
}

bool Version::OverlapsRange(int level, std::string_view smallest,
                            std::string_view largest) const {
  for (const FileRef &f : files_[level]) {
    if (std::string_view(f->largest_key) < smallest) continue;
    if (std::string_view(f->smallest_key) > largest) continue;
    return true;
  }
  return false;
}

const FileMeta *Version::FileFor(int level, std::string_view user_key) const {
  const auto &files = files_[level];
  auto it = std::lower_bound(files.begin(), files.end(), user_key,
                             [](const FileRef &f, std::string_view k) {
                               return std::string_view(f->largest_key) < k;
                             });
  if (it == files.end() || std::string_view((*it)->smallest_key) > user_key) {
    return nullptr;
  }
  return it->get();
}

Status Version::Apply(const VersionEdit &edit,
                      std::shared_ptr<Version> *out) const {
  auto v = std::make_shared<Version>();
  std::set<std::pair<int, uint64_t>> gone;
  for (const auto &d : edit.deleted) gone.insert(d);
  size_t removed = 0;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : files_[level]) {
      if (gone.count({level, f->number}) != 0) {
        ++removed;
      } else {
        v->files_[level].push_back(f);
      }
    }
  }
  if (removed != gone.size()) {
    return Status::Corruption(edit.DebugString() +
                              " deletes a file that is not live");
  }
  std::set<uint64_t> numbers;
  for (const auto &level : v->files_) {
    for (const FileRef &f : level) numbers.insert(f->number);
  }
  for (const auto &[level, f] : edit.added) {
    if (!numbers.insert(f->number).second) {
      return Status::Corruption(edit.DebugString() + " adds table " +
                                std::to_string(f->number) + " twice");
    }
    v->files_[level].push_back(f);
  }
  std::sort(
      v->files_[0].begin(), v->files_[0].end(),
      [](const FileRef &a, const FileRef &b) { return a->number > b->number; });
  for (int level = 1; level < kNumLevels; ++level) {
    auto &files = v->files_[level];
    std::sort(files.begin(), files.end(),
              [](const FileRef &a, const FileRef &b) {
                return a->smallest_key < b->smallest_key;
              });
    for (size_t i = 1; i < files.size(); ++i) {
      if (files[i - 1]->largest_key >= files[i]->smallest_key) {
        return Status::Corruption(
            "level " + std::to_string(level) + " tables " +
            std::to_string(files[i - 1]->number) + " and " +
            std::to_string(files[i]->number) + " overlap");
      }
    }
  }
  *out = std::move(v);
  return Status::OK();
}

void Version::AddAllTo(VersionEdit *edit) const {
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : files_[level]) edit->AddFile(level, f);
  }
}

}  // namespace shale
