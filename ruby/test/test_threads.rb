# frozen_string_literal: true

require "helper"

class TestThreads < ShaleTest
  def test_many_threads_write_and_read_at_once
    db = open_db
    writers = 4.times.map do |t|
      Thread.new do
        200.times do |i|
          db["w#{t}:#{format('%04d', i)}"] = "#{t}-#{i}"
          db.put_many("m#{t}:#{i}" => "x") if (i % 20).zero?
        end
      end
    end
    readers = 2.times.map do
      Thread.new do
        n = 0
        50.times do
          db.each(prefix: "w") { |k, v| n += 1 if v.start_with?(k[1]) }
          db.get_many(%w[w0:0000 w1:0000 nothing])
          db.snapshot { |s| s.key?("w0:0000") }
        end
        n
      end
    end
    writers.each(&:join)
    readers.each(&:value)
    4.times do |t|
      200.times { |i| assert_equal "#{t}-#{i}", db["w#{t}:#{format('%04d', i)}"] }
    end
    assert_equal 800, db.each(prefix: "w").count
  end

  def test_batches_from_threads_are_atomic
    db = open_db
    threads = 3.times.map do |t|
      Thread.new do
        30.times do |i|
          db.batch do |b|
            b["a#{t}"] = i.to_s
            b["b#{t}"] = i.to_s
          end
        end
      end
    end
    checker = Thread.new do
      100.times do
        db.snapshot do |s|
          3.times { |t| assert(s["a#{t}"] == s["b#{t}"], "batch #{t} torn") }
        end
      end
    end
    threads.each(&:join)
    checker.join
  end

  def test_close_while_other_threads_use_the_db_never_crashes
    db = open_db
    db.put_many((0...500).map { |i| ["k#{i}", "v"] })
    errors = Queue.new
    workers = 3.times.map do
      Thread.new do
        loop do
          db["k1"]
          db["x"] = "y"
          db.each.first(50)
        end
      rescue Shale::ClosedError, Shale::InvalidHandleError => e
        errors << e
      end
    end
    sleep 0.05 # let them start (not an assertion on time)
    db.close
    workers.each(&:join)
    assert_equal 3, errors.size
  end

  def test_finalizers_release_unclosed_objects
    db = open_db
    db["k"] = "v"
    200.times do
      db.iterator.seek_first
      db.snapshot["k"]
      Shale::Batch.new["x"] = "y"
    end
    GC.start
    GC.start
    assert_equal "v", db["k"]
  end

  def test_objects_left_open_at_exit_are_released
    out, status = ruby_subprocess(<<~RUBY)
      require "shale"
      db = Shale::DB.open(#{path.dump}, sync: :none)
      db["k"] = "v"
      it = db.iterator
      it.seek_first
      snap = db.snapshot
      db.subscribe("") { |*| nil }
      puts "ok"
    RUBY
    assert status.success?, out
    assert_equal "ok\n", out
    Shale::DB.open(path) { |db| assert_equal "v", db["k"] } # lock released by the finalizer
  end
end
