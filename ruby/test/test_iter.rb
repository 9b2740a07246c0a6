# frozen_string_literal: true

require "helper"

class TestIter < ShaleTest
  def setup
    super
    @db = open_db
    @keys = %w[a ab abc b ba c d]
    @db.put_many(@keys.map { |k| [k, k.upcase] })
  end

  def keys(*args, **kw)
    @db.each(*args, **kw).map(&:first)
  end

  def test_each_in_order_and_reverse
    assert_equal @keys, keys
    assert_equal @keys.reverse, keys(reverse: true)
    assert_equal @keys.map { |k| [k, k.upcase] }, @db.to_a
  end

  def test_each_returns_self_and_enumerator_without_block
    assert_same @db, @db.each { nil }
    e = @db.each(prefix: "a")
    assert_kind_of Enumerator, e
    assert_equal %w[a A], e.next
    assert_equal %w[ab AB], e.next
    assert_equal [%w[a A], %w[ab AB], %w[abc ABC]], e.to_a
  end

  def test_ranges_and_ends
    assert_equal %w[ab abc b], keys(from: "ab", to: "ba")
    assert_equal %w[abc b], keys(after: "ab", to: "ba")
    assert_equal %w[ab abc b ba], keys(from: "ab", through: "ba")
    assert_equal %w[ab abc b ba], keys("ab".."ba")
    assert_equal %w[ab abc b], keys("ab"..."ba")
    assert_equal %w[a ab abc b], keys(.."b")
    assert_equal %w[c d], keys("c"..)
    assert_equal %w[ba b abc ab], keys("ab".."ba", reverse: true)
    assert_equal %w[ab abc], keys(prefix: "ab")
    assert_equal %w[abc], keys(prefix: "ab", after: "ab")
    assert_equal [], keys(prefix: "zz")
    assert_equal [], keys(from: "x", to: "a")
    # several ends on one side: all apply
    assert_equal %w[b], keys("a".."z", from: "b", to: "ba")
    assert_raises(TypeError) { keys(5) }
  end

  def test_enumerable
    assert_equal %w[a A], @db.first
    assert_equal [%w[a A], %w[ab AB]], @db.first(2)
    assert_equal 7, @db.count
    assert_equal({ "a" => "A" }, @db.each(to: "ab").to_h)
    assert_equal %w[b ba], @db.select { |k, _| k.start_with?("b") }.map(&:first)
    assert_equal %w[a ab], @db.each_key.first(2)
    assert(@db.include?("abc"))
  end

  def test_many_entries_cross_chunk_boundaries
    db = open_db("big")
    n = 5000
    db.put_many((0...n).map { |i| [format("%06d", i), "v" * (i % 50)] })
    got = db.each.map(&:first)
    assert_equal n, got.size
    assert_equal got.sort, got
    assert_equal got.reverse, db.each(reverse: true).map(&:first)
    assert_equal 1000, db.each(from: "001000", to: "002000").count
    db.each { |k, v| assert_equal "v" * (k.to_i % 50), v }
  end

  def test_break_closes_the_iterator
    it = nil
    @db.iterator do |i|
      it = i
      i.each { |_k, _v| break }
    end
    assert it.closed?
    r = @db.each { |k, _| break k }
    assert_equal "a", r
  end

  def test_cursor
    @db.iterator(prefix: "a") do |it|
      refute it.valid?
      assert_nil it.key
      assert_nil it.entry
      assert it.seek_first
      assert_equal "a", it.key
      assert_equal "A", it.value
      assert it.next
      assert_equal %w[ab AB], it.entry
      assert it.next
      refute it.next
      refute it.valid?
      assert it.seek_last
      assert_equal "abc", it.key
      assert it.prev
      assert_equal "ab", it.key
      assert it.seek("aa")
      assert_equal "ab", it.key
      assert it.seek_for_prev("aa")
      assert_equal "a", it.key
      refute it.seek("b")
      # next when not positioned is a misuse the library reports
      assert_raises(Shale::InvalidArgumentError) { it.next }
      assert it.seek_first
      assert_equal [%w[a A], %w[ab AB]], it.read(2)
      assert_equal [%w[abc ABC]], it.read(10)
      assert_equal [], it.read(10)
      assert_raises(ArgumentError) { it.read(0) }
    end
  end

  def test_reverse_cursor_read
    it = @db.iterator(reverse: true)
    assert it.seek_last
    assert_equal %w[d c ba], it.read(3).map(&:first)
    it.close
  end

  def test_iterator_sees_one_point_in_time
    it = @db.iterator
    @db["aa"] = "new"
    @db.delete("d")
    assert_equal @keys, it.map(&:first)
    it.close
    assert_includes keys, "aa"
  end

  def test_use_after_close_is_an_error
    it = @db.iterator
    it.close
    it.close # twice is fine
    assert it.closed?
    assert_raises(Shale::ClosedError) { it.seek_first }
    assert_raises(Shale::ClosedError) { it.key }
    assert_raises(Shale::ClosedError) { it.read }
    assert_raises(Shale::ClosedError) { it.each { nil } }
  end

  def test_iterator_after_db_close_raises_closed
    it = @db.iterator
    assert it.seek_first
    # An Enumerator over more entries than one chunk: not even the rest of
    # the chunk it already fetched comes out after the close.
    @db.put_many((0...100).map { |i| ["z#{i}", "v"] })
    e = @db.each
    assert_equal %w[a A], e.next
    @db.close
    err = assert_raises(Shale::ClosedError) { it.next }
    assert_equal Shale::Native::E_CLOSED, err.code
    assert_raises(Shale::ClosedError) { it.read }
    assert_raises(Shale::ClosedError) { e.next }
    it.close
    assert_raises(Shale::ClosedError) { @db.each { nil } }
  end

  def test_busy_when_used_from_two_threads
    # Not timed: we only require that concurrent use never crashes and, if it
    # collides, reports BusyError.
    db = open_db("busy")
    db.put_many((0...2000).map { |i| [format("%05d", i), "x" * 100] })
    it = db.iterator
    errors = Queue.new
    threads = 2.times.map do
      Thread.new do
        20.times do
          it.seek_first
          it.read(500)
        rescue Shale::BusyError => e
          errors << e
        end
      end
    end
    threads.each(&:join)
    it.close
    errors.size.times { assert_equal Shale::Native::E_BUSY, errors.pop.code }
  end
end
