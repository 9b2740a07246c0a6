# frozen_string_literal: true

module Shale
  # A read-only view of a db as of the moment it was taken: #get, #[],
  # #fetch, #key?, #get_many, #each (Enumerable), #iterator and the reading
  # Hash-like methods (HashLike: #size, #keys, #to_h...) all see exactly the
  # writes acknowledged before DB#snapshot. Safe to share between
  # threads. Made by DB#snapshot; freed by #close (or at the end of the
  # DB#snapshot block, or by the GC).
  class Snapshot
    include Reader

    # The DB it was taken from; the encoding of the Strings it returns (see
    # Encodings).
    attr_reader :db, :encoding

    # Use DB#snapshot.
    def initialize(db, encoding = db.encoding)
      @db = db # keeps the DB object (and so its handle) alive while we are
      @encoding = encoding
      out = FFI::MemoryPointer.new(:pointer)
      st = Native.shale_snapshot_new(db.db_pointer, out)
      Error.raise_last(st) unless st == Native::OK
      @handle = Handle.new(self, out.get_pointer(0), :shale_snapshot_free)
    end

    # Frees the snapshot. Safe to call twice. Iterators made from it keep
    # their own reference and go on working.
    def close
      @handle.release
      nil
    end

    def closed?
      @handle.released?
    end

    def db_pointer
      @db.db_pointer
    end

    # The native snapshot. Checked here rather than by the library because a
    # NULL snapshot would silently mean "the latest state".
    def snapshot_pointer
      p = @handle.pointer
      Error.raise_own(Native::E_CLOSED, "shale: snapshot is closed") if p.nil?
      p
    end

    def inspect
      "#<#{self.class} #{closed? ? 'closed' : 'open'}>"
    end
  end
end
