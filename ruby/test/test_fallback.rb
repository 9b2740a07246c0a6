# frozen_string_literal: true

require "helper"

# With a library older than 0.3.0 (same ABI major, no *_many functions) the
# binding falls back to one call per key. Simulated in a child process by
# turning the feature flag off.
class TestFallback < ShaleTest
  def test_without_many_functions
    out, status = ruby_subprocess(<<~RUBY)
      require "shale"
      Shale::Native.send(:remove_const, :MANY)
      Shale::Native.const_set(:MANY, false)
      Shale::DB.open(#{path.dump}, sync: :none) do |db|
        db.put_many((0...50).map { |i| ["k%02d" % i, "v\#{i}"] })
        db.delete_many(%w[k00 k01])
        db.batch { |b| b["x"] = "1"; b.delete("k02"); b["y"] = "2" }
        p db.get_many(%w[k00 k03 x y])
        p db.count, db.each(reverse: true).first(2), db.each(prefix: "k4").count
      end
    RUBY
    assert status.success?, out
    assert_equal <<~OUT, out
      [nil, "v3", "1", "2"]
      49
      [["y", "2"], ["x", "1"]]
      10
    OUT
  end
end
