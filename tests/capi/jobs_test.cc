// jobs_test.cc — background jobs: start, wait, cancel, status, callbacks,
// user_free, close while running, misuse.
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "maintenance_util.h"

namespace shale_test {
namespace {

// What a job's callbacks saw. The progress callback blocks at `gate` (when
// block is set) so that the test controls how long the job runs.
struct JobProbe {
  Gate gate;
  bool block = false;
  shale_db *db = nullptr;
  std::atomic<shale_job *> job{nullptr};
  std::atomic<int> progress_calls{0};
  std::atomic<int> done_calls{0};
  std::atomic<int> frees{0};
  std::atomic<bool> free_after_done{false};
  int32_t done_status = 1;
  std::string done_message;
  std::thread::id progress_thread;
  std::thread::id done_thread;
  int cancel_on_call = -1;
  // Misuse from inside the callbacks, when the handles are known.
  bool try_misuse = false;
  int32_t progress_close_rc = 0, progress_wait_rc = 0, progress_free_rc = 0;
  int32_t done_close_rc = 0, done_wait_rc = 0, done_free_rc = 0;
  int32_t done_status_rc = 1;
  int32_t done_state = -1;
};

int ProbeProgress(void *user, uint64_t, uint64_t) {
  auto *p = static_cast<JobProbe *>(user);
  int n = ++p->progress_calls;
  if (n == 1) {
    p->progress_thread = std::this_thread::get_id();
    if (p->block) p->gate.Pass();
    if (p->try_misuse && p->job.load() != nullptr) {
      p->progress_close_rc = shale_db_close(p->db);
      p->progress_wait_rc = shale_job_wait(p->job.load(), 0);
      p->progress_free_rc = shale_job_free(p->job.load());
    }
  }
  return (p->cancel_on_call > 0 && n >= p->cancel_on_call) ? 1 : 0;
}

int ProbeDone(void *user, int32_t status, const char *message) {
  auto *p = static_cast<JobProbe *>(user);
  p->done_status = status;
  p->done_message = message != nullptr ? message : "<NULL>";
  p->done_thread = std::this_thread::get_id();
  if (p->try_misuse && p->job.load() != nullptr) {
    p->done_close_rc = shale_db_close(p->db);
    p->done_wait_rc = shale_job_wait(p->job.load(), -1);
    p->done_free_rc = shale_job_free(p->job.load());
    p->done_status_rc = shale_job_status(p->job.load(), &p->done_state, nullptr,
                                         nullptr, nullptr, nullptr);
  }
  ++p->done_calls;
  return 0;
}

void ProbeFree(void *user) {
  auto *p = static_cast<JobProbe *>(user);
  if (p->done_calls.load() > 0) p->free_after_done = true;
  ++p->frees;
}

int32_t JobResult(shale_job *job, int32_t *state = nullptr,
                  std::string *message = nullptr) {
  int32_t st = -1, result = -1;
  char *msg = nullptr;
  EXPECT_EQ(SHALE_OK,
            shale_job_status(job, &st, &result, nullptr, nullptr, &msg));
  if (state != nullptr) *state = st;
  if (message != nullptr) *message = msg != nullptr ? msg : "<NULL>";
  shale_free(msg);
  return result;
}

using JobsTest = FilledDbTest;

TEST_F(JobsTest, CompactJobRunsToCompletion) {
  JobProbe p;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_compact_range_async(db_, nullptr, 0, nullptr, 0,
                                                   ProbeProgress, ProbeDone, &p,
                                                   ProbeFree, &job))
      << shale_last_error();
  ASSERT_NE(nullptr, job);
  ASSERT_EQ(SHALE_OK, shale_job_wait(job, -1));
  int32_t state = -1;
  std::string message;
  EXPECT_EQ(SHALE_OK, JobResult(job, &state, &message));
  EXPECT_EQ(SHALE_JOB_FINISHED, state);
  EXPECT_EQ("", message);
  EXPECT_EQ(1, p.done_calls.load());
  EXPECT_EQ(SHALE_OK, p.done_status);
  EXPECT_EQ("", p.done_message);
  EXPECT_NE(std::this_thread::get_id(), p.done_thread);
  EXPECT_GT(p.progress_calls.load(), 0);
  EXPECT_EQ(p.progress_thread, p.done_thread);
  // user_free ran exactly once, after done, before wait returned.
  EXPECT_EQ(1, p.frees.load());
  EXPECT_TRUE(p.free_after_done.load());
  uint64_t done = 0, total = 0;
  ASSERT_EQ(SHALE_OK,
            shale_job_status(job, nullptr, nullptr, &done, &total, nullptr));
  EXPECT_LE(done, total);
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
  EXPECT_EQ(1, p.frees.load());
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000555", 11));
}

TEST_F(JobsTest, BackupJob) {
  std::string dest = dir_.Sub("backup");
  JobProbe p;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_backup_async(db_, dest.c_str(), ProbeProgress,
                                            ProbeDone, &p, ProbeFree, &job))
      << shale_last_error();
  ASSERT_EQ(SHALE_OK, shale_job_wait(job, -1));
  EXPECT_EQ(SHALE_OK, JobResult(job));
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
  EXPECT_EQ(1, p.frees.load());
  shale_db *copy = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_open(dest.c_str(), nullptr, &copy))
      << shale_last_error();
  EXPECT_EQ(SHALE_OK, shale_db_exists(copy, nullptr, "key00000599", 11));
  EXPECT_EQ(SHALE_OK, shale_db_close(copy));
}

TEST_F(JobsTest, VerifyJobReportsInDoneAndStatus) {
  ASSERT_EQ(SHALE_OK, shale_db_flush(db_));
  JobProbe p;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_verify_async(db_, ProbeProgress, ProbeDone, &p,
                                            ProbeFree, &job))
      << shale_last_error();
  ASSERT_EQ(SHALE_OK, shale_job_wait(job, -1));
  std::string message;
  EXPECT_EQ(SHALE_OK, JobResult(job, nullptr, &message));
  EXPECT_EQ(SHALE_OK, p.done_status);
  EXPECT_FALSE(message.empty());  // the report
  EXPECT_EQ(message, p.done_message);
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
}

TEST_F(JobsTest, WaitTimesOutWhileRunningThenCancel) {
  JobProbe p;
  p.block = true;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_verify_async(db_, ProbeProgress, ProbeDone, &p,
                                            ProbeFree, &job))
      << shale_last_error();
  ASSERT_TRUE(p.gate.WaitArrived()) << "no progress call";
  EXPECT_EQ(SHALE_E_TIMEOUT, shale_job_wait(job, 0));
  EXPECT_NE(std::string(shale_last_error()), "");
  EXPECT_EQ(SHALE_E_TIMEOUT, shale_job_wait(job, 20));
  int32_t state = -1;
  char *msg = reinterpret_cast<char *>(0x1);
  int32_t result = -1;
  ASSERT_EQ(SHALE_OK,
            shale_job_status(job, &state, &result, nullptr, nullptr, &msg));
  EXPECT_EQ(SHALE_JOB_RUNNING, state);
  EXPECT_EQ(SHALE_OK, result);
  EXPECT_EQ(nullptr, msg);
  EXPECT_EQ(SHALE_OK, shale_job_cancel(job));
  p.gate.Open();
  ASSERT_EQ(SHALE_OK, shale_job_wait(job, 10000));
  EXPECT_EQ(SHALE_E_CANCELLED, JobResult(job, &state));
  EXPECT_EQ(SHALE_JOB_FINISHED, state);
  EXPECT_EQ(SHALE_E_CANCELLED, p.done_status);
  EXPECT_EQ(1, p.done_calls.load());
  EXPECT_EQ(1, p.frees.load());
  EXPECT_EQ(SHALE_OK, shale_job_cancel(job));  // harmless when finished
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
}

TEST_F(JobsTest, ProgressReturningNonZeroCancels) {
  JobProbe p;
  p.cancel_on_call = 1;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_compact_range_async(db_, nullptr, 0, nullptr, 0,
                                                   ProbeProgress, ProbeDone, &p,
                                                   ProbeFree, &job));
  ASSERT_EQ(SHALE_OK, shale_job_wait(job, -1));
  EXPECT_EQ(SHALE_E_CANCELLED, JobResult(job));
  EXPECT_EQ(SHALE_E_CANCELLED, p.done_status);
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
  EXPECT_EQ(1, p.frees.load());
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000599", 11));
}

TEST_F(JobsTest, CloseCancelsAndWaitsAndHandleSurvives) {
  JobProbe p;
  p.block = true;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_compact_range_async(db_, nullptr, 0, nullptr, 0,
                                                   ProbeProgress, ProbeDone, &p,
                                                   ProbeFree, &job));
  ASSERT_TRUE(p.gate.WaitArrived());
  std::atomic<bool> closed{false};
  int32_t close_rc = -100;
  std::thread closer([&] {
    close_rc = shale_db_close(db_);
    closed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(closed.load()) << "close returned while the job was running";
  p.gate.Open();
  closer.join();
  db_ = nullptr;
  EXPECT_EQ(SHALE_OK, close_rc) << shale_last_error();
  // By the time close returned, the job had finished, done ran, and
  // user_free ran.
  EXPECT_EQ(1, p.done_calls.load());
  EXPECT_EQ(1, p.frees.load());
  int32_t state = -1;
  int32_t result = JobResult(job, &state);
  EXPECT_EQ(SHALE_JOB_FINISHED, state);
  EXPECT_TRUE(result == SHALE_E_CANCELLED || result == SHALE_OK)
      << shale_status_name(result);
  EXPECT_EQ(SHALE_OK, shale_job_wait(job, 0));
  EXPECT_EQ(SHALE_OK, shale_job_cancel(job));
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
}

TEST_F(JobsTest, FreeRunningJobCancelsAndWaits) {
  JobProbe p;
  p.block = true;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_verify_async(db_, ProbeProgress, ProbeDone, &p,
                                            ProbeFree, &job));
  ASSERT_TRUE(p.gate.WaitArrived());
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    p.gate.Open();
  });
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
  // Freed only after the job finished: done and user_free have run.
  EXPECT_EQ(1, p.done_calls.load());
  EXPECT_EQ(SHALE_E_CANCELLED, p.done_status);
  EXPECT_EQ(1, p.frees.load());
  opener.join();
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_wait(job, 0));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_free(job));
}

TEST_F(JobsTest, MisuseFromInsideCallbacksIsBusy) {
  JobProbe p;
  p.block = true;
  p.try_misuse = true;
  p.db = db_;
  shale_job *job = nullptr;
  ASSERT_EQ(SHALE_OK, shale_db_verify_async(db_, ProbeProgress, ProbeDone, &p,
                                            ProbeFree, &job));
  p.job = job;
  p.gate.Open();
  ASSERT_EQ(SHALE_OK, shale_job_wait(job, -1));
  EXPECT_EQ(SHALE_E_BUSY, p.progress_close_rc);
  EXPECT_EQ(SHALE_E_BUSY, p.progress_wait_rc);
  EXPECT_EQ(SHALE_E_BUSY, p.progress_free_rc);
  EXPECT_EQ(SHALE_E_BUSY, p.done_close_rc);
  EXPECT_EQ(SHALE_E_BUSY, p.done_wait_rc);
  EXPECT_EQ(SHALE_E_BUSY, p.done_free_rc);
  EXPECT_EQ(SHALE_OK, p.done_status_rc);
  EXPECT_EQ(SHALE_JOB_RUNNING, p.done_state);  // finished after done returns
  EXPECT_EQ(SHALE_OK, p.done_status);
  // Still a live job and an open db.
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
  EXPECT_EQ(SHALE_OK, shale_db_exists(db_, nullptr, "key00000001", 11));
}

TEST_F(JobsTest, BadArguments) {
  shale_job *job = reinterpret_cast<shale_job *>(0x1);
  JobProbe p;
  // NULL out.
  EXPECT_EQ(
      SHALE_E_INVALID_ARGUMENT,
      shale_db_verify_async(db_, nullptr, nullptr, &p, ProbeFree, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_compact_range_async(db_, nullptr, 0, nullptr, 0, nullptr,
                                         nullptr, &p, ProbeFree, nullptr));
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_backup_async(db_, "x", nullptr, nullptr, &p, ProbeFree,
                                  nullptr));
  // NULL dest.
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_backup_async(db_, nullptr, nullptr, nullptr, &p, ProbeFree,
                                  &job));
  EXPECT_EQ(nullptr, job);
  // Non-empty dest.
  job = reinterpret_cast<shale_job *>(0x1);
  EXPECT_EQ(SHALE_E_EXISTS,
            shale_db_backup_async(db_, path_.c_str(), nullptr, nullptr, &p,
                                  ProbeFree, &job));
  EXPECT_EQ(nullptr, job);
  // start NULL with a non-zero length.
  job = reinterpret_cast<shale_job *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_ARGUMENT,
            shale_db_compact_range_async(db_, nullptr, 3, nullptr, 0, nullptr,
                                         nullptr, &p, ProbeFree, &job));
  EXPECT_EQ(nullptr, job);
  EXPECT_NE(std::string(shale_last_error()).find("start"), std::string::npos);
  // Bad db handle.
  job = reinterpret_cast<shale_job *>(0x1);
  EXPECT_EQ(
      SHALE_E_INVALID_HANDLE,
      shale_db_verify_async(BogusDb(), nullptr, nullptr, &p, ProbeFree, &job));
  EXPECT_EQ(nullptr, job);
  // A failed start never calls user_free.
  EXPECT_EQ(0, p.frees.load());
  // Bad job handles.
  auto *bogus = reinterpret_cast<shale_job *>(0x4321);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_wait(bogus, 0));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_cancel(bogus));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_free(bogus));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_wait(nullptr, 0));
  EXPECT_EQ(SHALE_E_INVALID_HANDLE, shale_job_cancel(nullptr));
  EXPECT_EQ(SHALE_OK, shale_job_free(nullptr));
  int32_t state = 7, result = 7;
  uint64_t done = 7, total = 7;
  char *msg = reinterpret_cast<char *>(0x1);
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_job_status(bogus, &state, &result, &done, &total, &msg));
  EXPECT_EQ(0, state);
  EXPECT_EQ(0, result);
  EXPECT_EQ(0u, done);
  EXPECT_EQ(0u, total);
  EXPECT_EQ(nullptr, msg);
  // A db handle is not a job handle.
  EXPECT_EQ(SHALE_E_INVALID_HANDLE,
            shale_job_wait(reinterpret_cast<shale_job *>(db_), 0));
}

TEST_F(JobsTest, ReadOnlyAndClosedDb) {
  ASSERT_EQ(SHALE_OK, shale_db_close(db_));
  shale_db *closed = db_;
  db_ = nullptr;
  shale_job *job = nullptr;
  EXPECT_EQ(
      SHALE_E_INVALID_HANDLE,
      shale_db_verify_async(closed, nullptr, nullptr, nullptr, nullptr, &job));
  shale_options o;
  shale_options_init(&o, sizeof(o));
  o.read_only = 1;
  ASSERT_EQ(SHALE_OK, shale_db_open(path_.c_str(), &o, &db_));
  JobProbe p;
  EXPECT_EQ(SHALE_E_READ_ONLY,
            shale_db_compact_range_async(db_, nullptr, 0, nullptr, 0, nullptr,
                                         nullptr, &p, ProbeFree, &job));
  EXPECT_EQ(nullptr, job);
  EXPECT_EQ(0, p.frees.load());
  ASSERT_EQ(SHALE_OK, shale_db_verify_async(db_, nullptr, nullptr, nullptr,
                                            nullptr, &job));
  EXPECT_EQ(SHALE_OK, shale_job_wait(job, -1));
  EXPECT_EQ(SHALE_OK, JobResult(job));
  EXPECT_EQ(SHALE_OK, shale_job_free(job));
}

// Many jobs over time: threads are reaped, handles freed.
TEST_F(JobsTest, ManyJobs) {
  for (int round = 0; round < 5; ++round) {
    std::vector<shale_job *> jobs;
    for (int i = 0; i < 20; ++i) {
      shale_job *job = nullptr;
      ASSERT_EQ(SHALE_OK, shale_db_compact_range_async(
                              db_, "key0000", 7, "key0001", 7, nullptr, nullptr,
                              nullptr, nullptr, &job))
          << shale_last_error();
      jobs.push_back(job);
    }
    for (shale_job *job : jobs) {
      EXPECT_EQ(SHALE_OK, shale_job_wait(job, -1));
      EXPECT_EQ(SHALE_OK, shale_job_free(job));
    }
  }
}

// Jobs left running (and never freed before close) are cancelled by close;
// their handles are released afterwards.
TEST(Jobs, CloseWithUnfreedJobs) {
  TempDir dir;
  std::string path = dir.Sub("db");
  shale_db *db = nullptr;
  shale_options o = SmallBufferOptions();
  ASSERT_EQ(SHALE_OK, shale_db_open(path.c_str(), &o, &db));
  Fill(db, 500);
  std::vector<shale_job *> jobs;
  JobProbe probes[8];
  for (JobProbe &p : probes) {
    shale_job *job = nullptr;
    ASSERT_EQ(SHALE_OK, shale_db_verify_async(db, ProbeProgress, ProbeDone, &p,
                                              ProbeFree, &job));
    jobs.push_back(job);
  }
  ASSERT_EQ(SHALE_OK, shale_db_close(db));
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(1, probes[i].done_calls.load());
    EXPECT_EQ(1, probes[i].frees.load());
    // Closing cancels: a job that had not begun its work ends CANCELLED,
    // not with an I/O error about the closed db (found by the Rust tests).
    const int32_t result = JobResult(jobs[i]);
    EXPECT_TRUE(result == SHALE_OK || result == SHALE_E_CANCELLED)
        << i << ": " << shale_status_name(result);
    EXPECT_EQ(result, probes[i].done_status);
    EXPECT_EQ(SHALE_OK, shale_job_wait(jobs[i], 0));
    EXPECT_EQ(SHALE_OK, shale_job_free(jobs[i]));
  }
}

}  // namespace
}  // namespace shale_test
