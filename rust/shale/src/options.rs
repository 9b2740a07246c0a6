//! Options for [`Db::open`](crate::Db::open).

use crate::log::{LogLevel, Logger};
use shale_sys as sys;
use std::sync::Arc;

/// When a write is acknowledged, relative to its durability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Handed to the OS before it is acknowledged: survives a crash of the
    /// process, not of the machine.
    None,
    /// Each write is fsync'ed on its own: survives power loss.
    Every,
    /// Group commit (the default): acknowledged after an fsync that covers
    /// it, shared by writers waiting at the same moment. Survives power loss.
    Group,
}

impl SyncMode {
    fn raw(self) -> u32 {
        match self {
            SyncMode::None => sys::SHALE_SYNC_NONE as u32,
            SyncMode::Every => sys::SHALE_SYNC_EVERY as u32,
            SyncMode::Group => sys::SHALE_SYNC_GROUP as u32,
        }
    }
}

/// How to open a db. Start from [`Options::new`] (the library's defaults)
/// and change what you need; every setter returns the options:
///
/// ```
/// use shale::{Options, SyncMode};
/// let opts = Options::new()
///     .create_if_missing(true)
///     .sync_mode(SyncMode::None)
///     .write_buffer_size(4 << 20);
/// ```
///
/// Fields left alone keep the defaults of `shale_options_init`. A value out
/// of the library's range makes [`Db::open`](crate::Db::open) fail with
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) naming
/// the field.
#[derive(Clone, Default)]
pub struct Options {
    create_if_missing: Option<bool>,
    error_if_exists: Option<bool>,
    read_only: Option<bool>,
    sync_mode: Option<SyncMode>,
    salvage: Option<bool>,
    log_level: Option<LogLevel>,
    pub(crate) logger: Option<Arc<Logger>>,
    write_buffer_size: Option<u64>,
    block_cache_capacity: Option<u64>,
    block_size: Option<u32>,
    bloom_bits_per_key: Option<u32>,
    max_open_files: Option<u32>,
    level0_compaction_trigger: Option<u32>,
    level0_slowdown_trigger: Option<u32>,
    level0_stop_trigger: Option<u32>,
    target_file_size: Option<u64>,
    level1_max_bytes: Option<u64>,
    level_size_multiplier: Option<u32>,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $t:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $t) -> Self {
            self.$name = Some(value);
            self
        }
    };
}

impl Options {
    /// The library's defaults: create if missing, group commit.
    pub fn new() -> Options {
        Options::default()
    }

    setter!(
        /// Create the directory if it does not exist (default true).
        create_if_missing: bool);
    setter!(
        /// Fail with [`ErrorKind::Exists`](crate::ErrorKind::Exists) if the
        /// db already exists (default false).
        error_if_exists: bool);
    setter!(
        /// Open read-only: writes fail with
        /// [`ErrorKind::ReadOnly`](crate::ErrorKind::ReadOnly) (default false).
        read_only: bool);
    setter!(
        /// Durability of acknowledged writes (default [`SyncMode::Group`]).
        sync_mode: SyncMode);
    setter!(
        /// Skip unreadable data found during recovery instead of failing the
        /// open; see the `"shale.recovery"` property (default false).
        salvage: bool);
    setter!(
        /// Messages below this level are not delivered to the logger
        /// (default [`LogLevel::Info`]).
        log_level: LogLevel);
    setter!(
        /// Bytes of writes gathered in memory before a table file is written
        /// (default 8 MiB, at least 64 KiB).
        write_buffer_size: u64);
    setter!(
        /// Bytes of the block cache (default 32 MiB; 0 disables it).
        block_cache_capacity: u64);
    setter!(
        /// Target size of a table data block (default 4096; 256 B to 4 MiB).
        block_size: u32);
    setter!(
        /// Bloom filter bits per key (default 10; 0 writes no filters).
        bloom_bits_per_key: u32);
    setter!(
        /// Table files kept open at once (default 1000).
        max_open_files: u32);
    setter!(
        /// Level-0 files that trigger a compaction (default 4).
        level0_compaction_trigger: u32);
    setter!(
        /// Level-0 files at which writes are slowed (default 8).
        level0_slowdown_trigger: u32);
    setter!(
        /// Level-0 files at which writes wait for compaction (default 12).
        level0_stop_trigger: u32);
    setter!(
        /// Size at which compaction output files are cut (default 4 MiB).
        target_file_size: u64);
    setter!(
        /// Bytes held by level 1 (default 64 MiB).
        level1_max_bytes: u64);
    setter!(
        /// Growth factor between levels (default 10; 2 to 100).
        level_size_multiplier: u32);

    /// Receives the library's diagnostic messages (at or above
    /// [`log_level`](Self::log_level)). It may be called from any thread,
    /// concurrently, while the db is open; it must not close the db. A panic
    /// in it is caught and the message dropped.
    pub fn logger(mut self, f: impl Fn(LogLevel, &str) + Send + Sync + 'static) -> Self {
        self.logger = Some(Arc::new(f));
        self
    }

    /// The C struct: `shale_options_init` defaults, then what was set here.
    /// The logger is not filled in (see `Db::open`).
    pub(crate) fn to_raw(&self) -> sys::shale_options {
        // SAFETY: shale_options is plain data (integers, nullable pointers
        // and Option<fn>); all-zero is a valid value, then init fills it.
        let mut raw: sys::shale_options = unsafe { std::mem::zeroed() };
        // SAFETY: raw is a valid, writable shale_options of the given size.
        let st =
            unsafe { sys::shale_options_init(&mut raw, std::mem::size_of::<sys::shale_options>()) };
        debug_assert_eq!(st, sys::SHALE_OK);
        let flag = |b: bool| b as u32;
        if let Some(v) = self.create_if_missing {
            raw.create_if_missing = flag(v)
        }
        if let Some(v) = self.error_if_exists {
            raw.error_if_exists = flag(v)
        }
        if let Some(v) = self.read_only {
            raw.read_only = flag(v)
        }
        if let Some(v) = self.sync_mode {
            raw.sync_mode = v.raw()
        }
        if let Some(v) = self.salvage {
            raw.salvage = flag(v)
        }
        if let Some(v) = self.log_level {
            raw.log_level = v.raw()
        }
        if let Some(v) = self.write_buffer_size {
            raw.write_buffer_size = v
        }
        if let Some(v) = self.block_cache_capacity {
            raw.block_cache_capacity = v
        }
        if let Some(v) = self.block_size {
            raw.block_size = v
        }
        if let Some(v) = self.bloom_bits_per_key {
            raw.bloom_bits_per_key = v
        }
        if let Some(v) = self.max_open_files {
            raw.max_open_files = v
        }
        if let Some(v) = self.level0_compaction_trigger {
            raw.level0_compaction_trigger = v
        }
        if let Some(v) = self.level0_slowdown_trigger {
            raw.level0_slowdown_trigger = v
        }
        if let Some(v) = self.level0_stop_trigger {
            raw.level0_stop_trigger = v
        }
        if let Some(v) = self.target_file_size {
            raw.target_file_size = v
        }
        if let Some(v) = self.level1_max_bytes {
            raw.level1_max_bytes = v
        }
        if let Some(v) = self.level_size_multiplier {
            raw.level_size_multiplier = v
        }
        raw
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("create_if_missing", &self.create_if_missing)
            .field("error_if_exists", &self.error_if_exists)
            .field("read_only", &self.read_only)
            .field("sync_mode", &self.sync_mode)
            .field("salvage", &self.salvage)
            .field("log_level", &self.log_level)
            .field("logger", &self.logger.as_ref().map(|_| "Fn"))
            .finish_non_exhaustive()
    }
}
