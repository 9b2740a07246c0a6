//! Statistics: the figures of `shale_db_stats` as a plain struct.

use crate::db::Db;
use crate::error::{check, Result};
use shale_sys as sys;

/// The number of levels [`Stats::level_files`] and [`Stats::level_bytes`]
/// describe (`SHALE_STATS_LEVELS`); level 0 first.
pub const STATS_LEVELS: usize = sys::SHALE_STATS_LEVELS as usize;

/// A db's current figures, read by [`Db::stats`]. Counters run since the
/// db was opened; sizes are in bytes.
///
/// The fields are those of the C `shale_stats` (same names and meaning).
/// The struct is `#[non_exhaustive]`: a later version may add fields.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Entries (all versions) in the in-memory tables and table files.
    pub approximate_keys: u64,
    /// Bytes of the live table files and in-memory tables.
    pub live_bytes: u64,
    /// Bytes of every file in the db directory.
    pub disk_bytes: u64,
    /// Table files per level, level 0 first.
    pub level_files: [u64; STATS_LEVELS],
    /// Bytes of the table files per level, level 0 first.
    pub level_bytes: [u64; STATS_LEVELS],
    /// Bytes of the in-memory tables (the active one and any being flushed).
    pub memtable_bytes: u64,
    /// The block cache's capacity.
    pub cache_capacity: u64,
    /// Bytes held in the block cache.
    pub cache_usage: u64,
    /// Block cache lookups that found the block.
    pub cache_hits: u64,
    /// Block cache lookups that did not.
    pub cache_misses: u64,
    /// Table files currently open.
    pub open_tables: u64,
    /// Flushes of an in-memory table to a table file.
    pub flushes: u64,
    /// Compactions run.
    pub compactions: u64,
    /// Bytes read by compactions.
    pub compaction_bytes_read: u64,
    /// Bytes written by compactions.
    pub compaction_bytes_written: u64,
    /// Bytes written by flushes.
    pub flush_bytes_written: u64,
    /// Bytes written to the log.
    pub wal_bytes_written: u64,
    /// Bytes of keys and values accepted by writes.
    pub user_bytes_written: u64,
    /// Table lookups that consulted a Bloom filter.
    pub bloom_checks: u64,
    /// ... of which the filter said the key is absent (the table was skipped).
    pub bloom_negatives: u64,
    /// Writes slowed down or stopped because level 0 had too many files.
    pub write_stalls: u64,
    /// (log + flush + compaction bytes written) / user bytes written; 0
    /// before any write.
    pub write_amplification: f64,
}

impl Stats {
    fn from_raw(raw: &sys::shale_stats) -> Stats {
        Stats {
            approximate_keys: raw.approximate_keys,
            live_bytes: raw.live_bytes,
            disk_bytes: raw.disk_bytes,
            level_files: raw.level_files,
            level_bytes: raw.level_bytes,
            memtable_bytes: raw.memtable_bytes,
            cache_capacity: raw.cache_capacity,
            cache_usage: raw.cache_usage,
            cache_hits: raw.cache_hits,
            cache_misses: raw.cache_misses,
            open_tables: raw.open_tables,
            flushes: raw.flushes,
            compactions: raw.compactions,
            compaction_bytes_read: raw.compaction_bytes_read,
            compaction_bytes_written: raw.compaction_bytes_written,
            flush_bytes_written: raw.flush_bytes_written,
            wal_bytes_written: raw.wal_bytes_written,
            user_bytes_written: raw.user_bytes_written,
            bloom_checks: raw.bloom_checks,
            bloom_negatives: raw.bloom_negatives,
            write_stalls: raw.write_stalls,
            write_amplification: raw.write_amplification,
        }
    }

    /// Table files over all levels.
    pub fn total_files(&self) -> u64 {
        self.level_files.iter().sum()
    }
}

impl Db {
    /// The db's current figures (`shale_db_stats`): sizes, table files per
    /// level, cache and Bloom filter counters, bytes written and write
    /// amplification. The same figures as text:
    /// `db.property("shale.stats")`.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("shale-doc-stats-{}", std::process::id()));
    /// use shale::{Db, Options};
    /// let db = Db::open(&dir, Options::new())?;
    /// db.put(b"key", b"value")?;
    /// db.flush()?;
    /// let stats = db.stats()?;
    /// assert!(stats.user_bytes_written >= 8);
    /// assert!(stats.total_files() >= 1);
    /// println!("level 0: {} files, {} bytes", stats.level_files[0], stats.level_bytes[0]);
    /// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), shale::Error>(())
    /// ```
    pub fn stats(&self) -> Result<Stats> {
        // SAFETY: shale_stats is plain integers and a double: all zeroes is
        // a valid value (and shale_stats_init zeroes it again).
        let mut raw: sys::shale_stats = unsafe { std::mem::zeroed() };
        // SHALE_STATS_INIT: struct_size is the size this crate compiled.
        // SAFETY: raw is writable and that size.
        check(unsafe { sys::shale_stats_init(&mut raw, std::mem::size_of::<sys::shale_stats>()) })?;
        // SAFETY: live handle; raw initialised, borrowed for the call.
        check(unsafe { sys::shale_db_stats(self.as_raw(), &mut raw) })?;
        Ok(Stats::from_raw(&raw))
    }
}
