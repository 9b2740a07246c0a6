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

    # Frees the native object whatever happens (the finalizer's way); returns
    # the status, OK when it was already released.
    def release
      ptr = @pointer
      return Native::OK if ptr.nil?

      @pointer = nil
      Native.public_send(@free_fn, ptr)
    end

    # For frees that may answer SHALE_E_BUSY (a db closed from its own
    # callback, an iterator in use on another thread): on BUSY the handle is
    # kept so the caller can try again later. Returns the status.
    def release_unless_busy
      ptr = @pointer
      return Native::OK if ptr.nil?

      st = Native.public_send(@free_fn, ptr)
      @pointer = nil unless st == Native::E_BUSY
      st
    end
  end
end
