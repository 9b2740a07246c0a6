// options.h — reading the caller's versioned option structs.
#pragma once

#include <cstddef>

#include "db/db.h"
#include "db/options.h"
#include "shale.h"

namespace shale::capi {

class DbState;

// The sizes of the structs as shipped in 0.1.0: a caller's struct_size may
// not be smaller.
inline constexpr size_t kOptionsMinSize = 56;
inline constexpr size_t kIterOptionsMinSize = 64;

// Copies the caller's struct (at most its struct_size bytes) over the
// defaults into *out. NULL in → defaults. Records the error.
int32_t ReadOptions(const shale_options *in, shale_options *out) noexcept;
int32_t ReadIterOptions(const shale_iter_options *in,
                        shale_iter_options *out) noexcept;

// Validates every field; records an error naming the field.
int32_t ValidateOptions(const shale_options &opts) noexcept;

// Converts the C options (already validated) to core options; the logger is
// wired up by the caller.
shale::Options ToCore(const shale_options &opts);

// Builds core read options from (validated, copied) iterator options. The
// snapshot must belong to `db`. Records the error.
int32_t ToCoreRead(const shale_iter_options &opts, const DbState *db,
                   shale::ReadOptions *out);

// Resolves a snapshot handle (NULL → none) that must belong to db.
int32_t ResolveSnapshot(shale_snapshot *snapshot, const DbState *db,
                        std::shared_ptr<const shale::Snapshot> *out);

}  // namespace shale::capi
