// Process-kill suite, through libshale.so and the C API: a forked writer
// child runs a seeded random workload (puts, deletes, overwrites, batches,
// *_many calls, flushes, compactions; 1 to 4 threads; every sync mode) and
// reports each acknowledged op through a pipe; the parent SIGKILLs it at a
// random moment, reopens the db and checks that
//   - every acknowledged write is there (a process kill loses nothing the
//     OS was handed, whatever the sync mode),
//   - each thread's key space equals the model after a prefix of that
//     thread's ops (no holes, no torn or stale values),
//   - forward and backward iteration agree with each other and with gets,
//   - shale_db_verify finds the db sound.
// The db carries over to the next cycle (the next child continues on the
// recovered state) and starts fresh every kFreshEvery cycles.
//
// Environment: SHALE_KILL_CYCLES (default 200) x SHALE_RELIABILITY_SCALE
// (default 1) cycles; SHALE_KILL_SEED replays a run (printed at the start
// and on failure).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "kill_child.h"
#include "kill_verify.h"
#include "kill_workload.h"

namespace shale_kill {
namespace {

constexpr uint32_t kFreshEvery = 20;

uint64_t EnvNumber(const char *name, uint64_t fallback) {
  const char *s = getenv(name);
  if (s == nullptr || *s == '\0') return fallback;
  char *end = nullptr;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0' || v == 0) {
    ADD_FAILURE() << name << " must be a positive integer, got '" << s << "'";
    return fallback;
  }
  return v;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Reads acknowledgements until deadline_ms (NowMs() clock), until at least
// min_acks arrived in total, or until EOF; returns false on EOF.
bool ReadAcks(int fd, int64_t deadline_ms, uint64_t min_acks, uint32_t *acked,
              uint64_t *total) {
  for (;;) {
    int64_t left = deadline_ms - NowMs();
    if (left <= 0 || *total >= min_acks) return true;
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    Ack buf[512];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    // Whole records only: each write of <= PIPE_BUF bytes is atomic.
    for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(Ack)); ++i) {
      if (buf[i].thread >= kMaxThreads) abort();
      // Acks of one thread arrive in order: op i acknowledged means i + 1.
      acked[buf[i].thread] = buf[i].op + 1;
      ++*total;
    }
  }
}

struct Figures {
  uint64_t kills = 0, acked_ops = 0, acked_writes = 0, in_flight_applied = 0;
  uint64_t killed_before_first_ack = 0;
};

class KillSuite {
 public:
  KillSuite(uint64_t seed, const std::string &dir) : seed_(seed), dir_(dir) {}

  // One cycle; returns "" or what failed.
  std::string Cycle(uint32_t cycle, Figures *fig) {
    const std::string path = dir_ + "/db";
    if (cycle % kFreshEvery == 0) {
      std::filesystem::remove_all(path);
      model_.clear();
    }
    CyclePlan plan;
    plan.path = path;
    plan.cycle = cycle;
    plan.cycle_seed = MixSeed(seed_, cycle);
    Rng rng(MixSeed(plan.cycle_seed, 0xc0ffee));
    plan.threads = rng.Percent(30) ? 2 + rng.Below(3) : 1;
    const uint32_t modes[] = {SHALE_SYNC_NONE, SHALE_SYNC_EVERY,
                              SHALE_SYNC_GROUP};
    plan.sync_mode = modes[rng.Below(3)];

    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
      close(fds[0]);
      RunWriterChild(plan, fds[1]);
    }
    close(fds[1]);

    // When to kill: mostly some time after the first acknowledgement;
    // sometimes at once (during the open and recovery); sometimes after
    // many acks (several flushes and compactions in).
    uint32_t acked[kMaxThreads] = {};
    uint64_t total = 0;
    bool open = true;
    uint32_t how = rng.Below(10);
    const int64_t start = NowMs();
    if (how == 0) {
      open = ReadAcks(fds[0], start + rng.Below(15), UINT64_MAX, acked, &total);
    } else {
      open = ReadAcks(fds[0], start + 10000, 1, acked, &total);
      if (open) {
        uint64_t want = how == 1 ? 100 + rng.Below(600) : UINT64_MAX;
        open = ReadAcks(fds[0], NowMs() + (how == 1 ? 2000 : rng.Below(60)),
                        want, acked, &total);
      }
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    while (ReadAcks(fds[0], INT64_MAX, UINT64_MAX, acked, &total)) {
    }
    close(fds[0]);
    std::string where = "cycle " + std::to_string(cycle) + " (" +
                        std::to_string(plan.threads) + " threads, sync mode " +
                        std::to_string(plan.sync_mode) + ", " +
                        std::to_string(total) + " acks)";
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      return where + ": the writer child ended by itself, status " +
             std::to_string(status) + (open ? "" : " (closed its pipe)");
    }
    ++fig->kills;
    if (total == 0) ++fig->killed_before_first_ack;

    shale_options o = KillOptions(plan.sync_mode);
    shale_db *db = nullptr;
    int32_t rc = shale_db_open(path.c_str(), &o, &db);
    if (rc != SHALE_OK) {
      return where + ": reopen failed: " + shale_status_name(rc) + ": " +
             shale_last_error();
    }
    std::string err = Check(db, plan, acked, fig);
    rc = shale_db_close(db);
    if (err.empty() && rc != SHALE_OK) {
      err = std::string("shale_db_close: ") + shale_last_error();
    }
    return err.empty() ? "" : where + ": " + err;
  }

 private:
  std::string Check(shale_db *db, const CyclePlan &plan, const uint32_t *acked,
                    Figures *fig) {
    Model actual;
    std::string err = ReadAll(db, &actual);
    if (!err.empty()) return err;
    Model next;
    size_t seen = 0;
    for (uint32_t t = 0; t < kMaxThreads; ++t) {
      const std::string prefix = ThreadPrefix(t);
      Model actual_t = Slice(actual, prefix);
      seen += actual_t.size();
      uint32_t ran = t < plan.threads ? acked[t] : 0;
      uint32_t p = 0;
      Model after;
      if (t < plan.threads) {
        OpStream stream(plan.cycle_seed, t, plan.cycle);
        err = MatchPrefix(Slice(model_, prefix), actual_t, stream, ran, &p,
                          &after);
      } else if (actual_t != Slice(model_, prefix)) {
        err = "key space of idle thread " + std::to_string(t) + " changed";
      } else {
        after = std::move(actual_t);
      }
      if (!err.empty()) return "thread " + std::to_string(t) + ": " + err;
      if (p > ran) ++fig->in_flight_applied;
      fig->acked_ops += ran;
      OpStream count(plan.cycle_seed, t, plan.cycle);
      for (uint32_t i = 0; i < ran; ++i) fig->acked_writes += count.Next().IsWrite();
      next.insert(after.begin(), after.end());
    }
    if (seen != actual.size()) return "keys outside every thread's key space";
    model_ = std::move(next);
    err = CheckGets(db, model_, kMaxThreads);
    if (err.empty()) err = CheckVerify(db);
    return err;
  }

  uint64_t seed_;
  std::string dir_;
  Model model_;  // the db's contents as verified after the last cycle
};

TEST(ProcessKill, RandomWorkloadSurvivesSigkill) {
  const uint64_t scale = EnvNumber("SHALE_RELIABILITY_SCALE", 1);
  const uint64_t cycles = EnvNumber("SHALE_KILL_CYCLES", 200) * scale;
  const uint64_t seed = EnvNumber(
      "SHALE_KILL_SEED",
      static_cast<uint64_t>(
          std::chrono::system_clock::now().time_since_epoch().count()) |
          1);
  printf("process-kill: seed %llu (replay with SHALE_KILL_SEED=%llu), %llu "
         "cycles\n",
         static_cast<unsigned long long>(seed),
         static_cast<unsigned long long>(seed),
         static_cast<unsigned long long>(cycles));
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "shale-kill-XXXXXX").string();
  ASSERT_NE(nullptr, mkdtemp(tmpl.data()));
  KillSuite suite(seed, tmpl);
  Figures fig;
  uint32_t failures = 0;
  const int64_t start = NowMs();
  for (uint32_t c = 0; c < cycles; ++c) {
    std::string err = suite.Cycle(c, &fig);
    if (!err.empty()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " " << err << " (db kept in "
                    << tmpl << ")";
      break;  // the model no longer describes the db
    }
  }
  printf("process-kill: %llu kills (%llu before the first ack), %llu "
         "acknowledged ops (%llu writes) verified, %llu in-flight ops found "
         "applied, %u failures, %.1f s\n",
         static_cast<unsigned long long>(fig.kills),
         static_cast<unsigned long long>(fig.killed_before_first_ack),
         static_cast<unsigned long long>(fig.acked_ops),
         static_cast<unsigned long long>(fig.acked_writes),
         static_cast<unsigned long long>(fig.in_flight_applied), failures,
         (NowMs() - start) / 1000.0);
  if (failures == 0) std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace shale_kill
