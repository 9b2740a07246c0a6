# frozen_string_literal: true

module Shale
  # Owns one native handle (a db, snapshot, iterator, batch) and releases it
  # exactly once: on #release, or from a finalizer if the Ruby object is
  # garbage-collected first.
  #
  # Why a separate object: a finalizer proc that referenced the owner would
  # keep the owner reachable forever, so the finalizer would never run. The
  # proc built by Handle.finalizer closes over the Handle only; the owner
  # holds the Handle too, and when the owner is collected so is the proc.
  #
  # The library makes this safe under any misuse: handles are generational,
  # so releasing one twice (say, from a finalizer racing an explicit close)
  # returns SHALE_E_INVALID_HANDLE instead of freeing something else; and the
  # release functions leave the thread's last error alone, so a finalizer
  # running between a failed call and the read of its message cannot erase
  # it.
  class Handle
    # `free_fn` is a Native function name such as :shale_iter_free.
    def initialize(owner, pointer, free_fn)
      @pointer = pointer
      @free_fn = free_fn
      ObjectSpace.define_finalizer(owner, self.class.finalizer(self))
    end

    def self.finalizer(handle)
      proc { handle.release }
    end

    # The handle's pointer, or nil once released.
    attr_reader :pointer

    def released?
      @pointer.nil?
    end

    # Handles to release before the process exits (Handle => true): the dbs
    # that have a Ruby logger. At exit Ruby kills its threads before it runs
    # finalizers, and with them the ffi gem's callback dispatcher; a db
    # closed by its finalizer then would wait forever for a library thread
    # that waits to run the logger. So they are closed by an at_exit hook,
    # which runs before the threads are killed. The hook is registered when
    # the first such handle is added after the previous hook ran (at_exit
    # hooks added while hooks run are run too, after the current one), so a
    # db opened inside another at_exit hook (minitest runs its tests in one)
    # is covered as well.
    CLOSE_AT_EXIT = {} # rubocop:disable Style/MutableConstant
    @exit_hook = false

    class << self
      # Makes sure `handle` is released before the process exits.
      def close_at_exit(handle)
        CLOSE_AT_EXIT[handle] = true
        return if @exit_hook

        @exit_hook = true
        at_exit do
          @exit_hook = false
          CLOSE_AT_EXIT.keys.each(&:release)
        end
      end
    end

    # Frees the native object whatever happens (the finalizer's way); returns
    # the status, OK when it was already released.
    def release
      ptr = @pointer
      return Native::OK if ptr.nil?

      @pointer = nil
      CLOSE_AT_EXIT.delete(self)
      st = Native.public_send(@free_fn, ptr)
      # A db answers BUSY to a close made from inside one of its own
      # callbacks (nothing closed). The finalizer may run there: the GC runs
      # it on whichever thread it likes, e.g. one running this db's logger.
      # Close it from a thread of its own, which waits for the callback.
      @closer = Thread.new { Native.public_send(@free_fn, ptr) } if st == Native::E_BUSY && @free_fn == :shale_db_close
      st
    end

    # The thread closing a db whose release answered BUSY, or nil.
    attr_reader :closer

    # For frees that may answer SHALE_E_BUSY (a db closed from its own
    # callback, an iterator in use on another thread): on BUSY the handle is
    # kept so the caller can try again later. Returns the status.
    def release_unless_busy
      ptr = @pointer
      return Native::OK if ptr.nil?

      st = Native.public_send(@free_fn, ptr)
      unless st == Native::E_BUSY
        @pointer = nil
        CLOSE_AT_EXIT.delete(self)
      end
      st
    end
  end
end
