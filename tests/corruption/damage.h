// damage.h — what to damage in a db's files, and doing it. Sites are
// chosen from the documented formats (docs/file-format.md): record headers
// and payloads of logs and manifests; data block contents, trailers, the
// filter, meta and index blocks and every footer field of tables; every
// byte of CURRENT; plus evenly spaced offsets, truncations and zeroed
// ranges, and a removed file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace corruption {

enum class FileKind { kLog, kTableL0, kTableDeep, kManifest, kCurrent };
const char *KindName(FileKind kind);
inline constexpr int kNumKinds = 5;

enum class Op { kFlip, kTruncate, kZero, kRemove };

struct Damage {
  std::string file;  // base name in the db directory
  FileKind kind;
  Op op;
  uint64_t offset = 0;  // flip/zero: where; truncate: the new length
  uint64_t length = 0;  // zero: how many bytes
  uint8_t mask = 0;     // flip: XOR mask (non-zero)
  std::string where;    // which part of the file, e.g. "index trailer"

  std::string Describe() const;
  // Applies the damage to <dir>/<file>. "" or what failed.
  std::string Apply(const std::string &dir) const;
};

struct DbFile {
  std::string name;
  FileKind kind;
};

// Sites for one file (bytes: its contents). scale multiplies the evenly
// spaced samples.
std::vector<Damage> SitesFor(const DbFile &file, const std::string &bytes,
                             int scale);

std::string ReadAll(const std::string &path);

}  // namespace corruption
