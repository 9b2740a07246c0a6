// template_db.h — the small db that fuzz_files corrupts one file of, and
// whose files gen_corpus writes as the seed corpus. Deterministic: the same
// calls always give the same file names and contents.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_common.h"

namespace shale_fuzz {

// The file kinds fuzz_files can replace; the first input byte picks one.
enum class FileKind : uint8_t { kLog = 0, kTable = 1, kManifest = 2,
                                kCurrent = 3 };
constexpr int kFileKinds = 4;

inline const char *KindName(FileKind k) {
  switch (k) {
    case FileKind::kLog: return "log";
    case FileKind::kTable: return "table";
    case FileKind::kManifest: return "manifest";
    default: return "current";
  }
}

inline bool IsKind(const std::string &name, FileKind k) {
  auto ends = [&](const char *s) {
    size_t n = std::strlen(s);
    return name.size() > n && name.compare(name.size() - n, n, s) == 0;
  };
  switch (k) {
    case FileKind::kLog: return ends(".log");
    case FileKind::kTable: return ends(".sst");
    case FileKind::kManifest: return name.rfind("MANIFEST-", 0) == 0;
    default: return name == "CURRENT";
  }
}

inline shale_options TemplateOptions() {
  shale_options o = SmallOptions();
  o.level0_compaction_trigger = 4;  // keep both tables at level 0
  o.level0_slowdown_trigger = 8;
  o.level0_stop_trigger = 12;
  return o;
}

// Two level-0 tables (the second overwrites and deletes some keys of the
// first) and a log with more writes, as a crash would leave them.
inline void BuildTemplateDb(const std::string &dir) {
  RemoveTree(dir);
  shale_options o = TemplateOptions();
  shale_db *db = nullptr;
  FUZZ_CHECK(shale_db_open(dir.c_str(), &o, &db) == SHALE_OK, "open template");
  auto put = [&](const std::string &k, const std::string &v) {
    FUZZ_CHECK(shale_db_put(db, k.data(), k.size(), v.data(), v.size()) ==
                   SHALE_OK, "put");
  };
  auto del = [&](const std::string &k) {
    FUZZ_CHECK(shale_db_delete(db, k.data(), k.size()) == SHALE_OK, "del");
  };
  for (int i = 0; i < 24; ++i)
    put("key" + std::to_string(i * 2), "value-" + std::to_string(i));
  FUZZ_CHECK(shale_db_flush(db) == SHALE_OK, "flush");
  for (int i = 0; i < 8; ++i) put("key" + std::to_string(i * 5), "v2");
  del("key4");
  del("key10");
  FUZZ_CHECK(shale_db_flush(db) == SHALE_OK, "flush");
  put("key7", std::string(300, 'x'));
  del("key2");
  put("", "empty key");
  FUZZ_CHECK(shale_db_close(db) == SHALE_OK, "close");
}

// The db files of dir by name (LOCK left out), sorted.
inline std::map<std::string, std::string> ReadDbFiles(const std::string &dir) {
  std::map<std::string, std::string> files;
  DIR *d = opendir(dir.c_str());
  FUZZ_CHECK(d != nullptr, "opendir %s", dir.c_str());
  while (struct dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name == "LOCK") continue;
    std::ifstream f(dir + "/" + name, std::ios::binary);
    files[name] = std::string(std::istreambuf_iterator<char>(f), {});
  }
  closedir(d);
  return files;
}

// The names of the files of one kind, sorted.
inline std::vector<std::string> FilesOfKind(
    const std::map<std::string, std::string> &files, FileKind k) {
  std::vector<std::string> out;
  for (auto &[name, body] : files)
    if (IsKind(name, k)) out.push_back(name);
  return out;
}

inline void WriteFile(const std::string &path, const std::string &body) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(body.data(), static_cast<std::streamsize>(body.size()));
  FUZZ_CHECK(f.good(), "write %s", path.c_str());
}

}  // namespace shale_fuzz
