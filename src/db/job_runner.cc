// job_runner.cc — one thread per job; finished threads are reaped on the
// next Start, and every thread is joined by CancelAndJoinAll.
#include "db/job_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace shale {
namespace {

class JobImpl final : public Job {
 public:
  void Cancel() override { cancelled_.store(true, std::memory_order_release); }

  bool Wait(int64_t timeout_ms) override {
    std::unique_lock lock(mu_);
    if (timeout_ms < 0) {
      cv_.wait(lock, [&] { return finished_; });
      return true;
    }
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return finished_; });
  }

  bool Finished() const override {
    std::lock_guard lock(mu_);
    return finished_;
  }

  // Final once the work has returned: already while the done callback
  // runs (it may read them), before Finished() turns true.
  Status Result() const override {
    std::lock_guard lock(mu_);
    return has_outcome_ ? result_ : Status::OK();
  }

  std::string Report() const override {
    std::lock_guard lock(mu_);
    return has_outcome_ ? report_ : std::string();
  }

  void Progress(uint64_t *done, uint64_t *total) const override {
    if (done != nullptr) *done = done_.load(std::memory_order_relaxed);
    if (total != nullptr) *total = total_.load(std::memory_order_relaxed);
  }

  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  void Record(uint64_t done, uint64_t total) {
    done_.store(done, std::memory_order_relaxed);
    total_.store(total, std::memory_order_relaxed);
  }

  void SetOutcome(Status result, std::string report) {
    std::lock_guard lock(mu_);
    has_outcome_ = true;
    result_ = std::move(result);
    report_ = std::move(report);
  }

  void MarkFinished() {
    {
      std::lock_guard lock(mu_);
      finished_ = true;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;
  bool has_outcome_ = false;
  Status result_;
  std::string report_;
  std::atomic<bool> cancelled_{false};
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> total_{0};
};

}  // namespace

struct JobRunner::Impl {
  struct Entry {
    std::thread thread;
    std::shared_ptr<JobImpl> job;
    bool exited = false;  // the thread function has returned (or will now)
  };

  mutable std::mutex mu;
  bool closing = false;
  std::list<Entry> entries;

  // Removes the entries whose threads are done; the caller joins them
  // without the lock held.
  std::vector<std::thread> TakeExited() {
    std::vector<std::thread> out;
    std::lock_guard lock(mu);
    for (auto it = entries.begin(); it != entries.end();) {
      if (it->exited) {
        out.push_back(std::move(it->thread));
        it = entries.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
};

JobRunner::JobRunner() : impl_(std::make_unique<Impl>()) {}

JobRunner::~JobRunner() { CancelAndJoinAll(); }

std::shared_ptr<Job> JobRunner::Start(Work work, JobCallbacks callbacks) {
  for (std::thread &t : impl_->TakeExited()) t.join();

  auto job = std::make_shared<JobImpl>();
  std::unique_lock lock(impl_->mu);
  if (impl_->closing) {
    lock.unlock();
    job->SetOutcome(Status::IOError("the db is closed"), std::string());
    job->MarkFinished();
    return job;
  }
  impl_->entries.emplace_back();
  auto entry = std::prev(impl_->entries.end());
  entry->job = job;
  Impl *impl = impl_.get();
  try {
    entry->thread = std::thread([impl, entry, job, work = std::move(work),
                                 callbacks = std::move(callbacks)]() mutable {
      {
        ProgressFn progress = [&job, &callbacks](uint64_t done,
                                                 uint64_t total) {
          job->Record(done, total);
          if (job->cancelled()) return false;
          if (callbacks.progress && !callbacks.progress(done, total)) {
            job->Cancel();
            return false;
          }
          return !job->cancelled();
        };
        std::string report;
        Status result;
        try {
          // Cancelled before it began (shale_job_cancel, or the db closing
          // before this thread got going): the work is not started.
          result = job->cancelled()
                       ? Status::Cancelled("cancelled before it started")
                       : work(progress, &report);
        } catch (const std::bad_alloc &) {
          result = Status::NoMemory("out of memory in a background job");
        } catch (const std::exception &e) {
          result = Status::Internal(std::string("background job: ") + e.what());
        } catch (...) {
          result = Status::Internal("background job: unknown exception");
        }
        job->SetOutcome(result, std::move(report));
        work = nullptr;  // release what the work captured
        progress = nullptr;
        if (callbacks.done) callbacks.done(result);
        // Release the callbacks (and what they captured) before waiters
        // learn that the job finished.
        callbacks = JobCallbacks();
      }
      job->MarkFinished();
      std::lock_guard lock(impl->mu);
      entry->exited = true;
    });
  } catch (...) {
    impl_->entries.erase(entry);
    throw;
  }
  return job;
}

void JobRunner::CancelAndJoinAll() {
  std::list<Impl::Entry> entries;
  {
    std::lock_guard lock(impl_->mu);
    impl_->closing = true;
    entries.swap(impl_->entries);
  }
  for (Impl::Entry &e : entries) e.job->Cancel();
  const std::thread::id self = std::this_thread::get_id();
  for (Impl::Entry &e : entries) {
    if (!e.thread.joinable()) continue;
    if (e.thread.get_id() == self) {
      // Misuse (called from a job's own thread): joining would wait for
      // ourselves forever. Let the thread end on its own.
      e.thread.detach();
      continue;
    }
    e.thread.join();
  }
}

bool JobRunner::OnJobThread() const {
  const std::thread::id self = std::this_thread::get_id();
  std::lock_guard lock(impl_->mu);
  for (const Impl::Entry &e : impl_->entries) {
    if (e.thread.get_id() == self) return true;
  }
  return false;
}

}  // namespace shale
