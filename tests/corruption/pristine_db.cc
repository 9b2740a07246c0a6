#include "pristine_db.h"

#include <cstdio>
#include <filesystem>
#include <regex>

#include <unistd.h>

namespace corruption {

const Value &Model::BeforeLog(const std::string &k) const {
  const auto &h = history.at(k);
  return WrittenByLog(k) ? h[h.size() - 2] : h.back();
}

bool Model::WrittenByLog(const std::string &k) const {
  for (const std::string &l : log_keys) {
    if (l == k) return true;
  }
  return false;
}

shale_options DbOptions() {
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.write_buffer_size = 64 << 10;
  o.block_size = 256;
  o.bloom_bits_per_key = 10;
  o.target_file_size = 4 << 10;
  o.level0_compaction_trigger = 8;  // the level-0 table stays at level 0
  o.level0_slowdown_trigger = 16;
  o.level0_stop_trigger = 24;
  o.log_level = SHALE_LOG_WARN;
  return o;
}

namespace {

std::string Key(int i) {
  char b[32];
  snprintf(b, sizeof b, "key-%05d", i);
  return b;
}

// Values differ per phase and key, so a stale or misplaced value is seen.
std::string Val(char phase, int i) {
  std::string v = std::string("v") + phase + "-" + Key(i) + "-";
  while (v.size() < 24 + static_cast<size_t>(i % 29)) v += char('a' + i % 26);
  return v;
}

struct Writer {
  shale_db *db;
  Model *model;
  std::string err;

  void Put(const std::string &k, const std::string &v) {
    if (!err.empty()) return;
    if (shale_db_put(db, k.data(), k.size(), v.data(), v.size()) != SHALE_OK) {
      err = std::string("put: ") + shale_last_error();
      return;
    }
    Record(k, v);
  }
  void Del(const std::string &k) {
    if (!err.empty()) return;
    if (shale_db_delete(db, k.data(), k.size()) != SHALE_OK) {
      err = std::string("delete: ") + shale_last_error();
      return;
    }
    Record(k, std::nullopt);
  }
  void Record(const std::string &k, Value v) {
    auto &h = model->history[k];
    if (h.empty()) h.push_back(std::nullopt);
    h.push_back(std::move(v));
  }
  void Check(int32_t rc, const char *what) {
    if (err.empty() && rc != SHALE_OK) {
      err = std::string(what) + ": " + shale_last_error();
    }
  }
};

}  // namespace

std::string BuildPristine(const std::string &path, Model *model) {
  shale_options o = DbOptions();
  shale_db *db = nullptr;
  if (shale_db_open(path.c_str(), &o, &db) != SHALE_OK) {
    return std::string("open: ") + shale_last_error();
  }
  Writer w{db, model, ""};
  // Phase A: deeper levels.
  for (int i = 0; i < 500; ++i) w.Put(Key(i), Val('A', i));
  w.Check(shale_db_flush(db), "flush A");
  w.Check(shale_db_compact_range(db, nullptr, 0, nullptr, 0, nullptr, nullptr),
          "compact A");
  // Phase B: one level-0 table of overwrites, deletions and new keys.
  for (int i = 0; i < 500; i += 5) w.Put(Key(i), Val('B', i));
  for (int i = 3; i < 500; i += 17) w.Del(Key(i));
  for (int i = 500; i < 550; ++i) w.Put(Key(i), Val('B', i));
  w.Check(shale_db_flush(db), "flush B");
  // A reopen leaves a manifest of one snapshot record. (Damage to a
  // manifest of many edits is issue 14's case, not yet swept here.)
  w.Check(shale_db_close(db), "close B");
  db = nullptr;
  if (shale_db_open(path.c_str(), &o, &db) != SHALE_OK) {
    return std::string("reopen: ") + shale_last_error();
  }
  w.db = db;
  // Phase C: the log. Each key at most once (see Model::log_keys).
  for (int i = 1; i < 550; i += 13) {
    i % 2 ? w.Put(Key(i), Val('C', i)) : w.Del(Key(i));
    model->log_keys.push_back(Key(i));
  }
  for (int i = 550; i < 580; ++i) {
    w.Put(Key(i), Val('C', i));
    model->log_keys.push_back(Key(i));
  }
  int32_t rc = shale_db_close(db);
  w.Check(rc, "close");
  return w.err;
}

std::string ScratchBase() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) &&
      access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return std::filesystem::temp_directory_path().string();
}

std::string ClassifyFiles(const std::string &path, std::vector<DbFile> *out) {
  shale_options o = DbOptions();
  // Read-only: a read-write open would write the log's contents to a table.
  o.read_only = 1;
  shale_db *db = nullptr;
  if (shale_db_open(path.c_str(), &o, &db) != SHALE_OK) {
    return std::string("open: ") + shale_last_error();
  }
  char *report = nullptr;
  const int32_t rc = shale_db_verify(db, nullptr, nullptr, &report);
  const std::string text = report != nullptr ? report : "";
  shale_free(report);
  shale_db_close(db);
  if (rc != SHALE_OK) return "verify: " + text;
  std::smatch m;
  const std::regex table(R"(/(\d+\.sst) \(level (\d)\))");
  for (auto it = text.cbegin(); std::regex_search(it, text.cend(), m, table);
       it = m.suffix().first) {
    out->push_back(
        {m[1], m[2] == "0" ? FileKind::kTableL0 : FileKind::kTableDeep});
  }
  for (const auto &e : std::filesystem::directory_iterator(path)) {
    const std::string name = e.path().filename().string();
    if (name == "CURRENT") out->push_back({name, FileKind::kCurrent});
    if (name.rfind("MANIFEST-", 0) == 0) {
      out->push_back({name, FileKind::kManifest});
    }
    if (name.size() > 4 && name.substr(name.size() - 4) == ".log") {
      out->push_back({name, FileKind::kLog});
    }
  }
  return "";
}

}  // namespace corruption
