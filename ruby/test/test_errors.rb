# frozen_string_literal: true

require "helper"

class TestErrors < ShaleTest
  def test_locked_directory_names_the_path
    db = open_db
    e = assert_raises(Shale::LockedError) { Shale::DB.open(path) }
    assert_kind_of Shale::Error, e
    assert_equal Shale::Native::E_LOCKED, e.code
    assert_equal "SHALE_E_LOCKED", e.status_name
    assert_includes e.message, path
    db.close
    Shale::DB.open(path) { |again| refute_nil again } # free again after close
  end

  def test_locked_from_another_process
    db = open_db
    out, status = ruby_subprocess(<<~RUBY)
      require "shale"
      begin
        Shale::DB.open(#{path.dump})
        puts "opened"
      rescue Shale::LockedError => e
        puts "locked: " + e.message
      end
    RUBY
    assert status.success?, out
    assert_match(/\Alocked: .*#{Regexp.escape(path)}/, out)
    db.close
  end

  def test_closed_db
    db = open_db
    db["k"] = "v"
    db.close
    db.close # twice is safe
    assert db.closed?
    %i[flush sync compact verify stats].each do |m|
      assert_raises(Shale::ClosedError, m.to_s) { db.public_send(m) }
    end
    e = assert_raises(Shale::ClosedError) { db["k"] }
    assert_includes e.message, path
    assert_equal Shale::Native::E_CLOSED, e.code
    assert_raises(Shale::ClosedError) { db["k"] = "v" }
    assert_raises(Shale::ClosedError) { db.delete("k") }
    assert_raises(Shale::ClosedError) { db.key?("k") }
    assert_raises(Shale::ClosedError) { db.get_many(["k"]) }
    assert_raises(Shale::ClosedError) { db.put_many("k" => "v") }
    assert_raises(Shale::ClosedError) { db.each.to_a }
    assert_raises(Shale::ClosedError) { db.snapshot }
    assert_raises(Shale::ClosedError) { db.batch { |b| b["k"] = "v" } }
    assert_raises(Shale::ClosedError) { db.backup(path("b")) }
  end

  def test_every_error_is_a_shale_error_with_a_code_and_message
    db = open_db
    e = assert_raises(Shale::Error) { db["k" * 70_000] = "v" }
    assert_kind_of StandardError, e
    assert_operator e.code, :<, 0
    assert_match(/\Ashale_db_put: /, e.message)
    # the message is the library's, read right after the failing call
    assert_match(/key/i, e.message)
  end

  def test_backup_into_a_non_empty_directory
    db = open_db
    dest = path("dest")
    Dir.mkdir(dest)
    File.write(File.join(dest, "x"), "x")
    e = assert_raises(Shale::ExistsError) { db.backup(dest) }
    assert_includes e.message, dest
  end

  def test_verify_reports_corruption
    Shale::DB.open(path) do |db|
      db.put_many((0...2000).map { |i| [format("k%05d", i), "v" * 100] })
      db.flush
    end
    table = Dir[File.join(path, "*")].select { |f| File.file?(f) }.max_by { |f| File.size(f) }
    data = File.binread(table)
    data.setbyte(100, data.getbyte(100) ^ 0xff)
    File.binwrite(table, data)
    Shale::DB.open(path) do |db|
      e = assert_raises(Shale::CorruptionError) { db.verify }
      assert_equal Shale::Native::E_CORRUPTION, e.code
      assert_kind_of String, e.report
      refute_empty e.report
    end
  rescue Shale::CorruptionError => e
    # The open itself may find it; that is as good.
    assert_equal Shale::Native::E_CORRUPTION, e.code
  end

  def test_path_with_nul_byte
    assert_raises(ArgumentError) { Shale::DB.open("a\0b") }
  end

  def test_loader_lists_every_place_it_looked
    out, status = ruby_subprocess('require "shale"', "SHALE_LIBRARY" => "/nonexistent/libshale.so.1")
    refute status.success?
    assert_match(/LoadError/, out)
    assert_includes out, "/nonexistent/libshale.so.1"
    assert_includes out, "SHALE_LIBRARY"
  end

  def test_loader_without_env_tries_build_tree_or_recorded_library_then_system
    # Whether or not a library is found there, both places are named: in
    # the candidate list, or in the LoadError. From a checkout the first is
    # the build tree; from an installed gem, what gem install recorded.
    code = 'begin; require "shale"; puts Shale::Native.candidates.map(&:first); ' \
           'rescue LoadError => e; puts e.message; end'
    out, = ruby_subprocess(code, "SHALE_LIBRARY" => nil)
    first = INSTALLED_LIBRARY || File.expand_path("../../build/lib/libshale.so.1", __dir__)
    assert_operator out.index(first), :<, out.rindex("libshale.so.1\n") || out.rindex("libshale.so.1 ")
  end
end
