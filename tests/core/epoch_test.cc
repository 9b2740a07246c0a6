// util/epoch.h: retired objects outlive every section that could reach
// them, and no longer than that.
#include "util/epoch.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace shale {
namespace {

using namespace std::chrono_literals;

// Counts destructions; a destroyed object's canary is cleared.
struct Tracked final : epoch::Retirable {
  static std::atomic<int> destroyed;
  uint64_t canary = 0x5ca1ab1e5ca1ab1eull;
  ~Tracked() override {
    canary = 0;
    destroyed.fetch_add(1);
  }
};
std::atomic<int> Tracked::destroyed{0};

void RetireTracked(Tracked *t) { epoch::Retire(t); }

// Runs a section on its own thread until told to leave it.
class SectionThread {
 public:
  SectionThread() {
    thread_ = std::thread([this] {
      epoch::ReadSection section;
      entered_ = true;
      while (!leave_) std::this_thread::sleep_for(1ms);
    });
    while (!entered_) std::this_thread::yield();
  }
  void Leave() {
    leave_ = true;
    thread_.join();
  }
  ~SectionThread() {
    if (thread_.joinable()) Leave();
  }

 private:
  std::atomic<bool> entered_{false}, leave_{false};
  std::thread thread_;
};

TEST(Epoch, RetiredObjectIsFreedWhenNoSectionRuns) {
  const int before = Tracked::destroyed;
  RetireTracked(new Tracked);
  epoch::Synchronize();
  epoch::Reclaim();
  EXPECT_EQ(before + 1, Tracked::destroyed);
}

TEST(Epoch, ARunningSectionKeepsWhatWasRetiredAfterItBegan) {
  epoch::Reclaim();
  const int before = Tracked::destroyed;
  SectionThread reader;
  RetireTracked(new Tracked);
  epoch::Reclaim();
  EXPECT_EQ(before, Tracked::destroyed) << "freed under a running section";
  reader.Leave();
  epoch::Reclaim();
  EXPECT_EQ(before + 1, Tracked::destroyed);
}

TEST(Epoch, ASectionDoesNotKeepWhatWasRetiredBeforeItBegan) {
  const int before = Tracked::destroyed;
  RetireTracked(new Tracked);
  SectionThread reader;  // began after the retire
  epoch::Reclaim();
  EXPECT_EQ(before + 1, Tracked::destroyed);
}

TEST(Epoch, NestedSectionsEndWithTheOutermost) {
  epoch::Reclaim();
  const int before = Tracked::destroyed;
  std::atomic<bool> inner_done{false}, leave{false};
  std::thread t([&] {
    epoch::ReadSection outer;
    { epoch::ReadSection inner; }
    inner_done = true;
    while (!leave) std::this_thread::sleep_for(1ms);
  });
  while (!inner_done) std::this_thread::yield();
  RetireTracked(new Tracked);
  epoch::Reclaim();
  EXPECT_EQ(before, Tracked::destroyed) << "the inner section ended it";
  leave = true;
  t.join();
  epoch::Reclaim();
  EXPECT_EQ(before + 1, Tracked::destroyed);
}

TEST(Epoch, SynchronizeWaitsForRunningSections) {
  std::atomic<bool> entered{false}, left{false};
  std::thread t([&] {
    epoch::ReadSection section;
    entered = true;
    std::this_thread::sleep_for(50ms);
    left = true;
  });
  while (!entered) std::this_thread::yield();
  epoch::Synchronize();
  EXPECT_TRUE(left);
  t.join();
}

TEST(Epoch, AnExitedThreadKeepsNothing) {
  epoch::Reclaim();
  std::thread([] { epoch::ReadSection section; }).join();
  const int before = Tracked::destroyed;
  RetireTracked(new Tracked);
  epoch::Reclaim();
  EXPECT_EQ(before + 1, Tracked::destroyed);
}

TEST(Epoch, RetireIsAllowedInsideASection) {
  epoch::Reclaim();
  const int before = Tracked::destroyed;
  {
    epoch::ReadSection section;
    RetireTracked(new Tracked);  // e.g. a cache eviction during a read
    epoch::Reclaim();            // keeps what this section may use
    EXPECT_EQ(before, Tracked::destroyed);
  }
  epoch::Reclaim();
  EXPECT_EQ(before + 1, Tracked::destroyed);
}

TEST(Epoch, ReclaimIfManyWaitsForABatch) {
  epoch::Synchronize();
  epoch::Reclaim();
  ASSERT_EQ(0u, epoch::Pending());
  const int before = Tracked::destroyed;
  RetireTracked(new Tracked);
  epoch::ReclaimIfMany();
  EXPECT_EQ(1u, epoch::Pending()) << "one object is not worth a scan";
  for (int i = 0; i < 64; ++i) RetireTracked(new Tracked);
  epoch::ReclaimIfMany();
  EXPECT_EQ(0u, epoch::Pending());
  EXPECT_EQ(before + 65, Tracked::destroyed);
}

// Readers load a pointer that a writer keeps replacing and retiring; a
// reader must never see a destroyed object (ASan would also catch the
// use after free).
TEST(Epoch, ReadersNeverSeeAFreedObject) {
  std::atomic<Tracked *> current{new Tracked};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        epoch::ReadSection section;
        const Tracked *t = current.load(std::memory_order_acquire);
        for (int k = 0; k < 8; ++k) {
          if (t->canary != 0x5ca1ab1e5ca1ab1eull) bad.fetch_add(1);
        }
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  while (reads.load() == 0) std::this_thread::yield();
  // Replace and reclaim until the readers have read a good many times.
  for (int i = 0; i < 20000 || reads.load() < 20000; ++i) {
    Tracked *old = current.exchange(new Tracked, std::memory_order_acq_rel);
    RetireTracked(old);
    if (i % 64 == 0) epoch::Reclaim();
  }
  stop = true;
  for (auto &t : readers) t.join();
  RetireTracked(current.load());
  epoch::Synchronize();
  epoch::Reclaim();
  EXPECT_EQ(0u, bad.load());
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(0u, epoch::Pending());
}

// fork() while another thread is inside a section: the child does not
// wait for a thread that does not exist there.
TEST(Epoch, ForkChildIgnoresTheParentsSections) {
  SectionThread reader;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int before = Tracked::destroyed;
    RetireTracked(new Tracked);
    epoch::Synchronize();  // would hang on the parent's reader
    epoch::Reclaim();
    _exit(Tracked::destroyed == before + 1 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace shale
