// fuzz_files — the input is the content of one db file. Byte 0 picks the
// file of the template db (template_db.h) it replaces: bits 0-1 the kind
// (log, table, manifest, CURRENT), bits 2-6 which file of that kind; with
// bit 7 set the checksums of the new content are recomputed first
// (checksums.h), so that the parsers behind them are fuzzed too. The rest
// is the new content. The db is then opened three ways (normal,
// salvage, read-only), read (gets, get_many, iteration both ways, seeks,
// verify) and, when writable, written, flushed and compacted. Any outcome
// is accepted except a crash, a hang, a sanitizer report, or an error
// without a message (or one that does not name its function).
#include <sys/stat.h>

#include <string>
#include <vector>

#include "checksums.h"
#include "fuzz_common.h"
#include "template_db.h"

namespace {

using namespace shale_fuzz;

const std::map<std::string, std::string> &TemplateFiles() {
  static const std::map<std::string, std::string> files = [] {
    std::string dir = ScratchRoot() + "/template";
    BuildTemplateDb(dir);
    auto f = ReadDbFiles(dir);
    RemoveTree(dir);
    return f;
  }();
  return files;
}

// Calls fn and checks the error report; returns its status.
#define CALL(fn, ...)                            \
  [&] {                                          \
    int32_t rc_ = fn(__VA_ARGS__);               \
    CheckErrorReport(#fn, rc_);                  \
    return rc_;                                  \
  }()

const char *const kProbeKeys[] = {"", "key0", "key2", "key7", "key12",
                                  "key30", "key46", "zzz"};

void Walk(shale_iter *it, bool forward) {
  int32_t rc = forward ? CALL(shale_iter_first, it) : CALL(shale_iter_last, it);
  std::string prev;
  for (int n = 0; rc == SHALE_OK && n < 100000; ++n) {
    const void *k = nullptr, *v = nullptr;
    size_t kl = 0, vl = 0;
    CALL(shale_iter_key, it, &k, &kl);
    CALL(shale_iter_value, it, &v, &vl);
    rc = forward ? CALL(shale_iter_next, it) : CALL(shale_iter_prev, it);
  }
}

void Exercise(shale_db *db, bool writable) {
  char *text = nullptr;
  if (CALL(shale_db_property, db, "shale.recovery", &text) == SHALE_OK)
    shale_free(text);
  std::string joined;
  std::vector<size_t> lens;
  for (const char *k : kProbeKeys) {
    void *v = nullptr;
    size_t vl = 0;
    if (CALL(shale_db_get, db, nullptr, k, std::strlen(k), &v, &vl) ==
        SHALE_OK)
      shale_free(v);
    joined += k;
    lens.push_back(std::strlen(k));
  }
  void *values = nullptr;
  std::vector<size_t> vlens(lens.size());
  size_t found = 0;
  if (CALL(shale_db_get_many, db, nullptr, lens.size(), joined.data(),
           lens.data(), &values, vlens.data(), &found) == SHALE_OK)
    shale_free(values);

  shale_iter *it = nullptr;
  if (CALL(shale_iter_new, db, nullptr, &it) == SHALE_OK) {
    Walk(it, true);
    Walk(it, false);
    CALL(shale_iter_seek, it, "key3", 4);
    CALL(shale_iter_seek_for_prev, it, "key3", 4);
    void *data = nullptr;
    size_t ml[16], count = 0;
    if (CALL(shale_iter_next_many, it, SHALE_ITER_FORWARD, 8, 0, &data, ml,
             &count) == SHALE_OK)
      shale_free(data);
    FUZZ_CHECK(shale_iter_free(it) == SHALE_OK, "iter_free");
  }
  char *report = nullptr;
  CALL(shale_db_verify, db, nullptr, nullptr, &report);
  shale_free(report);
  if (!writable) return;
  CALL(shale_db_put, db, "key5", 4, "new", 3);
  CALL(shale_db_delete, db, "key8", 4);
  CALL(shale_db_flush, db);
  CALL(shale_db_compact_range, db, nullptr, 0, nullptr, 0, nullptr, nullptr);
  if (CALL(shale_iter_new, db, nullptr, &it) == SHALE_OK) {
    Walk(it, true);
    FUZZ_CHECK(shale_iter_free(it) == SHALE_OK, "iter_free");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const auto &files = TemplateFiles();
  auto kind = static_cast<FileKind>(data[0] & 3);
  std::vector<std::string> names = FilesOfKind(files, kind);
  FUZZ_CHECK(!names.empty(), "template has no %s file", KindName(kind));
  const std::string &target = names[((data[0] >> 2) & 0x1f) % names.size()];
  std::string body(reinterpret_cast<const char *>(data) + 1, size - 1);
  if (data[0] & 0x80) {
    if (kind == FileKind::kLog || kind == FileKind::kManifest)
      FixLogChecksums(&body);
    if (kind == FileKind::kTable) FixTableChecksums(&body);
  }
  std::string dir = ScratchRoot() + "/db";

  for (int mode = 0; mode < 3; ++mode) {
    RemoveTree(dir);
    FUZZ_CHECK(mkdir(dir.c_str(), 0700) == 0, "mkdir %s", dir.c_str());
    for (auto &[name, content] : files)
      WriteFile(dir + "/" + name, name == target ? body : content);
    shale_options o = TemplateOptions();
    o.create_if_missing = 0;
    o.salvage = mode == 1;
    o.read_only = mode == 2;
    shale_db *db = reinterpret_cast<shale_db *>(1);
    int32_t rc = CALL(shale_db_open, dir.c_str(), &o, &db);
    if (rc != SHALE_OK) {
      FUZZ_CHECK(db == nullptr, "failed open left *out set");
      continue;
    }
    Exercise(db, mode != 2);
    rc = shale_db_close(db);
    if (rc != SHALE_OK) CheckErrorReport("shale_db_close", rc);
  }
  RemoveTree(dir);
  return 0;
}
