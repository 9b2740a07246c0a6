// VersionSet: the current Version and the manifest that makes it durable.
//
// Every change is a VersionEdit appended to MANIFEST-NNNNNN (the WAL's
// record framing, kind kVersionEdit) and synced before it takes effect.
// Each read-write open starts a fresh manifest holding one snapshot edit
// and points CURRENT at it; a manifest that grows past a limit is rolled
// over the same way. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "env/env.h"
#include "version/version.h"
#include "wal/log_writer.h"

namespace shale {

class VersionSet {
 public:
  VersionSet(Env *env, std::string dbpath);
  ~VersionSet();

  // Starts from nothing (a new db, or a format-1 db being upgraded).
  void InitEmpty(uint64_t log_number);
  // Reads the manifest: Corruption naming it (and the offset) if a record
  // is damaged; a torn tail is dropped (*note describes it). With salvage,
  // a damaged record ends the read instead: the state before it is kept
  // and reported like a dropped tail (dropped_tail()).
  Status Recover(uint64_t manifest_number, std::string *note,
                 bool salvage = false);
  // Salvage at open, before the first manifest is written: applies edit
  // to the recovered state without logging it (the snapshot manifest
  // written next records the result).
  Status ApplyRecovered(const VersionEdit &edit) { return Install(edit); }
  // After Recover: whether a damaged last record was dropped as a torn
  // tail, where it starts and what was wrong with it. Every edit is synced
  // before anything it supersedes is removed, so a state that then names a
  // missing file means the record was damaged, not torn by a crash.
  bool dropped_tail() const { return dropped_tail_; }
  uint64_t dropped_tail_offset() const { return dropped_tail_offset_; }
  const std::string &dropped_tail_reason() const {
    return dropped_tail_reason_;
  }

  // Writes a new manifest holding the whole state, points CURRENT at it and
  // makes it the one appended to. The previous manifest becomes obsolete.
  Status WriteSnapshotManifest();

  // Appends edit (completed with the next file number) to the manifest,
  // syncs it, then installs the new version. After a failure the state on
  // disk is unknown and every later call fails.
  Status LogAndApply(VersionEdit *edit);

  std::shared_ptr<const Version> current() const;
  uint64_t log_number() const { return log_number_.load(); }
  uint64_t last_sequence() const { return last_sequence_.load(); }
  uint64_t manifest_number() const { return manifest_number_.load(); }
  uint64_t NewFileNumber() { return next_file_number_.fetch_add(1); }
  uint64_t next_file_number() const { return next_file_number_.load(); }
  // Ensures later numbers are above number.
  void MarkFileNumberUsed(uint64_t number);

  // Adds the numbers of the files of every version still referenced.
  void AddLiveFiles(std::set<uint64_t> *live);

  // Closes the manifest writer.
  Status Close();

 private:
  Status Install(const VersionEdit &edit);
  Status AppendLocked(const VersionEdit &edit);
  Status SnapshotLocked();

  Env *const env_;
  const std::string dbpath_;

  std::mutex write_mu_;  // serializes manifest writers
  std::unique_ptr<wal::Writer> manifest_;
  Status manifest_error_;

  mutable std::mutex state_mu_;  // current_ and all_
  std::shared_ptr<const Version> current_;
  std::vector<std::weak_ptr<const Version>> all_;

  std::atomic<uint64_t> log_number_{0};
  std::atomic<uint64_t> last_sequence_{0};
  std::atomic<uint64_t> manifest_number_{0};
  std::atomic<uint64_t> next_file_number_{1};
  bool dropped_tail_ = false;  // set by Recover
  uint64_t dropped_tail_offset_ = 0;
  std::string dropped_tail_reason_;
};

}  // namespace shale
