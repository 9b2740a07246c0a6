# frozen_string_literal: true

module Shale
  # A cursor over one consistent point in time of a db (or a snapshot),
  # limited to a range and/or a prefix. Made by DB#iterator and
  # Snapshot#iterator; DB#each uses one internally.
  #
  # Two ways to use it:
  # * #each (Enumerable): every entry of the range in the iterator's
  #   direction, fetched in chunks with shale_iter_next_many;
  # * as a cursor: #seek_first, #seek_last, #seek, #seek_for_prev, #next,
  #   #prev, #valid?, #key, #value, #read.
  #
  # Single-owner, like the C iterator: using one from two threads at once
  # raises Shale::BusyError. After #close every call raises ClosedError;
  # after the db's close, the library answers ClosedError.
  class Iterator
    include Enumerable

    SIZE_T = FFI.type_size(:size_t)
    # Chunks start small (so `first` is cheap) and double up to MAX_CHUNK
    # entries or CHUNK_BYTES bytes of keys and values.
    FIRST_CHUNK = 16
    MAX_CHUNK = 1024
    CHUNK_BYTES = 1 << 20
    # The most entries one #read may ask for (its lengths buffer is 16 bytes
    # an entry).
    MAX_READ = 1 << 24

    # Whether it walks from the largest key down; the encoding of the keys
    # and values it returns (see Encodings).
    attr_reader :reverse, :encoding

    # Use DB#iterator / Snapshot#iterator.
    def initialize(owner, db_ptr, snapshot_ptr, lower, upper, prefix, reverse, encoding = Encoding::BINARY)
      @owner = owner # keeps the DB/Snapshot Ruby object alive while we are
      @reverse = reverse ? true : false
      @encoding = encoding
      opts = Native::IterOptions.new
      st = Native.shale_iter_options_init(opts, Native::IterOptions.size)
      Error.raise_last(st) unless st == Native::OK
      opts[:snapshot] = snapshot_ptr if snapshot_ptr
      # The bound buffers only need to live through shale_iter_new (it copies).
      keep = []
      [[:lower_bound, lower], [:upper_bound, upper], [:prefix, prefix]].each do |field, bytes|
        next if bytes.nil?

        mp = FFI::MemoryPointer.new(:uint8, [bytes.bytesize, 1].max) # non-NULL even for ""
        mp.put_bytes(0, bytes)
        keep << mp
        opts[field] = mp
        opts[:"#{field}_len"] = bytes.bytesize
      end
      out = FFI::MemoryPointer.new(:pointer)
      st = Native.shale_iter_new(db_ptr, opts, out)
      Error.raise_last(st) unless st == Native::OK
      @handle = Handle.new(self, out.get_pointer(0), :shale_iter_free)
      @lens = nil
    end

    # Every entry of the range, [key, value], from the first (the last when
    # reverse) on. Repositions the iterator. Without a block, an Enumerator.
    def each
      return enum_for(:each) unless block_given?

      return self unless @reverse ? seek_last : seek_first

      chunk = FIRST_CHUNK
      loop do
        entries = read(chunk)
        break if entries.empty?

        entries.each do |kv|
          # The rest of a fetched chunk must not outlive the db's close:
          # after it, the iteration fails as the library would.
          db_closed! if db_of_owner.closed?
          yield kv
        end
        chunk = [chunk * 2, MAX_CHUNK].min
      end
      self
    end

    # The DB this iterator reads (its owner, or its owner snapshot's db).
    def db_of_owner
      @owner.is_a?(Snapshot) ? @owner.db : @owner
    end

    def db_closed!
      Error.raise_own(Native::E_CLOSED, "shale: the db of this iterator is closed")
    end
    private :db_of_owner, :db_closed!

    # Moves to the first / last entry in range. True if there is one.
    def seek_first
      move(Native.shale_iter_first(ptr))
    end

    def seek_last
      move(Native.shale_iter_last(ptr))
    end

    # Moves to the first key >= key. True if there is one.
    def seek(key)
      k = Bytes.arg(key)
      move(Native.shale_iter_seek(ptr, k, k.bytesize))
    end

    # Moves to the last key <= key. True if there is one.
    def seek_for_prev(key)
      k = Bytes.arg(key)
      move(Native.shale_iter_seek_for_prev(ptr, k, k.bytesize))
    end

    # Steps forward / back. True if now on an entry. Raises
    # InvalidArgumentError when not positioned (as the library does).
    def next
      move(Native.shale_iter_next(ptr))
    end

    def prev
      move(Native.shale_iter_prev(ptr))
    end

    def valid?
      move(Native.shale_iter_valid(ptr))
    end

    # The current key / value (copies, in #encoding), or nil when not on an
    # entry.
    def key
      borrowed(:shale_iter_key)
    end

    def value
      borrowed(:shale_iter_value)
    end

    # [key, value] of the current entry, or nil.
    def entry
      k = key
      k && [k, value]
    end

    # Up to `max` entries from the current one on, in the iterator's
    # direction (backward when reverse), as [[key, value], ...]; leaves the
    # iterator on the entry after the last one returned. [] at the end.
    def read(max = MAX_CHUNK, max_bytes: CHUNK_BYTES)
      unless max.is_a?(Integer) && max.between?(1, MAX_READ)
        raise ArgumentError, "shale: max must be an Integer in 1..#{MAX_READ}, not #{max.inspect}"
      end
      unless max_bytes.is_a?(Integer) && max_bytes.between?(0, 2**62)
        raise ArgumentError, "shale: max_bytes must be an Integer >= 0 (0: no limit), not #{max_bytes.inspect}"
      end
      return read_slow(max) unless Native::MANY

      lens = lens_buffer(max)
      out = FFI::MemoryPointer.new(:pointer)
      count = FFI::MemoryPointer.new(:size_t)
      dir = @reverse ? Native::ITER_BACKWARD : Native::ITER_FORWARD
      st = Native.shale_iter_next_many(ptr, dir, max, max_bytes, out, lens, count)
      return [] if st == Native::NOT_FOUND

      Error.raise_last(st) unless st == Native::OK
      n = Reader.size_at(count)
      sizes = lens.get_bytes(0, 2 * n * SIZE_T).unpack("J*")
      buf = out.get_pointer(0)
      begin
        blob = Bytes.read(buf, sizes.sum)
      ensure
        Native.shale_free(buf)
      end
      off = 0
      Array.new(n) do |i|
        kl = sizes[2 * i]
        vl = sizes[2 * i + 1]
        k = Encodings.tag(blob.byteslice(off, kl), @encoding)
        v = Encodings.tag(blob.byteslice(off + kl, vl), @encoding)
        off += kl + vl
        [k, v]
      end
    end

    # Counts the entries from the current one to the end of the range, in
    # the iterator's direction, without making Strings of them (one FFI
    # crossing per MAX_CHUNK entries); leaves the iterator past the end.
    def count_rest
      return count_slow unless Native::MANY

      lens = lens_buffer(MAX_CHUNK)
      out = FFI::MemoryPointer.new(:pointer)
      count = FFI::MemoryPointer.new(:size_t)
      dir = @reverse ? Native::ITER_BACKWARD : Native::ITER_FORWARD
      total = 0
      loop do
        st = Native.shale_iter_next_many(ptr, dir, MAX_CHUNK, CHUNK_BYTES, out, lens, count)
        return total if st == Native::NOT_FOUND

        Error.raise_last(st) unless st == Native::OK
        Native.shale_free(out.get_pointer(0))
        total += Reader.size_at(count)
      end
    end

    # Frees the native iterator. Safe to call twice. Raises BusyError if
    # another thread is using it at this moment (it then stays open).
    def close
      st = @handle.release_unless_busy
      Error.raise_last(st) if st == Native::E_BUSY
      nil
    end

    def closed?
      @handle.released?
    end

    def inspect
      "#<#{self.class} #{closed? ? 'closed' : 'open'}#{' reverse' if @reverse}>"
    end

    private

    def ptr
      p = @handle.pointer
      Error.raise_own(Native::E_CLOSED, "shale: iterator is closed") if p.nil?
      p
    end

    def move(st)
      return true if st == Native::OK
      return false if st == Native::NOT_FOUND

      Error.raise_last(st)
    end

    def borrowed(fn)
      h = ptr
      return nil unless move(Native.shale_iter_valid(h))

      out = FFI::MemoryPointer.new(:pointer)
      len = FFI::MemoryPointer.new(:size_t)
      st = Native.public_send(fn, h, out, len)
      Error.raise_last(st) unless st == Native::OK
      Bytes.read(out.get_pointer(0), Reader.size_at(len), @encoding)
    end

    def lens_buffer(max)
      @lens = FFI::MemoryPointer.new(:size_t, 2 * max) if @lens.nil? || @lens.size < 2 * max * SIZE_T
      @lens
    end

    # Without shale_iter_next_many (a library older than 0.3.0): one move
    # per entry.
    def count_slow
      n = 0
      while valid?
        n += 1
        @reverse ? prev : self.next
      end
      n
    end

    # Without shale_iter_next_many (a library older than 0.3.0): one entry
    # per move.
    def read_slow(max)
      out = []
      while out.size < max && valid?
        out << entry
        @reverse ? prev : self.next
      end
      out
    end
  end
end
