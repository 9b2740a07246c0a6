#include "db/filenames.h"

#include <cstdio>

namespace shale {

namespace {

constexpr std::string_view kFormatLine = "shale-format ";
constexpr std::string_view kManifestPrefix = "MANIFEST-";

bool ParseNumber(std::string_view s, uint64_t *out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string Numbered(uint64_t number, const char *suffix) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%06llu%s",
                static_cast<unsigned long long>(number), suffix);
  return buf;
}

bool HasSuffix(std::string_view name, std::string_view suffix) {
  return name.size() > suffix.size() &&
         name.substr(name.size() - suffix.size()) == suffix;
}

}  // namespace

std::string LogFileBaseName(uint64_t number) {
  return Numbered(number, ".log");
}

std::string LogFileName(const std::string &db, uint64_t number) {
  return db + "/" + LogFileBaseName(number);
}

std::string TableFileBaseName(uint64_t number) {
  return Numbered(number, ".sst");
}

std::string TableFileName(const std::string &db, uint64_t number) {
  return db + "/" + TableFileBaseName(number);
}

std::string ManifestFileBaseName(uint64_t number) {
  return std::string(kManifestPrefix) + Numbered(number, "");
}

std::string ManifestFileName(const std::string &db, uint64_t number) {
  return db + "/" + ManifestFileBaseName(number);
}

std::string CurrentFileName(const std::string &db) { return db + "/CURRENT"; }

std::string LockFileName(const std::string &db) { return db + "/LOCK"; }

FileType ParseFileName(std::string_view name, uint64_t *number) {
  *number = 0;
  if (name == "CURRENT") return FileType::kCurrent;
  if (name == "LOCK") return FileType::kLock;
  if (HasSuffix(name, ".tmp")) return FileType::kTemp;
  if (HasSuffix(name, ".log") &&
      ParseNumber(name.substr(0, name.size() - 4), number)) {
    return FileType::kLog;
  }
  if (HasSuffix(name, ".sst") &&
      ParseNumber(name.substr(0, name.size() - 4), number)) {
    return FileType::kTable;
  }
  if (name.substr(0, kManifestPrefix.size()) == kManifestPrefix &&
      ParseNumber(name.substr(kManifestPrefix.size()), number)) {
    return FileType::kManifest;
  }
  return FileType::kUnknown;
}

std::string EncodeCurrent(uint64_t manifest_number) {
  return std::string(kFormatLine) + std::to_string(kFormatVersion) + "\n" +
         ManifestFileBaseName(manifest_number) + "\n";
}

Status DecodeCurrent(std::string_view contents, const std::string &current_path,
                     CurrentContents *out) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption(current_path + ": " + std::string(why));
  };
  size_t nl = contents.find('\n');
  if (nl == std::string_view::npos) return bad("missing format line");
  std::string_view format = contents.substr(0, nl);
  if (format.substr(0, kFormatLine.size()) != kFormatLine) {
    return bad("not a shale CURRENT file");
  }
  uint64_t version = 0;
  if (!ParseNumber(format.substr(kFormatLine.size()), &version)) {
    return bad("malformed format version");
  }
  if (version < kOldestReadableFormat || version > kFormatVersion) {
    return Status::NotSupported(current_path + ": format version " +
                                std::to_string(version) +
                                " is not supported by this build (it reads " +
                                std::to_string(kOldestReadableFormat) + " to " +
                                std::to_string(kFormatVersion) + ")");
  }
  std::string_view rest = contents.substr(nl + 1);
  size_t nl2 = rest.find('\n');
  if (nl2 == std::string_view::npos || nl2 + 1 != rest.size()) {
    return bad("malformed file name line");
  }
  out->format = static_cast<int>(version);
  const FileType want = version == 1 ? FileType::kLog : FileType::kManifest;
  if (ParseFileName(rest.substr(0, nl2), &out->number) != want) {
    return bad(version == 1 ? "does not name a log file"
                            : "does not name a manifest file");
  }
  return Status::OK();
}

}  // namespace shale
