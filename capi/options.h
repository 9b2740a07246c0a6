// options.h — reading the caller's versioned option structs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "db/db.h"
#include "db/options.h"
#include "shale.h"

namespace shale::capi {

class DbState;

// The sizes of the structs as shipped in 0.1.0: a caller's struct_size may
// not be smaller.
inline constexpr size_t kOptionsMinSize = 56;
inline constexpr size_t kIterOptionsMinSize = 64;

// Ranges of the 0.2.0 sizing fields (see shale_options in the header).
inline constexpr uint64_t kMinWriteBufferSize = uint64_t{64} << 10;
inline constexpr uint64_t kMinBlockSize = 256;
inline constexpr uint64_t kMaxBlockSize = uint64_t{4} << 20;
inline constexpr uint64_t kMaxBloomBitsPerKey = 64;
inline constexpr uint64_t kMinOpenFiles = 16;
// Not stated by the header; 0 would make no sense.
inline constexpr uint64_t kMinTargetFileSize = 1;
inline constexpr uint64_t kMinLevel1MaxBytes = 1;
inline constexpr uint64_t kMinLevelMultiplier = 2;
inline constexpr uint64_t kMaxLevelMultiplier = 100;

// The size of shale_stats as shipped in 0.2.0 (it is new there): a caller's
// struct_size may not be smaller.
inline constexpr size_t kStatsMinSize = sizeof(shale_stats);

// Copies the caller's struct (at most its struct_size bytes) over the
// defaults into *out. NULL in → defaults. Records the error.
int32_t ReadOptions(const shale_options *in, shale_options *out) noexcept;
int32_t ReadIterOptions(const shale_iter_options *in,
                        shale_iter_options *out) noexcept;

// Validates every field; records an error naming the field.
int32_t ValidateOptions(const shale_options &opts) noexcept;
// The 0.2.0 sizing fields alone (part of ValidateOptions).
int32_t ValidateSizing(const shale_options &opts) noexcept;

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
