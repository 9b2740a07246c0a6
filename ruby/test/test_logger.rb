# frozen_string_literal: true

require "helper"
require "logger"
require "stringio"

# DB.open(logger:): the library's diagnostic messages, delivered from the
# caller's thread and from the library's own (flush, compaction) threads.
#
# The hazard is the GVL: a message from a library thread is run by the ffi
# gem on a new Ruby thread, which needs the GVL, while the library thread
# waits. A Ruby thread that waited for that library thread (close, flush,
# a stalled write) while holding the GVL would deadlock, and at process exit
# (Ruby's threads, the ffi dispatcher among them, are gone) a db closed by
# its finalizer would hang. Scenarios that can hang run in a child process
# killed after DEADLINE seconds: a hang is a failure, not a stuck suite.
class TestLogger < ShaleTest
  DEADLINE = 60

  # Options that make the library flush and compact in the background a lot.
  BUSY = { log_level: :debug, write_buffer_size: 64 * 1024, level0_compaction_trigger: 2 }.freeze

  # Runs `code` in a child ruby; returns [output, status], or fails the test
  # if it has not exited within DEADLINE seconds (then it is killed).
  def run_child(code)
    lib = File.expand_path("../lib", __dir__)
    r, w = IO.pipe
    pid = Process.spawn(RbConfig.ruby, "-w", "-I", lib, "-e", code, out: w, err: w)
    w.close
    out = +""
    reader = Thread.new { out << r.read }
    deadline = Time.now + DEADLINE
    status = nil
    until (status = Process.wait2(pid, Process::WNOHANG)&.last)
      if Time.now > deadline
        Process.kill(:KILL, pid)
        Process.wait(pid)
        reader.join
        flunk "the child hung (killed after #{DEADLINE} s); output:\n#{out}"
      end
      sleep 0.05 # polling the child's exit, not synchronising with it
    end
    reader.join
    r.close
    [out, status]
  end

  def assert_child_ok(code, expect)
    out, status = run_child(code)
    assert status.success?, "child failed (#{status.inspect}):\n#{out}"
    assert_match expect, out
    out
  end

  # Point reads keep the GVL (Native::R) while the library's threads flush,
  # compact and log through this logger, which needs the GVL: neither may
  # wait for the other (when reads took a db lock, a read waiting for it
  # behind a logging thread would hang here).
  def test_reads_never_wait_for_a_logging_library_thread
    assert_child_ok(<<~RUBY, /\Aok [1-9]\d* messages/)
      require "shale"
      require "tmpdir"
      n = 0
      Dir.mktmpdir do |dir|
        db = Shale::DB.open(File.join(dir, "db"), sync: :none, logger: ->(_l, _m) { n += 1 }, **#{BUSY.inspect})
        writer = Thread.new do
          20.times { |r| db.put_many((0...2000).map { |i| ["k%05d" % i, "x\#{r}" * 40] }) }
          db.compact
        end
        reads = 0
        while writer.alive?
          db.get("k00001")
          db.get_many(%w[k00002 k00003 k01999])
          reads += 1
        end
        writer.join
        2000.times { |i| raise "lost k%05d" % i if db.get("k%05d" % i).nil? }
        db.close
        raise "no read ran beside the writer" if reads.zero?
        puts "ok \#{n} messages, \#{reads} rounds of reads"
      end
    RUBY
  end

  # Heavy writes from the main thread and a second one, background flushes
  # and compactions logging all along, then close: every message arrives
  # before close returns, none after, and some came from library threads.
  def test_messages_from_library_threads_while_writing_and_closing
    assert_child_ok(<<~RUBY, /ok \d+ messages, \d+ from library threads/)
      require "shale"
      require "tmpdir"
      got = Queue.new
      closed = false
      late = 0
      main = Thread.current
      logger = lambda do |level, msg|
        late += 1 if closed
        got << [level, msg, Thread.current == main]
      end
      Dir.mktmpdir do |dir|
        db = Shale::DB.open(File.join(dir, "db"), sync: :none, logger: logger, **#{BUSY.inspect})
        other = Thread.new do
          3.times { |r| db.put_many((r...6000).step(3).map { |i| ["o%05d" % i, "y" * 300] }) }
        end
        6.times do |r|
          db.put_many((r...20_000).step(3).map { |i| ["k%05d" % i, "x" * 300] })
          200.times { |i| db.put("p%d-%d" % [r, i], "z" * 500) }
        end
        other.join
        db.compact
        # Close right after a burst: flushes and compactions still running
        # (and logging) when close waits for them.
        20.times { |r| db.put_many((0...1000).map { |i| ["q%02d%05d" % [r, i], "x" * 300] }) }
        db.close
        closed = true
        GC.start
        raise "no callback may run after close: \#{late}" unless late.zero?
        msgs = []
        msgs << got.pop until got.empty?
        raise "nothing logged at :debug" if msgs.empty?
        bad = msgs.reject { |l, m, _| %i[debug info warn error].include?(l) && m.is_a?(String) && m.encoding == Encoding::UTF_8 }
        raise "bad messages: \#{bad.first(3).inspect}" unless bad.empty?
        bg = msgs.count { |_, _, on_main| !on_main }
        raise "no message from a library thread" if bg.zero?
        regs = Shale::Callbacks::REGISTRY.values.select { |t| t.respond_to?(:callback) && t.callback.equal?(logger) }
        raise "logger still registered after close" unless regs.empty?
        puts "ok \#{msgs.size} messages, \#{bg} from library threads"
      end
    RUBY
  end

  # flush, compact, backup and verify each wait for library threads that
  # log; with the GVL held any of them would hang here.
  def test_every_waiting_call_lets_library_threads_log
    assert_child_ok(<<~RUBY, /ok flush compact backup verify \d+/)
      require "shale"
      require "tmpdir"
      n = 0
      Dir.mktmpdir do |dir|
        Shale::DB.open(File.join(dir, "db"), sync: :none, logger: ->(_l, _m) { n += 1 }, **#{BUSY.inspect}) do |db|
          4.times do |r|
            db.put_many((r...8000).step(4).map { |i| ["k%05d" % i, "x" * 300] })
            db.flush
          end
          db.compact { |_d, _t| nil }
          db.backup(File.join(dir, "bk"))
          db.verify
          db.sync
          print "ok flush compact backup verify "
        end
        puts n
      end
    RUBY
  end

  # At exit Ruby kills its threads (the ffi dispatcher too) before it runs
  # finalizers; a logged db left open must be closed before that. Also for a
  # db opened inside an at_exit hook (as minitest runs tests).
  def test_db_left_open_at_exit_does_not_hang
    2.times do |variant|
      out = assert_child_ok(<<~RUBY, /exiting \d+/)
        require "shale"
        require "tmpdir"
        dir = Dir.mktmpdir
        body = lambda do
          n = 0
          $db = Shale::DB.open(File.join(dir, "db"), sync: :none, logger: ->(_l, _m) { n += 1 }, **#{BUSY.inspect})
          6.times { |r| $db.put_many((r...20_000).step(3).map { |i| ["k%05d" % i, "x" * 300] }) }
          puts "exiting \#{n}"
        end
        #{variant.zero? ? 'body.call' : 'at_exit { body.call }'}
      RUBY
      refute_match(/warning|Error/, out)
    end
  end

  def test_logger_leaving_by_throw_is_reported
    # "created a new db" is logged on this thread, inside shale_db_open: the
    # throw must not unwind through the library (the open goes on).
    value = nil
    _, err = capture_io do
      catch(:out) do
        Shale::DB.open(path, sync: :none, logger: ->(_l, _m) { throw :out }, log_level: :info) do |db|
          db["k"] = "v"
          value = db["k"]
        end
      end
    end
    assert_equal "v", value
    assert_match(/exception in logger .*CallbackError: .*throw, break/, err)
  end

  # The lambda is referenced only by the registry (logger_user) while the
  # db is open, under GC.stress; after close (logger_user_free) it is not.
  def test_logger_referenced_only_by_the_library_survives_gc
    got = Queue.new
    before = Shale::Callbacks::REGISTRY.size
    db = nil
    begin
      GC.stress = true
      db = Shale::DB.open(path, sync: :none, logger: proc { |l, m| got << [l, m.dup] }, **BUSY)
      GC.stress = false
      2.times { |r| db.put_many((r...4000).step(2).map { |i| [format("k%05d", i), "x" * 300] }) }
      GC.stress = true
      db.flush
    ensure
      GC.stress = false
    end
    GC.start
    3.times { |r| db.put_many((r...9000).step(3).map { |i| [format("j%05d", i), "x" * 300] }) }
    GC.start
    db.compact
    assert_equal before + 1, Shale::Callbacks::REGISTRY.size, "registered while open"
    db.close
    assert_equal before, Shale::Callbacks::REGISTRY.size, "released by logger_user_free at close"
    assert_operator got.size, :>, 0
    msg = got.pop
    assert_kind_of Symbol, msg[0]
    assert_kind_of String, msg[1]
  end

  # A failed open never calls logger_user_free: the binding releases the
  # logger itself. The messages of the failed open may have arrived.
  def test_failed_open_releases_the_logger
    got = []
    before = Shale::Callbacks::REGISTRY.size
    holder = open_db("held")
    assert_raises(Shale::LockedError) do
      Shale::DB.open(path("held"), logger: ->(l, m) { got << [l, m] }, log_level: :debug)
    end
    assert_raises(Shale::NotFoundError, Shale::IOError, Shale::Error) do
      Shale::DB.open(path("absent"), create_if_missing: false, logger: ->(l, m) { got << [l, m] }, log_level: :debug)
    end
    assert_equal before, Shale::Callbacks::REGISTRY.size, "nothing left registered"
    got.each { |l, m| assert_includes(%i[debug info warn error], l) && assert_kind_of(String, m) }
    holder["still"] = "works"
    # A failed open with a logger does not hang the exit either.
    assert_child_ok(<<~RUBY, /refused/)
      require "shale"
      require "tmpdir"
      Dir.mktmpdir do |dir|
        d = File.join(dir, "db")
        a = Shale::DB.open(d, sync: :none, logger: ->(_l, _m) {}, **#{BUSY.inspect})
        a.put_many((0...20_000).map { |i| ["k%05d" % i, "x" * 300] })
        begin
          Shale::DB.open(d, logger: ->(_l, _m) {}, log_level: :debug)
        rescue Shale::LockedError
          puts "refused"
        end
      end
    RUBY
  end

  # The GC may run a db's finalizer on a thread inside one of the db's own
  # callbacks (its logger, say), where the library refuses to close it
  # (BUSY). Simulated: the finalizer's release called from a subscription
  # block. The db must still be closed (from another thread), not leaked.
  def test_finalizer_inside_own_callback_still_closes
    db = Shale::DB.open(path, sync: :none, logger: ->(_l, _m) {})
    handle = db.instance_variable_get(:@handle)
    statuses = []
    db.subscribe { |*| statuses << handle.release }
    db["k"] = "v"
    assert_equal [Shale::Native::E_BUSY], statuses
    refute_nil handle.closer
    assert_equal Shale::Native::OK, handle.closer.value
    assert db.closed?
    Shale::DB.open(path) { |again| assert_equal "v", again["k"] } # lock released
  end

  def test_log_level_filters
    levels = {}
    %i[debug info warn error].each do |min|
      got = []
      Shale::DB.open(path(min.to_s), sync: :none, logger: ->(l, _m) { got << l }, **BUSY, log_level: min) do |db|
        3.times { |r| db.put_many((r...6000).step(3).map { |i| [format("k%05d", i), "x" * 300] }) }
        db.flush
        db.compact
      end
      levels[min] = got.uniq
    end
    assert_includes levels[:debug], :debug
    assert_includes levels[:debug], :info # "created a new db"
    assert_equal [:info], levels[:info].uniq
    assert_empty levels[:warn]
    assert_empty levels[:error]
  end

  def test_stdlib_logger_and_logger_like_objects
    io = StringIO.new
    log = ::Logger.new(io)
    log.level = ::Logger::INFO
    Shale::DB.open(path, sync: :none, logger: log, log_level: :debug) { |db| db["k"] = "v" }
    assert_match(/INFO -- : created a new db at #{Regexp.escape(path)}/, io.string)

    seen = []
    duck = Object.new
    %i[debug info warn error].each { |m| duck.define_singleton_method(m) { |msg| seen << [m, msg] } }
    Shale::DB.open(path("duck"), sync: :none, logger: duck) { |db| db["k"] = "v" }
    assert_equal [:info], seen.map(&:first).uniq
    assert_match(/created a new db/, seen[0][1])

    # A Method works as a callable.
    rec = []
    Shale::DB.open(path("meth"), sync: :none, logger: rec.method(:push)) { |db| db["k"] = "v" }
    assert_equal :info, rec[0]
  end

  def test_bad_logger_is_refused_before_anything_is_registered
    before = Shale::Callbacks::REGISTRY.size
    e = assert_raises(TypeError) { Shale::DB.open(path, logger: 5) }
    assert_match(/logger must respond to call\(level, message\) or be a Logger/, e.message)
    assert_raises(ArgumentError) { Shale::DB.open(path, logger: ->(_l, _m) {}, log_level: :loud) }
    assert_equal before, Shale::Callbacks::REGISTRY.size
    refute File.exist?(path), "nothing opened"
  end
end
