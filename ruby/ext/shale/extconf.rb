# frozen_string_literal: true

# Run by `gem install`, not a C extension: nothing is compiled. It finds
# libshale.so.1 once, when the gem is installed, and records the path in
# shale/library_config.rb in the gem's extension directory (on the load
# path of the installed gem), so that `require "shale"` finds the library
# with no environment variable, wherever it was installed — the way gems
# such as pg record where pg_config said libpq is.
#
# Where it looks, first found wins:
#   gem install shale -- --with-shale-lib=/path/to/libshale.so.1
#   gem install shale -- --with-shale-dir=PREFIX    (PREFIX/lib, lib64, lib/<multiarch>)
#   pkg-config --variable=libdir shale             (honours PKG_CONFIG_PATH)
#   /usr/local/lib and the system's library directories
# A library that does not open or has another ABI major than the binding is
# skipped with a message. Asked for with --with-shale-*, a library that is
# not usable fails the install; found nowhere otherwise, the install goes on
# with a warning and the gem looks at run time (SHALE_LIBRARY, the system
# library path).

require "fiddle"
require "open3"
require "rbconfig"

SONAME = "libshale.so.1"
NATIVE = File.expand_path("../../lib/shale/native.rb", __dir__)
ABI = File.binread(NATIVE)[/^\s*ABI_VERSION = (\d+)/, 1].to_i

def option(name)
  ARGV.each { |a| return Regexp.last_match(1) if a =~ /\A--#{Regexp.escape(name)}=(.+)\z/ }
  nil
end

def lib_dirs(prefix)
  multiarch = RbConfig::CONFIG["arch"].sub(/-linux.*/, "-linux-gnu")
  [File.join(prefix, "lib"), File.join(prefix, "lib64"), File.join(prefix, "lib", multiarch), prefix]
end

def pkg_config_libdir
  out, status = Open3.capture2("pkg-config", "--variable=libdir", "shale", err: File::NULL)
  status.success? && !out.strip.empty? ? out.strip : nil
rescue SystemCallError
  nil # no pkg-config
end

# nil if `path` is a usable libshale, else why not.
def unusable(path)
  return "no such file" unless File.file?(path)

  handle = Fiddle.dlopen(path)
  abi = Fiddle::Function.new(handle["shale_abi_version"], [], Fiddle::TYPE_INT).call
  abi == ABI ? nil : "ABI version #{abi}, this binding needs #{ABI}"
rescue Fiddle::DLError => e
  e.message
end

asked = option("with-shale-lib") || option("with-shale-dir")
candidates =
  if (lib = option("with-shale-lib"))
    [[File.expand_path(lib), "--with-shale-lib"]]
  elsif (dir = option("with-shale-dir"))
    lib_dirs(File.expand_path(dir)).map { |d| [File.join(d, SONAME), "--with-shale-dir"] }
  else
    found = []
    libdir = pkg_config_libdir
    found << [File.join(libdir, SONAME), "pkg-config"] if libdir
    (lib_dirs("/usr/local") + lib_dirs("/usr")).each { |d| found << [File.join(d, SONAME), "the system"] }
    found
  end

chosen = nil
tried = []
candidates.uniq(&:first).each do |path, how|
  why = unusable(path)
  if why.nil?
    chosen = [File.realpath(File.dirname(path)) + "/" + SONAME, how]
    break
  end
  tried << "  #{path} (#{how}): #{why}"
end

if chosen
  puts "shale: using #{chosen[0]} (found by #{chosen[1]})"
elsif asked
  abort "shale: no usable #{SONAME}; tried:\n#{tried.join("\n")}"
else
  warn "shale: #{SONAME} not found at install time (tried pkg-config and the system's library " \
       "directories); at run time the gem will try SHALE_LIBRARY and the system library path. " \
       "Install libshale and reinstall the gem, or: gem install shale -- --with-shale-dir=PREFIX"
end

# RubyGems points sitearchdir at the directory it installs into the gem's
# extension directory.
dest = File.join(RbConfig::CONFIG["sitearchdir"], "shale")
Dir.mkdir(dest) unless Dir.exist?(dest)
File.write(File.join(dest, "library_config.rb"), <<~RUBY)
  # frozen_string_literal: true

  # Written by ext/shale/extconf.rb when the gem was installed.
  module Shale
    module LibraryConfig
      PATH = #{chosen ? chosen[0].dump : 'nil'}
      FOUND_BY = #{(chosen ? chosen[1] : 'nothing found').dump}
    end
  end
RUBY

# Nothing to build: RubyGems runs make clean, make and make install.
File.write("Makefile", "all:\nclean:\ninstall:\n.PHONY: all clean install\n")
