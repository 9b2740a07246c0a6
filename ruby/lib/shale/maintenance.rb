# frozen_string_literal: true

module Shale
  # Flush, sync, compaction, backup, verification and statistics of a DB.
  #
  # compact, backup and verify take an optional progress block called with
  # (done, total) in bytes on the calling thread. Return :cancel from it to
  # stop the operation (CancelledError; the db is left sound). Any other
  # return value continues: a block's value is often accidental in Ruby
  # (`puts` returns nil), so only the explicit symbol cancels. An exception
  # raised in the block also stops the operation and is re-raised as it is.
  module Maintenance
    # Writes the in-memory table to a table file and waits until durable.
    def flush
      status_call(Native.shale_db_flush(db_pointer))
    end

    # Makes every write so far durable (fsync of the log), whatever the sync
    # mode.
    def sync
      status_call(Native.shale_db_sync(db_pointer))
    end

    # Compacts keys from `from` to `to`, both inclusive (nil: unbounded).
    def compact(from = nil, to = nil, &progress)
      s = Bytes.opt(from, "from")
      e = Bytes.opt(to, "to")
      h = db_pointer
      st = Callbacks::Progress.run(progress) do |fn, user|
        Native.shale_db_compact_range(h, s, s ? s.bytesize : 0, e, e ? e.bytesize : 0, fn, user)
      end
      status_call(st)
    end

    # Writes a consistent copy of the db into directory `dest` (absent or
    # empty); it opens as an ordinary db.
    def backup(dest, &progress)
      d = File.path(dest)
      h = db_pointer
      st = Callbacks::Progress.run(progress) { |fn, user| Native.shale_db_backup(h, d, fn, user) }
      status_call(st)
    end

    # Reads every file and checks every checksum. Returns the library's
    # report (a String) when the db is sound; raises CorruptionError, whose
    # #report has the report, when anything is damaged.
    def verify(&progress)
      h = db_pointer
      out = FFI::MemoryPointer.new(:pointer)
      msg = nil
      st = Callbacks::Progress.run(progress) do |fn, user|
        r = Native.shale_db_verify(h, fn, user, out)
        # Read the message before anything else calls the library.
        msg = Native.last_error unless r == Native::OK
        r
      end
      report = take_string(out.get_pointer(0))
      return report || "" if st == Native::OK

      err = Error.for_call(st, msg)
      err.report = report if err.respond_to?(:report=)
      raise err
    end

    # The db's figures (shale_db_stats) as a Hash of Symbol => Integer
    # (level_files/level_bytes: Arrays; write_amplification: Float).
    def stats
      st = Native::Stats.new
      r = Native.shale_stats_init(st, Native::Stats.size)
      Error.raise_last(r) unless r == Native::OK
      r = Native.shale_db_stats(db_pointer, st)
      Error.raise_last(r) unless r == Native::OK
      st.members.each_with_object({}) do |name, h|
        next if name == :struct_size

        v = st[name]
        h[name] = v.is_a?(FFI::Struct::InlineArray) ? v.to_a : v
      end
    end

    # A named property ("shale.stats", "shale.sequence", "shale.recovery",
    # "shale.path") as a String, or nil for an unknown name.
    def property(name)
      unless name.is_a?(String) || name.is_a?(Symbol)
        raise TypeError, "shale: property name must be a String or Symbol, not #{name.class}"
      end

      out = FFI::MemoryPointer.new(:pointer)
      st = Native.shale_db_property(db_pointer, name.to_s, out)
      return nil if st == Native::NOT_FOUND

      Error.raise_last(st) unless st == Native::OK
      take_string(out.get_pointer(0))
    end

    private

    def status_call(st)
      Error.raise_last(st) unless st == Native::OK
      self
    end

    # Copies and frees an owned NUL-terminated string (nil for NULL).
    def take_string(ptr)
      return nil if ptr.null?

      s = ptr.read_string
      Native.shale_free(ptr)
      s.force_encoding(Encoding::UTF_8)
      s.force_encoding(Encoding::BINARY) unless s.valid_encoding?
      s
    end
  end
end
