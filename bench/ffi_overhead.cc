// ffi_overhead.cc — what the C API costs over the C++ core, in one process.
//
// readrandom (cached) on ONE db, read alternately through shale::DB::Get
// (the core object behind the handle) and through the exported C calls
// (shale_db_get + shale_free, shale_db_get_into, shale_db_get_pinned +
// shale_pin_free), taking turns on blocks of 2000 keys; then micro-costs of the
// layers every C call goes through (exception barrier, last-error bookkeeping,
// handle check, db enter/leave). The one bench allowed to use internals
// (capi/, src/): it links libshale.a, so the C calls here are direct calls
// (no PLT, TLS relaxed by the linker) — the shared library adds a few ns.
//
//   ffi_overhead [--quick] [--num N] [--runs R] [--db DIR] [--out FILE]
//
// JSON Lines (suite "ffi", see /work/brief/BENCH.md) go to --out (default
// stdout), the human table to stderr.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "barrier.h"
#include "bench_util.h"
#include "db_state.h"
#include "error.h"
#include "shale.h"

namespace {

using shale::capi::DbState;

constexpr size_t kKeySize = 16;
constexpr size_t kValueSize = 100;

struct Config {
  uint64_t num = 1000000;
  int runs = 5;
  uint64_t micro_iters = 3000000;
  std::string dir = "/tmp/shale_ffi_bench";
  std::string out;
  bool quick = false;
};

void Die(const char *what, int32_t rc) {
  std::fprintf(stderr, "ffi_overhead: %s: %s (%s)\n", what,
               shale_status_name(rc), shale_last_error());
  std::exit(1);
}

struct Cpu {
  double user_s, sys_s;
};
Cpu CpuNow() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return {ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
          ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

void MakeValue(uint64_t index, char *out) {
  bench_rng r;
  bench_rng_seed(&r, index);
  for (size_t i = 0; i < kValueSize; ++i) {
    out[i] = static_cast<char>('a' + bench_rng_uniform(&r, 26));
  }
}

// Loads num keys (batches of 1000, unsynced), compacts, reopens: reads
// then come from tables through the block cache.
shale_db *LoadAndReopen(const Config &c) {
  std::filesystem::remove_all(c.dir);
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.sync_mode = SHALE_SYNC_NONE;
  o.block_cache_capacity = 512ull << 20;  // everything stays cached
  shale_db *db = nullptr;
  int32_t rc = shale_db_open(c.dir.c_str(), &o, &db);
  if (rc != SHALE_OK) Die("open", rc);
  shale_batch *b = nullptr;
  if ((rc = shale_batch_new(&b)) != SHALE_OK) Die("batch_new", rc);
  char key[kKeySize], value[kValueSize];
  for (uint64_t i = 0; i < c.num; ++i) {
    bench_format_key(key, kKeySize, i);
    MakeValue(i, value);
    if ((rc = shale_batch_put(b, key, kKeySize, value, kValueSize)) != 0) {
      Die("batch_put", rc);
    }
    if ((i + 1) % 1000 == 0 || i + 1 == c.num) {
      if ((rc = shale_db_write(db, b)) != SHALE_OK) Die("write", rc);
      shale_batch_clear(b);
    }
  }
  shale_batch_free(b);
  if ((rc = shale_db_compact_range(db, nullptr, 0, nullptr, 0, nullptr,
                                   nullptr)) != SHALE_OK) {
    Die("compact", rc);
  }
  if ((rc = shale_db_close(db)) != SHALE_OK) Die("close", rc);
  if ((rc = shale_db_open(c.dir.c_str(), &o, &db)) != SHALE_OK) {
    Die("reopen", rc);
  }
  return db;
}

// The core object behind a db handle (internals: this bench only).
DbState *CoreOf(shale_db *db) {
  std::shared_ptr<DbState> s;
  if (shale::capi::LookupDb(db, &s) != SHALE_OK) Die("lookup", -1);
  return s.get();  // the handle keeps it alive
}

// One readrandom pass: get(key) for each index; returns wall ns.
using Keys = std::span<const uint32_t>;

template <class Get>
uint64_t ReadPass(Keys order, Get &&get) {
  char key[kKeySize];
  uint64_t found = 0;
  uint64_t t0 = bench_now_ns();
  for (uint32_t idx : order) {
    bench_format_key(key, kKeySize, idx);
    found += get(key);
  }
  uint64_t t1 = bench_now_ns();
  if (found != order.size()) {
    std::fprintf(stderr, "ffi_overhead: %llu of %zu keys found\n",
                 static_cast<unsigned long long>(found), order.size());
    std::exit(1);
  }
  return t1 - t0;
}

struct Variant {
  const char *engine;    // "shale-core" / "shale-capi"
  const char *workload;  // readrandom, readrandom_into, readrandom_pinned
  const char *label;
  std::function<uint64_t(Keys)> pass;
  std::vector<double> secs;
};

std::vector<Variant> ReadVariants(shale_db *db) {
  DbState *state = CoreOf(db);
  std::vector<Variant> v;
  v.push_back({"shale-core",
               "readrandom",
               "C++ DB::Get",
               [state](Keys order) {
                 shale::ReadOptions ro;
                 std::string value;
                 return ReadPass(order, [&](const char *k) {
                   shale::Status st = state->db->Get(
                       ro, std::string_view(k, kKeySize), &value);
                   return st.ok() && value.size() == kValueSize;
                 });
               },
               {}});
  v.push_back({"shale-capi",
               "readrandom",
               "shale_db_get+free",
               [db](Keys order) {
                 return ReadPass(order, [&](const char *k) {
                   void *val = nullptr;
                   size_t n = 0;
                   int32_t rc =
                       shale_db_get(db, nullptr, k, kKeySize, &val, &n);
                   shale_free(val);
                   return rc == SHALE_OK && n == kValueSize;
                 });
               },
               {}});
  v.push_back({"shale-capi",
               "readrandom_into",
               "shale_db_get_into",
               [db](Keys order) {
                 char buf[256];
                 return ReadPass(order, [&](const char *k) {
                   size_t n = 0;
                   int32_t rc = shale_db_get_into(db, nullptr, k, kKeySize, buf,
                                                  sizeof buf, &n);
                   return rc == SHALE_OK && n == kValueSize;
                 });
               },
               {}});
  v.push_back({"shale-capi",
               "readrandom_pinned",
               "shale_db_get_pinned+free",
               [db](Keys order) {
                 return ReadPass(order, [&](const char *k) {
                   shale_pin *pin = nullptr;
                   const void *val = nullptr;
                   size_t n = 0;
                   int32_t rc = shale_db_get_pinned(db, nullptr, k, kKeySize,
                                                    &pin, &val, &n);
                   shale_pin_free(pin);
                   return rc == SHALE_OK && n == kValueSize;
                 });
               },
               {}});
  return v;
}

// ---- micro-costs: ns per call of one layer, loop overhead included ------

inline void Clobber() { asm volatile("" ::: "memory"); }

template <class F>
double NsPerCall(uint64_t iters, F &&f) {
  uint64_t t0 = bench_now_ns();
  for (uint64_t i = 0; i < iters; ++i) {
    f();
    Clobber();
  }
  return static_cast<double>(bench_now_ns() - t0) / iters;
}

struct Micro {
  const char *metric;
  const char *what;
  std::function<double(uint64_t)> measure;
  std::vector<double> ns;
};

std::vector<Micro> MicroCosts(shale_db *db, shale_db *stale) {
  using namespace shale::capi;
  std::vector<Micro> m;
  m.push_back({"loop_ns",
               "empty loop (baseline)",
               [](uint64_t n) { return NsPerCall(n, [] {}); },
               {}});
  m.push_back({"bare_call_ns",
               "exported call, no barrier (shale_last_status)",
               [](uint64_t n) {
                 return NsPerCall(n, [] { (void)shale_last_status(); });
               },
               {}});
  m.push_back({"last_error_ns",
               "last-error clear + status read",
               [](uint64_t n) {
                 return NsPerCall(n, [] {
                   ClearError("bench");
                   (void)CurrentStatus();
                 });
               },
               {}});
  m.push_back({"guard_ns",
               "exception barrier Guard around a no-op",
               [](uint64_t n) {
                 return NsPerCall(n, [] {
                   (void)Guard("bench", []() -> int32_t { return SHALE_OK; });
                 });
               },
               {}});
  m.push_back({"handle_check_ns",
               "db handle lookup (LookupDb)",
               [db](uint64_t n) {
                 return NsPerCall(n, [db] {
                   std::shared_ptr<DbState> s;
                   (void)LookupDb(db, &s);
                 });
               },
               {}});
  m.push_back({"with_db_ns",
               "handle check + enter/leave (WithDb, no-op body)",
               [db](uint64_t n) {
                 return NsPerCall(n, [db] {
                   (void)WithDb(db,
                                [](auto &&) -> int32_t { return SHALE_OK; });
                 });
               },
               {}});
  m.push_back({"capi_noop_ns",
               "Guard + WithDb (an empty db call)",
               [db](uint64_t n) {
                 return NsPerCall(n, [db] {
                   (void)Guard("bench", [&]() -> int32_t {
                     return WithDb(db,
                                   [](auto &&) -> int32_t { return SHALE_OK; });
                   });
                 });
               },
               {}});
  m.push_back({"invalid_handle_ns",
               "shale_db_exists on a closed handle (error path, message)",
               [stale](uint64_t n) {
                 return NsPerCall(n, [stale] {
                   (void)shale_db_exists(stale, nullptr, "k", 1);
                 });
               },
               {}});
  return m;
}

// ---- output --------------------------------------------------------------

FILE *g_json = stdout;

void JsonEscapeTo(FILE *f, const std::string &s) {
  for (char ch : s) {
    if (ch == '"' || ch == '\\') std::fputc('\\', f);
    std::fputc(ch, f);
  }
}

void ParseArgs(int argc, char **argv, Config *c) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ffi_overhead: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      c->quick = true;
      c->num = 100000;
      c->runs = 3;
      c->micro_iters = 1000000;
    } else if (a == "--num") {
      c->num = std::strtoull(next(), nullptr, 10);
    } else if (a == "--runs") {
      c->runs = std::atoi(next());
    } else if (a == "--db") {
      c->dir = next();
    } else if (a == "--out") {
      c->out = next();
    } else {
      std::fprintf(stderr,
                   "usage: ffi_overhead [--quick] [--num N] [--runs R] "
                   "[--db DIR] [--out FILE]\n");
      std::exit(2);
    }
  }
  if (c->num == 0 || c->runs < 1) {
    std::fprintf(stderr, "ffi_overhead: --num and --runs must be positive\n");
    std::exit(2);
  }
}

}  // namespace

int main(int argc, char **argv) {
  Config c;
  ParseArgs(argc, argv, &c);
  if (!c.out.empty()) {
    g_json = std::fopen(c.out.c_str(), "w");
    if (g_json == nullptr) {
      std::perror(c.out.c_str());
      return 1;
    }
  }
  std::string describe =
      "one db read through C++ DB::Get and through the C API (libshale.a, "
      "direct calls), interleaved in blocks of 2000 keys; keys " +
      std::to_string(kKeySize) + " B, values " + std::to_string(kValueSize) +
      " B, " + std::to_string(c.num) +
      " keys, compacted then reopened, block cache 512 MiB (all cached), "
      "uniform random keys, 1 thread, medians of " +
      std::to_string(c.runs) + " runs";
  std::fprintf(g_json,
               "{\"suite\": \"ffi\", \"kind\": \"settings\", \"engine\": "
               "\"shale\", \"version\": \"%s\", \"describe\": \"",
               shale_version());
  JsonEscapeTo(g_json, describe);
  std::fprintf(g_json, "\"}\n");

  std::fprintf(stderr, "ffi_overhead: loading %llu keys into %s ...\n",
               static_cast<unsigned long long>(c.num), c.dir.c_str());
  shale_db *db = LoadAndReopen(c);

  std::vector<uint32_t> order(c.num);
  bench_rng r;
  bench_rng_seed(&r, 42);
  for (auto &x : order) x = static_cast<uint32_t>(bench_rng_uniform(&r, c.num));

  std::vector<Variant> variants = ReadVariants(db);
  variants[0].pass(order);  // warm the cache (not counted)
  // The machine is shared and noisy: the variants take turns on blocks of
  // kBlock keys (rotating who goes first), so that load changes hit them
  // all alike; a run's time per variant is the sum over its blocks.
  constexpr size_t kBlock = 2000;
  for (int run = 0; run < c.runs; ++run) {
    std::vector<uint64_t> ns(variants.size(), 0);
    std::vector<Cpu> cpu(variants.size(), Cpu{0, 0});
    size_t block = 0;
    for (size_t at = 0; at < order.size(); at += kBlock, ++block) {
      Keys keys(order.data() + at, std::min(kBlock, order.size() - at));
      for (size_t j = 0; j < variants.size(); ++j) {
        size_t k = (j + block + run) % variants.size();
        Cpu c0 = CpuNow();
        ns[k] += variants[k].pass(keys);
        Cpu c1 = CpuNow();
        cpu[k].user_s += c1.user_s - c0.user_s;
        cpu[k].sys_s += c1.sys_s - c0.sys_s;
      }
    }
    for (size_t k = 0; k < variants.size(); ++k) {
      Variant &v = variants[k];
      double secs = ns[k] / 1e9;
      v.secs.push_back(secs);
      std::fprintf(g_json,
                   "{\"suite\": \"ffi\", \"engine\": \"%s\", \"workload\": "
                   "\"%s\", \"run\": %d, \"ops\": %llu, \"threads\": 1, "
                   "\"value_size\": %zu, \"sync\": 0, \"wall_s\": %.6f, "
                   "\"user_s\": %.6f, \"sys_s\": %.6f, \"ops_per_s\": %.1f, "
                   "\"bytes_per_op\": %zu, \"note\": \"%s\"}\n",
                   v.engine, v.workload, run,
                   static_cast<unsigned long long>(c.num), kValueSize, secs,
                   cpu[k].user_s, cpu[k].sys_s, c.num / secs,
                   kKeySize + kValueSize, v.label);
    }
  }

  // A handle that was valid and is no longer (the error path).
  shale_db *stale = nullptr;
  {
    shale_options o;
    SHALE_OPTIONS_INIT(&o);
    std::string d2 = c.dir + "_stale";
    std::filesystem::remove_all(d2);
    if (shale_db_open(d2.c_str(), &o, &stale) != SHALE_OK) Die("open2", -1);
    shale_db_close(stale);
    std::filesystem::remove_all(d2);
  }
  std::vector<Micro> micro = MicroCosts(db, stale);
  for (int run = 0; run < c.runs; ++run) {
    for (Micro &m : micro) {
      double ns = m.measure(c.micro_iters);
      m.ns.push_back(ns);
      std::fprintf(g_json,
                   "{\"suite\": \"ffi\", \"metric\": \"%s\", \"value\": %.2f, "
                   "\"run\": %d, \"note\": \"%s\"}\n",
                   m.metric, ns, run, m.what);
    }
  }

  // ---- the human table ----
  double core = Median(variants[0].secs);
  std::fprintf(stderr, "\nreadrandom, %llu keys, median of %d runs\n",
               static_cast<unsigned long long>(c.num), c.runs);
  std::fprintf(stderr, "  %-26s %12s %10s %10s\n", "path", "ops/s", "ns/op",
               "overhead");
  for (Variant &v : variants) {
    double s = Median(v.secs);
    double pct = (s / core - 1) * 100;
    std::fprintf(stderr, "  %-26s %12.0f %10.1f %9.1f%%\n", v.label, c.num / s,
                 s * 1e9 / c.num, pct);
    if (&v != &variants[0]) {
      std::fprintf(g_json,
                   "{\"suite\": \"ffi\", \"kind\": \"summary\", \"metric\": "
                   "\"overhead_pct\", \"workload\": \"%s\", \"value\": %.2f, "
                   "\"ns_per_op\": %.1f, \"core_ns_per_op\": %.1f}\n",
                   v.workload, pct, s * 1e9 / c.num, core * 1e9 / c.num);
    }
  }
  std::fprintf(stderr, "\nmicro-costs, ns per call (median of %d x %llu)\n",
               c.runs, static_cast<unsigned long long>(c.micro_iters));
  for (Micro &m : micro) {
    std::fprintf(stderr, "  %-18s %8.2f  %s\n", m.metric, Median(m.ns), m.what);
  }

  shale_db_close(db);
  std::filesystem::remove_all(c.dir);
  if (g_json != stdout) std::fclose(g_json);
  return 0;
}
