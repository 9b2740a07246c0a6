# frozen_string_literal: true

module Shale
  # The binding's own version (it follows the library's minor versions).
  # Kept apart from shale.rb so that the gemspec can read it without loading
  # the library.
  BINDING_VERSION = "0.4.0"
end
