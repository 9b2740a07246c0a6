# frozen_string_literal: true

module Shale
  # Every exception the library raises includes this module, so
  # `rescue Shale::Error` catches them all.
  #
  # Why a module and not a base class: Ruby has single inheritance, and some
  # shale errors are most useful as subclasses of the core class a Ruby
  # programmer already rescues — NotFoundError is a KeyError (like
  # Hash#fetch), InvalidArgumentError an ArgumentError, IOError an ::IOError.
  # A module lets each be both.
  module Error
    # The shale status code (a negative SHALE_E_* number, see shale.h).
    attr_reader :code
    # The OS errno behind an I/O failure (shale_last_errno()), else 0.
    attr_reader :errno

    # The symbolic name of #code, e.g. "SHALE_E_IO".
    def status_name
      Native.status_name(code)
    end

    # Exception class for each status code.
    CLASSES = {} # rubocop:disable Style/MutableConstant (filled below)

    # Builds the exception for `code` with `message`.
    def self.for_code(code, message, errno = 0)
      klass = CLASSES.fetch(code, UnknownError)
      err = klass.new(message.to_s.empty? ? Native.status_name(code) : message)
      err.instance_variable_set(:@code, code)
      err.instance_variable_set(:@errno, errno)
      err
    end

    # Raises the error of a failed call; must run right after it, on the
    # same thread, because shale_last_error() is per thread and cleared by the
    # next shale call.
    def self.raise_last(code)
      msg = Native.last_error
      errno = code == Native::E_IO || code == Native::E_LOCKED ? Native.shale_last_errno : 0
      raise for_call(code, msg, errno)
    end

    # #for_code for the status of a call the binding made. The binding passes
    # only handles the library gave it, read from a still-open Ruby object a
    # moment before, so a stale (non-NULL) handle means another thread closed
    # that object (the db, a snapshot) between that read and the C call: for
    # the caller that is a ClosedError, as if the close had come first.
    def self.for_call(code, message, errno = 0)
      if code == Native::E_INVALID_HANDLE && !message.to_s.empty? && !message.to_s.include?("is NULL")
        code = Native::E_CLOSED
        message = "#{message} (closed by another thread during this call)"
      end
      for_code(code, message, errno)
    end

    # Raises the error of the binding's own checks (no C call behind it).
    def self.raise_own(code, message)
      raise for_code(code, message)
    end
  end

  # Base for shale errors that have no closer Ruby counterpart.
  class StandardFailure < StandardError
    include Error
  end

  # A key was not found (Shale::DB#fetch). Also a KeyError, so code written
  # for Hash#fetch keeps working. (SHALE_NOT_FOUND is a non-error status; the
  # binding raises this only where a missing key is an error for the caller.)
  class NotFoundError < KeyError
    include Error
  end

  class InvalidArgumentError < ArgumentError
    include Error
  end

  class InvalidHandleError < StandardFailure; end

  # The db (or the db this object belongs to) has been closed.
  class ClosedError < StandardFailure; end

  class IOError < ::IOError
    include Error
  end

  class CorruptionError < StandardFailure
    # For #verify: the library's report (what was checked, what was wrong).
    attr_accessor :report
  end

  # The directory is open elsewhere; the message names the path (and the pid).
  class LockedError < StandardFailure; end
  # (Not named NoMemoryError: Ruby's own NoMemoryError is not a StandardError.)
  class OutOfMemoryError < StandardFailure; end
  class BufferTooSmallError < StandardFailure; end
  class ReadOnlyError < StandardFailure; end
  # A callback asked to stop (a progress block returned :cancel).
  class CancelledError < StandardFailure; end
  class NotSupportedError < StandardFailure; end
  class InternalError < StandardFailure; end
  class ExistsError < StandardFailure; end
  # A single-owner object (iterator, batch) is in use by another thread, or a
  # call is not allowed from where it was made (closing the db from a callback).
  class BusyError < StandardFailure; end
  class ForkedError < StandardFailure; end
  class TimeoutError < StandardFailure; end
  # A status code this binding does not know (a newer library).
  class UnknownError < StandardFailure; end

  Error::CLASSES.merge!(
    Native::NOT_FOUND => NotFoundError,
    Native::E_INVALID_ARGUMENT => InvalidArgumentError,
    Native::E_INVALID_HANDLE => InvalidHandleError,
    Native::E_CLOSED => ClosedError,
    Native::E_IO => IOError,
    Native::E_CORRUPTION => CorruptionError,
    Native::E_LOCKED => LockedError,
    Native::E_NOMEM => OutOfMemoryError,
    Native::E_BUFFER_TOO_SMALL => BufferTooSmallError,
    Native::E_READ_ONLY => ReadOnlyError,
    Native::E_CANCELLED => CancelledError,
    Native::E_NOT_SUPPORTED => NotSupportedError,
    Native::E_INTERNAL => InternalError,
    Native::E_EXISTS => ExistsError,
    Native::E_BUSY => BusyError,
    Native::E_FORKED => ForkedError,
    Native::E_TIMEOUT => TimeoutError
  ).freeze
end
