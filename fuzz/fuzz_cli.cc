// fuzz_cli — the shale tool's text handling (tools/), which reads whatever a
// user or a damaged dump file gives it: the escaped-text and hex codecs, and
// the dump format's parser. Properties checked on every input:
//   * encode then decode gives the bytes back, in escaped text, text (valid
//     UTF-8 as itself) and hex; escaped output is printable ASCII, text
//     output printable ASCII and the UTF-8 sequences text shows, hex output
//     lowercase hex digits;
//   * decoding arbitrary text never crashes and, when it succeeds, encoding
//     the result and decoding it again is stable;
//   * every line of the input, parsed as a dump (the first as the header),
//     never crashes; a record re-encoded and re-parsed gives the same key and
//     value.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "cli_codec.h"
#include "cli_dump_format.h"
}

namespace {

// Runs fn(FILE *) on an in-memory stream and returns what it wrote.
template <typename Fn>
std::string Capture(Fn fn) {
  char *buf = nullptr;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == nullptr) abort();
  fn(f);
  fclose(f);
  std::string out(buf, len);
  free(buf);
  return out;
}

void Check(bool ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "fuzz_cli: %s\n", what);
    abort();
  }
}

std::string Decode(cli_encoding enc, const std::string &text, bool *ok) {
  cli_bytes out = {};
  char err[256];
  *ok = cli_decode(enc, text.data(), text.size(), &out, err, sizeof err) == 0;
  if (!*ok) Check(err[0] != '\0', "a failed decode gave no message");
  std::string bytes(reinterpret_cast<const char *>(out.data), out.len);
  cli_bytes_free(&out);
  return bytes;
}

void RoundTrip(const std::string &bytes) {
  for (cli_encoding enc : {CLI_ENC_ESCAPED, CLI_ENC_TEXT, CLI_ENC_HEX}) {
    std::string text = Capture(
        [&](FILE *f) { cli_encode(f, enc, bytes.data(), bytes.size()); });
    for (size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (enc == CLI_ENC_HEX) {
        Check((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'),
              "hex output is not lowercase hex");
      } else if (enc == CLI_ENC_TEXT && c >= 0x80) {
        const size_t n = cli_utf8_text_length(
            reinterpret_cast<const unsigned char *>(text.data()) + i,
            text.size() - i);
        Check(n > 0, "text output holds a byte text does not show");
        i += n - 1;
      } else {
        Check(c >= 0x20 && c < 0x7f, "escaped output is not printable ASCII");
      }
    }
    bool ok = false;
    Check(Decode(enc, text, &ok) == bytes && ok, "encode/decode round trip");
  }
}

void ParseAsDump(const std::string &input) {
  cli_encoding enc = CLI_ENC_ESCAPED;
  size_t start = 0;
  bool header = true;
  cli_bytes key = {}, value = {};
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string::npos) nl = input.size();
    const char *line = input.data() + start;
    const size_t len = nl - start;
    char err[256];
    if (header) {
      if (cli_dump_parse_header(line, len, &enc, err, sizeof err) != 0) {
        Check(err[0] != '\0', "a bad header gave no message");
        enc = CLI_ENC_ESCAPED;  // go on parsing the lines anyway
      }
      header = false;
    } else {
      unsigned long long count = 0;
      cli_dump_line kind = cli_dump_parse_line(enc, line, len, &key, &value,
                                               &count, err, sizeof err);
      if (kind == CLI_DUMP_BAD) Check(err[0] != '\0', "a bad line, no message");
      if (kind == CLI_DUMP_RECORD) {
        std::string k(reinterpret_cast<const char *>(key.data), key.len);
        std::string v(reinterpret_cast<const char *>(value.data), value.len);
        std::string again = Capture([&](FILE *f) {
          cli_dump_write_record(f, enc, k.data(), k.size(), v.data(), v.size());
        });
        Check(!again.empty() && again.back() == '\n', "a record ends a line");
        again.pop_back();
        Check(cli_dump_parse_line(enc, again.data(), again.size(), &key, &value,
                                  &count, err, sizeof err) == CLI_DUMP_RECORD,
              "a written record does not parse");
        Check(std::string(reinterpret_cast<const char *>(key.data), key.len) ==
                      k &&
                  std::string(reinterpret_cast<const char *>(value.data),
                              value.len) == v,
              "a record does not round-trip");
      }
    }
    start = nl + 1;
  }
  cli_bytes_free(&key);
  cli_bytes_free(&value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string input(reinterpret_cast<const char *>(data), size);
  RoundTrip(input);
  for (cli_encoding enc : {CLI_ENC_ESCAPED, CLI_ENC_HEX}) {
    bool ok = false;
    std::string bytes = Decode(enc, input, &ok);
    if (ok) RoundTrip(bytes);
  }
  ParseAsDump(input);
  return 0;
}
