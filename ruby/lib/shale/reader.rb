# frozen_string_literal: true

module Shale
  # The read side shared by DB (latest state) and Snapshot (one point in
  # time): point reads, many-key reads, iteration, and the read side of the
  # Hash-like surface (HashLike). An includer provides #db_pointer (raises
  # ClosedError when closed), #snapshot_pointer (nil for the latest state)
  # and #encoding (of the Strings returned; see Encodings).
  #
  # Every method that returns keys or values takes `encoding:`, which wins
  # over the includer's #encoding for that call.
  module Reader
    include Enumerable
    include HashLike

    # Values up to this size are read with one call into a per-fiber buffer
    # (shale_db_get_into); larger ones take the owned-copy path.
    SCRATCH_SIZE = 16 * 1024
    SCRATCH_KEY = :__shale_read_scratch
    SIZE_T = FFI.type_size(:size_t)

    # A reusable output buffer, one per fiber; `busy` while a read uses it,
    # so that re-entrant code (a trap handler, a finalizer running between
    # the call and the copy) takes a fresh one instead of one half-used.
    Scratch = Struct.new(:buf, :needed, :busy)

    def self.new_scratch
      Scratch.new(FFI::MemoryPointer.new(:uint8, SCRATCH_SIZE), FFI::MemoryPointer.new(:size_t), false)
    end

    # The value of `key`, or nil if there is none: a String in the chosen
    # encoding (see Encodings; ASCII-8BIT by default).
    def get(key, encoding: nil)
      enc = encoding.nil? ? self.encoding : Encodings.resolve(encoding)
      # The call keeps the GVL (Native::R): the key cannot change under it.
      k = key.is_a?(String) ? key : Bytes.arg(key)
      scratch = (Thread.current[SCRATCH_KEY] ||= Reader.new_scratch)
      scratch = Reader.new_scratch if scratch.busy
      scratch.busy = true
      begin
        st = Native.shale_db_get_into(db_pointer, snapshot_pointer, k, k.bytesize,
                                      scratch.buf, SCRATCH_SIZE, scratch.needed)
        case st
        when Native::OK then Bytes.read(scratch.buf, Reader.size_at(scratch.needed), enc)
        when Native::NOT_FOUND then nil
        when Native::E_BUFFER_TOO_SMALL then get_owned(k, enc)
        else Error.raise_last(st)
        end
      ensure
        scratch.busy = false
      end
    end
    alias [] get

    # Like Hash#fetch: the value of `key`; if absent, the block's value
    # (given the key), else `default`, else Shale::NotFoundError (a
    # KeyError).
    def fetch(key, *default, encoding: nil)
      raise ArgumentError, "wrong number of arguments (given #{default.size + 1}, expected 1..2)" if default.size > 1

      value = get(key, encoding: encoding)
      return value unless value.nil?
      return yield(key) if block_given?
      return default.first unless default.empty?

      raise_not_found(key)
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
    def get_many(keys, encoding: nil)
      enc = Encodings.pick(encoding, self.encoding)
      keys = Bytes.list(keys, "keys").to_a
      return [] if keys.empty?
      return keys.map { |k| get(k, encoding: enc) } unless Native::MANY

      n = keys.size
      joined, lens = Bytes.join_held(keys)  # the call keeps the GVL
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
      tag = !enc.nil? && enc != Encoding::BINARY
      sizes.map do |s|
        next nil if s == Native::MISSING

        v = blob.byteslice(off, s)
        off += s
        tag ? Encodings.tag(v, enc) : v
      end
    end

    # Hash#values_at, for many keys in one call.
    def values_at(*keys, encoding: nil)
      get_many(keys, encoding: encoding)
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
    #   encoding: of the keys and values (see Encodings)
    # Entries are fetched from the library in chunks (one FFI crossing per
    # chunk, not per entry).
    def each(range = nil, from: nil, after: nil, to: nil, through: nil, prefix: nil, reverse: false,
             encoding: nil, &block)
      unless block
        return enum_for(:each, range, from: from, after: after, to: to, through: through,
                                      prefix: prefix, reverse: reverse, encoding: encoding)
      end

      it = iterator(range, from: from, after: after, to: to, through: through, prefix: prefix,
                           reverse: reverse, encoding: encoding)
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
      self
    end

    # Values only, in key order (same arguments as #each).
    def each_value(*args, **kw)
      return enum_for(:each_value, *args, **kw) unless block_given?

      each(*args, **kw) { |_, v| yield v }
      self
    end

    # An explicit cursor over the range (arguments as #each). With a block,
    # yields it and closes it afterwards; otherwise the caller closes it
    # (or the GC does, eventually).
    def iterator(range = nil, from: nil, after: nil, to: nil, through: nil, prefix: nil, reverse: false,
                 encoding: nil)
      enc = Encodings.pick(encoding, self.encoding)
      lower, upper = Reader.bounds(range, from, after, to, through)
      it = Iterator.new(self, db_pointer, snapshot_pointer, lower, upper, Bytes.opt(prefix, "prefix"), reverse, enc)
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

    # Raises the NotFoundError (a KeyError whose #key is `key`) of #fetch.
    def raise_not_found(key)
      err = NotFoundError.new("shale: key not found: #{key.inspect}", receiver: self, key: key)
      err.instance_variable_set(:@code, Native::NOT_FOUND)
      err.instance_variable_set(:@errno, 0)
      raise err
    end

    # A value too big for the scratch buffer: an owned copy from the library.
    def get_owned(k, enc)
      out = FFI::MemoryPointer.new(:pointer)
      len = FFI::MemoryPointer.new(:size_t)
      st = Native.shale_db_get(db_pointer, snapshot_pointer, k, k.bytesize, out, len)
      return nil if st == Native::NOT_FOUND

      Error.raise_last(st) unless st == Native::OK
      buf = out.get_pointer(0)
      begin
        Bytes.read(buf, Reader.size_at(len), enc)
      ensure
        Native.shale_free(buf)
      end
    end
  end
end
