# frozen_string_literal: true

require "helper"

class TestBatch < ShaleTest
  def test_batch_commits_on_normal_exit_and_returns_block_value
    db = open_db
    db["gone"] = "x"
    r = db.batch do |b|
      b["a"] = "1"
      b.put("b", "2")
      b.delete("gone")
      b.put("a", "3") # order kept: the later put wins
      assert_equal 4, b.count
      assert_nil db["a"] # nothing visible before the block ends
      :done
    end
    assert_equal :done, r
    assert_equal [%w[a 3], %w[b 2]], db.to_a
  end

  def test_batch_discarded_on_exception
    db = open_db
    assert_raises(RuntimeError) do
      db.batch do |b|
        b["a"] = "1"
        raise "no"
      end
    end
    assert_nil db["a"]
  end

  def test_batch_discarded_on_break
    db = open_db
    [1].each do
      db.batch do |b|
        b["a"] = "1"
        break
      end
    end
    assert_nil db["a"]
  end

  def test_batch_object_after_block_is_closed
    db = open_db
    kept = nil
    db.batch { |b| kept = b }
    assert kept.closed?
    assert_raises(Shale::ClosedError) { kept["x"] = "y" }
    assert_raises(Shale::ClosedError) { kept.count }
    assert_raises(Shale::ClosedError) { db.write(kept) }
  end

  def test_explicit_batch_reuse_and_clear
    db = open_db
    b = Shale::Batch.new
    b.put_many("a" => "1", "b" => "2").delete_many(["a"])
    b["c"] = "3"
    db.write(b)
    assert_equal [%w[b 2], %w[c 3]], db.to_a
    b.clear
    assert b.empty?
    b["d"] = "4"
    db.write(b)
    assert_equal "4", db["d"]
    b.close
    b.close
    assert_raises(TypeError) { db.write("not a batch") }
  end

  def test_large_batch_in_runs
    db = open_db
    db.batch do |b|
      3000.times { |i| i.even? ? b.put("k#{i}", "v" * 2000) : b.delete("k#{i - 1}") }
    end
    assert_equal 0, db.count
    db.batch { |b| 3000.times { |i| b["k#{i}"] = "v" * 2000 } }
    assert_equal 3000, db.count
  end

  def test_batch_limit_errors_and_type_errors
    db = open_db
    assert_raises(TypeError) { db.batch { |b| b[1] = "x" } }
    e = assert_raises(Shale::InvalidArgumentError) do
      db.batch { |b| b["k" * (Shale::Native::MAX_KEY_SIZE + 1)] = "x" }
    end
    assert_kind_of ArgumentError, e
    assert_equal 0, db.count
  end
end

class TestSnapshot < ShaleTest
  def test_snapshot_reads_a_point_in_time
    db = open_db
    db["a"] = "1"
    db["b"] = "2"
    r = db.snapshot do |s|
      db["a"] = "changed"
      db.delete("b")
      db["c"] = "3"
      assert_equal "1", s["a"]
      assert_equal "2", s.fetch("b")
      assert_nil s["c"]
      assert s.key?("b")
      refute s.key?("c")
      assert_equal ["1", "2", nil], s.get_many(%w[a b c])
      assert_equal [%w[a 1], %w[b 2]], s.to_a
      assert_equal %w[b a], s.each(reverse: true).map(&:first)
      s.iterator { |it| assert it.seek("b") }
      :ok
    end
    assert_equal :ok, r
    assert_equal "changed", db["a"]
  end

  def test_snapshot_use_after_close_is_an_error
    db = open_db
    db["a"] = "1"
    s = db.snapshot
    it = s.iterator
    s.close
    s.close
    assert s.closed?
    assert_raises(Shale::ClosedError) { s["a"] }
    assert_raises(Shale::ClosedError) { s.get_many(["a"]) }
    assert_raises(Shale::ClosedError) { s.to_a }
    # the iterator keeps its own reference on the snapshot
    assert_equal [%w[a 1]], it.to_a
    it.close
  end

  def test_snapshot_after_db_close
    db = open_db
    db["a"] = "1"
    s = db.snapshot
    db.close
    assert_raises(Shale::ClosedError) { s["a"] }
    s.close
  end
end
