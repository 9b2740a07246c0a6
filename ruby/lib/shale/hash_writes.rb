# frozen_string_literal: true

module Shale
  # The writing side of the Hash-like surface of DB (HashLike is the
  # reading side): the Hash and DBM methods that change the db.
  #
  # Atomicity: #store and #update without a block are one atomic write.
  # The others read, then write (an LSM store has no read-modify-write of
  # its own): #update with a block, #delete, #shift, #delete_if/#reject!,
  # #keep_if/#select!, #clear and #replace do not see a write another
  # thread makes between their read and their write. #clear, #replace and
  # the filters delete in atomic chunks of up to Iterator::MAX_CHUNK keys,
  # not in one write (a db may be far larger than memory).
  module HashWrites
    # Hash#store: sets key to value; returns value.
    def store(key, value)
      put(key, value)
    end

    # Hash#update: sets the entries of each argument (a Hash, or an
    # Enumerable of [key, value]), later ones winning, in one atomic write.
    # With a block, a key that already has a value (in the db, or earlier in
    # the arguments) gets the block's value instead: block(key, old, new),
    # old in the db's encoding. Returns self.
    def update(*others, &block)
      pairs = []
      others.each { |o| Bytes.list(o, "argument").each { |k, v| pairs << [k, v] } }
      return put_many(pairs) if block.nil? || pairs.empty?

      olds = get_many(pairs.map(&:first))
      merged = {} # key bytes => [key, value], in first-seen order
      pairs.each_with_index do |(k, v), i|
        kb = Bytes.arg(k).b
        if merged.key?(kb)
          merged[kb] = [k, block.call(k, merged[kb][1], v)]
        elsif !olds[i].nil?
          merged[kb] = [k, block.call(k, olds[i], v)]
        else
          merged[kb] = [k, v]
        end
      end
      put_many(merged.values)
    end
    alias merge! update

    # Removes the first entry (in key order) and returns it as [key,
    # value], or nil when the db is empty (DBM#shift).
    def shift(encoding: nil)
      pair = each(encoding: encoding).first
      return nil if pair.nil?

      delete_many([pair[0]])
      pair
    end

    # Deletes the entries (in range, if given) for which the block is true.
    # Returns self (#reject!: nil if nothing was deleted).
    def delete_if(range = nil, **kw, &block)
      return enum_for(:delete_if, range, **kw) unless block

      filter_out(range, kw, true, &block)
      self
    end

    def reject!(range = nil, **kw, &block)
      return enum_for(:reject!, range, **kw) unless block

      filter_out(range, kw, true, &block).zero? ? nil : self
    end

    # Keeps only the entries (in range, if given) for which the block is
    # true. Returns self (#select!/#filter!: nil if nothing was deleted).
    def keep_if(range = nil, **kw, &block)
      return enum_for(:keep_if, range, **kw) unless block

      filter_out(range, kw, false, &block)
      self
    end

    def select!(range = nil, **kw, &block)
      return enum_for(:select!, range, **kw) unless block

      filter_out(range, kw, false, &block).zero? ? nil : self
    end
    alias filter! select!

    # Deletes every entry there is when it starts. Returns self.
    def clear
      iterator(encoding: Encoding::BINARY) do |it|
        next unless it.seek_first

        loop do
          chunk = it.read(Iterator::MAX_CHUNK)
          break if chunk.empty?

          delete_many(chunk.map(&:first))
        end
      end
      self
    end

    # Makes the db hold exactly the entries of `other` (a Hash or pairs):
    # #clear, then #update. Returns self.
    def replace(other)
      pairs = Bytes.list(other, "argument").to_a # checked before anything is deleted
      clear
      put_many(pairs)
    end

    private

    # Deletes the entries whose block value is `when_true`, in chunks;
    # returns how many.
    def filter_out(range, kw, when_true)
      doomed = []
      deleted = 0
      each(range, **kw) do |k, v|
        doomed << k if (yield(k, v) ? true : false) == when_true
        next if doomed.size < Iterator::MAX_CHUNK

        delete_many(doomed)
        deleted += doomed.size
        doomed = []
      end
      delete_many(doomed) unless doomed.empty?
      deleted + doomed.size
    end
  end
end
