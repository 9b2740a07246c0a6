// Helpers shared by the fault loops: the scale knob, a per-iteration
// watchdog, and scratch directories.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace shale::fault_loops {

// SHALE_RELIABILITY_SCALE (default 1): multiplies the workload's size.
inline int Scale() {
  const char *s = ::getenv("SHALE_RELIABILITY_SCALE");
  int v = s != nullptr ? ::atoi(s) : 1;
  return v >= 1 ? v : 1;
}

// A fresh directory, removed with its contents. Under /dev/shm when it is
// writable (the loops make thousands of fsyncs; faults come from the env,
// not from the device), else under /tmp. SHALE_FAULT_LOOPS_DIR overrides.
class ScratchDir {
 public:
  ScratchDir() {
    std::string base = "/tmp";
    if (const char *d = ::getenv("SHALE_FAULT_LOOPS_DIR")) {
      base = d;
    } else if (::access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    }
    std::string tmpl = base + "/shale-fault-loops-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror(("mkdtemp " + tmpl).c_str());
      std::abort();
    }
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

// Aborts the process (with the iteration's label on stderr) when one
// iteration runs longer than its limit: a hang is a failure, and it must
// name the fault that caused it rather than wait for the ctest timeout.
class Watchdog {
 public:
  Watchdog() : thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Arm(std::string label, std::chrono::seconds limit) {
    std::lock_guard<std::mutex> g(mu_);
    label_ = std::move(label);
    deadline_ = std::chrono::steady_clock::now() + limit;
    armed_ = true;
    cv_.notify_all();
  }
  void Disarm() {
    std::lock_guard<std::mutex> g(mu_);
    armed_ = false;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> l(mu_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(l);
        continue;
      }
      if (std::chrono::steady_clock::now() >= deadline_) {
        std::fprintf(stderr, "\nWATCHDOG: iteration hung: %s\n",
                     label_.c_str());
        std::fflush(stderr);
        std::abort();
      }
      cv_.wait_until(l, deadline_);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool armed_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point deadline_;
  std::thread thread_;
};

}  // namespace shale::fault_loops
