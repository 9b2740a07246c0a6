// jobs.cc — background jobs: the _async starts, their trampolines, and the
// shale_job_* functions.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>

#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "handle_table.h"
#include "maintenance.h"
#include "objects.h"
#include "scope_exit.h"

using namespace shale::capi;

namespace {

// The user's side of one job: its callbacks, user pointer and user_free.
// Captured (by shared_ptr) in the callbacks the core holds; the core drops
// them after the done callback returned, and the last reference going runs
// user_free — once armed (a start that fails leaves `user` with the
// caller).
class JobRegistration {
 public:
  JobRegistration(const void *db_identity, const void *job_identity,
                  bool is_verify, shale_progress_fn progress,
                  shale_job_done_fn done, void *user,
                  shale_user_free_fn user_free)
      : db_identity_(db_identity),
        job_identity_(job_identity),
        is_verify_(is_verify),
        progress_(progress),
        done_(done),
        user_(user),
        user_free_(user_free),
        starter_(std::this_thread::get_id()) {}
  ~JobRegistration() {
    if (armed_.load(std::memory_order_acquire) && user_free_ != nullptr) {
      user_free_(user_);
    }
  }
  JobRegistration(const JobRegistration &) = delete;
  JobRegistration &operator=(const JobRegistration &) = delete;

  void Arm(bool on) { armed_.store(on, std::memory_order_release); }

  // The start call has returned (job may be null if it failed).
  void SetJob(std::shared_ptr<shale::Job> job) {
    {
      std::lock_guard lock(mu_);
      job_ = std::move(job);
      started_ = true;
    }
    cv_.notify_all();
  }

  bool Progress(uint64_t done, uint64_t total) noexcept {
    if (progress_ == nullptr) return true;
    CallbackScope scope(db_identity_);
    JobCallbackScope job_scope(job_identity_);
    return progress_(user_, done, total) == 0;
  }

  void Done(const shale::Status &result) noexcept {
    if (done_ == nullptr) return;
    int32_t code = MapCode(result.code());
    if (code > 0) code = SHALE_OK;  // NotFound is not a job outcome
    std::string message;
    if (!NoThrow([&] {
          if (is_verify_) message = VerifyReport();
          if (message.empty() && code != SHALE_OK) message = result.message();
        })) {
      message.clear();  // out of memory: the status alone
    }
    CallbackScope scope(db_identity_);
    JobCallbackScope job_scope(job_identity_);
    done_(user_, code, message.c_str());
  }

 private:
  // The report of the verify job. The done callback may run before the
  // start call has stored the job; wait for it (briefly) unless this is the
  // starting thread itself.
  std::string VerifyReport() {
    std::unique_lock lock(mu_);
    if (std::this_thread::get_id() != starter_) {
      cv_.wait(lock, [&] { return started_; });
    }
    std::shared_ptr<shale::Job> job = job_;
    lock.unlock();
    return job != nullptr ? job->Report() : std::string();
  }

  const void *const db_identity_;
  const void *const job_identity_;
  const bool is_verify_;
  const shale_progress_fn progress_;
  const shale_job_done_fn done_;
  void *const user_;
  const shale_user_free_fn user_free_;
  const std::thread::id starter_;
  std::atomic<bool> armed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  std::shared_ptr<shale::Job> job_;
};

using StartFn = std::function<std::shared_ptr<shale::Job>(
    shale::DB *db, shale::JobCallbacks callbacks)>;

// The common part of the _async calls, after the arguments were checked.
int32_t StartJob(const std::shared_ptr<DbState> &state, bool is_verify,
                 shale_progress_fn progress, shale_job_done_fn done, void *user,
                 shale_user_free_fn user_free, const StartFn &start,
                 shale_job **out) {
  auto obj = std::make_shared<JobObj>();
  obj->db = state;
  obj->is_verify = is_verify;
  auto reg = std::make_shared<JobRegistration>(
      state.get(), obj.get(), is_verify, progress, done, user, user_free);

  uint64_t handle = InsertHandle(HandleType::kJob, obj);  // may throw
  ScopeExit unregister([&] {
    std::shared_ptr<JobObj> removed;
    (void)Remove(ToHandle<shale_job>(handle), HandleType::kJob, "job",
                 &removed);
  });

  shale::JobCallbacks callbacks;
  callbacks.progress = [reg](uint64_t d, uint64_t t) {
    return reg->Progress(d, t);
  };
  callbacks.done = [reg](const shale::Status &result) { reg->Done(result); };

  // Until the job runs, nothing is armed: a failed start (the barrier
  // reports a thread that could not be created) leaves `user` with the
  // caller.
  ScopeExit disarm([&] {
    reg->Arm(false);
    reg->SetJob(nullptr);
  });
  reg->Arm(true);
  std::shared_ptr<shale::Job> job =
      start(state->db.get(), std::move(callbacks));
  if (job == nullptr) {
    return Fail(SHALE_E_INTERNAL, "the engine did not start the job");
  }
  disarm.Dismiss();
  obj->job = job;
  reg->SetJob(std::move(job));
  reg.reset();  // the core's copies remain: the last one runs user_free
  unregister.Dismiss();
  *out = ToHandle<shale_job>(handle);
  return SHALE_OK;
}

// Looks up the db of an _async call and enters a call on it.
struct DbEntry {
  std::shared_ptr<DbState> state;
  std::unique_ptr<DbCall> call;
};

int32_t EnterDb(shale_db *db, DbEntry *entry) {
  int32_t rc = LookupDb(db, &entry->state);
  if (rc != SHALE_OK) return rc;
  entry->call = std::make_unique<DbCall>(entry->state.get());
  return entry->call->Enter();
}

int32_t LookupJob(shale_job *job, std::shared_ptr<JobObj> *out) {
  int32_t rc = Lookup(job, HandleType::kJob, "job", out);
  if (rc != SHALE_OK) return rc;
  if ((*out)->job == nullptr) {
    out->reset();
    return Fail(SHALE_E_INVALID_HANDLE, "the job is still being started");
  }
  return SHALE_OK;
}

}  // namespace

extern "C" SHALE_API int32_t shale_db_compact_range_async(
    shale_db *db, const void *start, size_t start_len, const void *end,
    size_t end_len, shale_progress_fn progress, shale_job_done_fn done,
    void *user, shale_user_free_fn user_free, shale_job **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    DbEntry entry;
    int32_t rc = EnterDb(db, &entry);
    if (rc != SHALE_OK) return rc;
    std::optional<std::string> begin_key, end_key;
    if ((rc = CompactBounds(start, start_len, end, end_len, &begin_key,
                            &end_key)) != SHALE_OK) {
      return rc;
    }
    if ((rc = CheckWritable(*entry.state, "compact")) != SHALE_OK) return rc;
    StartFn fn = [&](shale::DB *core, shale::JobCallbacks cb) {
      return core->StartCompactRange(std::move(begin_key), std::move(end_key),
                                     std::move(cb));
    };
    return StartJob(entry.state, false, progress, done, user, user_free, fn,
                    out);
  });
}

extern "C" SHALE_API int32_t shale_db_backup_async(
    shale_db *db, const char *dest_path, shale_progress_fn progress,
    shale_job_done_fn done, void *user, shale_user_free_fn user_free,
    shale_job **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    DbEntry entry;
    int32_t rc = EnterDb(db, &entry);
    if (rc != SHALE_OK) return rc;
    if ((rc = CheckBackupDest(dest_path)) != SHALE_OK) return rc;
    StartFn fn = [&](shale::DB *core, shale::JobCallbacks cb) {
      return core->StartBackup(std::string(dest_path), std::move(cb));
    };
    return StartJob(entry.state, false, progress, done, user, user_free, fn,
                    out);
  });
}

extern "C" SHALE_API int32_t shale_db_verify_async(
    shale_db *db, shale_progress_fn progress, shale_job_done_fn done,
    void *user, shale_user_free_fn user_free, shale_job **out) {
  return Guard(__func__, [&]() -> int32_t {
    if (out != nullptr) *out = nullptr;
    if (out == nullptr) return Fail(SHALE_E_INVALID_ARGUMENT, "out is NULL");
    DbEntry entry;
    int32_t rc = EnterDb(db, &entry);
    if (rc != SHALE_OK) return rc;
    StartFn fn = [&](shale::DB *core, shale::JobCallbacks cb) {
      return core->StartVerify(std::move(cb));
    };
    return StartJob(entry.state, true, progress, done, user, user_free, fn,
                    out);
  });
}

extern "C" SHALE_API int32_t shale_job_wait(shale_job *job,
                                            int64_t timeout_ms) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<JobObj> obj;
    int32_t rc = LookupJob(job, &obj);
    if (rc != SHALE_OK) return rc;
    if (JobCallbackScope::InsideCallbackOf(obj.get())) {
      return Fail(SHALE_E_BUSY,
                  "cannot wait for a job from inside its own callbacks");
    }
    if (obj->job->Wait(timeout_ms)) return SHALE_OK;
    return Fail(SHALE_E_TIMEOUT, "the job has not finished after %lld ms",
                static_cast<long long>(timeout_ms));
  });
}

extern "C" SHALE_API int32_t shale_job_cancel(shale_job *job) {
  return Guard(__func__, [&]() -> int32_t {
    std::shared_ptr<JobObj> obj;
    int32_t rc = LookupJob(job, &obj);
    if (rc != SHALE_OK) return rc;
    obj->job->Cancel();
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_job_status(shale_job *job, int32_t *state,
                                              int32_t *result, uint64_t *done,
                                              uint64_t *total, char **message) {
  return Guard(__func__, [&]() -> int32_t {
    if (state != nullptr) *state = 0;
    if (result != nullptr) *result = 0;
    if (done != nullptr) *done = 0;
    if (total != nullptr) *total = 0;
    if (message != nullptr) *message = nullptr;
    std::shared_ptr<JobObj> obj;
    int32_t rc = LookupJob(job, &obj);
    if (rc != SHALE_OK) return rc;
    // Progress first: once finished, the figures are final too.
    uint64_t d = 0, t = 0;
    obj->job->Progress(&d, &t);
    bool finished = obj->job->Finished();
    int32_t code = SHALE_OK;
    char *text = nullptr;
    if (finished) {
      shale::Status st = obj->job->Result();
      code = MapCode(st.code());
      if (code > 0) code = SHALE_OK;
      if (message != nullptr) {
        std::string m = obj->is_verify ? obj->job->Report() : std::string();
        if (m.empty() && code != SHALE_OK) m = st.message();
        text = static_cast<char *>(std::malloc(m.size() + 1));
        if (text == nullptr) return FailNoMemory();
        std::memcpy(text, m.data(), m.size());
        text[m.size()] = '\0';
      }
    }
    if (state != nullptr) {
      *state = finished ? SHALE_JOB_FINISHED : SHALE_JOB_RUNNING;
    }
    if (result != nullptr) *result = code;
    if (done != nullptr) *done = d;
    if (total != nullptr) *total = t;
    if (message != nullptr) *message = text;
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_job_free(shale_job *job) {
  return GuardRelease(__func__, [&]() -> int32_t {
    if (job == nullptr) return SHALE_OK;
    std::shared_ptr<JobObj> obj;
    int32_t rc = LookupJob(job, &obj);
    if (rc != SHALE_OK) return rc;
    if (JobCallbackScope::InsideCallbackOf(obj.get())) {
      return Fail(SHALE_E_BUSY,
                  "cannot free a job from inside its own callbacks (nothing "
                  "was freed)");
    }
    std::shared_ptr<JobObj> removed;
    if ((rc = Remove(job, HandleType::kJob, "job", &removed)) != SHALE_OK) {
      return rc;  // freed concurrently by another thread
    }
    removed->job->Cancel();
    removed->job->Wait(-1);
    return SHALE_OK;
  });
}
