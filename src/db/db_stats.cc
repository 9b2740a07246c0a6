// Statistics, properties and the Start* jobs.
#include <cstdio>

#include "db/db_impl.h"
#include "db/filenames.h"

namespace shale {

void DBImpl::GetStats(DbStats *st) {
  *st = DbStats();
  ReadState rs;
  if (!GetReadState(ReadOptions(), &rs).ok()) return;
  st->memtable_bytes = rs.mem->ApproximateMemoryUsage() +
                       (rs.imm ? rs.imm->ApproximateMemoryUsage() : 0);
  st->approximate_keys =
      rs.mem->EntryCount() + (rs.imm ? rs.imm->EntryCount() : 0);
  st->live_bytes = st->memtable_bytes;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FileRef &f : rs.version->files(level)) {
      ++st->level_files[level];
      st->level_bytes[level] += f->file_size;
      // Entries recorded in the manifest (no file is opened here).
      st->approximate_keys += f->num_entries;
    }
    st->live_bytes += st->level_bytes[level];
  }
  std::vector<std::string> names;
  if (env_->GetChildren(path_, &names).ok()) {
    for (const std::string &name : names) {
      uint64_t size = 0;
      if (env_->GetFileSize(path_ + "/" + name, &size).ok()) {
        st->disk_bytes += size;
      }
    }
  }
  st->cache_capacity = block_cache_->capacity();
  st->cache_usage = block_cache_->usage();
  st->cache_hits = block_cache_->hits();
  st->cache_misses = block_cache_->misses();
  st->open_tables = table_cache_->open_tables();
  st->flushes = stat_flushes_.load();
  st->compactions = stat_compactions_.load();
  st->compaction_bytes_read = stat_compaction_read_.load();
  st->compaction_bytes_written = stat_compaction_written_.load();
  st->flush_bytes_written = stat_flush_written_.load();
  st->wal_bytes_written = stat_wal_written_.load();
  st->user_bytes_written = stat_user_written_.load();
  st->write_stalls = stat_write_stalls_.load();
  st->bloom_checks = stat_bloom_checks_.Sum();
  st->bloom_negatives = stat_bloom_negatives_.Sum();
  if (st->user_bytes_written > 0) {
    st->write_amplification =
        static_cast<double>(st->wal_bytes_written + st->flush_bytes_written +
                            st->compaction_bytes_written) /
        static_cast<double>(st->user_bytes_written);
  }
}

namespace {

std::string StatsText(const DbStats &s) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "level  files  bytes\n");
  out += line;
  for (int l = 0; l < kNumLevels; ++l) {
    std::snprintf(line, sizeof(line), "L%d     %5llu  %llu\n", l,
                  static_cast<unsigned long long>(s.level_files[l]),
                  static_cast<unsigned long long>(s.level_bytes[l]));
    out += line;
  }
  auto row = [&](const char *name, uint64_t v) {
    std::snprintf(line, sizeof(line), "%-26s %llu\n", name,
                  static_cast<unsigned long long>(v));
    out += line;
  };
  row("memtable_bytes", s.memtable_bytes);
  row("approximate_memtable_keys", s.approximate_keys);
  row("live_bytes", s.live_bytes);
  row("disk_bytes", s.disk_bytes);
  row("cache_capacity", s.cache_capacity);
  row("cache_usage", s.cache_usage);
  row("cache_hits", s.cache_hits);
  row("cache_misses", s.cache_misses);
  row("open_tables", s.open_tables);
  row("flushes", s.flushes);
  row("compactions", s.compactions);
  row("compaction_bytes_read", s.compaction_bytes_read);
  row("compaction_bytes_written", s.compaction_bytes_written);
  row("flush_bytes_written", s.flush_bytes_written);
  row("wal_bytes_written", s.wal_bytes_written);
  row("user_bytes_written", s.user_bytes_written);
  row("bloom_checks", s.bloom_checks);
  row("bloom_negatives", s.bloom_negatives);
  row("write_stalls", s.write_stalls);
  std::snprintf(line, sizeof(line), "%-26s %.2f\n", "write_amplification",
                s.write_amplification);
  out += line;
  return out;
}

}  // namespace

Status DBImpl::GetProperty(std::string_view name, std::string *value) {
  if (name == "shale.recovery") {
    *value = recovery_report_;
  } else if (name == "shale.sequence") {
    *value = std::to_string(last_sequence_.load(std::memory_order_acquire));
  } else if (name == "shale.path") {
    *value = path_;
  } else if (name == "shale.stats") {
    DbStats st;
    GetStats(&st);
    *value = StatsText(st);
  } else {
    return Status::NotFound("unknown property \"" + std::string(name) +
                            "\" (known: shale.recovery, shale.sequence, "
                            "shale.path, shale.stats)");
  }
  return Status::OK();
}

std::shared_ptr<Job> DBImpl::StartCompactRange(std::optional<std::string> begin,
                                               std::optional<std::string> end,
                                               JobCallbacks callbacks) {
  return jobs_.Start(
      [this, begin = std::move(begin), end = std::move(end)](
          const ProgressFn &progress, std::string *) {
        return CompactRange(begin ? &*begin : nullptr, end ? &*end : nullptr,
                            progress);
      },
      std::move(callbacks));
}

std::shared_ptr<Job> DBImpl::StartBackup(std::string dest,
                                         JobCallbacks callbacks) {
  return jobs_.Start([this, dest = std::move(dest)](
                         const ProgressFn &progress,
                         std::string *) { return Backup(dest, progress); },
                     std::move(callbacks));
}

std::shared_ptr<Job> DBImpl::StartVerify(JobCallbacks callbacks) {
  return jobs_.Start(
      [this](const ProgressFn &progress, std::string *report) {
        return Verify(progress, report);
      },
      std::move(callbacks));
}

}  // namespace shale
