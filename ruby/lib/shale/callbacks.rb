# frozen_string_literal: true

module Shale
  # C-to-Ruby callbacks: the trampolines, the registry that keeps their Ruby
  # targets alive, and the rule that no Ruby exception ever unwinds through
  # C.
  #
  # C never holds a Ruby object. Each registration (a subscription, one
  # running compact/backup/verify) is stored in a Hash under a token (the
  # target's object_id, unique for the life of the process), and the token is
  # what C gets as its `void *user`. The trampolines are constants created
  # once, so the function pointers handed to C never dangle. A subscription's
  # entry is dropped by USER_FREE, which the library calls exactly once when
  # the registration ends — so the Ruby block lives exactly as long as C may
  # call it.
  #
  # Exceptions: a Ruby exception must not longjmp across C frames (it would
  # skip the library's unlock and cleanup code). Every trampoline rescues
  # Exception, and the exception is re-raised in Ruby after the C call that
  # led to the callback has returned:
  # * progress blocks run on the caller's thread during compact/backup/
  #   verify: the trampoline returns non-zero (the operation stops with
  #   SHALE_E_CANCELLED) and the operation re-raises the block's exception;
  # * subscription blocks run synchronously on the thread that made the
  #   write, inside the write call (the library ignores a subscription's
  #   return value). If the binding made that write (DB#put, #delete,
  #   #put_many, #delete_many, #write, #batch), the write method ran its C
  #   call inside Callbacks.binding_write, which parks a list in a
  #   fiber-local slot: the exception goes there and the write method
  #   raises it after C returns (the write itself has happened). A write the
  #   binding did not make (C code given DB#c_handle) has nobody to raise
  #   to: the exception is reported at once with `warn` (Callbacks.report)
  #   and never parked, so no later, unrelated write raises it.
  # * a logger runs on whichever thread produced the message, often one of
  #   the library's own (flush, compaction): nobody to raise to, so its
  #   exception is reported with `warn` and the library goes on.
  #
  # Threads and the GVL: a callback made on a thread Ruby does not know (the
  # library's background threads) is handed by the ffi gem to its dispatcher,
  # which runs it on a new Ruby thread once that thread gets the GVL; the
  # library thread waits meanwhile. So every C call that can wait for a
  # library thread (close, flush, writes that stall, compact, backup...) is
  # attached `blocking: true` (Native): it releases the GVL while it waits,
  # and the logger can run. A call that held the GVL while waiting would
  # deadlock.
  module Callbacks
    # token => target. Plain Hash operations are atomic under the GVL; no
    # Mutex, because USER_FREE can run from a finalizer (a db closed by the
    # GC), and a finalizer may run on a thread that already holds any lock.
    REGISTRY = {} # rubocop:disable Style/MutableConstant
    # token => true for the subscription registrations C may still call (all
    # dbs of the process); removed when the registration ends. While it is
    # empty, binding_write is a plain yield.
    LIVE_SUBSCRIPTIONS = {} # rubocop:disable Style/MutableConstant
    # Fiber-local: while a write method's C call is in flight, the
    # [exception, subscription] pairs its subscription blocks raised; nil
    # otherwise (the mark "inside a write made through the binding").
    PENDING = :__shale_subscription_errors

    module_function

    # Stores `target`; returns the pointer to pass to C as `user`.
    def register(target)
      token = target.object_id
      REGISTRY[token] = target
      FFI::Pointer.new(token)
    end

    # register for a Subscription, counted in LIVE_SUBSCRIPTIONS until the
    # registration ends (USER_FREE, or unregister after a failed subscribe).
    def register_subscription(sub)
      user = register(sub)
      LIVE_SUBSCRIPTIONS[user.address] = true
      user
    end

    def unregister(user)
      LIVE_SUBSCRIPTIONS.delete(user.address)
      REGISTRY.delete(user.address)
    end

    def lookup(user)
      REGISTRY[user.address]
    end

    # Runs the block — a write method's C call and its status check — as a
    # write made through the binding: a subscription block that raises during
    # it has its exception raised here once the block has returned (the
    # write has happened). Several: the first is raised, the others are
    # reported. If the block itself raises (the write failed), that error
    # propagates and the subscription blocks' exceptions are reported.
    #
    # Nested writes (a subscription block writing through the binding) save
    # and restore the outer write's list, so each write raises only what its
    # own subscription blocks raised. A C write made by C code that a
    # subscription block called is part of the enclosing write. Without live
    # subscriptions this is a plain yield. A subscription created on another
    # thread while a write is between that check and its C call may see the
    # write unmarked; its exception is then reported, not raised.
    def binding_write
      return yield if LIVE_SUBSCRIPTIONS.empty?

      fiber = Thread.current
      outer = fiber[PENDING]
      mine = fiber[PENDING] = []
      finished = false
      begin
        result = yield
        finished = true
      ensure
        fiber[PENDING] = outer
        mine.each { |err, sub| report(err, sub, "the write failed") } unless finished
      end
      return result if mine.empty?

      mine.drop(1).each { |err, sub| report(err, sub, "an earlier one from the same write was raised") }
      raise mine[0][0]
    end

    # Reports an exception of a callback (a subscription block, a logger)
    # that cannot be raised to anyone, with Kernel#warn (on $stderr unless
    # warnings are off, -W0).
    def report(err, sub, why, what = "subscription block")
      block = sub.respond_to?(:callback) ? sub.callback : sub
      warn "shale: exception in #{what} #{block.inspect} not raised (#{why}): " \
           "#{err.class}: #{err.message}"
    rescue Exception # rubocop:disable Lint/RescueException -- reporting must not reach C
      nil
    end

    # Runs the block (a Ruby callback) so that nothing escapes into C.
    # Returns [true, value] when it returned normally, else [false, exception].
    # A non-local exit (throw, break, Thread#kill) cannot be let through
    # either: `return` from an ensure clause cancels it, and it is reported
    # as a Shale::CallbackError instead.
    def guard
      finished = false
      begin
        value = yield
        finished = true
        [true, value]
      rescue Exception => e # rubocop:disable Lint/RescueException -- must not reach C
        finished = true
        [false, e]
      ensure
        unless finished
          # rubocop:disable Lint/EnsureReturn -- the point: stop the unwind here
          return [false, CallbackError.new("shale: a callback exited by throw, break " \
                                           "or Thread#kill; that cannot cross the C library")]
          # rubocop:enable Lint/EnsureReturn
        end
      end
    end

    def on_change(user, kind, kptr, klen, vptr, vlen)
      sub = lookup(user)
      return 0 if sub.nil?

      ok, err = guard do
        key = Bytes.read(kptr, klen, sub.encoding)
        if kind == Native::CHANGE_DELETE
          sub.deliver(:delete, key, nil)
        else
          sub.deliver(:put, key, Bytes.read(vptr, vlen, sub.encoding))
        end
      end
      unless ok
        pending = Thread.current[PENDING]
        if pending
          pending << [err, sub] # its write method raises it
        else
          report(err, sub, "during a write not made through the binding, " \
                           "e.g. C code using DB#c_handle; nothing to raise it to")
        end
      end
      0
    end

    def on_progress(user, done, total)
      op = lookup(user)
      return 1 if op.nil?

      ok, result = guard { op.block.call(done, total) }
      if !ok
        op.error = result
        1
      elsif result == :cancel
        op.cancelled = true
        1
      else
        0
      end
    end

    def on_log(user, level, msg)
      logger = lookup(user)
      return 0 if logger.nil?

      ok, err = guard { logger.deliver(level, msg) }
      report(err, logger, "loggers run on the library's threads; nothing to raise it to", "logger") unless ok
      0
    end

    def on_user_free(user)
      LIVE_SUBSCRIPTIONS.delete(user.address)
      target = REGISTRY.delete(user.address)
      target&.ended
    rescue Exception # rubocop:disable Lint/RescueException -- must not reach C
      nil
    end

    CHANGE = FFI::Function.new(:int, [:pointer, :int32, :pointer, :size_t, :pointer, :size_t]) do |*args|
      Callbacks.on_change(*args)
    end
    PROGRESS = FFI::Function.new(:int, [:pointer, :uint64, :uint64]) do |user, done, total|
      Callbacks.on_progress(user, done, total)
    end
    LOG = FFI::Function.new(:int, [:pointer, :int32, :pointer]) do |user, level, msg|
      Callbacks.on_log(user, level, msg)
    end
    USER_FREE = FFI::Function.new(:void, [:pointer]) do |user|
      Callbacks.on_user_free(user)
    end

    # A db's logger: what DB.open was given as `logger:` and how to call it.
    # Registered for the life of the db (the library calls USER_FREE at
    # close), so it stays reachable exactly as long as C may call it.
    class Logger
      # Level numbers (SHALE_LOG_*) => the Symbols a logger receives.
      LEVELS = { 0 => :debug, 1 => :info, 2 => :warn, 3 => :error }.freeze
      # What a Logger-like object (stdlib ::Logger or anything with these
      # methods) must respond to.
      METHODS = %i[debug info warn error].freeze

      attr_reader :callback

      # `target`: anything responding to call(level, message), or a
      # Logger-like object (#debug, #info, #warn, #error).
      def self.valid?(target)
        target.respond_to?(:call) || METHODS.all? { |m| target.respond_to?(m) }
      end

      def initialize(target)
        @callback = target
        @call = target.respond_to?(:call)
      end

      def deliver(level, msg)
        text = msg.null? ? +"" : msg.read_string
        text.force_encoding(Encoding::UTF_8)
        text = text.scrub unless text.valid_encoding?
        if @call
          @callback.call(LEVELS.fetch(level, level), text)
        else
          @callback.public_send(LEVELS.fetch(level, :error), text)
        end
      end

      def ended; end
    end

    # One synchronous operation's progress block and what it did.
    class Progress
      attr_reader :block
      attr_accessor :error, :cancelled

      def initialize(block)
        @block = block
        @error = nil
        @cancelled = false
      end

      def ended; end

      # Calls `yield(fn, user)` (the C call) with this progress block
      # registered, unregisters it, and raises the block's exception if it
      # raised one. Returns the C call's status. With no block, passes NULLs.
      def self.run(block)
        return yield(nil, nil) if block.nil?

        op = new(block)
        user = Callbacks.register(op)
        begin
          status = yield(PROGRESS, user)
        ensure
          Callbacks.unregister(user)
        end
        raise op.error if op.error

        status
      end
    end
  end

  # An exception raised for a callback that left by throw/break/kill.
  # Its #code is SHALE_E_CANCELLED: the operation it interrupted stopped.
  class CallbackError < StandardError
    include Error

    def initialize(msg = nil)
      super
      @code = Native::E_CANCELLED
      @errno = 0
    end
  end
end
