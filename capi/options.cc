// options.cc — shale_options / shale_iter_options: init, read, validate.
#include "options.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "barrier.h"
#include "db_state.h"
#include "error.h"
#include "objects.h"

namespace shale::capi {
namespace {

static_assert(sizeof(shale_options) >= kOptionsMinSize);
static_assert(sizeof(shale_iter_options) >= kIterOptionsMinSize);
static_assert(offsetof(shale_options, logger_user_free) + sizeof(void *) ==
              kOptionsMinSize);
static_assert(offsetof(shale_iter_options, prefix_len) + sizeof(size_t) ==
              kIterOptionsMinSize);

shale_options DefaultOptions() {
  shale_options o;
  std::memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.create_if_missing = 1;
  o.error_if_exists = 0;
  o.read_only = 0;
  o.sync_mode = SHALE_SYNC_GROUP;
  o.salvage = 0;
  o.log_level = SHALE_LOG_INFO;
  // Since 0.2.0: the core's defaults, so that both stay in one place.
  const shale::Options core;
  o.write_buffer_size = core.write_buffer_size;
  o.block_cache_capacity = core.block_cache_capacity;
  o.block_size = static_cast<uint32_t>(core.block_size);
  o.bloom_bits_per_key = static_cast<uint32_t>(core.bloom_bits_per_key);
  o.max_open_files = static_cast<uint32_t>(core.max_open_files);
  o.level0_compaction_trigger =
      static_cast<uint32_t>(core.level0_compaction_trigger);
  o.level0_slowdown_trigger =
      static_cast<uint32_t>(core.level0_slowdown_trigger);
  o.level0_stop_trigger = static_cast<uint32_t>(core.level0_stop_trigger);
  o.target_file_size = core.target_file_size;
  o.level1_max_bytes = core.level1_max_bytes;
  o.level_size_multiplier = static_cast<uint32_t>(core.level_size_multiplier);
  o.reserved0 = 0;
  return o;
}

shale_iter_options DefaultIterOptions() {
  shale_iter_options o;
  std::memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  return o;
}

// Writes the defaults into the caller's struct of struct_size bytes.
template <class T>
int32_t InitStruct(T *options, size_t struct_size, size_t min_size,
                   const T &defaults, const char *type_name) {
  if (options == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "options is NULL");
  }
  if (struct_size < min_size) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "struct_size %zu is smaller than %s of shale 0.1.0 (%zu)",
                struct_size, type_name, min_size);
  }
  size_t n = std::min(struct_size, sizeof(T));
  std::memcpy(options, &defaults, n);
  // Fields of a newer header that this library does not know: zero them.
  if (struct_size > n) {
    std::memset(reinterpret_cast<char *>(options) + n, 0, struct_size - n);
  }
  options->struct_size = struct_size;
  return SHALE_OK;
}

template <class T>
int32_t ReadStruct(const T *in, size_t min_size, const T &defaults, T *out,
                   const char *type_name) {
  *out = defaults;
  if (in == nullptr) return SHALE_OK;
  size_t declared = in->struct_size;
  if (declared < min_size) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "%s.struct_size is %zu, smaller than the 0.1.0 struct (%zu); "
                "initialize it with its _init function",
                type_name, declared, min_size);
  }
  std::memcpy(out, in, std::min(declared, sizeof(T)));
  out->struct_size = sizeof(T);
  return SHALE_OK;
}

int32_t CheckFlag(uint32_t v, const char *name) {
  if (v > 1) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "options.%s is %u; it must be 0 or 1",
                name, v);
  }
  return SHALE_OK;
}

// min <= v <= max, else an error naming the field and its range.
int32_t CheckRange(uint64_t v, uint64_t min, uint64_t max, const char *name,
                   const char *range) {
  if (v < min || v > max) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "options.%s is %llu; it must be %s",
                name, static_cast<unsigned long long>(v), range);
  }
  return SHALE_OK;
}

int32_t CheckBound(const void *p, size_t len, const char *name) {
  if (p == nullptr && len != 0) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.%s is NULL but options.%s_len is %zu", name, name,
                len);
  }
  if (len > SHALE_MAX_KEY_SIZE) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.%s_len %zu is over SHALE_MAX_KEY_SIZE (%zu bytes)",
                name, len, SHALE_MAX_KEY_SIZE);
  }
  return SHALE_OK;
}

}  // namespace

int32_t ReadOptions(const shale_options *in, shale_options *out) noexcept {
  int32_t rc =
      ReadStruct(in, kOptionsMinSize, DefaultOptions(), out, "shale_options");
  if (rc != SHALE_OK || in == nullptr) return rc;
  // A field the caller's struct_size covers only in part keeps its default.
  const size_t declared = in->struct_size;
  const shale_options defaults = DefaultOptions();
#define SHALE_KEEP_DEFAULT_IF_CUT(field)                                \
  if (offsetof(shale_options, field) + sizeof(out->field) > declared) { \
    out->field = defaults.field;                                        \
  }
  SHALE_KEEP_DEFAULT_IF_CUT(write_buffer_size)
  SHALE_KEEP_DEFAULT_IF_CUT(block_cache_capacity)
  SHALE_KEEP_DEFAULT_IF_CUT(block_size)
  SHALE_KEEP_DEFAULT_IF_CUT(bloom_bits_per_key)
  SHALE_KEEP_DEFAULT_IF_CUT(max_open_files)
  SHALE_KEEP_DEFAULT_IF_CUT(level0_compaction_trigger)
  SHALE_KEEP_DEFAULT_IF_CUT(level0_slowdown_trigger)
  SHALE_KEEP_DEFAULT_IF_CUT(level0_stop_trigger)
  SHALE_KEEP_DEFAULT_IF_CUT(target_file_size)
  SHALE_KEEP_DEFAULT_IF_CUT(level1_max_bytes)
  SHALE_KEEP_DEFAULT_IF_CUT(level_size_multiplier)
  SHALE_KEEP_DEFAULT_IF_CUT(reserved0)
#undef SHALE_KEEP_DEFAULT_IF_CUT
  return SHALE_OK;
}

int32_t ReadIterOptions(const shale_iter_options *in,
                        shale_iter_options *out) noexcept {
  return ReadStruct(in, kIterOptionsMinSize, DefaultIterOptions(), out,
                    "shale_iter_options");
}

int32_t ValidateOptions(const shale_options &o) noexcept {
  int32_t rc;
  if ((rc = CheckFlag(o.create_if_missing, "create_if_missing")) != 0 ||
      (rc = CheckFlag(o.error_if_exists, "error_if_exists")) != 0 ||
      (rc = CheckFlag(o.read_only, "read_only")) != 0 ||
      (rc = CheckFlag(o.salvage, "salvage")) != 0) {
    return rc;
  }
  if (o.sync_mode > SHALE_SYNC_GROUP) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.sync_mode is %u; it must be SHALE_SYNC_NONE (0), "
                "SHALE_SYNC_EVERY (1) or SHALE_SYNC_GROUP (2)",
                o.sync_mode);
  }
  if (o.log_level < SHALE_LOG_DEBUG || o.log_level > SHALE_LOG_ERROR) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.log_level is %d; it must be SHALE_LOG_DEBUG (0) to "
                "SHALE_LOG_ERROR (3)",
                static_cast<int>(o.log_level));
  }
  return ValidateSizing(o);
}

int32_t ValidateSizing(const shale_options &o) noexcept {
  constexpr uint64_t kIntMax = 0x7fffffff;
  int32_t rc;
  if ((rc = CheckRange(o.write_buffer_size, kMinWriteBufferSize, UINT64_MAX,
                       "write_buffer_size", "at least 64 KiB (65536)")) != 0 ||
      (rc = CheckRange(o.block_size, kMinBlockSize, kMaxBlockSize, "block_size",
                       "256 to 4 MiB (4194304)")) != 0 ||
      (rc = CheckRange(o.bloom_bits_per_key, 0, kMaxBloomBitsPerKey,
                       "bloom_bits_per_key", "0 to 64")) != 0 ||
      (rc = CheckRange(o.max_open_files, kMinOpenFiles, kIntMax,
                       "max_open_files", "at least 16")) != 0 ||
      (rc = CheckRange(o.level0_compaction_trigger, 1, kIntMax,
                       "level0_compaction_trigger", "at least 1")) != 0 ||
      (rc = CheckRange(o.level0_slowdown_trigger, 1, kIntMax,
                       "level0_slowdown_trigger", "at least 1")) != 0 ||
      (rc = CheckRange(o.level0_stop_trigger, 1, kIntMax, "level0_stop_trigger",
                       "at least 1")) != 0 ||
      (rc = CheckRange(o.target_file_size, kMinTargetFileSize, UINT64_MAX,
                       "target_file_size", "at least 1")) != 0 ||
      (rc = CheckRange(o.level1_max_bytes, kMinLevel1MaxBytes, UINT64_MAX,
                       "level1_max_bytes", "at least 1")) != 0 ||
      (rc = CheckRange(o.level_size_multiplier, kMinLevelMultiplier,
                       kMaxLevelMultiplier, "level_size_multiplier",
                       "2 to 100")) != 0) {
    return rc;
  }
  if (o.level0_compaction_trigger > o.level0_slowdown_trigger) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.level0_compaction_trigger (%u) is above "
                "options.level0_slowdown_trigger (%u); they must satisfy "
                "compaction_trigger <= slowdown_trigger <= stop_trigger",
                o.level0_compaction_trigger, o.level0_slowdown_trigger);
  }
  if (o.level0_slowdown_trigger > o.level0_stop_trigger) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.level0_slowdown_trigger (%u) is above "
                "options.level0_stop_trigger (%u); they must satisfy "
                "compaction_trigger <= slowdown_trigger <= stop_trigger",
                o.level0_slowdown_trigger, o.level0_stop_trigger);
  }
  if (o.reserved0 != 0) {
    return Fail(SHALE_E_INVALID_ARGUMENT,
                "options.reserved0 is %u; it must be 0", o.reserved0);
  }
  return SHALE_OK;
}

shale::Options ToCore(const shale_options &o) {
  shale::Options core;
  core.create_if_missing = o.create_if_missing != 0;
  core.error_if_exists = o.error_if_exists != 0;
  core.read_only = o.read_only != 0;
  switch (o.sync_mode) {
    case SHALE_SYNC_NONE:
      core.sync_mode = shale::SyncMode::kNone;
      break;
    case SHALE_SYNC_EVERY:
      core.sync_mode = shale::SyncMode::kEvery;
      break;
    default:
      core.sync_mode = shale::SyncMode::kGroup;
      break;
  }
  core.salvage = o.salvage != 0;
  core.log_level = static_cast<shale::LogLevel>(o.log_level);
  core.write_buffer_size = static_cast<size_t>(o.write_buffer_size);
  core.block_cache_capacity = static_cast<size_t>(o.block_cache_capacity);
  core.block_size = o.block_size;
  core.bloom_bits_per_key = static_cast<int>(o.bloom_bits_per_key);
  core.max_open_files = static_cast<int>(o.max_open_files);
  core.level0_compaction_trigger =
      static_cast<int>(o.level0_compaction_trigger);
  core.level0_slowdown_trigger = static_cast<int>(o.level0_slowdown_trigger);
  core.level0_stop_trigger = static_cast<int>(o.level0_stop_trigger);
  core.target_file_size = static_cast<size_t>(o.target_file_size);
  core.level1_max_bytes = o.level1_max_bytes;
  core.level_size_multiplier = static_cast<int>(o.level_size_multiplier);
  return core;
}

int32_t ResolveSnapshot(shale_snapshot *snapshot, const DbState *db,
                        std::shared_ptr<const shale::Snapshot> *out) {
  out->reset();
  if (snapshot == nullptr) return SHALE_OK;
  std::shared_ptr<SnapshotObj> snap;
  int32_t rc = Lookup(snapshot, HandleType::kSnapshot, "snapshot", &snap);
  if (rc != SHALE_OK) return rc;
  if (snap->db.get() != db) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "snapshot %p belongs to another db",
                static_cast<void *>(snapshot));
  }
  *out = snap->snap;
  return SHALE_OK;
}

int32_t ToCoreRead(const shale_iter_options &o, const DbState *db,
                   shale::ReadOptions *out) {
  int32_t rc;
  if ((rc = CheckBound(o.lower_bound, o.lower_bound_len, "lower_bound")) != 0 ||
      (rc = CheckBound(o.upper_bound, o.upper_bound_len, "upper_bound")) != 0 ||
      (rc = CheckBound(o.prefix, o.prefix_len, "prefix")) != 0) {
    return rc;
  }
  rc = ResolveSnapshot(o.snapshot, db, &out->snapshot);
  if (rc != SHALE_OK) return rc;
  if (o.lower_bound != nullptr) {
    out->lower_bound.emplace(View(o.lower_bound, o.lower_bound_len));
  }
  if (o.upper_bound != nullptr) {
    out->upper_bound.emplace(View(o.upper_bound, o.upper_bound_len));
  }
  if (o.prefix != nullptr) {
    out->prefix.emplace(View(o.prefix, o.prefix_len));
  }
  return SHALE_OK;
}

}  // namespace shale::capi

using namespace shale::capi;

extern "C" SHALE_API int32_t shale_options_init(shale_options *options,
                                                size_t struct_size) {
  return Guard(__func__, [&]() -> int32_t {
    return InitStruct(options, struct_size, kOptionsMinSize, DefaultOptions(),
                      "shale_options");
  });
}

extern "C" SHALE_API int32_t
shale_iter_options_init(shale_iter_options *options, size_t struct_size) {
  return Guard(__func__, [&]() -> int32_t {
    return InitStruct(options, struct_size, kIterOptionsMinSize,
                      DefaultIterOptions(), "shale_iter_options");
  });
}
