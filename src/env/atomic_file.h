// Replacing a small file so that a crash leaves either the old or the new
// contents, never a mix: write a temp file, fsync it, rename it over the
// target, fsync the directory.
#pragma once

#include <string>
#include <string_view>

#include "env/env.h"
#include "util/status.h"

namespace shale {

// The temp file used by ReplaceFileAtomically for path.
std::string AtomicTempName(const std::string &path);

// On failure before the rename the target is unchanged (old contents) and
// the temp file is removed as far as possible. *renamed (may be nullptr)
// tells whether the rename took place: if only the directory sync after it
// failed, the target already holds the new contents (not yet durable).
Status ReplaceFileAtomically(Env *env, const std::string &path,
                             std::string_view contents,
                             bool *renamed = nullptr);

// The directory part of path ("." if none).
std::string DirName(const std::string &path);

}  // namespace shale
