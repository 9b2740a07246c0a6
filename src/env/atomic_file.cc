#include "env/atomic_file.h"

namespace shale {

std::string AtomicTempName(const std::string &path) { return path + ".tmp"; }

std::string DirName(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status ReplaceFileAtomically(Env *env, const std::string &path,
                             std::string_view contents, bool *renamed) {
  if (renamed != nullptr) *renamed = false;
  const std::string tmp = AtomicTempName(path);
  std::unique_ptr<WritableFile> file;
  Status s = env->NewWritableFile(tmp, &file);
  if (!s.ok()) return s;
  s = file->Append(contents);
  if (s.ok()) s = file->Sync();
  Status close_status = file->Close();
  if (s.ok()) s = close_status;
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (!s.ok()) {
    (void)env->RemoveFile(tmp);
    return s;
  }
  if (renamed != nullptr) *renamed = true;
  // The rename is only durable once the directory entry is.
  return env->SyncDir(DirName(path));
}

}  // namespace shale
