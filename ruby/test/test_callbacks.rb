# frozen_string_literal: true

require "helper"

class TestSubscribe < ShaleTest
  def test_events_for_the_prefix_only
    db = open_db
    events = []
    sub = db.subscribe("user:") { |kind, key, value| events << [kind, key, value] }
    assert sub.active?
    db["user:1"] = "ann"
    db["other"] = "x"
    db.delete("user:1")
    db.batch { |b| b["user:2"] = "bob"; b.delete("user:3") }
    db.put_many("user:4" => "d")
    db.delete_many(["user:4"])
    assert_equal [[:put, "user:1", "ann"], [:delete, "user:1", nil], [:put, "user:2", "bob"],
                  [:delete, "user:3", nil], [:put, "user:4", "d"], [:delete, "user:4", nil]], events
    events.each { |_, k, v| assert_equal Encoding::BINARY, k.encoding; assert(v.nil? || v.encoding == Encoding::BINARY) }
    sub.unsubscribe
    refute sub.active?
    db["user:5"] = "e"
    assert_equal 6, events.size
    sub.unsubscribe # twice is fine
  end

  def test_the_prefix_as_argument_keyword_or_none
    db = open_db
    seen = Hash.new { |h, k| h[k] = [] }
    db.subscribe { |_, key, _| seen[:none] << key }
    db.subscribe(nil) { |_, key, _| seen[:nil] << key }
    db.subscribe("") { |_, key, _| seen[:empty] << key }
    db.subscribe("u:") { |_, key, _| seen[:arg] << key }
    db.subscribe(prefix: "u:") { |_, key, _| seen[:keyword] << key }
    db.subscribe(prefix: nil) { |_, key, _| seen[:keyword_nil] << key }
    db["u:1"] = "a"
    db["other"] = "b"
    all = ["u:1", "other"]
    assert_equal({ none: all, nil: all, empty: all, arg: ["u:1"], keyword: ["u:1"], keyword_nil: all }, seen)
  end

  def test_a_missing_block_is_an_argument_error
    db = open_db
    [-> { db.subscribe }, -> { db.subscribe("u:") }, -> { db.subscribe(prefix: "u:") },
     -> { db.subscribe(nil, &nil) }].each_with_index do |call, i|
      e = assert_raises(ArgumentError, "case #{i}") { call.call }
      assert_match(/subscribe needs a block/, e.message)
    end
    db["k"] = "v" # nothing was registered
    assert_equal "v", db["k"]
  end

  def test_all_keys_binary_and_unsubscribe_from_inside
    db = open_db
    seen = []
    sub = nil
    sub = db.subscribe do |_kind, key, _value|
      seen << key
      sub.unsubscribe if key == "stop"
    end
    db["a\0"] = "1"
    db["stop"] = "2"
    db["after"] = "3"
    assert_equal ["a\0".b, "stop"], seen
    refute sub.active?
  end

  def test_callback_may_read_and_write
    db = open_db
    db.subscribe("in:") { |_k, key, value| db["out:#{key}"] = "#{value}#{db[key]}" }
    db["in:x"] = "v"
    assert_equal "vv", db["out:in:x"]
  end

  def test_exception_in_callback_is_reraised_by_the_write
    db = open_db
    calls = 0
    db.subscribe("") do |_kind, key, _value|
      calls += 1
      raise ArgumentError, "bad key #{key}" if key == "bad"
    end
    e = assert_raises(ArgumentError) { db["bad"] = "v" }
    assert_equal "bad key bad", e.message
    assert_equal "v", db["bad"] # the write itself happened
    db["good"] = "v" # nothing left over from the earlier exception
    assert_equal 2, calls
    # in a batch: the first exception is re-raised after the whole batch
    assert_raises(ArgumentError) { db.batch { |b| b["bad"] = "1"; b["x"] = "2" } }
    assert_equal "2", db["x"]
    assert_equal 4, calls
  end

  def test_throw_and_break_do_not_cross_c
    db = open_db
    db.subscribe("t") { |*| throw :out }
    r = catch(:out) do
      e = assert_raises(Shale::CallbackError) { db["t"] = "1" }
      assert_equal Shale::Native::E_CANCELLED, e.code
      :not_thrown
    end
    assert_equal :not_thrown, r
    assert_equal "1", db["t"]
  end

  def test_closing_the_db_from_a_callback_is_refused
    db = open_db
    db.subscribe("") { |*| db.close }
    e = assert_raises(Shale::BusyError) { db["k"] = "v" }
    assert_match(/callback/i, e.message)
    refute db.closed?
    assert_equal "v", db["k"]
  end

  def test_close_ends_subscriptions
    db = open_db
    sub = db.subscribe("") { |*| nil }
    db.close
    refute sub.active?
    sub.unsubscribe # still valid after close
  end

  def test_subscription_needs_a_block
    db = open_db
    assert_raises(ArgumentError) { db.subscribe("x") }
  end

  def test_subscribe_on_closed_db
    db = open_db
    db.close
    assert_raises(Shale::ClosedError) { db.subscribe("") { nil } }
    assert_empty(Shale::Callbacks::REGISTRY.values.select { |s| s.is_a?(Shale::Subscription) && s.active? })
  end

  def test_writes_from_threads_deliver_on_the_writing_thread
    db = open_db
    seen = Queue.new
    db.subscribe("") { |_k, key, _v| seen << [key, Thread.current.object_id] }
    threads = 4.times.map do |t|
      Thread.new do
        25.times { |i| db["t#{t}:#{i}"] = "v" }
        Thread.current.object_id
      end
    end
    ids = threads.map(&:value)
    events = Array.new(seen.size) { seen.pop }
    assert_equal 100, events.size
    events.each do |key, tid|
      assert_equal ids[key[1].to_i], tid, key
    end
  end
end

class TestProgress < ShaleTest
  def fill(db)
    db.put_many((0...3000).map { |i| [format("k%05d", i), "v" * 300] })
    db.flush
  end

  def test_progress_is_reported
    db = open_db
    fill(db)
    calls = []
    db.compact { |done, total| calls << [done, total] }
    refute_empty calls
    calls.each { |d, t| assert_operator d, :<=, [t, d].max }
    report = db.verify { |d, t| calls << [d, t] }
    assert_kind_of String, report
    backup = path("backup")
    db.backup(backup) { |*| nil }
    Shale::DB.open(backup) { |b| assert_equal db.count, b.count }
  end

  def test_cancel_with_symbol
    db = open_db
    fill(db)
    e = assert_raises(Shale::CancelledError) { db.verify { |*| :cancel } }
    assert_equal Shale::Native::E_CANCELLED, e.code
    assert_raises(Shale::CancelledError) { db.backup(path("b2")) { |*| :cancel } }
    refute File.exist?(path("b2")) && !Dir.empty?(path("b2"))
    assert_equal "v" * 300, db["k00001"] # still sound
  end

  def test_exception_in_progress_stops_and_is_reraised
    db = open_db
    fill(db)
    e = assert_raises(ZeroDivisionError) { db.compact { |*| 1 / 0 } }
    assert_kind_of ZeroDivisionError, e
    assert_raises(KeyError) { db.backup(path("b3")) { |*| {}.fetch(:x) } }
    db.verify # nothing left registered, db fine
    assert_empty(Shale::Callbacks::REGISTRY.values.grep(Shale::Callbacks::Progress))
  end

  def test_compact_range_and_no_block
    db = open_db
    fill(db)
    db.compact("k00100", "k00200")
    db.compact
    assert_equal 3000, db.count
  end
end
