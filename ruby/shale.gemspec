# frozen_string_literal: true

require_relative "lib/shale/version"

Gem::Specification.new do |spec|
  spec.name = "shale"
  spec.version = Shale::BINDING_VERSION
  spec.summary = "Ruby binding of shale, an embedded crash-safe ordered key-value store"
  spec.description = "Plain Ruby on the ffi gem and libshale's C API (libshale.so.1, installed " \
                     "separately). At install time the gem records where libshale is " \
                     "(pkg-config, or: gem install shale -- --with-shale-dir=PREFIX)."
  spec.authors = ["the shale developers"]
  spec.licenses = ["MIT", "Apache-2.0"]
  spec.required_ruby_version = ">= 3.0"
  spec.files = Dir.glob("lib/**/*.rb", base: __dir__) + ["ext/shale/extconf.rb", "shale.gemspec"]
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/shale/extconf.rb"]
  spec.add_runtime_dependency "ffi", "~> 1.15"
end
