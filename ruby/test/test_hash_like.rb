# frozen_string_literal: true

require "helper"

# The Hash-like surface (HashLike, HashWrites): Hash's and DBM's methods
# with their meaning, on a real db.
class TestHashLike < ShaleTest
  def filled(n = 5, **opts)
    db = open_db(**opts)
    db.put_many((1..n).map { |i| ["k#{i}", "v#{i}"] })
    db
  end

  def test_size_length_count_empty
    db = open_db
    assert_equal [0, 0, 0], [db.size, db.length, db.count]
    assert db.empty?
    refute db.any?
    db.put_many((0...2500).map { |i| [format("k%05d", i), "v"] }) # several chunks
    db["k00007"] = "overwritten" # versions are not entries
    db.delete_many(%w[k00000 k00001 nope])
    assert_equal 2498, db.size
    assert_equal 2498, db.length
    assert_equal 2498, db.count
    refute db.empty?
    assert db.any?
    assert_equal 8, db.size(prefix: "k0000") # k00002..k00009
    assert_equal 3, db.size("k00100"..."k00103")
    assert_equal 3, db.count(from: "k02497")
    assert_equal 1, db.count { |k, _| k == "k00002" } # Enumerable#count still
    assert_equal 1, db.count(%w[k00002 v])
    assert_raises(ArgumentError) { db.count("x", prefix: "k") }
    db.snapshot do |s|
      db.clear
      assert_equal 2498, s.size # a snapshot counts its own point in time
      refute s.empty?
    end
    assert_equal 0, db.size
    assert db.empty?
  end

  def test_keys_values_each_key_each_value
    db = filled(3)
    assert_equal %w[k1 k2 k3], db.keys
    assert_equal %w[v1 v2 v3], db.values
    assert_equal %w[k2], db.keys(prefix: "k2")
    assert_equal %w[v3 v2], db.values(from: "k2", reverse: true)
    seen = []
    assert_same db, db.each_key { |k| seen << k }
    assert_same db, db.each_value { |v| seen << v }
    assert_equal %w[k1 k2 k3 v1 v2 v3], seen
    assert_equal %w[v1 v2 v3], db.each_value.to_a
  end

  def test_store_update_merge
    db = open_db
    assert_equal "1", db.store("a", "1")
    assert_same db, db.update("b" => "2", "c" => "3")
    assert_same db, db.merge!([%w[d 4]], { "a" => "A" })
    assert_equal({ "a" => "A", "b" => "2", "c" => "3", "d" => "4" }, db.to_h)
    # with a block: conflicts with the db and within the arguments
    db.update({ "a" => "x", "e" => "5" }, { "e" => "6", "b" => "y" }) { |key, old, new| "#{key}:#{old}+#{new}" }
    assert_equal({ "a" => "a:A+x", "b" => "b:2+y", "c" => "3", "d" => "4", "e" => "e:5+6" }, db.to_h)
    assert_raises(TypeError) { db.update("z" => 1) }
    assert_raises(TypeError) { db.update(5) }
    refute db.key?("z")
  end

  def test_update_is_one_atomic_write
    db = open_db
    events = []
    db.subscribe { |kind, key, _| events << [kind, key] }
    snap_before = db.snapshot
    db.update("a" => "1", "b" => "2")
    assert_equal [[:put, "a"], [:put, "b"]], events
    assert_equal 0, snap_before.size
    snap_before.close
  end

  def test_to_h
    db = filled(3)
    assert_equal({ "k1" => "v1", "k2" => "v2", "k3" => "v3" }, db.to_h)
    assert_equal({ "k2" => "v2" }, db.to_h(prefix: "k2"))
    assert_equal({ "K1" => 2, "K2" => 2, "K3" => 2 }, db.to_h { |k, v| [k.upcase, v.size] })
    assert_raises(TypeError) { db.to_h { |k, _| k } }
    assert_raises(ArgumentError) { db.to_h { |k, _| [k] } }
  end

  def test_delete_returns_the_old_value
    db = filled(2)
    events = []
    db.subscribe { |kind, key, _| events << [kind, key] }
    assert_equal "v1", db.delete("k1")
    assert_nil db.delete("k1")
    assert_equal "gone: k1", db.delete("k1") { |k| "gone: #{k}" }
    assert_equal "v2", db.delete("k2") { |k| "not called for #{k}" }
    assert_equal [[:delete, "k1"], [:delete, "k2"]], events # nothing written for an absent key
    assert db.empty?
  end

  def test_value_key_fetch_values_slice_invert
    db = filled(3)
    db["dup"] = "v2"
    assert db.value?("v2")
    assert db.has_value?("v3".encode("UTF-16LE").encode("UTF-8"))
    refute db.value?("v9")
    assert_equal "dup", db.key("v2") # the first in key order
    assert_nil db.key("v9")
    assert_equal %w[v1 v3], db.fetch_values("k1", "k3")
    assert_equal ["v1", "no k9"], db.fetch_values("k1", "k9") { |k| "no #{k}" }
    e = assert_raises(Shale::NotFoundError) { db.fetch_values("k1", "k9") }
    assert_kind_of KeyError, e
    assert_equal "k9", e.key
    assert_equal({ "k1" => "v1", "k3" => "v3" }, db.slice("k1", "k9", "k3"))
    assert_equal({ "v1" => "k1", "v2" => "k2", "v3" => "k3" }, db.invert) # "k2" after "dup"
  end

  def test_shift_clear_replace
    db = filled(3)
    assert_equal %w[k1 v1], db.shift
    assert_equal %w[k2 k3], db.keys
    assert_same db, db.replace("x" => "1", "y" => "2")
    assert_equal({ "x" => "1", "y" => "2" }, db.to_h)
    assert_raises(TypeError) { db.replace(nil) }
    assert_equal 2, db.size # nothing cleared for a bad argument
    assert_same db, db.clear
    assert db.empty?
    assert_nil db.shift
    db.put_many((0...3000).map { |i| ["c#{i}", "x" * 10] })
    db.clear
    assert_equal 0, db.size
  end

  def test_delete_if_reject_keep_if_select
    db = open_db
    db.put_many((0...2100).map { |i| [format("n%04d", i), i.to_s] })
    assert_same db, db.delete_if { |_, v| v.to_i.odd? }
    assert_equal 1050, db.size
    assert_nil db.reject! { |_, v| v == "never" }
    assert_same db, db.reject!(prefix: "n000") { |k, _| k == "n0002" }
    assert_equal 1049, db.size
    assert_same db, db.keep_if { |_, v| v.to_i < 100 }
    assert_equal 49, db.size
    assert_nil db.select! { true }
    assert_same db, db.filter! { |_, v| v == "4" }
    assert_equal({ "n0004" => "4" }, db.to_h)
    assert_kind_of Enumerator, db.delete_if
  end

  # Code written for a Hash gives the same answers on a db.
  def test_hash_code_runs_unchanged
    # (Keys inserted in key order: a Hash keeps insertion order, a db key
    # order. Hash#to_h returns the Hash itself: dup'ed before it changes.)
    program = lambda do |h|
      h.store("a", "1")
      h["b"] = "2"
      h.update("c" => "3", "d" => "4")
      h.merge!("a" => "one") { |_key, old, new| old + new }
      out = [h.size, h.length, h.keys, h.values, h.to_h.dup, h.empty?, h.key?("a"), h["a"], h.fetch("c"),
             h.values_at("a", "zz"), h.delete("d"), h.delete("zz"), h.key("2"), h.value?("3"),
             h.fetch_values("b", "c"), h.slice("a", "zz"), h.invert, h.each_key.to_a, h.each_value.to_a,
             h.select { |k, _| k > "a" }.to_a, h.min_by { |_, v| v }, h.sort.first, h.count,
             h.delete_if { |k, _| k == "c" }.to_h.dup, h.shift, h.to_h.dup]
      h.clear
      out << h.size << h.empty?
      out
    end
    db = open_db(encoding: Encoding::UTF_8)
    assert_equal program.call({}), program.call(db)
  end
end
