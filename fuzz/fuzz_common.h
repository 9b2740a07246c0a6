// fuzz_common.h — what the shale fuzzers share: a scratch directory per
// process, a CHECK that aborts with a readable message (libFuzzer then saves
// the input), and the "every error has a message" rule of shale.h.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "shale.h"

#define FUZZ_CHECK(cond, ...)                                          \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  ",       \
                   __FILE__, __LINE__, #cond);                         \
      std::fprintf(stderr, __VA_ARGS__);                               \
      std::fprintf(stderr, "\n  last error: %s\n", shale_last_error()); \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

namespace shale_fuzz {

// Checks the error rule after a call named `fn` returned rc: an error has
// a non-empty message that starts with the function's name; success
// leaves no message (except after a release function, see
// shale.h "Errors").
inline void CheckErrorReport(const char *fn, int32_t rc) {
  // A release function that succeeds leaves the previous error in place.
  std::string name = fn;
  auto ends = [&](const char *s) {
    size_t n = std::strlen(s);
    return name.size() > n && name.compare(name.size() - n, n, s) == 0;
  };
  if (rc == SHALE_OK &&
      (ends("_close") || ends("_free") || name == "shale_unsubscribe"))
    return;
  const char *msg = shale_last_error();
  FUZZ_CHECK(msg != nullptr, "%s: shale_last_error() is NULL", fn);
  FUZZ_CHECK(shale_last_status() == rc, "%s returned %d, last_status %d", fn,
             rc, shale_last_status());
  if (rc < 0) {
    FUZZ_CHECK(std::strcmp(shale_status_name(rc), "SHALE_E_UNKNOWN") != 0,
               "%s returned unknown status %d", fn, rc);
    FUZZ_CHECK(msg[0] != '\0', "%s returned %s without a message", fn,
               shale_status_name(rc));
    FUZZ_CHECK(std::strncmp(msg, fn, std::strlen(fn)) == 0,
               "%s: message does not start with the function name: %s", fn,
               msg);
  } else {
    FUZZ_CHECK(rc == SHALE_OK || rc == SHALE_NOT_FOUND,
               "%s returned %d", fn, rc);
    // SHALE_NOT_FOUND is no error, but may explain itself (an unknown
    // property name); a success leaves no message.
    FUZZ_CHECK(rc == SHALE_NOT_FOUND || msg[0] == '\0',
               "%s returned %s with a message: %s", fn, shale_status_name(rc),
               msg);
  }
}

inline void RemoveTree(const std::string &path) {
  DIR *d = opendir(path.c_str());
  if (d == nullptr) {
    unlink(path.c_str());
    return;
  }
  while (struct dirent *e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
      continue;
    RemoveTree(path + "/" + e->d_name);
  }
  closedir(d);
  rmdir(path.c_str());
}

// A directory of this process under $SHALE_FUZZ_DIR (fuzz/run.sh sets it
// on a tmpfs), else /dev/shm, else /tmp. Removed at exit.
inline const std::string &ScratchRoot() {
  // Never destroyed: the atexit handler below runs after static
  // destructors registered before it would have.
  static const std::string *root = [] {
    const char *base = std::getenv("SHALE_FUZZ_DIR");
    std::string b = base != nullptr && base[0] != '\0' ? base : "";
    struct stat st;
    if (b.empty()) b = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp";
    auto *r = new std::string(b + "/shale-fuzz-" + std::to_string(getpid()));
    RemoveTree(*r);
    FUZZ_CHECK(mkdir(r->c_str(), 0700) == 0, "cannot create %s", r->c_str());
    std::atexit([] { RemoveTree(ScratchRoot()); });
    return r;
  }();
  return *root;
}

// Options that make a small db flush and compact often.
inline shale_options SmallOptions() {
  shale_options o;
  SHALE_OPTIONS_INIT(&o);
  o.sync_mode = SHALE_SYNC_NONE;
  o.write_buffer_size = 64 * 1024;
  o.block_cache_capacity = 8 * 1024;
  o.block_size = 256;
  o.max_open_files = 16;
  o.level0_compaction_trigger = 2;
  o.target_file_size = 16 * 1024;
  o.level1_max_bytes = 64 * 1024;
  o.level_size_multiplier = 2;
  return o;
}

}  // namespace shale_fuzz
