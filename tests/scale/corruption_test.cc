// corruption_test — damage the files of a closed store, one way at a time,
// each time on a fresh copy of the pristine store, and check that shale
// notices and says where:
//
//   * no crash, and never a wrong value (every get/scan result that is not
//     an error matches the model);
//   * either shale_db_open fails with SHALE_E_CORRUPTION and
//     shale_last_error() names the damaged file, or the open succeeds and
//     shale_db_verify returns SHALE_E_CORRUPTION with a report naming the
//     file (and any error from a get or a scan is SHALE_E_CORRUPTION naming
//     it too).
//
// Damage: byte flips at several positions across the largest and the
// smallest table file (data blocks, index, filter, footer), truncation of a
// table, flips and truncation of the MANIFEST, garbage in CURRENT.
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>

#include "scale_util.h"

using namespace scale;

namespace {

constexpr uint64_t kKeys = 20000;
constexpr size_t kValueLen = 100;

shale_options make_options() {
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.create_if_missing = 0;
  o.sync_mode = SHALE_SYNC_NONE;
  // 256 KiB: at the 64 KiB minimum this engine version flushes on every
  // write (its empty memtable already counts ~64 KiB of arena).
  o.write_buffer_size = 256 * 1024;
  o.block_cache_capacity = 64 * 1024;
  o.target_file_size = 256 * 1024;
  return o;
}

// The model: version per key, 0 = absent.
std::vector<uint32_t> g_version(kKeys, 0);

void build_store(const std::string &path) {
  shale_options o = make_options();
  o.create_if_missing = 1;
  shale_db *db = nullptr;
  SCALE_OK(shale_db_open(path.c_str(), &o, &db));
  for (uint64_t i = 0; i < kKeys; i++) {
    g_version[i] = 1;
    std::string k = key_of(i), v = value_of(i, 1, kValueLen);
    SCALE_OK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()));
  }
  SCALE_OK(shale_db_flush(db));
  SCALE_OK(shale_db_compact_range(db, nullptr, 0, nullptr, 0, nullptr,
                                  nullptr));
  // Newer data on top: an L0 table over the compacted ones.
  Rng rng(7);
  for (int n = 0; n < 3000; n++) {
    uint64_t i = rng.uniform(kKeys);
    std::string k = key_of(i);
    if (n % 5 == 0) {
      g_version[i] = 0;
      SCALE_OK(shale_db_delete(db, k.data(), k.size()));
    } else {
      g_version[i]++;
      if (g_version[i] == 1) g_version[i] = 2;  // re-insert after delete
      std::string v = value_of(i, g_version[i], kValueLen);
      SCALE_OK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()));
    }
  }
  SCALE_OK(shale_db_flush(db));
  shale_stats s = get_stats(db);
  print_stats(db, "pristine store");
  SCALE_CHECK(total_table_files(s) >= 3,
              "expected several table files, got " +
                  std::to_string(total_table_files(s)));
  SCALE_OK(shale_db_close(db));
}

std::vector<fs::path> files_matching(const std::string &dir,
                                     const std::function<bool(const std::string &)> &pred) {
  std::vector<fs::path> out;
  for (auto &e : fs::directory_iterator(dir))
    if (e.is_regular_file() && pred(e.path().filename().string()))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void flip_byte(const fs::path &p, uint64_t off) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  SCALE_CHECK(f.good(), "cannot open " + p.string());
  f.seekg(static_cast<std::streamoff>(off));
  char c = 0;
  f.read(&c, 1);
  SCALE_CHECK(f.good(), "cannot read " + p.string());
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(off));
  f.write(&c, 1);
  SCALE_CHECK(f.good(), "cannot write " + p.string());
}

void write_file(const fs::path &p, const std::string &contents) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << contents;
  SCALE_CHECK(f.good(), "cannot write " + p.string());
}

// Checks inside one damage case throw, so that a failing case is reported
// and the remaining cases still run; main() fails at the end.
struct CaseFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
#define CASE_CHECK(cond, msg)                                               \
  do {                                                                      \
    if (!(cond))                                                            \
      throw CaseFailure(std::string("line ") + std::to_string(__LINE__) +   \
                        ": check `" #cond "`: " + (msg));                   \
  } while (0)
#define CASE_OK(expr)                                                       \
  do {                                                                      \
    int32_t case_st_ = (expr);                                              \
    if (case_st_ != SHALE_OK)                                               \
      throw CaseFailure(std::string(#expr) + " returned " +                 \
                        shale_status_name(case_st_) + ": " +                \
                        shale_last_error());                                \
  } while (0)

struct Outcome {
  bool detected = false;  // some call reported SHALE_E_CORRUPTION naming it
  std::string how;
};

// Reports a non-OK status from a read. Fails the test unless it is
// SHALE_E_CORRUPTION (or SHALE_E_IO for a truncated file) naming the file.
void expect_named(int32_t st, const std::string &what, const std::string &name,
                  bool allow_io, Outcome &out) {
  std::string msg = shale_last_error();
  CASE_CHECK(st == SHALE_E_CORRUPTION || (allow_io && st == SHALE_E_IO),
              what + " returned " + shale_status_name(st) + ": " + msg);
  // `name` may list alternatives separated by '|'.
  bool named = false;
  for (size_t b = 0, e; b <= name.size(); b = e + 1) {
    e = name.find('|', b);
    if (e == std::string::npos) e = name.size();
    if (e > b && msg.find(name.substr(b, e - b)) != std::string::npos)
      named = true;
  }
  CASE_CHECK(named,
              what + ": message does not name " + name + ": " + msg);
  if (!out.detected) out.how = what + ": " + msg;
  out.detected = true;
}

// Opens the damaged copy and runs every check. `name` is the file name that
// messages must contain.
void check_case(const std::string &label, const std::string &db_path,
                const std::string &name, bool allow_io) {
  shale_options o = make_options();
  shale_db *db = nullptr;
  Outcome out;
  int32_t st = shale_db_open(db_path.c_str(), &o, &db);
  if (st != SHALE_OK) {
    expect_named(st, "open", name, allow_io, out);
    std::printf("  %-34s open refused: %s\n", label.c_str(), out.how.c_str());
    return;
  }

  // Full forward scan: entries before an error must match the model.
  {
    shale_iter *it = nullptr;
    CASE_OK(shale_iter_new(db, nullptr, &it));
    int64_t expect = -1;
    st = shale_iter_first(it);
    while (st == SHALE_OK) {
      do {
        expect++;
      } while (expect < static_cast<int64_t>(kKeys) && g_version[expect] == 0);
      CASE_CHECK(expect < static_cast<int64_t>(kKeys),
                  label + ": scan returned an extra key");
      const void *k, *v;
      size_t kl, vl;
      CASE_OK(shale_iter_key(it, &k, &kl));
      CASE_OK(shale_iter_value(it, &v, &vl));
      std::string wk = key_of(expect);
      std::string wv = value_of(expect, g_version[expect], kValueLen);
      CASE_CHECK(kl == wk.size() && std::memcmp(k, wk.data(), kl) == 0,
                  label + ": scan: wrong key (wanted " + wk + ")");
      CASE_CHECK(vl == wv.size() && std::memcmp(v, wv.data(), vl) == 0,
                  label + ": scan: wrong value for " + wk);
      st = shale_iter_next(it);
    }
    if (st != SHALE_NOT_FOUND) {
      expect_named(st, "scan", name, allow_io, out);
    } else {
      // A complete scan must have seen every live key.
      int64_t rest = expect + 1;
      while (rest < static_cast<int64_t>(kKeys) && g_version[rest] == 0) rest++;
      CASE_CHECK(rest == static_cast<int64_t>(kKeys),
                  label + ": scan ended early without an error (missing " +
                      key_of(rest) + ")");
    }
    shale_iter_free(it);
  }

  // Every key by get: the right answer or a corruption naming the file.
  {
    std::vector<char> buf(kValueLen + 16);
    uint64_t errors = 0;
    for (uint64_t i = 0; i < kKeys; i++) {
      std::string k = key_of(i);
      size_t needed = 0;
      st = shale_db_get_into(db, nullptr, k.data(), k.size(), buf.data(),
                             buf.size(), &needed);
      if (st == SHALE_OK) {
        CASE_CHECK(g_version[i] != 0, label + ": deleted key " + k + " found");
        std::string want = value_of(i, g_version[i], kValueLen);
        CASE_CHECK(needed == want.size() &&
                        std::memcmp(buf.data(), want.data(), needed) == 0,
                    label + ": get: wrong value for " + k);
      } else if (st == SHALE_NOT_FOUND) {
        CASE_CHECK(g_version[i] == 0, label + ": get: live key " + k +
                                           " reported missing");
      } else {
        errors++;
        expect_named(st, "get " + k, name, allow_io, out);
      }
    }
  }

  // verify reads every file: it must find the damage and name the file.
  char *report = nullptr;
  st = shale_db_verify(db, nullptr, nullptr, &report);
  std::string rep = report ? report : "";
  shale_free(report);
  CASE_CHECK(st == SHALE_E_CORRUPTION || (allow_io && st == SHALE_E_IO),
              label + ": verify returned " + shale_status_name(st) +
                  "; report:\n" + rep);
  CASE_CHECK(rep.find(name) != std::string::npos,
              label + ": verify report does not name " + name + ":\n" + rep);
  if (!out.detected) out.how = "verify";
  out.detected = true;
  CASE_OK(shale_db_close(db));
  std::printf("  %-34s detected: %s\n", label.c_str(), out.how.c_str());
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  TempDir dir("corrupt");
  const std::string pristine = dir.sub("pristine");
  build_store(pristine);

  auto tables = files_matching(pristine, [](const std::string &n) {
    return ends_with(n, ".sst");
  });
  auto manifests = files_matching(pristine, [](const std::string &n) {
    return n.rfind("MANIFEST", 0) == 0 && !ends_with(n, ".tmp");
  });
  SCALE_CHECK(tables.size() >= 3, "expected several .sst files");
  SCALE_CHECK(!manifests.empty(), "expected a MANIFEST-* file");
  std::sort(tables.begin(), tables.end(), [](const fs::path &a, const fs::path &b) {
    return fs::file_size(a) < fs::file_size(b);
  });
  const fs::path small_table = tables.front(), big_table = tables.back();
  const fs::path manifest = manifests.back();

  int cases = 0;
  std::vector<std::string> failures;
  auto run = [&](const std::string &label, const fs::path &target,
                 const std::string &name_in_message, bool allow_io,
                 const std::function<void(const fs::path &)> &damage) {
    const std::string copy = dir.sub("case" + std::to_string(cases++));
    fs::copy(pristine, copy, fs::copy_options::recursive);
    fs::path victim = fs::path(copy) / target.filename();
    damage(victim);
    try {
      check_case(label, copy, name_in_message, allow_io);
    } catch (const CaseFailure &e) {
      std::printf("  %-34s FAILED: %s\n", label.c_str(), e.what());
      failures.push_back(target.filename().string() + " " + label + ": " +
                         e.what());
    }
    fs::remove_all(copy);
  };

  // Table files: flips across the whole file, including the footer.
  for (const fs::path &t : {big_table, small_table}) {
    const uint64_t size = fs::file_size(t);
    const std::string name = t.filename().string();
    std::printf("%s (%llu bytes):\n", name.c_str(),
                static_cast<unsigned long long>(size));
    std::vector<uint64_t> offsets = {0,          size / 4,   size / 2,
                                     size * 3 / 4, size * 9 / 10,
                                     size - 200, size - 100, size - 60,
                                     size - 40,  size - 20,  size - 8,
                                     size - 1};
    for (uint64_t off : offsets) {
      if (off >= size) continue;
      run("flip at " + std::to_string(off), t, name, false,
          [off](const fs::path &p) { flip_byte(p, off); });
    }
    run("truncate to half", t, name, true,
        [size](const fs::path &p) { fs::resize_file(p, size / 2); });
    run("truncate by 1 byte", t, name, true,
        [size](const fs::path &p) { fs::resize_file(p, size - 1); });
  }

  // MANIFEST.
  {
    const uint64_t size = fs::file_size(manifest);
    const std::string name = manifest.filename().string();
    std::printf("%s (%llu bytes):\n", name.c_str(),
                static_cast<unsigned long long>(size));
    for (uint64_t off : {uint64_t(0), size / 3, size / 2, size - 1}) {
      if (off >= size) continue;
      run("flip at " + std::to_string(off), manifest, name, false,
          [off](const fs::path &p) { flip_byte(p, off); });
    }
    // A short record at the end reads as a torn append (file-format.md:
    // "a torn tail is dropped"); the open must then still fail, naming the
    // manifest or a file the dropped edit had replaced ("... named by the
    // manifest is missing").
    if (size > 2)
      run("truncate to half", manifest, name + "|named by the manifest", true,
          [size](const fs::path &p) { fs::resize_file(p, size / 2); });
  }

  // CURRENT.
  {
    const fs::path current = fs::path(pristine) / "CURRENT";
    SCALE_CHECK(fs::exists(current), "no CURRENT file");
    std::printf("CURRENT:\n");
    run("garbage", current, "CURRENT", false, [](const fs::path &p) {
      write_file(p, std::string("\x01\x02not a manifest name\xff", 23));
    });
    run("empty", current, "CURRENT", false,
        [](const fs::path &p) { write_file(p, ""); });
  }

  if (!failures.empty()) {
    std::printf("corruption_test: %zu of %d cases FAILED:\n", failures.size(),
                cases);
    for (auto &f : failures) std::printf("  %s\n", f.c_str());
    return 1;
  }
  std::printf("corruption_test: OK (%d cases)\n", cases);
  return 0;
}
