// gen_corpus — writes the seed corpora of the fuzzers into <out>/<target>/
// (fuzz/gen_corpus.sh runs it; the output is committed under fuzz/corpus).
//   fuzz_files: each file of the template db, prefixed with the selector
//               byte that puts it back in its place (also with the
//               "recompute checksums" bit).
//   fuzz_api, fuzz_abi: call programs from a fixed pseudo-random sequence
//               (the fuzzers read any bytes as a program).
#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "template_db.h"

using namespace shale_fuzz;

namespace {

void Put(const std::string &dir, const std::string &name,
         const std::string &body) {
  mkdir(dir.c_str(), 0755);
  WriteFile(dir + "/" + name, body);
}

void RandomPrograms(const std::string &dir, int count, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < count; ++i) {
    size_t len = 32 + static_cast<size_t>(i) * 96;
    std::string body(len, '\0');
    for (auto &c : body) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      c = static_cast<char>(x >> 56);
    }
    char name[32];
    std::snprintf(name, sizeof(name), "seed-%02d", i);
    Put(dir, name, body);
  }
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  std::string out = argv[1];
  mkdir(out.c_str(), 0755);
  std::string tdir = ScratchRoot() + "/template";
  BuildTemplateDb(tdir);
  auto files = ReadDbFiles(tdir);
  for (int k = 0; k < kFileKinds; ++k) {
    auto kind = static_cast<FileKind>(k);
    auto names = FilesOfKind(files, kind);
    for (size_t i = 0; i < names.size(); ++i) {
      // As is, and with the "recompute checksums" bit (fuzz_files.cc).
      for (int fix = 0; fix < 2; ++fix) {
        if (fix && kind == FileKind::kCurrent) continue;
        std::string body(1, static_cast<char>(k | i << 2 | fix << 7));
        body += files[names[i]];
        Put(out + "/fuzz_files",
            std::string(fix ? "fixsum-" : "") + KindName(kind) + "-" +
                names[i],
            body);
      }
    }
  }
  RandomPrograms(out + "/fuzz_api", 16, 1);
  RandomPrograms(out + "/fuzz_abi", 16, 2);
  return 0;
}
