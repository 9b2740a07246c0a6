# frozen_string_literal: true

module Shale
  # An open shale database: an ordered map of byte strings to byte strings,
  # stored in one directory.
  #
  #   Shale::DB.open("/tmp/demo", encoding: Encoding::UTF_8) do |db|
  #     db["café"] = "crème"
  #     db["café"]                  # => "crème" (UTF-8)
  #     db.each(prefix: "c") { |key, value| ... }
  #   end
  #
  # Reads (#get, #[], #fetch, #key?, #get_many, #each, #iterator) come from
  # Reader, the Hash-like methods from HashLike (#size, #keys, #values,
  # #to_h...) and HashWrites (#store, #update, #clear...), maintenance
  # (#flush, #sync, #compact, #backup, #verify, #stats) from Maintenance. A
  # DB may be used from many threads at once; calls that do I/O release the
  # GVL.
  class DB
    include Reader
    include HashWrites
    include Maintenance

    # Opens (creating it by default) the db in directory `path`.
    #
    # Options (keywords; see shale_options in shale.h for the defaults):
    #   create_if_missing: true/false   error_if_exists:  true/false
    #   read_only:  true/false          salvage:          true/false
    #   sync:  :none, :every or :group  log_level: :debug/:info/:warn/:error
    #   write_buffer_size, block_cache_capacity, block_size,
    #   bloom_bits_per_key, max_open_files, level0_compaction_trigger,
    #   level0_slowdown_trigger, level0_stop_trigger, target_file_size,
    #   level1_max_bytes, level_size_multiplier: Integers
    #   encoding: the encoding of the Strings returned (keys and values; see
    #     Encodings): an Encoding or its name. Default Encoding::BINARY
    #     (ASCII-8BIT, the bytes as they are); with e.g. Encoding::UTF_8 a
    #     String valid in it comes back tagged UTF-8, any other stays binary.
    #   logger: receives the library's diagnostic messages of log_level
    #     (default :info) and above: anything responding to
    #     call(level, message) — a lambda, a Method — called with a Symbol
    #     (:debug, :info, :warn, :error) and a UTF-8 String, or a Logger-like
    #     object (a stdlib ::Logger: #debug/#info/#warn/#error(message)).
    #
    # The logger runs on whichever thread produced the message: the caller's
    # (open, close, backup...) or, often, one of the library's flush and
    # compaction threads, where the ffi gem runs it on a new Ruby thread
    # while the library thread waits; several may run at once. Keep it short
    # and thread-safe (a Queue, a ::Logger), and do not close or wait for
    # this db from it (close, flush, compact: the library may be waiting for
    # the logger). An exception it raises cannot be raised to anyone: it is
    # reported with `warn` and the library goes on. Every message is
    # delivered before close returns, none after; the logger is then
    # released. A db with a logger that is still open at exit is closed by
    # an at_exit hook (after finalizers it could not be: the ffi gem's
    # callback thread is gone by then).
    #
    # With a block: yields the db, closes it when the block ends (also on an
    # exception) and returns the block's value. Without: returns the db.
    def self.open(path, **opts)
      db = new(path, **opts)
      return db unless block_given?

      begin
        yield db
      ensure
        db.close
      end
    end

    # The path as given to open.
    attr_reader :path
    # The encoding of the Strings this db returns, unless a call chooses
    # another (see Encodings).
    attr_reader :encoding

    def initialize(path, **opts)
      @path = File.path(path)
      @encoding = Encodings.resolve(opts[:encoding]) || Encoding::BINARY
      options, logger = Options.build(opts)
      out = FFI::MemoryPointer.new(:pointer)
      begin
        st = Native.shale_db_open(@path, options, out)
      ensure
        # A failed open never calls logger_user_free: release the logger
        # here (messages of the failed open have been delivered by now).
        Callbacks.unregister(logger) if logger && st != Native::OK
      end
      Error.raise_last(st) unless st == Native::OK
      @handle = Handle.new(self, out.get_pointer(0), :shale_db_close)
      Handle.close_at_exit(@handle) if logger
    end

    # Closes the db: waits for calls in flight on other threads, ends every
    # subscription, syncs the log, releases the directory lock. Snapshots and
    # iterators still open raise ClosedError afterwards. Safe to call twice.
    # Raises BusyError from inside one of this db's callbacks (nothing is
    # closed then), IOError if the final sync failed (closed all the same).
    def close
      st = @handle.release_unless_busy
      Error.raise_last(st) unless st == Native::OK || st == Native::E_INVALID_HANDLE
      nil
    end

    def closed?
      @handle.released?
    end

    # The native handle; raises ClosedError once closed.
    def db_pointer
      p = @handle.pointer
      Error.raise_own(Native::E_CLOSED, "shale: db #{@path} is closed") if p.nil?
      p
    end

    # This open db's shale_db*, as an FFI::Pointer, for C code in this
    # process: a C extension, or a shared library bound with the ffi gem
    # (`attach_function :ingest, [:pointer], :int` then `ingest(db.c_handle)`).
    #
    # The C code uses it with the functions of shale.h as it would a handle it
    # had opened itself (reads, writes, batches, snapshots, iterators,
    # subscriptions, from any thread). It is the same db, not a second open:
    # its writes are seen here at once and delivered to this db's
    # subscriptions (#subscribe). The C code must be linked against
    # libshale.so.1, so that it shares the copy this binding loaded
    # (Shale.library_path): a handle means nothing to another copy.
    #
    # Valid until #close. The C code must not close it (shale_db_close): the
    # db belongs to this object; what it creates on it, it frees itself. After
    # the close the pointer is a dead handle, which the library refuses with
    # SHALE_E_INVALID_HANDLE rather than crashing, and this method raises
    # ClosedError.
    def c_handle
      db_pointer
    end

    # Reads see the latest state.
    def snapshot_pointer
      nil
    end

    # --- writes ----------------------------------------------------------

    # Sets key to value; returns value. Acknowledged once durable per the
    # sync mode.
    def put(key, value)
      k = Bytes.arg(key)
      v = Bytes.arg(value, "value")
      Callbacks.binding_write do
        st = Native.shale_db_put(db_pointer, k, k.bytesize, v, v.bytesize)
        Error.raise_last(st) unless st == Native::OK
      end
      value
    end

    def []=(key, value)
      put(key, value)
    end

    # Removes key and returns its value, like Hash#delete; if there was
    # none, returns the block's value (given the key) or nil and writes
    # nothing. Costs a lookup before the delete, and is not atomic with a
    # write another thread makes in between (the value returned is the one
    # read): #delete_many deletes without reading.
    def delete(key, encoding: nil)
      k = Bytes.arg(key)
      old = get(k, encoding: encoding)
      return block_given? ? yield(key) : nil if old.nil?

      Callbacks.binding_write do
        st = Native.shale_db_delete(db_pointer, k, k.bytesize)
        Error.raise_last(st) unless st == Native::OK
      end
      old
    end

    # Sets many keys in one atomic write and one FFI crossing. `pairs`: a
    # Hash or an Enumerable of [key, value]. A later key wins over an
    # earlier equal one. Returns self.
    def put_many(pairs)
      keys = []
      values = []
      Bytes.list(pairs, "pairs").each do |k, v|
        keys << k
        values << v
      end
      return self if keys.empty?
      return write_with { |b| b.put_many(pairs) } unless Native::MANY

      kj, kl = Bytes.join(keys)
      vj, vl = Bytes.join(values, "value")
      Callbacks.binding_write do
        st = Native.shale_db_put_many(db_pointer, keys.size, kj, kl, vj, vl)
        Error.raise_last(st) unless st == Native::OK
      end
      self
    end

    # Removes many keys in one atomic write and one FFI crossing (absent
    # ones are no error; nothing is read). Returns self.
    def delete_many(keys)
      keys = Bytes.list(keys, "keys").to_a
      return self if keys.empty?
      return write_with { |b| b.delete_many(keys) } unless Native::MANY

      kj, kl = Bytes.join(keys)
      Callbacks.binding_write do
        st = Native.shale_db_delete_many(db_pointer, keys.size, kj, kl)
        Error.raise_last(st) unless st == Native::OK
      end
      self
    end

    # Applies a Batch atomically. The batch is kept (reusable). Returns self.
    def write(batch)
      raise TypeError, "shale: expected a Shale::Batch, not #{batch.class}" unless batch.is_a?(Batch)

      b = batch.native_for_write
      Callbacks.binding_write do
        st = Native.shale_db_write(db_pointer, b)
        Error.raise_last(st) unless st == Native::OK
      end
      self
    end

    # Yields a new Batch; when the block returns normally, writes it
    # atomically and returns the block's value. If the block raises (or
    # leaves by break/throw/return), nothing is written.
    def batch
      b = Batch.new
      begin
        result = yield b
        write(b)
        result
      ensure
        b.close
      end
    end

    # --- snapshots and subscriptions -------------------------------------

    # A Snapshot of the current state, returning Strings in `encoding` (by
    # default the db's). With a block: yields it, frees it afterwards and
    # returns the block's value.
    def snapshot(encoding: nil)
      s = Snapshot.new(self, Encodings.pick(encoding, @encoding))
      return s unless block_given?

      begin
        yield s
      ensure
        s.close
      end
    end

    # Calls the block with (kind, key, value) for every change made through
    # this db to a key starting with `prefix` — given as the argument or as
    # `prefix:`; none, nil or "" for every key. Keys and values reach the
    # block in `encoding` (by default the db's). Returns a Subscription
    # (#unsubscribe). See Subscription for where the block runs.
    def subscribe(prefix_arg = nil, prefix: nil, encoding: nil, &block)
      unless block
        raise ArgumentError, "shale: subscribe needs a block, called with (kind, key, value) for each change"
      end
      unless prefix_arg.nil? || prefix.nil?
        raise ArgumentError, "shale: subscribe: give the prefix once (as the argument or as prefix:)"
      end

      given = prefix_arg.nil? ? prefix : prefix_arg
      enc = Encodings.pick(encoding, @encoding)
      Subscription.new(self, given.nil? ? "".b : Bytes.arg(given, "prefix"), block, enc)
    end

    def inspect
      "#<#{self.class} #{@path.inspect}#{' closed' if closed?}>"
    end

    private

    def write_with
      b = Batch.new
      begin
        yield b
        write(b)
      ensure
        b.close
      end
      self
    end
  end
end
