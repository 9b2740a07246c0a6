# frozen_string_literal: true

# shale — an embedded, crash-safe, ordered key-value store. This is its Ruby
# binding, written with the ffi gem on the public C API (include/shale.h)
# of libshale.so.1; see docs/ruby.md.
#
# Loading this file loads the library (see Shale::Native for where it is
# looked for) and checks its ABI version.
require_relative "shale/version"
require_relative "shale/native"
require_relative "shale/errors"
require_relative "shale/encodings"
require_relative "shale/bytes"
require_relative "shale/handle"
require_relative "shale/callbacks"
require_relative "shale/options"
require_relative "shale/hash_like"
require_relative "shale/hash_writes"
require_relative "shale/reader"
require_relative "shale/iterator"
require_relative "shale/batch"
require_relative "shale/snapshot"
require_relative "shale/subscription"
require_relative "shale/maintenance"
require_relative "shale/db"

module Shale
  # The library's version string, e.g. "0.3.0".
  def self.library_version
    Native.shale_version
  end

  # Where the shared library was loaded from.
  def self.library_path
    Native::LIBRARY_PATH
  end

  # Same as Shale::DB.open.
  def self.open(path, **opts, &block)
    DB.open(path, **opts, &block)
  end
end
