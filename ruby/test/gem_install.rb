# frozen_string_literal: true

require "fileutils"
require "open3"
require "rbconfig"

# Installs libshale and the gem the way a user does, for test_gem.rb and
# test_installed_gem.sh: `cmake --install BUILD --prefix DIR/prefix` (the
# library, header, shale.pc), `gem build` of ruby/shale.gemspec, and
# `gem install --user-install --local` into DIR/home (HOME=DIR/home: the
# user's gem directory is DIR/home/.local/share/gem, which RubyGems
# searches by default, so no GEM_* variable is needed to use it).
module GemInstall
  RUBY_DIR = File.expand_path("..", __dir__)
  REPO = File.expand_path("..", RUBY_DIR)

  module_function

  # The build tree to install from: $SHALE_BUILD_DIR, else the one
  # $SHALE_LIBRARY is in (BUILD/lib/libshale.so.1), else <repo>/build.
  def build_dir
    return ENV["SHALE_BUILD_DIR"] if ENV["SHALE_BUILD_DIR"] && !ENV["SHALE_BUILD_DIR"].empty?

    lib = ENV["SHALE_LIBRARY"]
    return File.expand_path("../..", lib) if lib && !lib.empty?

    File.join(REPO, "build")
  end

  # A clean environment: what a user's shell has (PATH, HOME, a UTF-8
  # locale), nothing that points at shale. For Open3 with
  # unsetenv_others: true.
  def clean_env(home, extra = {})
    { "PATH" => ENV.fetch("PATH", "/usr/bin:/bin"), "HOME" => home, "LANG" => "C.UTF-8" }.merge(extra)
  end

  # Runs argv; raises with its output unless it succeeds. Returns the output.
  def run!(env, *argv, chdir: Dir.pwd)
    out, status = Open3.capture2e(env, *argv, unsetenv_others: true, chdir: chdir)
    raise "#{argv.join(' ')} failed (#{status}):\n#{out}" unless status.success?

    out
  end

  # libshale installed into DIR/prefix; returns its libshale.so.1.
  def install_library(dir, build = build_dir)
    prefix = File.join(dir, "prefix")
    unless File.file?(File.join(build, "lib", "libshale.so.1"))
      raise "no built libshale in #{build}/lib: build it first (cmake --build #{build} --target shale)"
    end

    run!(clean_env(dir), "cmake", "--install", build, "--prefix", prefix)
    lib = Dir[File.join(prefix, "lib*", "**", "libshale.so.1")].first
    raise "cmake --install put no libshale.so.1 under #{prefix}" if lib.nil?

    lib
  end

  # DIR/shale.gem, built from ruby/shale.gemspec. Returns its path.
  def build_gem(dir)
    gem = File.join(dir, "shale.gem")
    run!(clean_env(dir), "gem", "build", "-C", RUBY_DIR, "shale.gemspec", "-o", gem)
    gem
  end

  # Installs `gem` for the user whose HOME is DIR/home, with `env` and
  # `args` (after --) for the install; returns [home, output].
  def install_gem(dir, gem, env: {}, args: [])
    home = File.join(dir, "home")
    FileUtils.mkdir_p(home)
    out = run!(clean_env(home, env), "gem", "install", "--user-install", "--local", "--no-document",
               gem, *(args.empty? ? [] : ["--", *args]))
    [home, out]
  end

  # What the install hook printed (RubyGems keeps it in gem_make.out).
  def install_log(home)
    log = Dir[File.join(home, ".local", "share", "gem", "**", "shale-*", "gem_make.out")].first
    log ? File.read(log) : ""
  end

  # All of it: the library (found by the gem's install through pkg-config,
  # as on a machine where it is installed), the gem. Returns
  # { lib:, home:, gem: }.
  def install_all(dir)
    lib = install_library(dir)
    pc = File.dirname(Dir[File.join(dir, "prefix", "**", "pkgconfig", "shale.pc")].first)
    gem = build_gem(dir)
    home, = install_gem(dir, gem, env: { "PKG_CONFIG_PATH" => pc })
    { lib: lib, home: home, gem: gem }
  end
end
