# frozen_string_literal: true

module Shale
  # A list of puts and deletes applied atomically by DB#write (or by the end
  # of a DB#batch block). Not bound to a db; reusable after a write; freed by
  # #close or the GC.
  #
  # Why it buffers: each put/delete is kept in Ruby and consecutive ones of
  # the same kind are handed to the library in one shale_batch_put_many /
  # shale_batch_delete_many call, so a batch of N entries costs a handful of
  # FFI crossings instead of N. The order of entries is kept. A key that is
  # not a String raises TypeError at once; limits (key or value too large,
  # batch over 1 GiB) are the library's and surface when the entries are
  # handed over (at the latest, at the write), naming the entry's index in
  # its run.
  class Batch
    # Hand entries over once this many bytes are waiting, to bound the time
    # a key spends copied in both Ruby and the library.
    FLUSH_BYTES = 4 << 20

    def initialize
      out = FFI::MemoryPointer.new(:pointer)
      st = Native.shale_batch_new(out)
      Error.raise_last(st) unless st == Native::OK
      @handle = Handle.new(self, out.get_pointer(0), :shale_batch_free)
      reset_run
      @count = 0
    end

    # Appends "set key to value". Returns self.
    def put(key, value)
      k = Bytes.arg(key)
      v = Bytes.arg(value, "value")
      ptr # closed check
      switch_run(:put)
      @keys << k
      @values << v
      @bytes += k.bytesize + v.bytesize
      @count += 1
      hand_over if @bytes >= FLUSH_BYTES
      self
    end

    def []=(key, value)
      put(key, value)
    end

    # Appends "remove key". Returns self.
    def delete(key)
      k = Bytes.arg(key)
      ptr
      switch_run(:delete)
      @keys << k
      @bytes += k.bytesize
      @count += 1
      hand_over if @bytes >= FLUSH_BYTES
      self
    end

    # Appends many puts: a Hash, or an Enumerable of [key, value] pairs.
    def put_many(pairs)
      Bytes.list(pairs, "pairs").each { |k, v| put(k, v) }
      self
    end

    def delete_many(keys)
      Bytes.list(keys, "keys").each { |k| delete(k) }
      self
    end

    # Number of entries (puts and deletes).
    def count
      ptr
      @count
    end
    alias size count
    alias length count

    def empty?
      count.zero?
    end

    # Removes every entry. Returns self.
    def clear
      st = Native.shale_batch_clear(ptr)
      Error.raise_last(st) unless st == Native::OK
      reset_run
      @count = 0
      self
    end

    # Frees the native batch. Safe to call twice. Raises BusyError (and
    # keeps the batch) while another thread is writing it: a plain release
    # would drop the handle the library refused to free, leaking the batch.
    def close
      st = @handle.release_unless_busy
      Error.raise_last(st) if st == Native::E_BUSY
      reset_run
      nil
    end

    def closed?
      @handle.released?
    end

    # For DB#write: every pending entry handed to the library, then the
    # native handle.
    def native_for_write
      hand_over
      ptr
    end

    def inspect
      "#<#{self.class} #{closed? ? 'closed' : "#{@count} entries"}>"
    end

    private

    def ptr
      p = @handle.pointer
      Error.raise_own(Native::E_CLOSED, "shale: batch is closed") if p.nil?
      p
    end

    def reset_run
      @kind = nil
      @keys = []
      @values = []
      @bytes = 0
    end

    def switch_run(kind)
      hand_over if @kind && @kind != kind
      @kind = kind
    end

    # Gives the pending run to the library in one call. On failure the run
    # is dropped (the library left the batch as it was before the run) and
    # the error raised.
    def hand_over
      return if @keys.empty?

      kind = @kind
      keys = @keys
      values = @values
      n = keys.size
      reset_run
      joined, klens = Bytes.pack(keys)
      if kind == :put
        vjoined, vlens = Bytes.pack(values)
        st = if Native::MANY
               Native.shale_batch_put_many(ptr, n, joined, klens, vjoined, vlens)
             else
               each_slow(keys, values) { |k, v| Native.shale_batch_put(ptr, k, k.bytesize, v, v.bytesize) }
             end
      else
        st = if Native::MANY
               Native.shale_batch_delete_many(ptr, n, joined, klens)
             else
               each_slow(keys, keys) { |k, _| Native.shale_batch_delete(ptr, k, k.bytesize) }
             end
      end
      return if st == Native::OK

      @count -= n
      Error.raise_last(st)
    end

    def each_slow(keys, values)
      keys.each_with_index do |k, i|
        st = yield(k, values[i])
        return st unless st == Native::OK
      end
      Native::OK
    end
  end
end
