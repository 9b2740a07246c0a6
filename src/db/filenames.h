// Names of the files in a db directory:
//   LOCK            the single-open lock (holds the holder's pid)
//   CURRENT         names the active log; replaced atomically
//   NNNNNN.log      write-ahead logs
//   CURRENT.tmp     the temp file of an interrupted CURRENT replacement
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace shale {

enum class FileType { kLog, kCurrent, kLock, kTemp, kUnknown };

std::string LogFileName(const std::string &db, uint64_t number);
std::string LogFileBaseName(uint64_t number);
std::string CurrentFileName(const std::string &db);
std::string LockFileName(const std::string &db);

// Classifies a directory entry; *number is set for logs.
FileType ParseFileName(std::string_view name, uint64_t *number);

// CURRENT's contents: a format line and the active log's name.
inline constexpr int kFormatVersion = 1;
std::string EncodeCurrent(uint64_t log_number);
// Corruption (naming current_path) if contents are not a valid CURRENT.
Status DecodeCurrent(std::string_view contents, const std::string &current_path,
                     uint64_t *log_number);

}  // namespace shale
