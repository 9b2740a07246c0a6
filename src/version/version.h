// Version: an immutable list of the live table files, per level. Held by
// shared_ptr: a read or an iterator keeps the version it started with (and
// so its files) alive. Level 0 files may overlap and are kept newest first;
// the files of every deeper level are disjoint and sorted by key.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/db.h"
#include "version/version_edit.h"

namespace shale {

class Version {
 public:
  const std::vector<FileRef> &files(int level) const { return files_[level]; }
  size_t NumFiles(int level) const { return files_[level].size(); }
  uint64_t LevelBytes(int level) const;
  size_t TotalFiles() const;

  // Files of level whose user key range intersects [begin, end] (nullptr:
  // unbounded).
  std::vector<FileRef> Overlapping(int level, const std::string *begin,
                                   const std::string *end) const;
  bool OverlapsRange(int level, std::string_view smallest,
                     std::string_view largest) const;
  // Level >= 1: the one file that may hold user_key, or nullptr.
  const FileMeta *FileFor(int level, std::string_view user_key) const;

  // A new version: this one with edit applied. Corruption if the edit
  // deletes a file that is not there or adds one twice.
  Status Apply(const VersionEdit &edit, std::shared_ptr<Version> *out) const;

  // Every file as "added" in edit (a manifest snapshot).
  void AddAllTo(VersionEdit *edit) const;

 private:
  std::vector<FileRef> files_[kNumLevels];
};

}  // namespace shale
