// large_store_test — a store more than 20x its memory budget.
//
// Budget: write_buffer_size 256 KiB (x2: active + being flushed) +
// block_cache_capacity 256 KiB = ~768 KiB. We write > 16 MiB of keys and
// values in random order, with overwrites and deletes tracked in a compact
// model (one version number per key; the value is derived from key index
// and version), then close, reopen (timing the open and checking that only
// the unflushed tail was replayed), read every key back, iterate forward
// and backward, run shale_db_verify, and check the process's peak RSS
// against a generous bound.
//
// Peak RSS bound: 200 MiB. The engine's own budget is under 1 MiB plus the
// index/filter blocks of open tables; the rest is the process (libstdc++,
// the test's model, page tables). A real leak of the data (16+ MiB per
// copy) or an unbounded memtable would show well before that, and the
// measured value is printed so regressions can be seen long before the
// bound trips.
#include <algorithm>
#include <numeric>

#include "scale_util.h"

using namespace scale;

// Sanitizer runtimes (shadow memory, quarantine) make RSS meaningless.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SCALE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SCALE_SANITIZED 1
#endif
#endif
#ifndef SCALE_SANITIZED
#define SCALE_SANITIZED 0
#endif

namespace {

constexpr uint64_t kKeys = 120000;
constexpr size_t kValueLen = 128;
constexpr uint64_t kWriteBuffer = 256 * 1024;
constexpr uint64_t kCache = 256 * 1024;
constexpr uint64_t kOverwrites = 40000;
constexpr uint64_t kDeletes = 15000;
constexpr long kRssBoundKiB = 200 * 1024;

shale_options make_options() {
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.create_if_missing = 1;
  o.sync_mode = SHALE_SYNC_NONE;
  o.write_buffer_size = kWriteBuffer;
  o.block_cache_capacity = kCache;
  // Several levels, not just L0 + L1.
  o.target_file_size = 512 * 1024;
  o.level1_max_bytes = 2 * 1024 * 1024;
  return o;
}

int progress_count(void *user, uint64_t, uint64_t) {
  ++*static_cast<uint64_t *>(user);
  return 0;
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  TempDir dir("large");
  const std::string path = dir.sub("db");
  shale_options opt = make_options();

  std::vector<uint16_t> version(kKeys, 0);  // 0: absent
  uint64_t user_bytes = 0;

  // ---- write ------------------------------------------------------------
  shale_db *db = nullptr;
  SCALE_OK(shale_db_open(path.c_str(), &opt, &db));
  std::vector<uint32_t> order(kKeys);
  std::iota(order.begin(), order.end(), 0u);
  Rng rng(42);
  for (uint64_t i = kKeys - 1; i > 0; i--)
    std::swap(order[i], order[rng.uniform(i + 1)]);

  double t0 = now_ms();
  for (uint32_t i : order) {
    version[i] = 1;
    std::string k = key_of(i), v = value_of(i, 1, kValueLen);
    SCALE_OK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()));
    user_bytes += k.size() + v.size();
  }
  for (uint64_t n = 0; n < kOverwrites; n++) {
    uint64_t i = rng.uniform(kKeys);
    version[i] = static_cast<uint16_t>(version[i] + 1);
    if (version[i] == 0) version[i] = 1;
    std::string k = key_of(i), v = value_of(i, version[i], kValueLen);
    SCALE_OK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()));
    user_bytes += k.size() + v.size();
  }
  for (uint64_t n = 0; n < kDeletes; n++) {
    uint64_t i = rng.uniform(kKeys);
    version[i] = 0;
    std::string k = key_of(i);
    SCALE_OK(shale_db_delete(db, k.data(), k.size()));
    user_bytes += k.size();
  }
  // A few re-inserts after deletes, so tombstones get shadowed too.
  for (uint64_t n = 0; n < 2000; n++) {
    uint64_t i = rng.uniform(kKeys);
    if (version[i] != 0) continue;
    version[i] = 7;
    std::string k = key_of(i), v = value_of(i, 7, kValueLen);
    SCALE_OK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()));
    user_bytes += k.size() + v.size();
  }
  double t_write = now_ms() - t0;
  const uint64_t live =
      static_cast<uint64_t>(std::count_if(version.begin(), version.end(),
                                          [](uint16_t v) { return v != 0; }));
  std::printf("wrote %.1f MiB of keys+values in %.0f ms; %llu live keys\n",
              user_bytes / 1048576.0, t_write,
              static_cast<unsigned long long>(live));
  SCALE_CHECK(user_bytes >= 16ull * 1024 * 1024,
              "the store must be >= 16 MiB (20x the budget)");

  shale_stats s = get_stats(db);
  print_stats(db, "after writes");
  SCALE_CHECK(s.flushes > 0, "a 16 MiB store with a 256 KiB write buffer "
                             "must have flushed");
  // Flushes should carry about a write buffer each, not a few entries.
  SCALE_CHECK(s.flushes <= 4 * user_bytes / kWriteBuffer + 4,
              std::to_string(s.flushes) + " flushes for " +
                  std::to_string(user_bytes) + " bytes written: tiny tables");
  SCALE_CHECK(s.memtable_bytes <= 2 * kWriteBuffer + 64 * 1024,
              "memtable_bytes " + std::to_string(s.memtable_bytes) +
                  " exceeds 2 x write_buffer_size");
  SCALE_CHECK(s.cache_usage <= kCache + 64 * 1024,
              "cache_usage " + std::to_string(s.cache_usage) +
                  " exceeds block_cache_capacity");
  SCALE_OK(shale_db_close(db));
  db = nullptr;

  // ---- reopen -----------------------------------------------------------
  t0 = now_ms();
  SCALE_OK(shale_db_open(path.c_str(), &opt, &db));
  double t_open = now_ms() - t0;
  s = get_stats(db);
  std::printf("reopen: %.2f ms; memtable_bytes after open %llu; %llu table "
              "files; disk %.1f MiB\n",
              t_open, static_cast<unsigned long long>(s.memtable_bytes),
              static_cast<unsigned long long>(total_table_files(s)),
              s.disk_bytes / 1048576.0);
  // The replayed tail is below the flush trigger; allow one entry of slack.
  SCALE_CHECK(s.memtable_bytes <= kWriteBuffer + 4096,
              "open replayed more than the unflushed tail: memtable_bytes " +
                  std::to_string(s.memtable_bytes));
  SCALE_CHECK(total_table_files(s) > 1, "expected several table files");

  // ---- every key --------------------------------------------------------
  t0 = now_ms();
  std::vector<char> buf(kValueLen + 16);
  for (uint64_t i = 0; i < kKeys; i++) {
    std::string k = key_of(i);
    size_t needed = 0;
    int32_t st = shale_db_get_into(db, nullptr, k.data(), k.size(), buf.data(),
                                   buf.size(), &needed);
    if (version[i] == 0) {
      SCALE_CHECK(st == SHALE_NOT_FOUND,
                  "deleted key " + k + " gave " + status_text(st));
    } else {
      SCALE_CHECK(st == SHALE_OK, "key " + k + " gave " + status_text(st));
      std::string want = value_of(i, version[i], kValueLen);
      SCALE_CHECK(needed == want.size() &&
                      std::memcmp(buf.data(), want.data(), needed) == 0,
                  "wrong value for key " + k);
    }
  }
  std::printf("gets of %llu keys: %.0f ms\n",
              static_cast<unsigned long long>(kKeys), now_ms() - t0);

  // ---- forward and reverse iteration -----------------------------------
  for (int fwd = 1; fwd >= 0; fwd--) {
    t0 = now_ms();
    shale_iter *it = nullptr;
    SCALE_OK(shale_iter_new(db, nullptr, &it));
    uint64_t count = 0;
    int64_t expect = fwd ? -1 : static_cast<int64_t>(kKeys);
    int32_t st = fwd ? shale_iter_first(it) : shale_iter_last(it);
    while (st == SHALE_OK) {
      // The next live key in the model, in this direction.
      do {
        expect += fwd ? 1 : -1;
      } while (expect >= 0 && expect < static_cast<int64_t>(kKeys) &&
               version[expect] == 0);
      SCALE_CHECK(expect >= 0 && expect < static_cast<int64_t>(kKeys),
                  "iteration returned more keys than are live");
      const void *k, *v;
      size_t kl, vl;
      SCALE_OK(shale_iter_key(it, &k, &kl));
      SCALE_OK(shale_iter_value(it, &v, &vl));
      std::string wk = key_of(expect);
      std::string wv = value_of(expect, version[expect], kValueLen);
      SCALE_CHECK(kl == wk.size() && std::memcmp(k, wk.data(), kl) == 0,
                  "iteration: expected key " + wk + ", got " +
                      std::string(static_cast<const char *>(k), kl));
      SCALE_CHECK(vl == wv.size() && std::memcmp(v, wv.data(), vl) == 0,
                  "iteration: wrong value for key " + wk);
      count++;
      st = fwd ? shale_iter_next(it) : shale_iter_prev(it);
    }
    SCALE_CHECK(st == SHALE_NOT_FOUND, "iteration ended with " +
                                           status_text(st));
    SCALE_CHECK(count == live, "iteration counted " + std::to_string(count) +
                                   ", expected " + std::to_string(live));
    SCALE_OK(shale_iter_free(it));
    std::printf("%s iteration: %llu keys, %.0f ms\n",
                fwd ? "forward" : "reverse",
                static_cast<unsigned long long>(count), now_ms() - t0);
  }

  // ---- verify -----------------------------------------------------------
  uint64_t progress_calls = 0;
  char *report = nullptr;
  t0 = now_ms();
  int32_t vst = shale_db_verify(db, progress_count, &progress_calls, &report);
  std::printf("verify: %s in %.0f ms, %llu progress calls\n",
              shale_status_name(vst), now_ms() - t0,
              static_cast<unsigned long long>(progress_calls));
  if (vst != SHALE_OK && report) std::printf("%s\n", report);
  SCALE_CHECK(vst == SHALE_OK, "verify: " + status_text(vst));
  SCALE_CHECK(report != nullptr, "verify gave no report");
  shale_free(report);

  s = get_stats(db);
  print_stats(db, "after reopen, reads and verify");
  SCALE_CHECK(s.cache_usage <= kCache + 64 * 1024,
              "cache_usage " + std::to_string(s.cache_usage) +
                  " exceeds block_cache_capacity");
  SCALE_OK(shale_db_close(db));

  long rss = peak_rss_kib();
  std::printf("peak RSS: %.1f MiB (bound %.0f MiB); store %.1f MiB of user "
              "data, budget ~0.75 MiB\n",
              rss / 1024.0, kRssBoundKiB / 1024.0, user_bytes / 1048576.0);
  if (SCALE_SANITIZED)
    std::printf("(sanitizer build: the RSS bound is not checked)\n");
  else
    SCALE_CHECK(rss > 0 && rss < kRssBoundKiB,
                "peak RSS " + std::to_string(rss) + " KiB over the bound");
  std::printf("large_store_test: OK\n");
  return 0;
}
