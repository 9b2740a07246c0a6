# frozen_string_literal: true

module Shale
  # The read side of the Hash-like surface of DB and Snapshot (through
  # Reader): the methods of Hash and of the stdlib DBM that only read, with
  # their meaning, so code written for a Hash or a DBM reads a shale db
  # unchanged. DB adds the writing ones (HashWrites).
  #
  # Like DBM, and unlike Hash, the Enumerable methods (#select, #map,
  # #reject, #sort_by...) return Arrays of [key, value] pairs; #to_h makes a
  # Hash. Every method sees one point in time. What they cost is what they
  # read: #size and #value? visit every entry (there is no stored count: an
  # LSM tree cannot know how many of its versions are live without reading
  # them), #empty? one.
  #
  # The ones that return keys or values take `encoding:` (see Encodings);
  # #size, #keys, #values, #each_value and #to_h also take the range
  # arguments of Reader#each (a Range, from:, after:, to:, through:,
  # prefix:).
  module HashLike
    # The exact number of entries (in the range, if given). Visits every
    # entry — one FFI crossing per thousand, no String made — so it takes
    # time in proportion to the db's size; `stats[:approximate_keys]` is the
    # free estimate.
    def size(range = nil, **bounds)
      iterator(range, **bounds) { |it| it.seek_first ? it.count_rest : 0 }
    end
    alias length size

    # Without an item or a block, #size (range keywords allowed); otherwise
    # Enumerable#count.
    def count(*args, **bounds, &block)
      return size(**bounds) if args.empty? && block.nil?
      raise ArgumentError, "shale: count takes range keywords only without an item or a block" unless bounds.empty?

      super(*args, &block)
    end

    # Whether there is no entry at all (one seek).
    def empty?
      iterator { |it| !it.seek_first }
    end

    # Without arguments, !empty? (one seek); otherwise Enumerable#any?.
    def any?(*args, &block)
      return !empty? if args.empty? && block.nil?

      super
    end

    # The keys, in key order, as an Array.
    def keys(range = nil, **kw)
      out = []
      each_key(range, **kw) { |k| out << k }
      out
    end

    # The values, in key order, as an Array.
    def values(range = nil, **kw)
      out = []
      each_value(range, **kw) { |v| out << v }
      out
    end

    # The entries as a Hash. With a block, like Hash#to_h: the block gets
    # (key, value) and returns the [key, value] pair to store.
    def to_h(range = nil, **kw, &block)
      h = {}
      each(range, **kw) do |k, v|
        if block
          pair = block.call(k, v)
          raise TypeError, "wrong element type #{pair.class} (expected array)" unless pair.is_a?(Array)
          raise ArgumentError, "element has wrong array length (expected 2, was #{pair.size})" unless pair.size == 2

          h[pair[0]] = pair[1]
        else
          h[k] = v
        end
      end
      h
    end

    # Whether some entry has these value bytes (visits every entry).
    def value?(value)
      v = Bytes.arg(value, "value").b
      each(encoding: Encoding::BINARY) { |_, x| return true if x == v }
      false
    end
    alias has_value? value?

    # The first key (in key order) whose value has these bytes, or nil, like
    # Hash#key (visits the entries up to it).
    def key(value, encoding: nil)
      enc = Encodings.pick(encoding, self.encoding)
      v = Bytes.arg(value, "value").b
      each(encoding: Encoding::BINARY) { |k, x| return Encodings.tag(k, enc) if x == v }
      nil
    end

    # The values of `keys`, like Hash#fetch_values: a missing key is the
    # block's value (given the key), or raises NotFoundError (a KeyError).
    # One call to the library for all of them.
    def fetch_values(*keys, encoding: nil)
      values = get_many(keys, encoding: encoding)
      keys.each_with_index.map do |k, i|
        next values[i] unless values[i].nil?

        block_given? ? yield(k) : raise_not_found(k)
      end
    end

    # A Hash of the given keys that exist and their values, like Hash#slice
    # (the keys as given). One call to the library.
    def slice(*keys, encoding: nil)
      values = get_many(keys, encoding: encoding)
      h = {}
      keys.each_with_index { |k, i| h[k] = values[i] unless values[i].nil? }
      h
    end

    # A Hash of value => key, like Hash#invert (a later key wins for equal
    # values).
    def invert(encoding: nil)
      h = {}
      each(encoding: encoding) { |k, v| h[v] = k }
      h
    end
  end
end
