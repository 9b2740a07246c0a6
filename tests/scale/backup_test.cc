// backup_test — online backups while a writer thread keeps writing.
//
//  A. Exact: the writer is paused, a snapshot is taken and shale_db_backup
//     called; the writer resumes as soon as the backup reports progress
//     (done > 0), so it writes while the files are being copied. The backup,
//     opened as an ordinary db, must equal the snapshot exactly.
//  B. Async, writer never paused: shale_db_backup_async + shale_job_wait.
//     The backup holds the base data and a gap-free prefix of the writer's
//     keys w0..w(k-1), with k at least the writes acknowledged before the
//     call and at most those acknowledged when the job finished.
//  C. A non-empty destination: SHALE_E_EXISTS, the directory untouched.
//  D. Cancel from progress (sync and async) and shale_job_cancel:
//     SHALE_E_CANCELLED and the partial copy removed.
#include <atomic>
#include <thread>

#include "scale_util.h"

using namespace scale;

namespace {

constexpr uint64_t kBaseKeys = 20000;
constexpr size_t kValueLen = 100;

std::string wkey(uint64_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "w%015llu", static_cast<unsigned long long>(n));
  return b;
}

struct Writer {
  shale_db *db = nullptr;
  std::atomic<bool> stop{false};
  std::atomic<bool> pause{false};
  std::atomic<bool> paused{false};
  std::atomic<uint64_t> acked{0};  // w-keys acknowledged: w0..w(acked-1)
  std::thread th;

  void start() {
    th = std::thread([this] {
      uint64_t n = 0;
      while (!stop.load()) {
        if (pause.load()) {
          paused.store(true);
          std::this_thread::yield();
          continue;
        }
        paused.store(false);
        std::string k = wkey(n), v = value_of(1000000 + n, 1, kValueLen);
        int32_t st = shale_db_put(db, k.data(), k.size(), v.data(), v.size());
        if (st != SHALE_OK)
          fail(__FILE__, __LINE__, "writer put: " + status_text(st));
        acked.store(++n);
      }
    });
  }
  void hold() {
    pause.store(true);
    while (!paused.load()) std::this_thread::yield();
  }
  // Returns once the writer has left the pause (so that a later hold()
  // cannot see a stale `paused`).
  void release() {
    pause.store(false);
    while (paused.load() && !stop.load()) std::this_thread::yield();
  }
  void finish() {
    stop.store(true);
    pause.store(false);
    th.join();
  }
};

struct Progress {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> last_done{0};
  std::atomic<uint64_t> last_total{0};
  Writer *resume = nullptr;  // released at the first call with done > 0
  uint64_t written_at_resume = 0;
  bool cancel = false;
  std::atomic<int> done_calls{0};
  std::atomic<int32_t> done_status{1};
  std::atomic<int> freed{0};
};

int on_progress(void *user, uint64_t done, uint64_t total) {
  auto *p = static_cast<Progress *>(user);
  p->calls++;
  p->last_done = done;
  p->last_total = total;
  if (p->resume && done > 0) {
    p->written_at_resume = p->resume->acked.load();
    p->resume->release();
    p->resume = nullptr;
  }
  return p->cancel ? 1 : 0;
}

int on_done(void *user, int32_t status, const char *) {
  auto *p = static_cast<Progress *>(user);
  p->done_calls++;
  p->done_status = status;
  return 0;
}

void on_free(void *user) { static_cast<Progress *>(user)->freed++; }

shale_db *open_plain(const std::string &path, bool create) {
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.create_if_missing = create ? 1 : 0;
  o.sync_mode = SHALE_SYNC_NONE;
  o.write_buffer_size = 128 * 1024;
  shale_db *db = nullptr;
  SCALE_OK(shale_db_open(path.c_str(), &o, &db));
  return db;
}

bool dir_absent_or_empty(const std::string &p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return true;
  return fs::is_directory(p, ec) && fs::is_empty(p, ec);
}

// Checks the async backup at `path`: base keys intact and w-keys a gap-free
// prefix w0..w(k-1) with lo <= k <= hi. Returns k.
uint64_t check_prefix_backup(const std::string &path, uint64_t lo, uint64_t hi) {
  shale_db *b = open_plain(path, false);
  auto all = dump(b, nullptr);
  SCALE_OK(shale_db_close(b));
  uint64_t base = 0, w = 0;
  for (auto &[k, v] : all) {
    if (k[0] == 'w') {
      std::string want_k = wkey(w);
      SCALE_CHECK(k == want_k, "backup has " + k + " where " + want_k +
                                   " was expected (a gap in the writer's keys)");
      SCALE_CHECK(v == value_of(1000000 + w, 1, kValueLen),
                  "backup: wrong value for " + k);
      w++;
    } else {
      SCALE_CHECK(k == key_of(base), "backup: unexpected base key " + k);
      SCALE_CHECK(v == value_of(base, 1, kValueLen),
                  "backup: wrong value for base key " + k);
      base++;
    }
  }
  SCALE_CHECK(base == kBaseKeys, "backup has " + std::to_string(base) +
                                     " base keys, expected " +
                                     std::to_string(kBaseKeys));
  SCALE_CHECK(w >= lo && w <= hi,
              "backup holds " + std::to_string(w) + " writer keys, expected " +
                  std::to_string(lo) + ".." + std::to_string(hi));
  return w;
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  TempDir dir("backup");
  const std::string path = dir.sub("db");
  shale_db *db = open_plain(path, true);

  for (uint64_t i = 0; i < kBaseKeys; i++) {
    std::string k = key_of(i), v = value_of(i, 1, kValueLen);
    SCALE_OK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()));
  }
  SCALE_OK(shale_db_flush(db));

  Writer writer;
  writer.db = db;
  writer.start();
  while (writer.acked.load() < 2000) std::this_thread::yield();

  // ---- A: exact, against a snapshot -------------------------------------
  {
    const std::string dest = dir.sub("backup_a");
    writer.hold();
    shale_snapshot *snap = nullptr;
    SCALE_OK(shale_snapshot_new(db, &snap));
    const uint64_t at_call = writer.acked.load();
    Progress p;
    p.resume = &writer;
    double t0 = now_ms();
    int32_t st = shale_db_backup(db, dest.c_str(), on_progress, &p);
    double ms = now_ms() - t0;
    writer.release();  // in case progress never reported done > 0
    SCALE_CHECK(st == SHALE_OK, "backup: " + status_text(st));
    SCALE_CHECK(p.calls.load() > 0, "backup never called progress");
    if (p.last_done.load() != p.last_total.load())
      std::printf("note: last progress call had done %llu != total %llu\n",
                  static_cast<unsigned long long>(p.last_done.load()),
                  static_cast<unsigned long long>(p.last_total.load()));
    const uint64_t after = writer.acked.load();
    std::printf("A: backup in %.1f ms, %llu progress calls, %llu bytes; writer "
                "wrote %llu keys during the backup call\n",
                ms, static_cast<unsigned long long>(p.calls.load()),
                static_cast<unsigned long long>(p.last_total.load()),
                static_cast<unsigned long long>(after - at_call));

    auto want = dump(db, snap);
    SCALE_OK(shale_snapshot_free(snap));
    shale_db *b = open_plain(dest, false);
    auto got = dump(b, nullptr);
    char *report = nullptr;
    int32_t vst = shale_db_verify(b, nullptr, nullptr, &report);
    SCALE_CHECK(vst == SHALE_OK, std::string("verify of the backup: ") +
                                     (report ? report : ""));
    shale_free(report);
    SCALE_OK(shale_db_close(b));
    SCALE_CHECK(want.size() == kBaseKeys + at_call,
                "snapshot holds " + std::to_string(want.size()) + " entries");
    SCALE_CHECK(got.size() == want.size(),
                "backup holds " + std::to_string(got.size()) +
                    " entries, the snapshot " + std::to_string(want.size()));
    for (size_t i = 0; i < want.size(); i++)
      SCALE_CHECK(got[i] == want[i], "backup differs from the snapshot at " +
                                         want[i].first);
  }

  // ---- B: async, writer running ------------------------------------------
  {
    const std::string dest = dir.sub("backup_b");
    auto *p = new Progress;
    const uint64_t lo = writer.acked.load();
    shale_job *job = nullptr;
    SCALE_OK(shale_db_backup_async(db, dest.c_str(), on_progress, on_done, p,
                                   on_free, &job));
    SCALE_OK(shale_job_wait(job, -1));
    const uint64_t hi = writer.acked.load();
    int32_t state = -1, result = -1;
    uint64_t done = 0, total = 0;
    char *msg = nullptr;
    SCALE_OK(shale_job_status(job, &state, &result, &done, &total, &msg));
    SCALE_CHECK(state == SHALE_JOB_FINISHED, "job not finished after wait");
    SCALE_CHECK(result == SHALE_OK,
                std::string("async backup: ") + shale_status_name(result) +
                    ": " + (msg ? msg : ""));
    shale_free(msg);
    SCALE_CHECK(p->done_calls.load() == 1, "done callback calls: " +
                                               std::to_string(p->done_calls));
    SCALE_CHECK(p->done_status.load() == SHALE_OK, "done callback status");
    SCALE_OK(shale_job_free(job));
    SCALE_CHECK(p->freed.load() == 1, "user_free calls: " +
                                          std::to_string(p->freed));
    uint64_t k = check_prefix_backup(dest, lo, hi);
    std::printf("B: async backup: %llu progress calls, %llu bytes; %llu writer "
                "keys (acknowledged %llu before, %llu after)\n",
                static_cast<unsigned long long>(p->calls.load()),
                static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(k),
                static_cast<unsigned long long>(lo),
                static_cast<unsigned long long>(hi));
    delete p;
  }

  // ---- C: destination not empty ------------------------------------------
  {
    const std::string dest = dir.sub("backup_c");
    fs::create_directories(dest);
    {
      FILE *f = std::fopen((dest + "/keep.txt").c_str(), "w");
      SCALE_CHECK(f != nullptr, "cannot create keep.txt");
      std::fputs("keep", f);
      std::fclose(f);
    }
    int32_t st = shale_db_backup(db, dest.c_str(), nullptr, nullptr);
    SCALE_CHECK(st == SHALE_E_EXISTS,
                "backup into a non-empty dir: " + status_text(st));
    SCALE_CHECK(fs::exists(dest + "/keep.txt") &&
                    std::distance(fs::directory_iterator(dest),
                                  fs::directory_iterator()) == 1,
                "the non-empty destination was changed");
    std::printf("C: non-empty destination refused: %s\n", shale_last_error());
  }

  // ---- D: cancellation ----------------------------------------------------
  {
    const std::string dest = dir.sub("backup_d1");
    Progress p;
    p.cancel = true;
    int32_t st = shale_db_backup(db, dest.c_str(), on_progress, &p);
    SCALE_CHECK(st == SHALE_E_CANCELLED, "cancelled backup: " + status_text(st));
    SCALE_CHECK(p.calls.load() >= 1, "progress never called");
    SCALE_CHECK(dir_absent_or_empty(dest), "partial backup left in " + dest);
    std::printf("D1: cancelled from progress: removed\n");
  }
  {
    const std::string dest = dir.sub("backup_d2");
    auto *p = new Progress;
    p->cancel = true;
    shale_job *job = nullptr;
    SCALE_OK(shale_db_backup_async(db, dest.c_str(), on_progress, on_done, p,
                                   on_free, &job));
    SCALE_OK(shale_job_wait(job, 30000));
    int32_t state = -1, result = -1;
    SCALE_OK(shale_job_status(job, &state, &result, nullptr, nullptr, nullptr));
    SCALE_CHECK(result == SHALE_E_CANCELLED,
                std::string("async cancelled backup: ") +
                    shale_status_name(result));
    SCALE_CHECK(p->done_status.load() == SHALE_E_CANCELLED,
                "done callback status");
    SCALE_OK(shale_job_free(job));
    SCALE_CHECK(p->freed.load() == 1, "user_free not called once");
    SCALE_CHECK(dir_absent_or_empty(dest), "partial backup left in " + dest);
    delete p;
    std::printf("D2: async cancelled from progress: removed\n");
  }
  {
    const std::string dest = dir.sub("backup_d3");
    shale_job *job = nullptr;
    SCALE_OK(shale_db_backup_async(db, dest.c_str(), nullptr, nullptr, nullptr,
                                   nullptr, &job));
    SCALE_OK(shale_job_cancel(job));
    SCALE_OK(shale_job_wait(job, 30000));
    int32_t result = -1;
    SCALE_OK(shale_job_status(job, nullptr, &result, nullptr, nullptr, nullptr));
    SCALE_OK(shale_job_free(job));
    if (result == SHALE_E_CANCELLED) {
      SCALE_CHECK(dir_absent_or_empty(dest), "partial backup left in " + dest);
      std::printf("D3: shale_job_cancel: cancelled, removed\n");
    } else {
      SCALE_CHECK(result == SHALE_OK, std::string("shale_job_cancel: ") +
                                          shale_status_name(result));
      shale_db *b = open_plain(dest, false);
      SCALE_OK(shale_db_close(b));
      std::printf("D3: shale_job_cancel: finished before the cancel landed\n");
    }
  }

  writer.finish();
  std::printf("writer wrote %llu keys in all\n",
              static_cast<unsigned long long>(writer.acked.load()));
  print_stats(db, "source db");
  SCALE_OK(shale_db_close(db));
  std::printf("backup_test: OK\n");
  return 0;
}
