# frozen_string_literal: true

module Shale
  # The encoding of the Strings the binding returns (keys and values).
  #
  # The store holds bytes. A String read from it is tagged with the chosen
  # encoding when its bytes are valid in that encoding, and left
  # ASCII-8BIT (binary) when they are not: so with Encoding::UTF_8 text
  # comes back as UTF-8 and compares equal to the literal that was stored,
  # while a JPEG or a packed integer stays binary instead of becoming a
  # broken UTF-8 String that raises on the first regexp. Tagging never
  # changes the bytes (no transcoding); Strings given to the binding are
  # stored as their bytes, whatever their encoding.
  #
  # The default is Encoding::BINARY: every String comes back ASCII-8BIT, as
  # the bytes they are. Choose another per db (DB.open(encoding:)), per
  # snapshot (DB#snapshot(encoding:)) or per call (the reading methods and
  # DB#subscribe take `encoding:` too, which wins over the db's).
  module Encodings
    module_function

    # `value` as an Encoding: an Encoding, or its name as a String or Symbol
    # ("UTF-8", "utf-8", :binary, :"ISO-8859-1"). nil stays nil ("not chosen
    # here"). Raises ArgumentError for an unknown name or a
    # dummy encoding (UTF-7, ISO-2022-JP: Ruby cannot check their bytes),
    # TypeError for anything else.
    def resolve(value)
      return nil if value.nil?

      enc = case value
            when Encoding then value
            when String, Symbol then find(value.to_s)
            else raise TypeError, "shale: encoding must be an Encoding or its name, not #{value.class}"
            end
      if enc.dummy?
        raise ArgumentError, "shale: #{enc} is a dummy encoding (its bytes cannot be validated); " \
                             "choose a real one, e.g. Encoding::UTF_8"
      end
      enc
    end

    def find(name)
      Encoding.find(name)
    rescue ArgumentError
      raise ArgumentError, "shale: unknown encoding #{name.inspect} (try Encoding::UTF_8, \"UTF-8\" or :binary)"
    end

    # The encoding a call uses: its own `encoding:` if given, else `default`
    # (the db's or snapshot's).
    def pick(given, default)
      given.nil? ? default : resolve(given)
    end

    # Tags `str` (a fresh String nobody else holds) with `enc`, or leaves it
    # binary if its bytes are not valid in `enc`. Returns `str`.
    def tag(str, enc)
      return str if enc.nil? || enc == Encoding::BINARY

      str.force_encoding(enc)
      str.force_encoding(Encoding::BINARY) unless str.valid_encoding?
      str
    end
  end
end
