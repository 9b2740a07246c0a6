# frozen_string_literal: true

module Shale
  # Turning Ruby strings into the (pointer, length) byte spans of the C API
  # and back. Keys and values are bytes: a String of any encoding is taken
  # as its bytes; a String the binding returns is ASCII-8BIT unless an
  # encoding was chosen (see Encodings).
  module Bytes
    module_function

    # The bytes of `obj` as a String that is safe to hand to C.
    #
    # Why a copy: functions that do I/O run with the GVL released, so another
    # Ruby thread could modify (and reallocate) the caller's String while C
    # is reading it. `String#b` makes a copy that nobody else can reach (for
    # long strings it shares the buffer copy-on-write, so it is cheap); a
    # frozen String cannot change and is passed as it is.
    def arg(obj, what = "key")
      if obj.is_a?(String)
        obj.frozen? ? obj : obj.b
      elsif obj.respond_to?(:to_str)
        obj.to_str.b
      else
        raise TypeError, "shale: #{what} must be a String, not #{obj.class}"
      end
    end

    # `obj` if it can be iterated with #each (an Array, a Hash, any
    # Enumerable), else a TypeError naming `what`: nil.to_a would make a
    # nil argument a silent no-op, and 5.each a NoMethodError.
    def list(obj, what)
      return obj if obj.respond_to?(:each)

      raise TypeError, "shale: #{what} must be an Array or Enumerable, not #{obj.class}"
    end

    # Like #arg but nil stays nil (an absent bound or prefix).
    def opt(obj, what)
      obj.nil? ? nil : arg(obj, what)
    end

    # Packs an Array of byte strings for the *_many functions: the strings
    # laid end to end, and their lengths as a native size_t array. Both are
    # fresh Strings nobody else references, so they are passed to C as they
    # are (FFI hands a String's buffer to a :pointer parameter).
    # Returns [joined, lens_packed].
    def join(list, what = "key")
      lens = Array.new(list.size)
      parts = Array.new(list.size)
      list.each_with_index do |s, i|
        b = arg(s, what)
        parts[i] = b
        lens[i] = b.bytesize
      end
      [concat(parts), lens.pack("J*")]
    end

    # #join for Strings that are already private copies (see #arg).
    def pack(list)
      [concat(list), list.map(&:bytesize).pack("J*")]
    end

    # #join for a call that keeps the GVL (no other thread can change a
    # String before the library has read it): Strings are joined as they
    # are, without a private copy of each; anything else goes through #arg.
    def join_held(list, what = "key")
      return join(list, what) unless list.all?(String)

      [concat(list), list.map(&:bytesize).pack("J*")]
    end

    # The bytes of `list` end to end, as one ASCII-8BIT String. Not
    # Array#join: it refuses to join a UTF-8 String with non-ASCII bytes
    # and a binary one with high bytes (Encoding::CompatibilityError);
    # pack("a*") takes every String as its bytes.
    def concat(list)
      list.pack(PACK_FORMATS[list.size])
    end

    # "a*" repeated n times, made once per n.
    PACK_FORMATS = Hash.new { |h, n| h[n] = ("a*" * n).freeze }
    private_constant :PACK_FORMATS

    # A copy of `len` bytes at `ptr` ("" for 0), tagged with `enc` where
    # the bytes are valid in it (Encodings.tag), else ASCII-8BIT.
    def read(ptr, len, enc = nil)
      str = len.zero? ? String.new(encoding: Encoding::BINARY) : ptr.read_bytes(len)
      Encodings.tag(str, enc)
    end

    # `str` with a byte appended that makes the smallest key greater than it
    # in memcmp order: turns inclusive ends into exclusive ones and back.
    def successor(str)
      str + "\0".b
    end
  end
end
