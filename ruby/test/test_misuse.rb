# frozen_string_literal: true

require "helper"

# Host-language misuse of the Ruby binding: objects used after they (or their
# db) were closed, a close racing with use on other threads, callbacks that
# raise (a logger: on the library's own threads), run after unsubscribe, or
# are referenced only by the library, handles used in a forked child, and
# bad arguments to every public method.
# Each must end in a Shale error (or TypeError/ArgumentError for a bad
# argument) with a clear message: never a crash, a hang, or a silently wrong
# result.
#
# Budget: SHALE_MISUSE_CLOSE_ROUNDS (default 20) close races and 10 forks,
# times SHALE_RELIABILITY_SCALE (default 1); a few seconds.
class TestMisuse < ShaleTest
  SCALE = Integer(ENV.fetch("SHALE_RELIABILITY_SCALE", "1"))
  CLOSE_ROUNDS = Integer(ENV.fetch("SHALE_MISUSE_CLOSE_ROUNDS", "20")) * SCALE
  BIG = ("x" * 65_537).freeze # one byte over SHALE_MAX_KEY_SIZE

  def filled_db(name = "db", n = 50)
    db = open_db(name)
    db.put_many((0...n).map { |i| [format("k%04d", i), "v#{i}"] })
    db
  end

  def assert_closed(what, &block)
    e = assert_raises(Shale::ClosedError, what, &block)
    assert_match(/closed/, e.message, what)
    assert_equal Shale::Native::E_CLOSED, e.code, what
  end

  # --- double close, use after close -----------------------------------------

  def test_double_close_of_everything
    db = filled_db
    it = db.iterator
    snap = db.snapshot
    batch = Shale::Batch.new
    sub = db.subscribe { |*| nil }
    2.times do
      it.close
      snap.close
      batch.close
      sub.unsubscribe
      db.close
    end
    assert db.closed? && it.closed? && snap.closed? && batch.closed?
    Shale::DB.open(path) { |again| assert_equal "v1", again["k0001"] } # the lock was released once
    db.close # still a no-op with another handle open on the path meanwhile
  end

  def db_calls(dir)
    {
      "get" => ->(d) { d.get("k") }, "[]" => ->(d) { d["k"] }, "fetch" => ->(d) { d.fetch("k", 1) },
      "key?" => ->(d) { d.key?("k") }, "get_many" => ->(d) { d.get_many(%w[a b]) },
      "values_at" => ->(d) { d.values_at("a") }, "put" => ->(d) { d.put("k", "v") },
      "[]=" => ->(d) { d["k"] = "v" }, "delete" => ->(d) { d.delete("k") },
      "put_many" => ->(d) { d.put_many("a" => "1") }, "delete_many" => ->(d) { d.delete_many(["a"]) },
      "write" => ->(d) { d.write(Shale::Batch.new.put("a", "1")) },
      "batch" => ->(d) { d.batch { |b| b["a"] = "1" } },
      "snapshot" => ->(d) { d.snapshot }, "subscribe" => ->(d) { d.subscribe { |*| nil } },
      "each" => ->(d) { d.each { |*| nil } }, "each enum" => ->(d) { d.each.to_a },
      "each_key" => ->(d) { d.each_key.first }, "first" => ->(d) { d.first },
      "iterator" => ->(d) { d.iterator }, "flush" => ->(d) { d.flush }, "sync" => ->(d) { d.sync },
      "compact" => ->(d) { d.compact }, "backup" => ->(d) { d.backup(File.join(dir, "bk")) },
      "verify" => ->(d) { d.verify }, "stats" => ->(d) { d.stats },
      "property" => ->(d) { d.property("shale.path") }
    }
  end

  def test_every_db_call_after_close_raises_closed
    db = filled_db
    db.close
    calls = db_calls(@tmp)
    calls.each { |name, call| assert_closed(name) { call.call(db) } }
    assert_operator calls.size, :>=, 25
    refute File.exist?(File.join(@tmp, "bk"))
  end

  def test_every_snapshot_call_after_its_close_and_after_the_db_close
    db = filled_db
    snap = db.snapshot
    snap.close
    calls = {
      "get" => -> { snap.get("k0001") }, "key?" => -> { snap.key?("k0001") },
      "get_many" => -> { snap.get_many(["k0001"]) }, "each" => -> { snap.each.to_a },
      "iterator" => -> { snap.iterator }, "first" => -> { snap.first }
    }
    calls.each { |name, call| assert_closed("closed snapshot #{name}") { call.call } }
    assert_equal "v1", db["k0001"]

    snap = db.snapshot
    it = snap.iterator
    assert it.seek_first
    db.close
    calls = calls.merge("iterator read" => -> { it.read(5) }, "iterator next" => -> { it.next })
    calls.each { |name, call| assert_closed("snapshot #{name} after db close") { call.call } }
    snap.close
    it.close
  end

  def test_iterator_after_db_close_every_call
    db = filled_db("db", 3000) # more than a chunk: some entries are fetched already
    it = db.iterator
    assert it.seek_first
    enum = db.each
    assert_equal ["k0000", "v0"], enum.next
    db.close
    {
      "seek_first" => -> { it.seek_first }, "seek_last" => -> { it.seek_last },
      "seek" => -> { it.seek("k") }, "seek_for_prev" => -> { it.seek_for_prev("k") },
      "next" => -> { it.next }, "prev" => -> { it.prev }, "valid?" => -> { it.valid? },
      "key" => -> { it.key }, "value" => -> { it.value }, "entry" => -> { it.entry },
      "read" => -> { it.read(10) }, "each" => -> { it.each { |*| nil } },
      "enumerator next" => -> { enum.next }
    }.each { |name, call| assert_closed("iterator #{name}") { call.call } }
    it.close
    it.close
  end

  def test_every_iterator_call_after_its_close
    db = filled_db
    it = db.iterator
    it.close
    {
      "seek_first" => -> { it.seek_first }, "seek" => -> { it.seek("k") }, "next" => -> { it.next },
      "key" => -> { it.key }, "read" => -> { it.read(1) }, "each" => -> { it.each { |*| nil } },
      "valid?" => -> { it.valid? }
    }.each { |name, call| assert_closed("closed iterator #{name}") { call.call } }
    assert_equal "v1", db["k0001"]
  end

  def test_batch_after_its_close_and_after_the_db_close
    db = filled_db
    b = Shale::Batch.new
    b.put("a", "1")
    b.close
    {
      "put" => -> { b.put("k", "v") }, "[]=" => -> { b["k"] = "v" }, "delete" => -> { b.delete("k") },
      "put_many" => -> { b.put_many("k" => "v") }, "delete_many" => -> { b.delete_many(["k"]) },
      "count" => -> { b.count }, "clear" => -> { b.clear }, "write" => -> { db.write(b) }
    }.each { |name, call| assert_closed("closed batch #{name}") { call.call } }
    assert_nil db["a"]

    b = Shale::Batch.new
    b.put("a", "1")
    db.close
    b.put("b", "2") # memory only: still accepted ...
    assert_equal 2, b.count
    assert_closed("write to a closed db") { db.write(b) } # ... but never written
    b.close
    Shale::DB.open(path) { |again| assert_nil again["a"] }
  end

  def test_subscription_after_db_close
    db = open_db
    seen = []
    sub = db.subscribe { |*a| seen << a }
    db["a"] = "1"
    db.close
    refute sub.active?
    sub.unsubscribe
    sub.unsubscribe
    assert_equal [[:put, "a", "1"]], seen
  end

  # --- close racing with use ------------------------------------------------

  def storm_op(db, rng, keys)
    k = keys[rng.rand(keys.size)]
    case rng.rand(10)
    when 0 then v = db[k]; raise "wrong value #{v.inspect} for #{k}" unless v.nil? || v == "v:#{k}"
    when 1 then db[k] = "v:#{k}"
    when 2 then db.delete(k)
    when 3
      ks = keys.sample(8, random: rng)
      db.get_many(ks).zip(ks).each { |v, kk| raise "wrong #{v.inspect}" unless v.nil? || v == "v:#{kk}" }
    when 4 then db.put_many(keys.sample(4, random: rng).to_h { |kk| [kk, "v:#{kk}"] })
    when 5
      prev = nil
      db.each(from: k).first(40).each do |kk, v|
        raise "unordered #{prev} #{kk}" if prev && prev >= kk
        raise "wrong #{v.inspect}" unless v == "v:#{kk}"

        prev = kk
      end
    when 6
      db.iterator { |it| it.seek_last && it.prev && it.read(20) }
    when 7 then db.snapshot { |s| a = s[k]; raise "snapshot moved" unless a == s[k] }
    when 8 then db.batch { |b| keys.sample(5, random: rng).each { |kk| b[kk] = "v:#{kk}" } }
    else db.stats && db.key?(k)
    end
  end

  def test_close_racing_with_use_on_other_threads
    keys = (0...300).map { |i| format("k%04d", i) }
    ok = closed = 0
    bad = Queue.new
    rng = Random.new(4242)
    CLOSE_ROUNDS.times do |round|
      db = Shale::DB.open(path("race#{round}"), sync: :none)
      db.put_many(keys.to_h { |k| [k, "v:#{k}"] })
      counts = Queue.new
      workers = 4.times.map do |t|
        Thread.new(Random.new(round * 10 + t)) do |r|
          n_ok = n_closed = 0
          loop do
            storm_op(db, r, keys)
            n_ok += 1
          rescue Shale::ClosedError => e
            bad << "message without 'closed': #{e.message}" unless e.message.include?("closed")
            n_closed += 1
            break if n_closed > 3 # a few more calls after the close, then stop
          rescue Exception => e # rubocop:disable Lint/RescueException
            bad << "#{e.class}: #{e.message}"
            break
          end
          counts << [n_ok, n_closed]
        end
      end
      sleep(rng.rand * 0.02)
      db.close
      workers.each { |w| assert w.join(60), "a worker hung after the close" }
      4.times { a, b = counts.pop; ok += a; closed += b }
      Shale::DB.open(path("race#{round}")) { |again| again.each { |k, v| assert_equal "v:#{k}", v } }
      FileUtils.rm_rf(path("race#{round}"))
      break unless bad.empty?
    end
    errors = []
    errors << bad.pop until bad.empty?
    puts "\nruby close-race: #{CLOSE_ROUNDS} rounds, #{ok} calls ok, #{closed} ClosedError, #{errors.size} unexpected"
    assert_empty errors
    assert_operator closed, :>=, CLOSE_ROUNDS * 4
  end

  # Regression: Batch#close while another thread was writing the batch got
  # SHALE_E_BUSY from shale_batch_free but dropped the handle anyway (the
  # native batch leaked). Now close raises BusyError and keeps the batch.
  module CountBusyBatchFrees
    BUSY = Queue.new
    def shale_batch_free(ptr)
      st = super
      BUSY << ptr if st == Shale::Native::E_BUSY
      st
    end
  end
  Shale::Native.singleton_class.prepend(CountBusyBatchFrees)

  def test_batch_closed_while_another_thread_writes_it
    db = open_db
    refused = 0
    (60 * SCALE).times do
      b = Shale::Batch.new
      b.put_many((0...2000).map { |i| [format("b%04d", i), "x" * 200] })
      b.send(:hand_over)
      go = Queue.new
      writer = Thread.new do
        go << true
        db.write(b)
      rescue Shale::ClosedError, Shale::BusyError
        nil
      end
      go.pop
      begin
        b.close
      rescue Shale::BusyError
        refused += 1
        refute b.closed?, "kept after a refused close"
        Thread.pass
        retry
      end
      assert writer.join(30)
      assert b.closed?
    end
    lost = []
    lost << CountBusyBatchFrees::BUSY.pop until CountBusyBatchFrees::BUSY.empty?
    assert_equal refused, lost.size, "every BUSY free was reported, none silently dropped"
  end

  # --- callbacks --------------------------------------------------------------

  class Boom < StandardError; end

  def compacted_db
    db = open_db("cdb", write_buffer_size: 64 * 1024)
    4.times do |r|
      db.put_many((r...3000).step(4).map { |i| [format("k%05d", i), "x" * 200] })
      db.flush
    end
    db
  end

  def test_raising_progress_is_reraised_and_the_db_keeps_working
    db = compacted_db
    { "compact" => ->(&b) { db.compact(&b) }, "backup" => ->(&b) { db.backup(path("bk"), &b) },
      "verify" => ->(&b) { db.verify(&b) } }.each do |name, op|
      calls = 0
      before = Shale::Callbacks::REGISTRY.size
      e = assert_raises(Boom, name) { op.call { |d, t| calls += 1; raise Boom, "progress #{d}/#{t}" } }
      assert_match(/progress/, e.message)
      assert_equal 1, calls, "#{name} stopped at the first exception"
      assert_equal before, Shale::Callbacks::REGISTRY.size, "#{name} released its callback"
    end
    db["after"] = "1"
    assert db.verify
  end

  def test_progress_leaving_by_throw_or_break_is_reported
    db = compacted_db
    e = assert_raises(Shale::CallbackError) { catch(:out) { db.compact { throw :out } } }
    assert_match(/throw, break/, e.message)
    db["after"] = "1"
  end

  def test_raising_subscription_in_every_write_path
    db = open_db
    db.subscribe { |_kind, key, _v| raise Boom, "subscriber saw #{key}" }
    writes = {
      "put" => -> { db.put("a", "1") }, "[]=" => -> { db["b"] = "2" }, "delete" => -> { db.delete("a") },
      "put_many" => -> { db.put_many("c" => "3") }, "delete_many" => -> { db.delete_many(["c"]) },
      "batch" => -> { db.batch { |b| b["d"] = "4" } },
      "write" => -> { db.write(Shale::Batch.new.put("e", "5")) }
    }
    writes.each do |name, w|
      e = assert_raises(Boom, name) { w.call }
      assert_match(/subscriber saw/, e.message)
    end
    assert_equal %w[2 4 5], [db["b"], db["d"], db["e"]] # every write happened
  end

  # A logger runs on the library's flush and compaction threads, where there
  # is nobody to raise to: each exception is reported (warn), the library
  # goes on, the db keeps working. (Python: sys.unraisablehook.)
  def test_raising_logger_is_reported_from_library_threads
    main = Thread.current
    raised = Queue.new
    boom = lambda do |_level, msg|
      raised << (Thread.current == main)
      raise Boom, "logger failed on #{msg}"
    end
    _, err = capture_io do
      db = Shale::DB.open(path, sync: :none, logger: boom, log_level: :debug,
                                write_buffer_size: 64 * 1024, level0_compaction_trigger: 2)
      5.times { |r| db.put_many((r...10_000).step(3).map { |i| [format("k%05d", i), "x" * 300] }) }
      db.flush
      db.compact
      db["after"] = "1"
      assert_equal "1", db["after"]
      db.close
    end
    on_main = []
    on_main << raised.pop until raised.empty?
    refute_empty on_main, "nothing logged at :debug"
    assert_includes on_main, false, "no message from a library thread"
    assert_match(/shale: exception in logger .* not raised .*Boom: logger failed on/, err)
    assert_equal on_main.size, err.scan("exception in logger").size, "each exception reported once"
    Shale::DB.open(path) { |db| assert_equal "1", db["after"] }
  end

  def test_no_callback_after_unsubscribe_while_others_write
    db = open_db
    late = []
    (10 * SCALE).times do |r|
      state = { unsubscribed: false, calls: 0 }
      sub = db.subscribe do |_kind, key, _v|
        late << [r, key] if state[:unsubscribed]
        state[:calls] += 1
      end
      stop = false
      writers = 3.times.map { |t| Thread.new { i = 0; (db["w#{t}-#{i % 50}"] = "v"; i += 1) until stop } }
      Thread.pass while state[:calls] < 20
      sub.unsubscribe
      state[:unsubscribed] = true
      200.times { db["main"] = "v" }
      stop = true
      writers.each { |w| assert w.join(30) }
    end
    assert_empty late
  end

  def test_subscription_object_dropped_while_registered_stays_alive
    db = open_db
    seen = []
    before = Shale::Callbacks::REGISTRY.size
    db.subscribe { |_kind, key, _v| seen << key } # the Subscription is dropped at once
    GC.start
    100.times do |i|
      db["k#{i}"] = "v"
      GC.start if (i % 10).zero?
    end
    assert_equal 100, seen.size
    assert_equal before + 1, Shale::Callbacks::REGISTRY.size
    db.close # the registration ends: the registry lets go of the block
    assert_equal before, Shale::Callbacks::REGISTRY.size
  end

  # --- fork -----------------------------------------------------------------

  def expect_forked(problems, what)
    yield
    problems << "#{what}: no exception"
  rescue Shale::ForkedError => e
    problems << "#{what}: message does not say fork: #{e.message}" unless e.message.include?("fork")
  rescue Exception => e # rubocop:disable Lint/RescueException
    problems << "#{what}: #{e.class}: #{e.message}"
  end

  # Runs the block in a forked child that exits normally (finalizers of the
  # inherited objects run); returns what it reported, or why it failed.
  def in_child
    r, w = IO.pipe
    pid = Process.fork do
      r.close
      Process.setrlimit(:CPU, 20) rescue nil # rubocop:disable Style/RescueModifier
      Thread.new { sleep 20; w.write("child hung"); exit!(3) }
      msg = begin
        yield || "ok"
      rescue Exception => e # rubocop:disable Lint/RescueException
        "child raised #{e.class}: #{e.message}"
      end
      w.write(msg)
      w.close
      exit(0)
    end
    w.close
    out = r.read
    r.close
    _, status = Process.wait2(pid)
    return "child died: #{status.inspect} (#{out})" unless status.success?

    out == "ok" ? nil : out
  end

  def test_every_inherited_object_raises_forked_in_the_child
    skip "needs fork" unless Process.respond_to?(:fork)
    db = filled_db("db", 500)
    it = db.iterator
    it.seek_first
    snap = db.snapshot
    batch = Shale::Batch.new.put("b", "1")
    seen = []
    sub = db.subscribe { |*a| seen << a }
    res = in_child do
      problems = []
      {
        "put" => -> { db["x"] = "1" }, "get" => -> { db["k0001"] }, "delete" => -> { db.delete("k0001") },
        "key?" => -> { db.key?("k0001") }, "get_many" => -> { db.get_many(["k0001"]) },
        "put_many" => -> { db.put_many("a" => "1") }, "each" => -> { db.each.to_a },
        "iterator" => -> { it.read(600) }, "snapshot get" => -> { snap["k0001"] },
        "snapshot new" => -> { db.snapshot }, "write" => -> { db.write(batch) },
        "subscribe" => -> { db.subscribe { |*| nil } }, "stats" => -> { db.stats },
        "sync" => -> { db.sync }, "flush" => -> { db.flush }, "verify" => -> { db.verify },
        "close" => -> { db.close }
      }.each { |what, call| expect_forked(problems, what, &call) }
      it.close
      snap.close
      batch.close
      sub.unsubscribe
      problems << "subscription fired in the child: #{seen.inspect}" unless seen.empty?
      Shale::DB.open(path("child")) { |own| own["c"] = "1"; problems << "own db" unless own["c"] == "1" }
      problems.empty? ? nil : problems.join("\n")
    end
    assert_nil res
    # The parent's objects all still work.
    db["after"] = "1"
    assert_equal ["k0000", "v0"], it.entry
    assert_nil snap["after"]
    db.write(batch)
    assert_equal "1", db["b"]
    refute_empty seen
  end

  def test_fork_while_other_threads_are_inside_the_library
    skip "needs fork" unless Process.respond_to?(:fork)
    db = open_db("db", write_buffer_size: 64 * 1024)
    stop = false
    busy = 3.times.map do |t|
      Thread.new do
        i = 0
        until stop
          db[format("t%d-%05d", t, i % 3000)] = "x" * 100
          db.each(prefix: "t#{t}-").first(100) if (i % 50).zero?
          i += 1
        end
      end
    end
    failures = (10 * SCALE).times.filter_map do
      in_child do
        problems = []
        expect_forked(problems, "put") { db["x"] = "1" }
        expect_forked(problems, "each") { db.each.to_a }
        problems.empty? ? nil : problems.join("\n")
      end
    end
    stop = true
    busy.each(&:join)
    assert_empty failures
  end

  # --- bad arguments ----------------------------------------------------------

  def test_every_bad_argument_raises_a_clear_error
    db = open_db
    db["k"] = "v"
    snap = db.snapshot
    it = db.iterator
    b = Shale::Batch.new
    new_path = path("new")
    too_big = /over SHALE_MAX_KEY_SIZE/
    inval = Shale::InvalidArgumentError
    cases = [
      [-> { db.get(nil) }, TypeError, /key must be a String, not NilClass/],
      [-> { db[BIG] }, inval, too_big], [-> { db.key?(nil) }, TypeError, /key must be a String/],
      [-> { db.key?(BIG) }, inval, too_big], [-> { db.fetch(nil) }, TypeError, /key must be a String/],
      [-> { snap.get(nil) }, TypeError, /key must be/], [-> { snap[BIG] }, inval, too_big],
      [-> { db.get_many(nil) }, TypeError, /keys must be an Array or Enumerable, not NilClass/],
      [-> { db.get_many(5) }, TypeError, /keys must be an Array/],
      [-> { db.get_many(["a", nil]) }, TypeError, /key must be a String/],
      [-> { db.get_many([BIG]) }, inval, /key_lens\[0\] is 65537/],
      [-> { db.put(nil, "v") }, TypeError, /key must be a String/],
      [-> { db.put("k", nil) }, TypeError, /value must be a String, not NilClass/],
      [-> { db.put("k", 5) }, TypeError, /value must be a String, not Integer/],
      [-> { db.put(BIG, "v") }, inval, too_big], [-> { db.delete(nil) }, TypeError, /key must be/],
      [-> { db.delete(BIG) }, inval, too_big],
      [-> { db.put_many(nil) }, TypeError, /pairs must be an Array or Enumerable/],
      [-> { db.put_many(5) }, TypeError, /pairs must be/],
      [-> { db.put_many([[nil, "v"]]) }, TypeError, /key must be/],
      [-> { db.put_many([["k", nil]]) }, TypeError, /value must be/],
      [-> { db.put_many([["ok", "1"], [BIG, "v"]]) }, inval, /key_lens\[1\]/],
      [-> { db.delete_many(nil) }, TypeError, /keys must be an Array/],
      [-> { db.delete_many([BIG]) }, inval, too_big],
      [-> { db.write(nil) }, TypeError, /expected a Shale::Batch/],
      [-> { b.put(nil, "v") }, TypeError, /key must be/], [-> { b.delete(5) }, TypeError, /key must be/],
      [-> { b.put_many(nil) }, TypeError, /pairs must be/], [-> { b.delete_many(nil) }, TypeError, /keys must be/],
      [-> { db.each(from: 3).to_a }, TypeError, /from must be a String/],
      [-> { db.each(1..3).to_a }, TypeError, /range begin must be a String/],
      [-> { db.each("a").to_a }, TypeError, /range must be a Range/],
      [-> { db.each(prefix: 5).to_a }, TypeError, /prefix must be a String/],
      [-> { db.each(prefix: BIG).to_a }, inval, /prefix_len 65537/],
      [-> { db.iterator(to: BIG) }, inval, /upper_bound_len 65537/],
      [-> { it.seek(nil) }, TypeError, /key must be/], [-> { it.seek(BIG) }, inval, too_big],
      [-> { it.read(0) }, ArgumentError, /max must be an Integer in 1\.\./],
      [-> { it.read(2**64) }, ArgumentError, /max must be an Integer/],
      [-> { it.read("3") }, ArgumentError, /max must be an Integer/],
      [-> { it.read(3, max_bytes: -1) }, ArgumentError, /max_bytes must be an Integer >= 0/],
      [-> { db.iterator.next }, inval, /not on an entry/],
      [-> { db.subscribe(5) { nil } }, TypeError, /prefix must be a String, not Integer/],
      [-> { db.subscribe("a", prefix: "b") { nil } }, ArgumentError, /give the prefix once/],
      [-> { db.subscribe(prefix: "a") }, ArgumentError, /needs a block/],
      [-> { db.get("k", encoding: "no-such-encoding") }, ArgumentError, /unknown encoding "no-such-encoding"/],
      [-> { db.each(encoding: 5).to_a }, TypeError, /encoding must be an Encoding or its name, not Integer/],
      [-> { db.snapshot(encoding: "UTF-7") }, ArgumentError, /UTF-7 is a dummy encoding/],
      [-> { Shale::DB.open(new_path, encoding: :klingon) }, ArgumentError, /unknown encoding "klingon"/],
      [-> { db.subscribe(BIG) { nil } }, inval, /prefix_len 65537/],
      [-> { db.subscribe("") }, ArgumentError, /needs a block/],
      [-> { db.property(nil) }, TypeError, /property name must be a String or Symbol/],
      [-> { db.compact(5) }, TypeError, /from must be a String/],
      [-> { db.compact(nil, BIG) }, inval, /65537/],
      [-> { db.backup(nil) }, TypeError, /nil/],
      [-> { db.backup("a\0b") }, ArgumentError, /null byte/],
      [-> { Shale::DB.open(nil) }, TypeError, /nil/],
      [-> { Shale::DB.open("") }, inval, /path is empty/],
      [-> { Shale::DB.open(new_path, sync: :sometimes) }, ArgumentError, /sync must be one of/],
      [-> { Shale::DB.open(new_path, write_buffer_size: 2**70) }, ArgumentError, /write_buffer_size must be in/],
      [-> { Shale::DB.open(new_path, write_buffer_size: -1) }, ArgumentError, /write_buffer_size must be in/],
      [-> { Shale::DB.open(new_path, block_size: "big") }, TypeError, /block_size must be an Integer/],
      [-> { Shale::DB.open(new_path, log_level: :loud) }, ArgumentError, /log_level must be one of/],
      [-> { Shale::DB.open(new_path, logger: 5) }, TypeError, /logger must respond to call\(level, message\)/],
      [-> { Shale::DB.open(new_path, bogus: 1) }, ArgumentError, /unknown option :bogus/]
    ]
    cases.each_with_index do |(call, klass, pattern), i|
      e = assert_raises(klass, "case #{i}") { call.call }
      assert_match pattern, e.message, "case #{i}"
    end
    assert_operator cases.size, :>=, 55
    assert_equal [%w[k v]], db.each.to_a # nothing above changed the db
    refute File.exist?(new_path)
    it.close
    snap.close
    b.close
  end
end
