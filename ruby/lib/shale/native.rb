# frozen_string_literal: true

require "ffi"

module Shale
  # The raw C ABI of libshale: where the library is found, every function of
  # include/shale.h attached with its exact signature, the callback types and
  # mirrors of the public structs. Nothing else in the binding calls
  # `ffi_lib`; nothing outside lib/shale/ should need this module (the ABI
  # tests do, on purpose).
  module Native
    extend FFI::Library

    # The ABI major this binding is written for (SHALE_ABI_VERSION).
    ABI_VERSION = 1

    # ruby/ in a checkout of the repository, the gem's directory once
    # installed (this file is lib/shale/native.rb in both).
    RUBY_DIR = File.expand_path("../..", __dir__)

    # The library of the repository's build tree (build/lib next to ruby/),
    # when this file runs from a checkout of the repository; nil in an
    # installed gem.
    def self.repository_library
      root = File.expand_path("..", RUBY_DIR)
      return nil unless File.file?(File.join(root, "include", "shale.h"))

      File.join(root, "build", "lib", "libshale.so.1")
    end

    # What `gem install` recorded (ext/shale/extconf.rb writes
    # shale/library_config.rb into the gem's extension directory, which is
    # on the load path of an activated gem): [path, how it was found], or
    # nil. Looked up on $LOAD_PATH only, never through RubyGems' search of
    # other installed gems, so a checkout run with -Ilib never picks up an
    # installed gem's choice.
    def self.installed_library
      file = ([__dir__] + $LOAD_PATH.map { |d| File.join(d.to_s, "shale") })
             .map { |d| File.join(d, "library_config.rb") }.find { |f| File.file?(f) }
      return nil if file.nil?

      require file
      return nil unless defined?(Shale::LibraryConfig::PATH) && Shale::LibraryConfig::PATH

      [Shale::LibraryConfig::PATH, "recorded by gem install (#{Shale::LibraryConfig::FOUND_BY})"]
    end

    # Where to look, in order. SHALE_LIBRARY is authoritative: when it is set
    # nothing else is tried, so a test run can never silently pick up another
    # build of the library than the one it was pointed at.
    def self.candidates
      env = ENV["SHALE_LIBRARY"]
      return [[env, "$SHALE_LIBRARY"]] if env && !env.empty?

      list = []
      repo = repository_library
      list << [repo, "the repository build tree"] if repo
      installed = installed_library
      list << installed if installed
      list << ["libshale.so.1", "the system library path"]
    end

    # Loads the first candidate that opens, or raises LoadError listing every
    # place tried and why each failed.
    def self.load_library
      tried = []
      candidates.each do |path, origin|
        begin
          ffi_lib path
          return path
        rescue LoadError => e
          tried << "  #{path} (#{origin}): #{e.message.lines.first&.strip}"
        end
      end
      raise LoadError, "shale: cannot load libshale.so.1; tried:\n#{tried.join("\n")}\n" \
                       "Install libshale (cmake --install build), then reinstall the gem " \
                       "(it records where libshale is: gem install shale -- --with-shale-dir=PREFIX), " \
                       "or set SHALE_LIBRARY to the path of libshale.so.1."
    end

    LIBRARY_PATH = load_library

    # --- status codes (stable numbers, shale.h "Status codes") -------------
    OK = 0
    NOT_FOUND = 1
    E_INVALID_ARGUMENT = -1
    E_INVALID_HANDLE = -2
    E_CLOSED = -3
    E_IO = -4
    E_CORRUPTION = -5
    E_LOCKED = -6
    E_NOMEM = -7
    E_BUFFER_TOO_SMALL = -8
    E_READ_ONLY = -9
    E_CANCELLED = -10
    E_NOT_SUPPORTED = -11
    E_INTERNAL = -12
    E_EXISTS = -13
    E_BUSY = -14
    E_FORKED = -15
    E_TIMEOUT = -16

    SYNC_NONE = 0
    SYNC_EVERY = 1
    SYNC_GROUP = 2
    CHANGE_PUT = 1
    CHANGE_DELETE = 2
    ITER_FORWARD = 0
    ITER_BACKWARD = 1
    SCAN_REVERSE = 1
    STATS_LEVELS = 7
    MAX_KEY_SIZE = 65_536
    MAX_VALUE_SIZE = 256 * 1024 * 1024
    MAX_BATCH_SIZE = 1024 * 1024 * 1024
    # SHALE_MISSING: (size_t)-1.
    MISSING = (1 << (8 * FFI.type_size(:size_t))) - 1

    # --- callback types ------------------------------------------------------
    # Key/value arguments are plain pointers so the trampolines copy exactly
    # `len` bytes themselves (keys may contain NUL).
    callback :shale_user_free_fn, [:pointer], :void
    callback :shale_log_fn, [:pointer, :int32, :pointer], :int
    callback :shale_scan_fn, [:pointer, :pointer, :size_t, :pointer, :size_t], :int
    callback :shale_change_fn, [:pointer, :int32, :pointer, :size_t, :pointer, :size_t], :int
    callback :shale_progress_fn, [:pointer, :uint64, :uint64], :int
    callback :shale_job_done_fn, [:pointer, :int32, :pointer], :int

    # --- struct mirrors (field order and types exactly as in shale.h) --------
    # test/test_abi.rb compares size and offsets with the C compiler's.
    class Options < FFI::Struct
      layout :struct_size, :size_t,
             :create_if_missing, :uint32,
             :error_if_exists, :uint32,
             :read_only, :uint32,
             :sync_mode, :uint32,
             :salvage, :uint32,
             :log_level, :int32,
             :logger, :pointer,
             :logger_user, :pointer,
             :logger_user_free, :pointer,
             # since 0.2.0
             :write_buffer_size, :uint64,
             :block_cache_capacity, :uint64,
             :block_size, :uint32,
             :bloom_bits_per_key, :uint32,
             :max_open_files, :uint32,
             :level0_compaction_trigger, :uint32,
             :level0_slowdown_trigger, :uint32,
             :level0_stop_trigger, :uint32,
             :target_file_size, :uint64,
             :level1_max_bytes, :uint64,
             :level_size_multiplier, :uint32,
             :reserved0, :uint32
    end

    class IterOptions < FFI::Struct
      layout :struct_size, :size_t,
             :snapshot, :pointer,
             :lower_bound, :pointer,
             :lower_bound_len, :size_t,
             :upper_bound, :pointer,
             :upper_bound_len, :size_t,
             :prefix, :pointer,
             :prefix_len, :size_t
    end

    class Stats < FFI::Struct
      layout :struct_size, :size_t,
             :approximate_keys, :uint64,
             :live_bytes, :uint64,
             :disk_bytes, :uint64,
             :level_files, [:uint64, STATS_LEVELS],
             :level_bytes, [:uint64, STATS_LEVELS],
             :memtable_bytes, :uint64,
             :cache_capacity, :uint64,
             :cache_usage, :uint64,
             :cache_hits, :uint64,
             :cache_misses, :uint64,
             :open_tables, :uint64,
             :flushes, :uint64,
             :compactions, :uint64,
             :compaction_bytes_read, :uint64,
             :compaction_bytes_written, :uint64,
             :flush_bytes_written, :uint64,
             :wal_bytes_written, :uint64,
             :user_bytes_written, :uint64,
             :bloom_checks, :uint64,
             :bloom_negatives, :uint64,
             :write_stalls, :uint64,
             :write_amplification, :double
    end

    # --- functions -------------------------------------------------------------
    # Handles are :pointer. `blocking: true` releases the GVL for the call, so
    # other Ruby threads run while shale does I/O or waits for a lock; it costs
    # a little per call, so pure bookkeeping functions (versions, errors,
    # struct init, batch building, frees of in-memory objects) keep the GVL.
    #
    # Every function that can wait for one of the library's threads (close,
    # flush, compact, backup, verify, writes that stall, job waits) MUST be
    # blocking: those threads may be waiting themselves to run a Ruby logger
    # (DB.open(logger:)), which needs the GVL — holding it there deadlocks
    # (test/test_logger.rb). None of the F functions waits for another thread.
    #
    # Point reads (R) keep the GVL too: they take no lock a library thread
    # holds while it runs user code (a read takes no db lock at all), so they
    # cannot deadlock, and holding the GVL means no other Ruby thread can
    # change the key String during the call, so it is passed as it is, not
    # copied. A read that goes to the disk holds other threads for that
    # long, as a Ruby method computing does.
    B = { blocking: true }.freeze
    F = {}.freeze
    R = F

    # Every function of include/shale.h: name => [args, return, attach options].
    SIGNATURES = {
      # Versions
      shale_version: [[], :string, F],
      shale_version_number: [[], :int32, F],
      shale_abi_version: [[], :int32, F],
      # Status codes and errors
      shale_status_name: [[:int32], :string, F],
      shale_last_error: [[], :pointer, F],
      shale_last_errno: [[], :int32, F],
      shale_last_status: [[], :int32, F],
      # Memory
      shale_free: [[:pointer], :void, F],
      # Options
      shale_options_init: [[:pointer, :size_t], :int32, F],
      # Opening and closing
      shale_db_open: [[:string, :pointer, :pointer], :int32, B],
      shale_db_close: [[:pointer], :int32, B],
      # Reads and writes
      shale_db_put: [[:pointer, :pointer, :size_t, :pointer, :size_t], :int32, B],
      shale_db_delete: [[:pointer, :pointer, :size_t], :int32, B],
      shale_db_get: [[:pointer, :pointer, :pointer, :size_t, :pointer, :pointer], :int32, R],
      shale_db_get_into: [[:pointer, :pointer, :pointer, :size_t, :pointer, :size_t, :pointer], :int32, R],
      shale_db_get_pinned: [[:pointer, :pointer, :pointer, :size_t, :pointer, :pointer, :pointer], :int32, R],
      shale_pin_free: [[:pointer], :int32, F],
      shale_db_exists: [[:pointer, :pointer, :pointer, :size_t], :int32, R],
      shale_db_sync: [[:pointer], :int32, B],
      shale_db_property: [[:pointer, :string, :pointer], :int32, B],
      # Maintenance
      shale_db_flush: [[:pointer], :int32, B],
      shale_db_compact_range: [[:pointer, :pointer, :size_t, :pointer, :size_t, :shale_progress_fn, :pointer], :int32, B],
      shale_db_backup: [[:pointer, :string, :shale_progress_fn, :pointer], :int32, B],
      shale_db_verify: [[:pointer, :shale_progress_fn, :pointer, :pointer], :int32, B],
      # Background jobs (declared for completeness; the Ruby API runs these
      # operations synchronously with the GVL released instead)
      shale_db_compact_range_async: [[:pointer, :pointer, :size_t, :pointer, :size_t, :shale_progress_fn,
                                      :shale_job_done_fn, :pointer, :shale_user_free_fn, :pointer], :int32, B],
      shale_db_backup_async: [[:pointer, :string, :shale_progress_fn, :shale_job_done_fn, :pointer,
                               :shale_user_free_fn, :pointer], :int32, B],
      shale_db_verify_async: [[:pointer, :shale_progress_fn, :shale_job_done_fn, :pointer,
                               :shale_user_free_fn, :pointer], :int32, B],
      shale_job_wait: [[:pointer, :int64], :int32, B],
      shale_job_cancel: [[:pointer], :int32, F],
      shale_job_status: [[:pointer, :pointer, :pointer, :pointer, :pointer, :pointer], :int32, F],
      shale_job_free: [[:pointer], :int32, B],
      # Statistics
      shale_stats_init: [[:pointer, :size_t], :int32, F],
      shale_db_stats: [[:pointer, :pointer], :int32, B],
      # Write batches
      shale_batch_new: [[:pointer], :int32, F],
      shale_batch_free: [[:pointer], :int32, F],
      shale_batch_put: [[:pointer, :pointer, :size_t, :pointer, :size_t], :int32, F],
      shale_batch_delete: [[:pointer, :pointer, :size_t], :int32, F],
      shale_batch_clear: [[:pointer], :int32, F],
      shale_batch_count: [[:pointer, :pointer], :int32, F],
      shale_db_write: [[:pointer, :pointer], :int32, B],
      # Many keys in one call (0.3.0)
      shale_db_get_many: [[:pointer, :pointer, :size_t, :pointer, :pointer, :pointer, :pointer, :pointer], :int32, R],
      shale_db_put_many: [[:pointer, :size_t, :pointer, :pointer, :pointer, :pointer], :int32, B],
      shale_db_delete_many: [[:pointer, :size_t, :pointer, :pointer], :int32, B],
      shale_batch_put_many: [[:pointer, :size_t, :pointer, :pointer, :pointer, :pointer], :int32, F],
      shale_batch_delete_many: [[:pointer, :size_t, :pointer, :pointer], :int32, F],
      # Snapshots
      shale_snapshot_new: [[:pointer, :pointer], :int32, B],
      shale_snapshot_free: [[:pointer], :int32, B],
      # Iterators
      shale_iter_options_init: [[:pointer, :size_t], :int32, F],
      shale_iter_new: [[:pointer, :pointer, :pointer], :int32, B],
      shale_iter_free: [[:pointer], :int32, B],
      shale_iter_first: [[:pointer], :int32, B],
      shale_iter_last: [[:pointer], :int32, B],
      shale_iter_seek: [[:pointer, :pointer, :size_t], :int32, B],
      shale_iter_seek_for_prev: [[:pointer, :pointer, :size_t], :int32, B],
      shale_iter_next: [[:pointer], :int32, B],
      shale_iter_prev: [[:pointer], :int32, B],
      shale_iter_valid: [[:pointer], :int32, F],
      shale_iter_key: [[:pointer, :pointer, :pointer], :int32, F],
      shale_iter_value: [[:pointer, :pointer, :pointer], :int32, F],
      shale_iter_next_many: [[:pointer, :int32, :size_t, :size_t, :pointer, :pointer, :pointer], :int32, B],
      shale_iter_borrow_many: [[:pointer, :int32, :size_t, :size_t, :pointer, :pointer, :pointer], :int32, B],
      # Scans
      shale_db_scan: [[:pointer, :pointer, :uint32, :shale_scan_fn, :pointer], :int32, B],
      # Change subscriptions
      shale_db_subscribe: [[:pointer, :pointer, :size_t, :shale_change_fn, :pointer, :shale_user_free_fn,
                            :pointer], :int32, B],
      shale_unsubscribe: [[:pointer], :int32, B],
    }.freeze

    # Functions added after 0.1.0 are attached if the library has them, so a
    # library of an older minor version (same ABI major) still loads; the
    # binding checks `available?` and falls back where it can.
    MISSING_FUNCTIONS = []
    SIGNATURES.each do |name, (args, ret, opts)|
      attach_function name, args, ret, **opts
    rescue FFI::NotFoundError
      MISSING_FUNCTIONS << name
    end
    MISSING_FUNCTIONS.freeze

    # Whether the loaded library exports `name`.
    def self.available?(name)
      !MISSING_FUNCTIONS.include?(name)
    end

    # The *_many functions and shale_iter_next_many (0.3.0).
    MANY = available?(:shale_db_get_many) && available?(:shale_db_put_many) &&
           available?(:shale_db_delete_many) && available?(:shale_batch_put_many) &&
           available?(:shale_batch_delete_many) && available?(:shale_iter_next_many)

    # Refuse a library built for another ABI major: its structs and
    # signatures may differ, and calling it would corrupt memory.
    found = shale_abi_version
    if found != ABI_VERSION
      raise LoadError, "shale: #{LIBRARY_PATH} has ABI version #{found}, this binding needs " \
                       "#{ABI_VERSION} (shale_abi_version())"
    end

    # The status code's symbolic name ("SHALE_E_IO").
    def self.status_name(code)
      shale_status_name(code)
    end

    # A copy of the calling thread's last error message. Call it right after
    # the failing call, before any other shale call on this thread.
    def self.last_error
      ptr = shale_last_error
      return +"" if ptr.null?

      msg = ptr.read_string
      msg.force_encoding(Encoding::UTF_8)
      msg.force_encoding(Encoding::BINARY) unless msg.valid_encoding?
      msg
    end
  end
end
