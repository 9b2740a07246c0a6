# frozen_string_literal: true

require "helper"

# The 0.3.0 C functions driven raw through FFI, each checked against its
# comment in include/shale.h (no binding code in between).
class TestRawMany < ShaleTest
  N = Shale::Native
  SZ = FFI.type_size(:size_t)

  def setup
    super
    @db = open_db
    @h = @db.db_pointer
  end

  def packed(list)
    [list.join.b, list.map(&:bytesize).pack("J*")]
  end

  def sizes(mp, n)
    mp.get_bytes(0, n * SZ).unpack("J*")
  end

  def test_get_many_contract
    assert_equal N::OK, N.shale_db_put(@h, "a", 1, "1", 1)
    assert_equal N::OK, N.shale_db_put(@h, "e", 1, "", 0)
    keys, lens = packed(%w[a missing e a])
    out = FFI::MemoryPointer.new(:pointer)
    vlens = FFI::MemoryPointer.new(:size_t, 4)
    found = FFI::MemoryPointer.new(:size_t)
    assert_equal N::OK, N.shale_db_get_many(@h, nil, 4, keys, lens, out, vlens, found)
    assert_equal [1, N::MISSING, 0, 1], sizes(vlens, 4)
    assert_equal 3, found.get_uint64(0) # a key may appear several times
    buf = out.get_pointer(0)
    assert_equal "11", buf.read_bytes(2) # found values end to end in key order
    N.shale_free(buf)
    # none found: still OK, buffer non-NULL
    keys, lens = packed(%w[x y])
    assert_equal N::OK, N.shale_db_get_many(@h, nil, 2, keys, lens, out, vlens, nil)
    refute out.get_pointer(0).null?
    assert_equal [N::MISSING] * 2, sizes(vlens, 2)
    N.shale_free(out.get_pointer(0))
    # count 0 with NULL arrays
    assert_equal N::OK, N.shale_db_get_many(@h, nil, 0, nil, nil, out, nil, found)
    N.shale_free(out.get_pointer(0))
  end

  def test_get_many_failure_leaves_outs_cleared
    big = "k" * (N::MAX_KEY_SIZE + 1)
    keys, lens = packed(["ok", big])
    out = FFI::MemoryPointer.new(:pointer)
    out.put_pointer(0, FFI::Pointer.new(0x1234))
    vlens = FFI::MemoryPointer.new(:size_t, 2)
    vlens.put_bytes(0, [7, 7].pack("J*"))
    found = FFI::MemoryPointer.new(:size_t)
    found.put_uint64(0, 9)
    assert_equal N::E_INVALID_ARGUMENT, N.shale_db_get_many(@h, nil, 2, keys, lens, out, vlens, found)
    assert_match(/1/, N.last_error) # names the index of the bad key
    assert out.get_pointer(0).null?
    assert_equal [N::MISSING] * 2, sizes(vlens, 2)
    assert_equal 0, found.get_uint64(0)
    # closed db
    @db.close
    assert_equal N::E_INVALID_HANDLE, N.shale_db_get_many(@h, nil, 1, "a", [1].pack("J"), out, vlens, found)
  end

  def test_put_many_and_delete_many_contract
    keys, klens = packed(%w[a b a])
    vals, vlens = packed(%w[1 2 3])
    assert_equal N::OK, N.shale_db_put_many(@h, 3, keys, klens, vals, vlens)
    assert_equal [%w[a 3], %w[b 2]], @db.to_a # later key wins
    big = "k" * (N::MAX_KEY_SIZE + 1)
    keys, klens = packed(["c", big])
    vals, vlens = packed(%w[1 2])
    assert_equal N::E_INVALID_ARGUMENT, N.shale_db_put_many(@h, 2, keys, klens, vals, vlens)
    assert_match(/1/, N.last_error)
    assert_nil @db["c"] # nothing written
    keys, klens = packed(%w[a zz])
    assert_equal N::OK, N.shale_db_delete_many(@h, 2, keys, klens)
    assert_equal [%w[b 2]], @db.to_a
    assert_equal N::OK, N.shale_db_put_many(@h, 0, nil, nil, nil, nil)
    # NULL keys with a non-zero length
    assert_equal N::E_INVALID_ARGUMENT, N.shale_db_put_many(@h, 1, nil, [1].pack("J"), "v", [1].pack("J"))
  end

  def test_batch_many_unchanged_on_error
    b = FFI::MemoryPointer.new(:pointer)
    assert_equal N::OK, N.shale_batch_new(b)
    bh = b.get_pointer(0)
    keys, klens = packed(%w[a b])
    vals, vlens = packed(%w[1 2])
    assert_equal N::OK, N.shale_batch_put_many(bh, 2, keys, klens, vals, vlens)
    big = "k" * (N::MAX_KEY_SIZE + 1)
    keys, klens = packed(["c", big])
    assert_equal N::E_INVALID_ARGUMENT, N.shale_batch_delete_many(bh, 2, keys, klens)
    count = FFI::MemoryPointer.new(:size_t)
    assert_equal N::OK, N.shale_batch_count(bh, count)
    assert_equal 2, count.get_uint64(0)
    keys, klens = packed(%w[a])
    assert_equal N::OK, N.shale_batch_delete_many(bh, 1, keys, klens)
    assert_equal N::OK, N.shale_db_write(@h, bh)
    assert_equal [%w[b 2]], @db.to_a
    assert_equal N::OK, N.shale_batch_free(bh)
  end

  def test_iter_next_many_contract
    @db.put_many((0...10).map { |i| ["k#{i}", "v" * i] })
    out = FFI::MemoryPointer.new(:pointer)
    itp = FFI::MemoryPointer.new(:pointer)
    assert_equal N::OK, N.shale_iter_new(@h, nil, itp)
    it = itp.get_pointer(0)
    lens = FFI::MemoryPointer.new(:size_t, 8)
    count = FFI::MemoryPointer.new(:size_t)
    # unpositioned: NOT_FOUND, count 0
    assert_equal N::NOT_FOUND, N.shale_iter_next_many(it, N::ITER_FORWARD, 4, 0, out, lens, count)
    assert_equal 0, count.get_uint64(0)
    assert out.get_pointer(0).null?
    assert_equal N::OK, N.shale_iter_first(it)
    assert_equal N::OK, N.shale_iter_next_many(it, N::ITER_FORWARD, 4, 0, out, lens, count)
    assert_equal 4, count.get_uint64(0)
    assert_equal [2, 0, 2, 1, 2, 2, 2, 3], sizes(lens, 8)
    buf = out.get_pointer(0)
    assert_equal "k0k1vk2vvk3vvv", buf.read_bytes(14)
    N.shale_free(buf)
    # left on the entry after the last one returned
    kp = FFI::MemoryPointer.new(:pointer)
    kl = FFI::MemoryPointer.new(:size_t)
    assert_equal N::OK, N.shale_iter_key(it, kp, kl)
    assert_equal "k4", kp.get_pointer(0).read_bytes(kl.get_uint64(0))
    # max_bytes: at least one entry, then no more than max_bytes
    assert_equal N::OK, N.shale_iter_next_many(it, N::ITER_FORWARD, 4, 1, out, lens, count)
    assert_equal 1, count.get_uint64(0)
    N.shale_free(out.get_pointer(0))
    # backward from k5
    assert_equal N::OK, N.shale_iter_next_many(it, N::ITER_BACKWARD, 4, 0, out, lens, count)
    assert_equal 4, count.get_uint64(0)
    buf = out.get_pointer(0)
    total = sizes(lens, 8).sum
    assert_equal "k5vvvvvk4vvvvk3vvvk2vv", buf.read_bytes(total)
    N.shale_free(buf)
    assert_equal N::OK, N.shale_iter_valid(it) # on k1
    # walking to the end leaves it unpositioned
    assert_equal N::OK, N.shale_iter_next_many(it, N::ITER_BACKWARD, 4, 0, out, lens, count)
    assert_equal 2, count.get_uint64(0)
    N.shale_free(out.get_pointer(0))
    assert_equal N::NOT_FOUND, N.shale_iter_valid(it)
    # bad arguments
    assert_equal N::OK, N.shale_iter_first(it)
    assert_equal N::E_INVALID_ARGUMENT, N.shale_iter_next_many(it, N::ITER_FORWARD, 0, 0, out, lens, count)
    assert_equal N::E_INVALID_ARGUMENT, N.shale_iter_next_many(it, 7, 1, 0, out, lens, count)
    assert_equal N::E_INVALID_ARGUMENT, N.shale_iter_next_many(it, N::ITER_FORWARD, 1, 0, nil, lens, count)
    assert_equal N::OK, N.shale_iter_free(it)
    assert_equal N::E_INVALID_HANDLE, N.shale_iter_next_many(it, N::ITER_FORWARD, 1, 0, out, lens, count)
  end

  def test_get_pinned_contract
    @db["k"] = "value"
    @db["e"] = ""
    pin = FFI::MemoryPointer.new(:pointer)
    vp = FFI::MemoryPointer.new(:pointer)
    vl = FFI::MemoryPointer.new(:size_t)
    assert_equal N::OK, N.shale_db_get_pinned(@h, nil, "k", 1, pin, vp, vl)
    pinh = pin.get_pointer(0)
    @db["k"] = "other"
    @db.close # the pinned value stays valid until shale_pin_free
    assert_equal "value", vp.get_pointer(0).read_bytes(vl.get_uint64(0))
    assert_equal N::OK, N.shale_pin_free(pinh)
    assert_equal N::E_INVALID_HANDLE, N.shale_pin_free(pinh)
    assert_equal N::OK, N.shale_pin_free(nil)
    db = open_db("p2")
    db["e"] = ""
    h = db.db_pointer
    assert_equal N::OK, N.shale_db_get_pinned(h, nil, "e", 1, pin, vp, vl)
    refute vp.get_pointer(0).null? # empty value: non-NULL, length 0
    assert_equal 0, vl.get_uint64(0)
    N.shale_pin_free(pin.get_pointer(0))
    assert_equal N::NOT_FOUND, N.shale_db_get_pinned(h, nil, "zz", 2, pin, vp, vl)
    assert pin.get_pointer(0).null?
    assert vp.get_pointer(0).null?
  end
end
