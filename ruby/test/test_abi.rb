# frozen_string_literal: true

require "helper"
require "open3"

# The FFI mirrors of the C structs and the attached signatures against the C
# compiler and the header.
class TestABI < ShaleTest
  ROOT = File.expand_path("../..", __dir__)
  HEADER = File.join(ROOT, "include", "shale.h")

  STRUCTS = {
    "shale_options" => Shale::Native::Options,
    "shale_iter_options" => Shale::Native::IterOptions,
    "shale_stats" => Shale::Native::Stats,
  }.freeze

  # Compiles a C program that prints sizeof and every offsetof with the
  # public header, and returns {"struct" => {size:, fields: {name => off}}}.
  def c_layouts
    cc = ENV["CC"] || "cc"
    lines = []
    STRUCTS.each do |cname, klass|
      lines << %(printf("%s size %zu\\n", "#{cname}", sizeof(#{cname}));)
      klass.members.each do |f|
        lines << %(printf("%s %s %zu\\n", "#{cname}", "#{f}", offsetof(#{cname}, #{f}));)
      end
    end
    src = File.join(@tmp, "layout.c")
    exe = File.join(@tmp, "layout")
    File.write(src, <<~C)
      #include <stddef.h>
      #include <stdio.h>
      #include "shale.h"
      int main(void) {
        #{lines.join("\n  ")}
        return 0;
      }
    C
    out, status = Open3.capture2e(cc, "-std=c11", "-I", File.join(ROOT, "include"), "-o", exe, src)
    skip "no C compiler: #{out}" unless status.success?
    res = Hash.new { |h, k| h[k] = { fields: {} } }
    IO.popen([exe], &:read).each_line do |l|
      s, f, n = l.split
      if f == "size" then res[s][:size] = Integer(n)
      else res[s][:fields][f.to_sym] = Integer(n)
      end
    end
    res
  end

  def test_struct_layouts_match_the_c_compiler
    c = c_layouts
    STRUCTS.each do |cname, klass|
      assert_equal c[cname][:size], klass.size, "sizeof(#{cname})"
      klass.members.each do |f|
        assert_equal c[cname][:fields][f], klass.offset_of(f), "offsetof(#{cname}, #{f})"
      end
    end
  end

  def test_struct_mirrors_have_every_header_field
    text = File.read(HEADER)
    STRUCTS.each do |cname, klass|
      body = text[/typedef struct #{cname} \{(.*?)\} #{cname};/m, 1]
      refute_nil body, cname
      fields = body.gsub(%r{/\*.*?\*/}m, "").scan(/(\w+)(?:\[\w+\])?;/).flatten.map(&:to_sym)
      assert_equal fields, klass.members, cname
    end
  end

  def test_every_header_function_is_declared
    declared = File.read(HEADER).scan(/SHALE_API\s+[^;(]*?\b(shale_\w+)\s*\(/).flatten.map(&:to_sym)
    assert_equal declared.sort, Shale::Native::SIGNATURES.keys.sort
  end

  def test_every_function_is_exported_by_the_library
    assert_empty Shale::Native::MISSING_FUNCTIONS, "library #{Shale.library_path} lacks these"
    assert Shale::Native::MANY
  end

  def test_versions
    assert_equal Shale::Native::ABI_VERSION, Shale::Native.shale_abi_version
    v = Shale.library_version
    major, minor, patch = v.split(".").map { |x| Integer(x) }
    assert_equal major * 10_000 + minor * 100 + patch, Shale::Native.shale_version_number
    assert_operator Shale::Native.shale_version_number, :>=, 300
  end

  def test_status_names_and_error_classes
    Shale::Error::CLASSES.each do |code, klass|
      name = Shale::Native.status_name(code)
      refute_equal "SHALE_E_UNKNOWN", name
      err = Shale::Error.for_code(code, "m")
      assert_kind_of klass, err
      assert_kind_of Shale::Error, err
      assert_equal code, err.code
      assert_equal name, err.status_name
    end
    assert_kind_of Shale::UnknownError, Shale::Error.for_code(-99, "x")
    assert_equal 17, Shale::Error::CLASSES.size
  end

  def test_missing_constant_is_size_max
    assert_equal 2**64 - 1, Shale::Native::MISSING
  end
end

class TestABIOptions < ShaleTest
  def test_wide_option_fields_are_the_uint64_ones
    s = Shale::Native::Options.new
    Shale::Options::INTEGER.each do |f|
      wide = begin
        s[f] = 2**32
        s[f] == 2**32
      rescue RangeError
        false
      end
      assert_equal Shale::Options::WIDE.include?(f), wide, f.to_s
    end
  end
end

class TestABIBlocking < ShaleTest
  # Functions that can do I/O or wait must release the GVL.
  IO_FUNCTIONS = %i[shale_db_open shale_db_close shale_db_put shale_db_delete shale_db_write
                    shale_db_put_many shale_db_delete_many shale_iter_new shale_iter_first
                    shale_iter_last shale_iter_seek shale_iter_next shale_iter_next_many
                    shale_iter_borrow_many
                    shale_db_flush shale_db_sync shale_db_compact_range shale_db_backup
                    shale_db_verify shale_db_subscribe shale_unsubscribe shale_snapshot_new].freeze
  # Point reads keep it (Native::R): they take no lock a library thread holds
  # while it runs Ruby code, so they cannot deadlock with a logger.
  READ_FUNCTIONS = %i[shale_db_get shale_db_get_into shale_db_exists shale_db_get_many
                      shale_db_get_pinned].freeze

  def test_io_functions_release_the_gvl
    IO_FUNCTIONS.each do |name|
      assert_equal true, Shale::Native::SIGNATURES.fetch(name)[2][:blocking], name.to_s
    end
  end

  def test_point_reads_keep_the_gvl
    READ_FUNCTIONS.each do |name|
      assert_nil Shale::Native::SIGNATURES.fetch(name)[2][:blocking], name.to_s
    end
  end

  def test_other_threads_run_during_a_long_call
    db = open_db
    db.put_many((0...20_000).map { |i| [format("k%06d", i), "v" * 200] })
    ticks = 0
    stop = false
    ticker = Thread.new { until stop; ticks += 1; Thread.pass; end }
    db.compact
    db.verify
    stop = true
    ticker.join
    assert_operator ticks, :>, 0
  end
end
