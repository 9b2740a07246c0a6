# frozen_string_literal: true

module Shale
  # A registration made by DB#subscribe: the block is called with
  # (kind, key, value) — kind :put or :delete (value nil) — for every change
  # made through that db to a key under the prefix.
  #
  # When and where the block runs: synchronously, on the thread that made
  # the write, after the write is durable and visible, before the write call
  # returns (entries of a batch in batch order). So keep it short; it may
  # read and write the db and call #unsubscribe, but not close the db (that
  # raises BusyError). An exception it raises is re-raised by the write
  # method that triggered it, after the write has been applied; during a
  # write the binding did not make (C code using DB#c_handle) it is reported
  # with `warn` instead (see Callbacks).
  #
  # A subscription lasts until #unsubscribe or the db's close, whether or
  # not this object is kept: while it is active the callback registry holds
  # it. Once it has ended the GC may collect it, and its finalizer releases
  # the native handle if #unsubscribe was never called.
  class Subscription
    # The prefix (bytes; "" for every key); the encoding of the keys and
    # values given to the block (see Encodings).
    attr_reader :prefix, :encoding

    # Use DB#subscribe.
    def initialize(db, prefix, block, encoding = Encoding::BINARY)
      @prefix = prefix
      @block = block
      @encoding = encoding
      @active = true
      dbp = db.db_pointer # may raise ClosedError: before registering
      user = Callbacks.register_subscription(self)
      out = FFI::MemoryPointer.new(:pointer)
      st = Native.shale_db_subscribe(dbp, prefix, prefix.bytesize, Callbacks::CHANGE,
                                     user, Callbacks::USER_FREE, out)
      unless st == Native::OK
        # user_free is not called after a failed subscribe: drop it ourselves.
        msg = Native.last_error
        errno = Native.shale_last_errno
        Callbacks.unregister(user)
        raise Error.for_call(st, msg, errno)
      end
      @handle = Handle.new(self, out.get_pointer(0), :shale_unsubscribe)
    end

    # Ends the subscription: when it returns the block is not running (on
    # another thread) and will not run again. Safe to call twice, from the
    # block itself, and after the db was closed.
    def unsubscribe
      @handle.release
      @active = false
      nil
    end
    alias close unsubscribe

    # False once unsubscribed or the db was closed.
    def active?
      @active
    end

    def inspect
      "#<#{self.class} prefix=#{@prefix.inspect} #{@active ? 'active' : 'ended'}>"
    end

    # The block given to DB#subscribe.
    def callback
      @block
    end

    # Called by the trampoline (see Callbacks.on_change).
    def deliver(kind, key, value)
      @block.call(kind, key, value)
    end

    # Called by USER_FREE: the library will not call the block again.
    def ended
      @active = false
    end
  end
end
