# frozen_string_literal: true

require "minitest/autorun"
require "tmpdir"
require "fileutils"
require "rbconfig"
require "shale"

# Under test_installed_gem.sh the tests run against the installed gem and
# the installed library, found by the gem on its own: make sure they do.
INSTALLED_LIBRARY = ENV["SHALE_TEST_INSTALLED_LIBRARY"]
SHALE_RB = $LOADED_FEATURES.find { |f| f.end_with?("/lib/shale.rb") }
if INSTALLED_LIBRARY
  repo_lib = File.expand_path("../lib", __dir__)
  if SHALE_RB.start_with?(repo_lib) || Shale.library_path != INSTALLED_LIBRARY
    abort "helper.rb: expected the installed gem and #{INSTALLED_LIBRARY}; " \
          "loaded #{SHALE_RB} with #{Shale.library_path}"
  end
  puts "testing the installed gem #{File.dirname(SHALE_RB, 2)} with #{Shale.library_path}"
end

# Each test gets its own directory on disk (real files, the real library).
class ShaleTest < Minitest::Test
  def setup
    @tmp = Dir.mktmpdir("shale-rb-")
    @dbs = []
  end

  def teardown
    @dbs.each(&:close)
    FileUtils.rm_rf(@tmp)
  end

  def path(name = "db")
    File.join(@tmp, name)
  end

  # An open db closed in teardown. sync: :none keeps the tests fast; the
  # durability of a sync mode is the C tests' business.
  def open_db(name = "db", **opts)
    db = Shale::DB.open(path(name), sync: :none, **opts)
    @dbs << db
    db
  end

  # Runs `code` in a fresh ruby with the binding on the load path; returns
  # [stdout+stderr, status]. For what must not take the test process down.
  # (The binding of this run: the checkout's lib/, or the installed gem.)
  def ruby_subprocess(code, env = {})
    load_path = INSTALLED_LIBRARY ? [] : ["-I", File.expand_path("../lib", __dir__)]
    IO.popen(env, [RbConfig.ruby, *load_path, "-e", code], err: %i[child out], &:read).then do |out|
      [out, $?]
    end
  end

  def bin(str)
    str.b
  end
end
