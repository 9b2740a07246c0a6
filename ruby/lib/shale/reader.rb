# frozen_string_literal: true

module Shale
  # The read side shared by DB (latest state) and Snapshot (one point in
  # time): point reads, many-key reads, iteration. An includer provides
  # #db_pointer (raises ClosedError when closed) and #snapshot_pointer (nil
  # for the latest state).
  module Reader
    include Enumerable

    # Values up to this size are read with one call into a per-fiber buffer
    # (shale_db_get_into); larger ones take the owned-copy path.
    SCRATCH_SIZE = 16 * 1024
    SCRATCH_KEY = :__shale_read_scratch
    SIZE_T = FFI.type_size(:size_t)

    # A reusable output buffer. One per fiber, taken out of the fiber-local
    # slot while in use so that re-entrant code (a trap handler, a
    # finalizer) can never see it half-used.
    Scratch = Struct.new(:buf, :needed)

    # The value of `key`, or nil if there is none. An ASCII-8BIT String.
    def get(key)
      k = Bytes.arg(key)
      scratch = Thread.current[SCRATCH_KEY]
      Thread.current[SCRATCH_KEY] = nil
      scratch ||= Scratch.new(FFI::MemoryPointer.new(:uint8, SCRATCH_SIZE), FFI::MemoryPointer.new(:size_t))
      begin
        st = Native.shale_db_get_into(db_pointer, snapshot_pointer, k, k.bytesize,
                                      scratch.buf, SCRATCH_SIZE, scratch.needed)
        case st
        when Native::OK then Bytes.read(scratch.buf, Reader.size_at(scratch.needed))
        when Native::NOT_FOUND then nil
        when Native::E_BUFFER_TOO_SMALL then get_owned(k)
        else Error.raise_last(st)
        end
      ensure
        Thread.current[SCRATCH_KEY] = scratch
      end
    end
    alias [] get

    # Like Hash#fetch: the value of `key`; if absent, the block's value
    # (given the key), else `default`, else Shale::NotFoundError (a
    # KeyError).
    def fetch(key, *default)
      raise ArgumentError, "wrong number of arguments (given #{default.size + 1}, expected 1..2)" if default.size > 1

      value = get(key)
      return value unless value.nil?
      return yield(key) if block_given?
      return default.first unless default.empty?

      err = NotFoundError.new("shale: key not found: #{key.inspect}", receiver: self, key: key)
      err.instance_variable_set(:@code, Native::NOT_FOUND)
      err.instance_variable_set(:@errno, 0)
      raise err
    end

    # Whether `key` exists (one point lookup; the value is not copied).
    def key?(key)
      k = Bytes.arg(key)
      st = Native.shale_db_exists(db_pointer, snapshot_pointer, k, k.bytesize)
      return true if st == Native::OK
      return false if st == Native::NOT_FOUND

      Error.raise_last(st)
    end
    alias include? key?
    alias has_key? key?
    alias member? key?

    # The values of `keys` (an Array; nil for each missing key), all read
    # as of one point in time, in one call to the library.
    def get_many(keys)
      keys = Bytes.list(keys, "keys").to_a
      return [] if keys.empty?
      return keys.map { |k| get(k) } unless Native::MANY

      n = keys.size
      joined, lens = Bytes.join(keys)
      out = FFI::MemoryPointer.new(:pointer)
      vlens = FFI::MemoryPointer.new(:size_t, n)
      st = Native.shale_db_get_many(db_pointer, snapshot_pointer, n, joined, lens, out, vlens, nil)
      Error.raise_last(st) unless st == Native::OK

      buf = out.get_pointer(0)
      begin
        sizes = vlens.get_bytes(0, n * SIZE_T).unpack("J*")
        total = sizes.sum { |s| s == Native::MISSING ? 0 : s }
        blob = Bytes.read(buf, total)
      ensure
        Native.shale_free(buf)
      end
      off = 0
      sizes.map do |s|
        next nil if s == Native::MISSING

        v = blob.byteslice(off, s)
        off += s
        v
      end
    end

    # Hash#values_at, for many keys in one call.
    def values_at(*keys)
      get_many(keys)
    end

    # Yields [key, value] for each entry in range, in key order (or reverse),
    # all from one point in time. Without a block, returns an Enumerator.
    #
    # Range, any combination of one lower and one upper end:
    #   range    a Range of Strings: "a".."m" includes "m", "a"..."m" does
    #            not; beginless/endless ranges are open on that side
    #   from:    lowest key, inclusive      after:   lower end, exclusive
    #   to:      upper end, exclusive       through: highest key, inclusive
    #   prefix:  only keys starting with these bytes (combined with the ends)
    #   reverse: true to go from the largest key down
    # Entries are fetched from the library in chunks (one FFI crossing per
    # chunk, not per entry).
    def each(range = nil, from: nil, after: nil, to: nil, through: nil, prefix: nil, reverse: false, &block)
      unless block
        return enum_for(:each, range, from: from, after: after, to: to, through: through,
                                      prefix: prefix, reverse: reverse)
      end

      it = iterator(range, from: from, after: after, to: to, through: through, prefix: prefix, reverse: reverse)
      begin
        it.each(&block)
      ensure
        it.close
      end
      self
    end
    alias each_pair each

    # Keys only, in order (same arguments as #each).
    def each_key(*args, **kw)
      return enum_for(:each_key, *args, **kw) unless block_given?

      each(*args, **kw) { |k, _| yield k }
    end

    # An explicit cursor over the range (arguments as #each). With a block,
    # yields it and closes it afterwards; otherwise the caller closes it
    # (or the GC does, eventually).
    def iterator(range = nil, from: nil, after: nil, to: nil, through: nil, prefix: nil, reverse: false)
      lower, upper = Reader.bounds(range, from, after, to, through)
      it = Iterator.new(self, db_pointer, snapshot_pointer, lower, upper, Bytes.opt(prefix, "prefix"), reverse)
      return it unless block_given?

      begin
        yield it
      ensure
        it.close
      end
    end

    # Turns the range arguments into [inclusive lower, exclusive upper]
    # (nil: unbounded). Exclusive lower / inclusive upper ends become the
    # key's successor (key + "\0"), which is exact in memcmp order.
    def self.bounds(range, from, after, to, through)
      lowers = []
      uppers = []
      if range
        raise TypeError, "shale: range must be a Range, not #{range.class}" unless range.is_a?(Range)

        lowers << Bytes.arg(range.begin, "range begin") unless range.begin.nil?
        unless range.end.nil?
          e = Bytes.arg(range.end, "range end")
          uppers << (range.exclude_end? ? e : Bytes.successor(e))
        end
      end
      lowers << Bytes.arg(from, "from") unless from.nil?
      lowers << Bytes.successor(Bytes.arg(after, "after")) unless after.nil?
      uppers << Bytes.arg(to, "to") unless to.nil?
      uppers << Bytes.successor(Bytes.arg(through, "through")) unless through.nil?
      # Several ends on one side: the narrowest wins (all of them apply).
      [lowers.max, uppers.min]
    end

    def self.size_at(ptr)
      SIZE_T == 8 ? ptr.get_uint64(0) : ptr.get_uint32(0)
    end

    private

    # A value too big for the scratch buffer: an owned copy from the library.
    def get_owned(k)
      out = FFI::MemoryPointer.new(:pointer)
      len = FFI::MemoryPointer.new(:size_t)
      st = Native.shale_db_get(db_pointer, snapshot_pointer, k, k.bytesize, out, len)
      return nil if st == Native::NOT_FOUND

      Error.raise_last(st) unless st == Native::OK
      buf = out.get_pointer(0)
      begin
        Bytes.read(buf, Reader.size_at(len))
      ensure
        Native.shale_free(buf)
      end
    end
  end
end
