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
end
