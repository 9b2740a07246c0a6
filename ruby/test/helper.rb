# frozen_string_literal: true

require "minitest/autorun"
require "tmpdir"
require "fileutils"
require "rbconfig"
require "shale"

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
  def ruby_subprocess(code, env = {})
    lib = File.expand_path("../lib", __dir__)
    IO.popen(env, [RbConfig.ruby, "-I", lib, "-e", code], err: %i[child out], &:read).then do |out|
      [out, $?]
    end
  end

  def bin(str)
    str.b
  end
end
