# frozen_string_literal: true

require "helper"

class TestBasic < ShaleTest
  def test_open_with_block_closes_and_returns_block_value
    seen = nil
    r = Shale::DB.open(path, sync: :none) do |db|
      seen = db
      db["k"] = "v"
      :value
    end
    assert_equal :value, r
    assert seen.closed?
    assert_raises(Shale::ClosedError) { seen["k"] }
    Shale::DB.open(path) { |db| assert_equal "v", db["k"] } # persisted, lock released
  end

  def test_open_without_block_returns_db
    db = Shale::DB.open(path)
    assert_instance_of Shale::DB, db
    refute db.closed?
    assert_equal path, db.path
    db.close
    assert db.closed?
  end

  def test_block_exception_still_closes
    captured = nil
    assert_raises(RuntimeError) do
      Shale::DB.open(path) do |db|
        captured = db
        raise "boom"
      end
    end
    assert captured.closed?
    Shale::DB.open(path) { |db| refute_nil db } # not locked
  end

  def test_put_get_delete
    db = open_db
    assert_nil db["missing"]
    assert_equal "v1", (db["k"] = "v1")
    assert_equal "v1", db.put("k2", "v1")
    assert_equal "v1", db["k"]
    assert_equal "v1", db.get("k")
    assert db.key?("k")
    assert db.include?("k")
    assert db.member?("k")
    refute db.key?("nope")
    assert_equal "v1", db.delete("k") # the old value, as Hash#delete
    assert_nil db["k"]
    assert_nil db.delete("never-existed")
  end

  def test_results_are_binary_whatever_the_input_encoding
    db = open_db
    db["clé"] = "valéur"
    v = db["clé"]
    assert_equal Encoding::BINARY, v.encoding
    assert_equal "valéur".b, v
    assert_equal "valéur".bytesize, v.bytesize
    # the key is its bytes: a binary spelling finds it
    assert_equal v, db["clé".b]
    k, = db.first
    assert_equal Encoding::BINARY, k.encoding
    assert_equal "clé".b, k
    utf16 = "ab".encode("UTF-16LE")
    db[utf16] = "x"
    assert_equal "x", db["a\0b\0".b]
    db.each { |kk, vv| assert_equal [Encoding::BINARY] * 2, [kk.encoding, vv.encoding] }
  end

  def test_nul_bytes_and_empty_strings
    db = open_db
    key = "a\0b\0\0".b
    val = "\0\0x\0".b
    db[key] = val
    assert_equal val, db[key]
    assert_nil db["a"]
    assert_nil db["a\0b".b]
    db[""] = ""
    assert_equal "", db[""]
    assert db.key?("")
    assert_equal [["".b, "".b], [key, val]], db.to_a
  end

  def test_large_values_take_the_owned_path
    db = open_db
    big = Random.new(1).bytes(200_000)
    db["big"] = big
    assert_equal big, db["big"]
    assert_equal Encoding::BINARY, db["big"].encoding
    exact = "x" * Shale::Reader::SCRATCH_SIZE
    db["exact"] = exact
    assert_equal exact, db["exact"]
    db["over"] = exact + "y"
    assert_equal exact + "y", db["over"]
  end

  def test_fetch_like_hash
    db = open_db
    db["k"] = "v"
    assert_equal "v", db.fetch("k")
    assert_equal "d", db.fetch("x", "d")
    assert_nil db.fetch("x", nil)
    assert_equal "X!", db.fetch("X") { |k| "#{k}!" }
    e = assert_raises(KeyError) { db.fetch("x") }
    assert_kind_of Shale::NotFoundError, e
    assert_kind_of Shale::Error, e
    assert_equal "x", e.key
    assert_same db, e.receiver
    assert_equal Shale::Native::NOT_FOUND, e.code
    assert_raises(ArgumentError) { db.fetch("a", 1, 2) }
  end

  def test_bad_types
    db = open_db
    assert_raises(TypeError) { db[1] }
    assert_raises(TypeError) { db[1] = "v" }
    assert_raises(TypeError) { db["k"] = 2 }
    assert_raises(TypeError) { db[nil] }
    assert_raises(TypeError) { db[:sym] }
    assert_raises(TypeError) { db.key?(1.5) }
    assert_raises(TypeError) { db.delete(Object.new) }
    assert_raises(TypeError) { db.get_many([1]) }
    assert_raises(TypeError) { db.put_many([["k", 1]]) }
    assert_raises(TypeError) { db.each(from: 3).to_a }
    assert_raises(TypeError) { db.subscribe(5) { nil } }
    assert_raises(TypeError) { Shale::DB.open(42) }
    # an object that converts implicitly (to_str) is accepted
    k = Object.new
    def k.to_str = "conv"
    db[k] = "v"
    assert_equal "v", db["conv"]
  end

  def test_many
    db = open_db
    db.put_many("a" => "1", "b" => "2", "c\0" => "")
    db.put_many([%w[d 4], %w[d 5]]) # later wins
    assert_equal ["1", nil, "2", "", "5", "1"], db.get_many(["a", "zz", "b", "c\0", "d", "a"])
    assert_equal [nil, "1"], db.values_at("q", "a")
    assert_equal [], db.get_many([])
    db.put_many({})
    db.delete_many(%w[a b nothing])
    assert_equal [nil, nil, ""], db.get_many(["a", "b", "c\0"])
    db.delete_many([])
    r = db.get_many(["c\0", "d"])
    assert(r.all? { |v| v.encoding == Encoding::BINARY })
  end

  def test_many_large
    db = open_db
    pairs = (0...5000).map { |i| [format("k%05d", i), "v#{i}" * (i % 7)] }
    db.put_many(pairs)
    keys = pairs.map(&:first) + ["absent"]
    assert_equal pairs.map(&:last) + [nil], db.get_many(keys)
    db.delete_many(keys.each_slice(2).map(&:first))
    assert_equal 2500, db.count
  end

  def test_many_invalid_argument_names_the_index_and_writes_nothing
    db = open_db
    too_big = "k" * (Shale::Native::MAX_KEY_SIZE + 1)
    e = assert_raises(Shale::InvalidArgumentError) { db.put_many([%w[ok 1], [too_big, "2"]]) }
    assert_kind_of ArgumentError, e
    assert_match(/1/, e.message)
    assert_nil db["ok"]
    assert_raises(Shale::InvalidArgumentError) { db.get_many(["a", too_big]) }
    assert_raises(Shale::InvalidArgumentError) { db.delete_many([too_big]) }
  end

  def test_limits_raise_invalid_argument
    db = open_db
    e = assert_raises(Shale::InvalidArgumentError) { db["k" * (Shale::Native::MAX_KEY_SIZE + 1)] = "v" }
    assert_kind_of ArgumentError, e
    assert_equal Shale::Native::E_INVALID_ARGUMENT, e.code
    assert_equal "SHALE_E_INVALID_ARGUMENT", e.status_name
    assert_match(/shale_db_put/, e.message)
    db["k" * Shale::Native::MAX_KEY_SIZE] = "ok"
  end

  def test_reopen_sees_data_and_options
    Shale::DB.open(path, sync: :every, write_buffer_size: 1 << 20, block_size: 4096,
                         bloom_bits_per_key: 0, log_level: :warn) do |db|
      db.put_many((0...100).map { |i| ["k#{i}", "v#{i}"] })
      db.flush
    end
    Shale::DB.open(path, read_only: true) do |db|
      assert_equal "v42", db["k42"]
      assert_raises(Shale::ReadOnlyError) { db["x"] = "y" }
    end
  end

  def test_option_errors
    e = assert_raises(ArgumentError) { Shale::DB.open(path, bogus: 1) }
    assert_match(/bogus/, e.message)
    assert_raises(ArgumentError) { Shale::DB.open(path, sync: :sometimes) }
    assert_raises(TypeError) { Shale::DB.open(path, create_if_missing: "yes") }
    assert_raises(ArgumentError) { Shale::DB.open(path, block_size: -1) }
    assert_raises(ArgumentError) { Shale::DB.open(path, block_size: 2**32) }
    e = assert_raises(Shale::InvalidArgumentError) { Shale::DB.open(path, block_size: 1) }
    assert_match(/block_size/, e.message)
  end

  def test_error_if_exists_and_create_if_missing
    Shale::DB.open(path) { nil }
    e = assert_raises(Shale::ExistsError) { Shale::DB.open(path, error_if_exists: true) }
    assert_equal Shale::Native::E_EXISTS, e.code
    missing = File.join(@tmp, "nope", "db")
    e = assert_raises(Shale::IOError) { Shale::DB.open(missing, create_if_missing: false) }
    assert_kind_of ::IOError, e
    assert_equal Errno::ENOENT::Errno, e.errno
    assert_includes e.message, missing
  end

  def test_pathname_and_property
    require "pathname"
    db = Shale::DB.open(Pathname(path))
    @dbs << db
    assert_equal path, db.property("shale.path")
    assert_nil db.property("no.such.property")
    assert_match(/\A\d+\z/, db.property("shale.sequence"))
  end

  def test_stats
    db = open_db
    db["k"] = "v"
    s = db.stats
    assert_kind_of Hash, s
    assert_equal Shale::Native::STATS_LEVELS, s[:level_files].size
    assert_operator s[:user_bytes_written], :>=, 2
    assert_kind_of Float, s[:write_amplification]
    refute s.key?(:struct_size)
  end

  def test_inspect
    db = open_db
    assert_includes db.inspect, path
  end
end
