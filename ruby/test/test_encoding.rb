# frozen_string_literal: true

require "helper"

# encoding: — the encoding of the Strings the binding returns (Encodings).
class TestEncoding < ShaleTest
  UTF8 = Encoding::UTF_8
  BIN = Encoding::BINARY
  JPEG = "\xFF\xD8\xFF\xE0\x00\x10JFIF".b # not valid UTF-8

  def test_text_round_trips_as_text_with_utf8
    db = open_db(encoding: Encoding::UTF_8)
    db["café"] = "crème"
    assert db["café"] == "crème" # the issue's example: false when it came back binary
    assert_equal "Größe: crème", "Größe: " + db["café"] # no Encoding::CompatibilityError
    assert_equal UTF8, db["café"].encoding
    assert_equal [["café", "crème"]], db.to_a
    assert_equal({ "café" => "crème" }, db.to_h)
  end

  def test_binary_data_stays_binary
    db = open_db(encoding: "UTF-8")
    db["img"] = JPEG
    v = db["img"]
    assert_equal BIN, v.encoding
    assert v.valid_encoding?
    assert_equal JPEG, v
    db[JPEG] = "x"
    k, = db.each(prefix: "\xFF".b).first
    assert_equal BIN, k.encoding
    assert_equal [BIN, UTF8], [db.get_many(["img", "img2", JPEG])[0].encoding, db[JPEG].encoding]
  end

  def test_default_is_binary
    db = open_db
    assert_equal BIN, db.encoding
    db["café"] = "crème"
    assert_equal BIN, db["café"].encoding
    assert_equal "crème".b, db["café"]
    refute db["café"] == "crème"
  end

  def test_names_and_encodings_are_accepted
    { "UTF-8" => UTF8, "utf-8" => UTF8, :binary => BIN, "ASCII-8BIT" => BIN, UTF8 => UTF8,
      :"ISO-8859-1" => Encoding::ISO_8859_1 }.each_with_index do |(given, enc), i|
      Shale::DB.open(path("n#{i}"), encoding: given) { |db| assert_equal enc, db.encoding, given.inspect }
    end
  end

  def test_no_transcoding_bytes_are_stored_as_given
    db = open_db(encoding: UTF8)
    latin = "crème".encode("ISO-8859-1")
    db["latin"] = latin
    assert_equal BIN, db["latin"].encoding # "\xE8" is not UTF-8
    assert_equal latin.b, db["latin"]
    back = db.get("latin", encoding: "ISO-8859-1")
    assert_equal Encoding::ISO_8859_1, back.encoding
    assert_equal latin, back
    # not ASCII-compatible encodings work the same way
    db["u16"] = "ab".encode("UTF-16LE")
    assert_equal "ab".encode("UTF-16LE"), db.get("u16", encoding: "UTF-16LE")
  end

  def test_per_call_encoding_wins_over_the_dbs
    db = open_db(encoding: UTF8)
    db["k"] = "é"
    assert_equal BIN, db.get("k", encoding: :binary).encoding
    assert_equal UTF8, db.get("k").encoding
    bin = open_db("bin")
    bin["k"] = "é"
    assert_equal UTF8, bin.get("k", encoding: UTF8).encoding
    assert_equal BIN, bin.get("k").encoding
  end

  # Every method that returns keys or values follows the db's encoding and
  # takes encoding: (values over the 16 KiB scratch buffer too).
  def test_every_reading_method
    db = open_db(encoding: UTF8)
    big = "é" * 20_000
    db.put_many("a" => "à", "b" => big, "c" => "ç")
    checks = {
      "get" => -> (e) { [db.get("a", **e)] },
      "[]" => -> (e) { e.empty? ? [db["a"]] : [db["a", **e]] },
      "get big" => -> (e) { [db.get("b", **e)] },
      "fetch" => -> (e) { [db.fetch("a", **e)] },
      "get_many" => -> (e) { db.get_many(%w[a b c], **e) },
      "values_at" => -> (e) { db.values_at("a", "c", **e) },
      "each" => -> (e) { db.each(**e).to_a.flatten },
      "each reverse" => -> (e) { db.each(reverse: true, **e).to_a.flatten },
      "each_key" => -> (e) { db.each_key(**e).to_a },
      "each_value" => -> (e) { db.each_value(**e).to_a },
      "keys" => -> (e) { db.keys(**e) },
      "values" => -> (e) { db.values(**e) },
      "to_h" => -> (e) { db.to_h(**e).to_a.flatten },
      "iterator" => lambda do |e|
        db.iterator(**e) { |it| it.seek("b"); [it.key, it.value, *it.read(5).flatten] + it.to_a.flatten }
      end,
      "snapshot" => -> (e) { db.snapshot(**e) { |s| [s["a"], *s.to_a.flatten] } },
      "key" => -> (e) { [db.key("ç", **e)] },
      "fetch_values" => -> (e) { db.fetch_values("a", "b", **e) },
      "slice" => -> (e) { db.slice("a", "c", **e).values },
      "invert" => -> (e) { db.invert(**e).to_a.flatten },
    }
    checks.each do |name, call|
      assert_equal [UTF8], call.call({}).map(&:encoding).uniq, name
      assert_equal [BIN], call.call({ encoding: :binary }).map(&:encoding).uniq, "#{name}, encoding: :binary"
    end
    assert_equal big, db["b"]
    assert_equal [UTF8], db.snapshot { |s| s.values.map(&:encoding).uniq }
    assert_equal UTF8, db.delete("a").encoding
    assert_equal BIN, db.delete("c", encoding: BIN).encoding
    assert_equal [UTF8, UTF8], db.shift.map(&:encoding)
  end

  def test_subscription_blocks_get_the_chosen_encoding
    db = open_db(encoding: UTF8)
    seen = []
    db.subscribe { |_kind, key, value| seen << [key.encoding, value&.encoding] }
    db.subscribe(encoding: :binary) { |_kind, key, value| seen << [key.encoding, value&.encoding] }
    db["é"] = "è"
    db.delete("é")
    db["x"] = JPEG
    assert_equal [[UTF8, UTF8], [BIN, BIN], [UTF8, nil], [BIN, nil], [UTF8, BIN], [BIN, BIN]], seen
  end

  # The *_many calls join keys and values end to end: Strings of different
  # encodings, non-ASCII in both, are taken as their bytes (Array#join
  # raised Encoding::CompatibilityError here).
  def test_many_calls_take_strings_of_mixed_encodings
    db = open_db
    utf = "à"
    bin = "\xE9\xFF".b
    db.put_many([[utf, bin], [bin, utf], ["u16".encode("UTF-16LE"), "x"]])
    assert_equal [bin, utf.b], db.get_many([utf, bin])
    db.batch { |b| b.put(utf, "1"); b.put(bin, "2"); b.delete("u\0001\0006\0".b) }
    assert_equal %w[1 2], db.values_at(utf, bin)
    db.delete_many([utf, bin])
    assert db.empty?
  end

  def test_returned_strings_are_fresh_and_mutable
    db = open_db(encoding: UTF8)
    db["k"] = "v"
    a = db["k"]
    a << "é"
    assert_equal "v", db["k"]
    refute db.each.first[0].frozen?
  end
end
