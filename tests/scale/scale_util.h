// scale_util.h — helpers for the scale tests (tests/scale). These tests use
// only the public header include/shale.h and link libshale.so.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "shale.h"

namespace scale {

namespace fs = std::filesystem;

[[noreturn]] inline void fail(const char *file, int line, const std::string &what) {
  std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::exit(1);
}

#define SCALE_CHECK(cond, msg)                                              \
  do {                                                                      \
    if (!(cond))                                                            \
      ::scale::fail(__FILE__, __LINE__,                                     \
                    std::string("check `" #cond "`: ") + (msg));            \
  } while (0)

// Runs a shale call and fails the test unless it returns SHALE_OK.
#define SCALE_OK(expr)                                                      \
  do {                                                                      \
    int32_t scale_st_ = (expr);                                             \
    if (scale_st_ != SHALE_OK)                                              \
      ::scale::fail(__FILE__, __LINE__,                                     \
                    std::string(#expr) + " returned " +                     \
                        shale_status_name(scale_st_) + ": " +               \
                        shale_last_error());                                \
  } while (0)

inline std::string status_text(int32_t st) {
  return std::string(shale_status_name(st)) + " (" + shale_last_error() + ")";
}

// A temporary directory removed (recursively) at scope exit.
class TempDir {
 public:
  explicit TempDir(const char *tag) {
    const char *base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") +
                       "/shale_scale_" + tag + "_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) fail(__FILE__, __LINE__, "mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::string &path() const { return path_; }
  std::string sub(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Fixed-width 16-byte zero-padded decimal key.
inline std::string key_of(uint64_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "%016llu", static_cast<unsigned long long>(i));
  return std::string(b, 16);
}

// Deterministic value of key i at version ver (ver >= 1), len bytes.
inline std::string value_of(uint64_t i, uint32_t ver, size_t len) {
  std::string v(len, '\0');
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t(ver) << 40);
  for (size_t k = 0; k < len; k++) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    v[k] = static_cast<char>('a' + (x * 0x2545F4914F6CDD1Dull >> 59) % 26);
  }
  // A readable head helps when a comparison fails.
  char head[24];
  int n = std::snprintf(head, sizeof head, "%llu/%u:",
                        static_cast<unsigned long long>(i), ver);
  if (n > 0 && static_cast<size_t>(n) <= len) std::memcpy(v.data(), head, n);
  return v;
}

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  uint64_t uniform(uint64_t n) { return next() % n; }
};

inline long peak_rss_kib() {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return ru.ru_maxrss;
}

inline double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch())
      .count();
}

inline void print_stats(shale_db *db, const char *title) {
  char *text = nullptr;
  int32_t st = shale_db_property(db, "shale.stats", &text);
  if (st == SHALE_OK) {
    std::printf("---- %s: shale.stats ----\n%s\n", title, text);
    shale_free(text);
  } else {
    std::printf("---- %s: shale.stats unavailable: %s\n", title,
                status_text(st).c_str());
  }
  std::fflush(stdout);
}

inline shale_stats get_stats(shale_db *db) {
  shale_stats s;
  SHALE_STATS_INIT(&s);
  SCALE_OK(shale_db_stats(db, &s));
  return s;
}

inline uint64_t total_table_files(const shale_stats &s) {
  uint64_t n = 0;
  for (int l = 0; l < SHALE_STATS_LEVELS; l++) n += s.level_files[l];
  return n;
}

// Every entry of db (as of snapshot, NULL: now) in key order.
inline std::vector<std::pair<std::string, std::string>> dump(
    shale_db *db, shale_snapshot *snap) {
  shale_iter_options io;
  SHALE_ITER_OPTIONS_INIT(&io);
  io.snapshot = snap;
  shale_iter *it = nullptr;
  SCALE_OK(shale_iter_new(db, &io, &it));
  std::vector<std::pair<std::string, std::string>> out;
  int32_t st = shale_iter_first(it);
  while (st == SHALE_OK) {
    const void *k, *v;
    size_t kl, vl;
    SCALE_OK(shale_iter_key(it, &k, &kl));
    SCALE_OK(shale_iter_value(it, &v, &vl));
    out.emplace_back(std::string(static_cast<const char *>(k), kl),
                     std::string(static_cast<const char *>(v), vl));
    st = shale_iter_next(it);
  }
  if (st != SHALE_NOT_FOUND)
    fail(__FILE__, __LINE__, "dump: iteration failed: " + status_text(st));
  shale_iter_free(it);
  return out;
}

}  // namespace scale
