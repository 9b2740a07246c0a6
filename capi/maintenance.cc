// maintenance.cc — flush, compact_range, backup, verify (synchronous) and
// statistics.
#include "maintenance.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "barrier.h"
#include "error.h"
#include "handle_table.h"
#include "options.h"

namespace shale::capi {

int32_t CompactBounds(const void *start, size_t start_len, const void *end,
                      size_t end_len, std::optional<std::string> *begin_out,
                      std::optional<std::string> *end_out) {
  int32_t rc;
  if ((rc = CheckBytes(start, start_len, "start", SHALE_MAX_KEY_SIZE,
                       "SHALE_MAX_KEY_SIZE")) != SHALE_OK ||
      (rc = CheckBytes(end, end_len, "end", SHALE_MAX_KEY_SIZE,
                       "SHALE_MAX_KEY_SIZE")) != SHALE_OK) {
    return rc;
  }
  begin_out->reset();
  end_out->reset();
  if (start != nullptr) begin_out->emplace(View(start, start_len));
  if (end != nullptr) end_out->emplace(View(end, end_len));
  return SHALE_OK;
}

int32_t CheckWritable(const DbState &state, const char *what) {
  if (state.read_only) {
    return Fail(SHALE_E_READ_ONLY, "cannot %s a db opened read-only", what);
  }
  return SHALE_OK;
}

int32_t CheckBackupDest(const char *dest_path) {
  if (dest_path == nullptr) {
    return Fail(SHALE_E_INVALID_ARGUMENT, "dest_path is NULL");
  }
  if (dest_path[0] == '\0') {
    return Fail(SHALE_E_INVALID_ARGUMENT, "dest_path is empty");
  }
  struct stat st;
  if (::stat(dest_path, &st) != 0) return SHALE_OK;  // does not exist
  if (!S_ISDIR(st.st_mode)) {
    return Fail(SHALE_E_EXISTS, "%.400s exists and is not a directory",
                dest_path);
  }
  std::error_code ec;
  std::filesystem::directory_iterator it(dest_path, ec);
  if (ec) {
    return FailErrno(SHALE_E_IO, ec.value(), "cannot read %.400s: %s",
                     dest_path, std::strerror(ec.value()));
  }
  if (it != std::filesystem::directory_iterator()) {
    return Fail(SHALE_E_EXISTS, "%.400s is not empty", dest_path);
  }
  return SHALE_OK;
}

shale::ProgressFn SyncProgress(const void *db_identity, shale_progress_fn fn,
                               void *user) {
  return [db_identity, fn, user](uint64_t done, uint64_t total) {
    if (fn == nullptr) return true;
    CallbackScope scope(db_identity);
    return fn(user, done, total) == 0;
  };
}

}  // namespace shale::capi

using namespace shale::capi;

namespace {

// Copies s into a new malloc'ed NUL-terminated string, or nullptr.
char *CopyString(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void ToPublic(const shale::DbStats &in, shale_stats *out) {
  static_assert(SHALE_STATS_LEVELS == shale::kNumLevels);
  out->approximate_keys = in.approximate_keys;
  out->live_bytes = in.live_bytes;
  out->disk_bytes = in.disk_bytes;
  for (int i = 0; i < SHALE_STATS_LEVELS; ++i) {
    out->level_files[i] = in.level_files[i];
    out->level_bytes[i] = in.level_bytes[i];
  }
  out->memtable_bytes = in.memtable_bytes;
  out->cache_capacity = in.cache_capacity;
  out->cache_usage = in.cache_usage;
  out->cache_hits = in.cache_hits;
  out->cache_misses = in.cache_misses;
  out->open_tables = in.open_tables;
  out->flushes = in.flushes;
  out->compactions = in.compactions;
  out->compaction_bytes_read = in.compaction_bytes_read;
  out->compaction_bytes_written = in.compaction_bytes_written;
  out->flush_bytes_written = in.flush_bytes_written;
  out->wal_bytes_written = in.wal_bytes_written;
  out->user_bytes_written = in.user_bytes_written;
  out->bloom_checks = in.bloom_checks;
  out->bloom_negatives = in.bloom_negatives;
  out->write_stalls = in.write_stalls;
  out->write_amplification = in.write_amplification;
}

// Zeroes the caller's stats (its first struct_size bytes that this library
// knows) except struct_size itself.
void ZeroStats(shale_stats *stats) {
  size_t n = std::min(stats->struct_size, sizeof(shale_stats));
  size_t keep = sizeof(stats->struct_size);
  if (n > keep) {
    std::memset(reinterpret_cast<char *>(stats) + keep, 0, n - keep);
  }
}

}  // namespace

extern "C" SHALE_API int32_t shale_db_flush(shale_db *db) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if ((rc = CheckWritable(*state, "flush")) != SHALE_OK) return rc;
      return FromCore(state->db->Flush());
    });
  });
}

extern "C" SHALE_API int32_t shale_db_compact_range(
    shale_db *db, const void *start, size_t start_len, const void *end,
    size_t end_len, shale_progress_fn progress, void *user) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      std::optional<std::string> begin_key, end_key;
      if ((rc = CompactBounds(start, start_len, end, end_len, &begin_key,
                              &end_key)) != SHALE_OK) {
        return rc;
      }
      if ((rc = CheckWritable(*state, "compact")) != SHALE_OK) return rc;
      shale::ProgressFn fn = SyncProgress(state.get(), progress, user);
      return FromCore(state->db->CompactRange(begin_key ? &*begin_key : nullptr,
                                              end_key ? &*end_key : nullptr,
                                              fn));
    });
  });
}

extern "C" SHALE_API int32_t shale_db_backup(shale_db *db,
                                             const char *dest_path,
                                             shale_progress_fn progress,
                                             void *user) {
  return Guard(__func__, [&]() -> int32_t {
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      int32_t rc;
      if ((rc = CheckBackupDest(dest_path)) != SHALE_OK) return rc;
      shale::ProgressFn fn = SyncProgress(state.get(), progress, user);
      return FromCore(state->db->Backup(std::string(dest_path), fn));
    });
  });
}

extern "C" SHALE_API int32_t shale_db_verify(shale_db *db,
                                             shale_progress_fn progress,
                                             void *user, char **report) {
  return Guard(__func__, [&]() -> int32_t {
    if (report != nullptr) *report = nullptr;
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      shale::ProgressFn fn = SyncProgress(state.get(), progress, user);
      std::string text;
      shale::Status st =
          state->db->Verify(fn, report != nullptr ? &text : nullptr);
      if (report != nullptr) {
        if (text.empty() && !st.ok()) text = st.message();
        char *copy = CopyString(text);
        if (copy == nullptr) return FailNoMemory();
        *report = copy;
      }
      return FromCore(st);
    });
  });
}

extern "C" SHALE_API int32_t shale_stats_init(shale_stats *stats,
                                              size_t struct_size) {
  return Guard(__func__, [&]() -> int32_t {
    if (stats == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "stats is NULL");
    }
    if (struct_size < kStatsMinSize) {
      return Fail(SHALE_E_INVALID_ARGUMENT,
                  "struct_size %zu is smaller than shale_stats of shale 0.2.0 "
                  "(%zu)",
                  struct_size, kStatsMinSize);
    }
    std::memset(stats, 0, struct_size);
    stats->struct_size = struct_size;
    return SHALE_OK;
  });
}

extern "C" SHALE_API int32_t shale_db_stats(shale_db *db, shale_stats *stats) {
  return Guard(__func__, [&]() -> int32_t {
    if (stats == nullptr) {
      return Fail(SHALE_E_INVALID_ARGUMENT, "stats is NULL");
    }
    if (stats->struct_size < kStatsMinSize) {
      // Not initialised: we cannot know how many bytes it has.
      return Fail(SHALE_E_INVALID_ARGUMENT,
                  "stats->struct_size is %zu, smaller than shale_stats of "
                  "shale 0.2.0 (%zu); initialise it with SHALE_STATS_INIT",
                  stats->struct_size, kStatsMinSize);
    }
    ZeroStats(stats);
    return WithDb(db, [&](const DbRef &state) -> int32_t {
      shale::DbStats core;
      state->db->GetStats(&core);
      shale_stats full;
      std::memset(&full, 0, sizeof(full));
      ToPublic(core, &full);
      size_t n = std::min(stats->struct_size, sizeof(shale_stats));
      size_t keep = sizeof(stats->struct_size);
      std::memcpy(reinterpret_cast<char *>(stats) + keep,
                  reinterpret_cast<const char *>(&full) + keep, n - keep);
      return SHALE_OK;
    });
  });
}
