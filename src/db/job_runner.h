// JobRunner: runs a db's long operations on their own threads and tracks
// them, so that Close can cancel every job and wait for it. DBImpl owns one.
#pragma once

#include <functional>
#include <memory>

#include "db/db.h"

namespace shale {

class JobRunner {
 public:
  JobRunner();
  ~JobRunner();  // CancelAndJoinAll()
  JobRunner(const JobRunner &) = delete;
  JobRunner &operator=(const JobRunner &) = delete;

  // The work: runs on a new thread, reports through the ProgressFn it is
  // given (which also returns false once the job is cancelled) and writes
  // an optional report. Its Status becomes the job's result; callbacks.done
  // then runs on the same thread. After CancelAndJoinAll started, Start
  // returns a job already finished with an IOError "the db is closed".
  using Work =
      std::function<Status(const ProgressFn &progress, std::string *report)>;
  std::shared_ptr<Job> Start(Work work, JobCallbacks callbacks);

  // Cancels every job, waits for each (and its done callback) to finish,
  // joins the threads. Must not be called from a job's own thread.
  void CancelAndJoinAll();
  // True if the calling thread is one of this runner's job threads.
  bool OnJobThread() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shale
