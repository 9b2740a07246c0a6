// pristine_db.h — the db every damaged copy starts from, and the model of
// what it holds. Built once through the C API: data in deeper-level tables
// (phase A, compacted), a level-0 table (phase B, flushed), the write-ahead
// log (phase C, never flushed), the manifest and CURRENT.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "damage.h"
#include "shale.h"

namespace corruption {

using Value = std::optional<std::string>;  // nullopt: absent / deleted

struct Model {
  // Every state each key went through, oldest first; the first is absent.
  std::map<std::string, std::vector<Value>> history;
  // Phase C (the log) writes in order: each key is written at most once in
  // phase C, so its pre-log state is history[k][size - 2].
  std::vector<std::string> log_keys;

  const Value &Final(const std::string &k) const {
    return history.at(k).back();
  }
  // The state before the log's write of k (Final if the log did not
  // write k).
  const Value &BeforeLog(const std::string &k) const;
  bool WrittenByLog(const std::string &k) const;
};

// The options the pristine db is built and reopened with: small blocks and
// files so every file kind holds several blocks.
shale_options DbOptions();

// Builds the db at path (must not exist) and fills *model. Returns "" or a
// description of what failed.
std::string BuildPristine(const std::string &path, Model *model);

// Where to make scratch directories: tmpfs when there is one (every open
// syncs its manifest, CURRENT and directory, which on a disk costs more
// than the checks), else the temp directory.
std::string ScratchBase();

// The files of the db at path by kind (table levels from verify's
// report). Returns "" or what failed.
std::string ClassifyFiles(const std::string &path, std::vector<DbFile> *out);

}  // namespace corruption
