// Names of the files in a db directory:
//   LOCK               the single-open lock (holds the holder's pid)
//   CURRENT            names the active manifest; replaced atomically
//   MANIFEST-NNNNNN    the log of version edits (live table files)
//   NNNNNN.log         write-ahead logs
//   NNNNNN.sst         table files
//   *.tmp              temp files of interrupted replacements
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace shale {

enum class FileType {
  kLog,
  kTable,
  kManifest,
  kCurrent,
  kLock,
  kTemp,
  kUnknown
};

std::string LogFileName(const std::string &db, uint64_t number);
std::string LogFileBaseName(uint64_t number);
std::string TableFileName(const std::string &db, uint64_t number);
std::string TableFileBaseName(uint64_t number);
std::string ManifestFileName(const std::string &db, uint64_t number);
std::string ManifestFileBaseName(uint64_t number);
std::string CurrentFileName(const std::string &db);
std::string LockFileName(const std::string &db);

// Classifies a directory entry; *number is set for logs, tables and
// manifests.
FileType ParseFileName(std::string_view name, uint64_t *number);

// CURRENT's contents: a format line and the active manifest's name.
//   format 2 (this build): "shale-format 2\nMANIFEST-NNNNNN\n"
//   format 1 (before table files): "shale-format 1\nNNNNNN.log\n" — still
//   read: the db is upgraded (a manifest is written) on its first
//   read-write open.
inline constexpr int kFormatVersion = 2;
inline constexpr int kOldestReadableFormat = 1;
std::string EncodeCurrent(uint64_t manifest_number);

struct CurrentContents {
  int format = 0;
  // Format 2: the manifest's number. Format 1: the active log's number.
  uint64_t number = 0;
};
// Corruption (naming current_path) if contents are not a valid CURRENT;
// NotSupported for a format this build does not read.
Status DecodeCurrent(std::string_view contents, const std::string &current_path,
                     CurrentContents *out);

}  // namespace shale
