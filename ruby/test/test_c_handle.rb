# frozen_string_literal: true

require "helper"

# DB#c_handle: the open db handed to C code in the same process. The C side is
# the library itself, bound here with the ffi gem as a user's C extension would
# be (not through the binding's Shale::Native).
class TestCHandle < ShaleTest
  module CSide
    extend FFI::Library
    ffi_lib Shale.library_path
    attach_function :shale_db_put, %i[pointer pointer size_t pointer size_t], :int32
    attach_function :shale_db_delete, %i[pointer pointer size_t], :int32
    attach_function :shale_db_get_into, %i[pointer pointer pointer size_t pointer size_t pointer], :int32
  end

  OK = 0
  NOT_FOUND = 1
  E_INVALID_HANDLE = -2

  # shale_db_get_into from C: [status, value or nil].
  def c_get(handle, key)
    buf = FFI::MemoryPointer.new(:char, 256)
    needed = FFI::MemoryPointer.new(:size_t)
    st = CSide.shale_db_get_into(handle, nil, key, key.bytesize, buf, buf.size, needed)
    [st, st == OK ? buf.read_bytes(needed.read(:size_t)) : nil]
  end

  def c_put(handle, key, value)
    CSide.shale_db_put(handle, key, key.bytesize, value, value.bytesize)
  end

  def test_c_handle_is_a_stable_pointer
    db = open_db
    h = db.c_handle
    assert_kind_of FFI::Pointer, h
    refute h.null?
    assert_equal h.address, db.c_handle.address
  end

  def test_c_reads_what_ruby_wrote
    db = open_db
    db["lang:ruby"] = "hello from Ruby"
    assert_equal [OK, "hello from Ruby"], c_get(db.c_handle, "lang:ruby")
    assert_equal [NOT_FOUND, nil], c_get(db.c_handle, "lang:c")
  end

  def test_ruby_reads_what_c_wrote
    db = open_db
    assert_equal OK, c_put(db.c_handle, "lang:c", "hello from C")
    assert_equal "hello from C", db["lang:c"]
    assert_equal OK, CSide.shale_db_delete(db.c_handle, "lang:c", 6)
    refute db.key?("lang:c")
  end

  def test_c_writes_reach_ruby_subscriptions
    db = open_db
    events = []
    db.subscribe("lang:") { |kind, key, value| events << [kind, key, value] }
    assert_equal OK, c_put(db.c_handle, "lang:c", "C")
    assert_equal OK, c_put(db.c_handle, "other", "x")
    assert_equal OK, CSide.shale_db_delete(db.c_handle, "lang:c", 6)
    assert_equal [[:put, "lang:c", "C"], [:delete, "lang:c", nil]], events
  end

  def test_c_handle_after_close
    db = Shale::DB.open(path, sync: :none)
    db["k"] = "v"
    h = db.c_handle
    assert_equal [OK, "v"], c_get(h, "k")
    db.close
    assert_raises(Shale::ClosedError) { db.c_handle }
    # The old pointer is a dead handle: refused, never a crash.
    assert_equal [E_INVALID_HANDLE, nil], c_get(h, "k")
    assert_equal E_INVALID_HANDLE, c_put(h, "k", "w")
    Shale::DB.open(path) { |again| assert_equal "v", again["k"] }
  end

  # --- a subscription block that raises during a write C code made --------
  # Nobody can rescue it there (an exception cannot cross C): it is reported
  # at once with `warn` and never kept, so the thread's next write through
  # the binding does not raise it.

  class Boom < StandardError; end

  def raising(seen)
    proc do |_kind, key, _value|
      seen << key
      raise Boom, "block saw #{key}"
    end
  end

  REPORT = /shale: exception in subscription block #<Proc:.*not made through the binding.*TestCHandle::Boom: block saw c:1/

  def test_raise_during_c_write_is_reported_not_kept
    db = open_db
    seen = []
    db.subscribe("c:", &raising(seen))
    assert_output(nil, REPORT) { assert_equal OK, c_put(db.c_handle, "c:1", "C") }
    assert_equal ["c:1"], seen
    assert_equal "C", db["c:1"] # the write happened
    # The thread's next, unrelated writes through the binding do not raise it.
    assert_output(nil, "") do
      db.put("rb:1", "1")
      db.delete("rb:1")
      db.put_many("rb:2" => "2")
      db.delete_many(["rb:2"])
      db.batch { |b| b["rb:3"] = "3" }
    end
    assert_equal ["c:1"], seen
    # A C delete is reported the same way.
    assert_output(nil, /not made through the binding.*Boom: block saw c:1/) do
      assert_equal OK, CSide.shale_db_delete(db.c_handle, "c:1", 3)
    end
    assert_equal %w[c:1 c:1], seen
    db["rb:4"] = "4"
  end

  def test_raise_during_binding_write_still_raises_from_it
    db = open_db
    seen = []
    db.subscribe("c:", &raising(seen))
    assert_output(nil, REPORT) { c_put(db.c_handle, "c:1", "C") }
    assert_output(nil, "") do
      e = assert_raises(Boom) { db.put("c:2", "2") } # this write's own block
      assert_equal "block saw c:2", e.message
      assert_equal "2", db["c:2"]
      e = assert_raises(Boom) { db.batch { |b| b["c:3"] = "3" } }
      assert_equal "block saw c:3", e.message
    end
    assert_equal %w[c:1 c:2 c:3], seen
  end

  # The mark "inside a write of the binding" is per thread: a C write on
  # another thread, while this thread's put is running its block, is reported
  # and this thread's put does not raise it.
  def test_c_write_from_another_thread_during_a_binding_write
    db = open_db
    in_block = Queue.new
    c_done = Queue.new
    db.subscribe("rb:") do |*|
      in_block << true
      c_done.pop
    end
    seen = []
    db.subscribe("c:", &raising(seen))
    writer = Thread.new do
      in_block.pop
      c_put(db.c_handle, "c:1", "C").tap { c_done << true }
    end
    assert_output(nil, REPORT) { db.put("rb:1", "1") } # must not raise
    assert_equal OK, writer.value
    assert_equal ["c:1"], seen
  end

  # A block that writes through the binding: the inner write raises its own
  # block's exception inside the outer block; the outer write raises only
  # what its own blocks raised.
  def test_nested_binding_writes_raise_each_their_own
    db = open_db
    inner_caught = []
    db.subscribe("outer:") do |_kind, key, _value|
      begin
        db.put("inner:#{key}", "x")
      rescue Boom => e
        inner_caught << e.message
      end
      raise Boom, "outer saw #{key}" if key == "outer:raise"
    end
    db.subscribe("inner:") { |_kind, key, _value| raise Boom, "inner saw #{key}" }
    assert_output(nil, "") do
      db.put("outer:ok", "1")
      assert_equal ["inner saw inner:outer:ok"], inner_caught
      assert_equal "x", db["inner:outer:ok"]
      e = assert_raises(Boom) { db.put("outer:raise", "1") }
      assert_equal "outer saw outer:raise", e.message
      assert_equal 2, inner_caught.size
      # An inner exception the outer block lets through is the outer write's.
      db.subscribe("outer2:") { |_kind, key, _value| db.put("inner:#{key}", "y") }
      e = assert_raises(Boom) { db.put("outer2:a", "1") }
      assert_equal "inner saw inner:outer2:a", e.message
    end
    # The nesting restored the state: a C write now is reported, a put is clean.
    assert_output(nil, /not made through the binding.*inner saw inner:c/) do
      assert_equal OK, c_put(db.c_handle, "inner:c", "C")
    end
    db.put("plain", "1")
  end

  # Two blocks for one write: the first raises, the second writes through
  # the binding. That nested write must not raise the first block's
  # exception (it belongs to the outer write, which raises it).
  def test_nested_write_does_not_raise_the_outer_writes_exception
    db = open_db
    nested = []
    db.subscribe("w:") { |_kind, key, _value| raise Boom, "first saw #{key}" }
    db.subscribe("w:") do |_kind, key, _value|
      db.put("nested:#{key}", "n")
      nested << :ok
    rescue Boom => e
      nested << e.message
    end
    e = assert_raises(Boom) { db.put("w:1", "1") }
    assert_equal "first saw w:1", e.message
    assert_equal [:ok], nested
    assert_equal "n", db["nested:w:1"]
  end

  # C code called by a block (so inside a put of the binding) writes, and
  # that write's block raises: the enclosing put raises it.
  def test_c_write_made_inside_a_binding_write_raises_from_it
    db = open_db
    db.subscribe("rb:") { |_kind, key, _value| assert_equal OK, c_put(db.c_handle, "c:#{key}", "C") }
    seen = []
    db.subscribe("c:", &raising(seen))
    assert_output(nil, "") do
      e = assert_raises(Boom) { db.put("rb:1", "1") }
      assert_equal "block saw c:rb:1", e.message
    end
    assert_equal "C", db["c:rb:1"]
    db.put("other", "1")
  end

  # Two blocks raise during one binding write: the first is raised, the
  # other reported (it has nowhere else to go).
  def test_second_exception_of_one_write_is_reported
    db = open_db
    db.subscribe("k") { |*| raise Boom, "first" }
    db.subscribe("k") { |*| raise Boom, "second" }
    assert_output(nil, /exception in subscription block .*earlier one from the same write.*Boom: second/) do
      e = assert_raises(Boom) { db.put("k", "1") }
      assert_equal "first", e.message
    end
  end

  def test_live_subscription_count
    live = Shale::Callbacks::LIVE_SUBSCRIPTIONS
    before = live.size
    db = open_db
    db.put("a", "1")
    sub = db.subscribe("") { |*| raise Boom, "x" }
    assert_equal before + 1, live.size
    assert_raises(Boom) { db.put("b", "2") }
    sub.unsubscribe
    assert_equal before, live.size
    db.put("c", "3")
    2.times { db.subscribe("") { |*| nil } }
    assert_equal before + 2, live.size
    db.close
    assert_equal before, live.size
  end
end
