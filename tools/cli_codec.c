/* cli_codec.c — escaped text, hex and raw (see cli_codec.h). */
#include "cli_codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char kHexDigits[] = "0123456789abcdef";

const char *cli_encoding_name(cli_encoding enc) {
  switch (enc) {
    case CLI_ENC_HEX:
      return "hex";
    case CLI_ENC_RAW:
      return "raw";
    default:
      return "escaped";
  }
}

void cli_bytes_reserve(cli_bytes *b, size_t extra) {
  if (extra <= b->cap - b->len) return;
  if (extra > SIZE_MAX / 2 - b->len) {
    fputs("shale: out of memory\n", stderr);
    exit(3);
  }
  size_t cap = b->cap < 64 ? 64 : b->cap;
  while (cap - b->len < extra) cap *= 2;
  unsigned char *p = realloc(b->data, cap);
  if (p == NULL) {
    fputs("shale: out of memory\n", stderr);
    exit(3);
  }
  b->data = p;
  b->cap = cap;
}

void cli_bytes_append(cli_bytes *b, const void *p, size_t n) {
  if (n == 0) return;
  cli_bytes_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void cli_bytes_free(cli_bytes *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int decode_hex(const char *text, size_t len, cli_bytes *out, char *err,
                      size_t err_size) {
  if (len % 2 != 0) {
    snprintf(err, err_size, "odd number of hex digits (%zu)", len);
    return -1;
  }
  cli_bytes_reserve(out, len / 2);
  for (size_t i = 0; i < len; i += 2) {
    int hi = hex_value((unsigned char)text[i]);
    int lo = hex_value((unsigned char)text[i + 1]);
    if (hi < 0 || lo < 0) {
      size_t at = hi < 0 ? i : i + 1;
      unsigned char c = (unsigned char)text[at];
      if (c >= 0x20 && c < 0x7f) {
        snprintf(err, err_size, "'%c' at byte %zu is not a hex digit", c, at);
      } else {
        snprintf(err, err_size, "byte 0x%02x at byte %zu is not a hex digit", c,
                 at);
      }
      return -1;
    }
    out->data[out->len++] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}

static int decode_escaped(const char *text, size_t len, cli_bytes *out,
                          char *err, size_t err_size) {
  cli_bytes_reserve(out, len);
  for (size_t i = 0; i < len; ++i) {
    unsigned char c = (unsigned char)text[i];
    if (c != '\\') {
      out->data[out->len++] = c;
      continue;
    }
    if (i + 1 == len) {
      snprintf(err, err_size,
               "lone backslash at the end (byte %zu); "
               "write \\\\ for a backslash",
               i);
      return -1;
    }
    unsigned char e = (unsigned char)text[i + 1];
    unsigned char byte;
    size_t used = 2;
    switch (e) {
      case '\\':
        byte = '\\';
        break;
      case 't':
        byte = '\t';
        break;
      case 'n':
        byte = '\n';
        break;
      case 'r':
        byte = '\r';
        break;
      case '0':
        byte = 0;
        break;
      case 'x': {
        int hi = i + 2 < len ? hex_value((unsigned char)text[i + 2]) : -1;
        int lo = i + 3 < len ? hex_value((unsigned char)text[i + 3]) : -1;
        if (hi < 0 || lo < 0) {
          snprintf(err, err_size,
                   "bad escape at byte %zu: \\x needs two hex digits", i);
          return -1;
        }
        byte = (unsigned char)(hi << 4 | lo);
        used = 4;
        break;
      }
      default:
        if (e >= 0x20 && e < 0x7f) {
          snprintf(err, err_size,
                   "unknown escape '\\%c' at byte %zu (known: \\\\ \\t \\n \\r "
                   "\\0 \\xHH)",
                   e, i);
        } else {
          snprintf(err, err_size,
                   "unknown escape (backslash + byte 0x%02x) at byte %zu", e,
                   i);
        }
        return -1;
    }
    out->data[out->len++] = byte;
    i += used - 1;
  }
  return 0;
}

int cli_decode(cli_encoding enc, const char *text, size_t len, cli_bytes *out,
               char *err, size_t err_size) {
  out->len = 0;
  if (err_size > 0) err[0] = '\0';
  switch (enc) {
    case CLI_ENC_HEX:
      return decode_hex(text, len, out, err, err_size);
    case CLI_ENC_RAW:
      cli_bytes_append(out, text, len);
      return 0;
    default: /* escaped, and text: its output is escaped text too */
      return decode_escaped(text, len, out, err, err_size);
  }
}

/* Bytes that escaped text writes as themselves. */
static int passes_through(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '\\';
}

static int is_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

/* Code points that CLI_ENC_TEXT escapes although they are valid: they are
 * invisible or reorder or break the line on a terminal, so the output
 * would not show the key as it is. */
static int hidden_code_point(unsigned long cp) {
  return (cp >= 0x80 && cp <= 0x9f) ||     /* C1 controls */
         cp == 0xad ||                     /* soft hyphen */
         cp == 0x61c ||                    /* Arabic letter mark */
         (cp >= 0x200b && cp <= 0x200f) || /* zero width, LRM, RLM */
         (cp >= 0x2028 && cp <= 0x202e) || /* separators, bidi embeddings */
         (cp >= 0x2060 && cp <= 0x2069) || /* word joiner, bidi isolates */
         cp == 0xfeff;                     /* zero width no-break space */
}

size_t cli_utf8_text_length(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  unsigned long cp;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1fu;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0fu;
    if (c == 0xe0) lo = 0xa0; /* overlong */
    if (c == 0xed) hi = 0x9f; /* surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07u;
    if (c == 0xf0) lo = 0x90; /* overlong */
    if (c == 0xf4) hi = 0x8f; /* over U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 1; i < len; ++i) {
    if (!is_continuation(p[i])) return 0;
    cp = cp << 6 | (p[i] & 0x3fu);
  }
  return hidden_code_point(cp) ? 0 : len;
}

/* Escaped text; with utf8, valid UTF-8 (cli_utf8_text_length) as is. */
static void encode_escaped(FILE *f, const unsigned char *p, size_t n,
                           int utf8) {
  size_t run = 0; /* start of the current pass-through run */
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (passes_through(c)) continue;
    size_t text = utf8 && c >= 0x80 ? cli_utf8_text_length(p + i, n - i) : 0;
    if (text > 0) {
      i += text - 1;
      continue;
    }
    if (i > run) fwrite(p + run, 1, i - run, f);
    run = i + 1;
    char esc[4] = {'\\', 0, 0, 0};
    size_t esc_len = 2;
    switch (c) {
      case '\\':
        esc[1] = '\\';
        break;
      case '\t':
        esc[1] = 't';
        break;
      case '\n':
        esc[1] = 'n';
        break;
      case '\r':
        esc[1] = 'r';
        break;
      default:
        esc[1] = 'x';
        esc[2] = kHexDigits[c >> 4];
        esc[3] = kHexDigits[c & 15];
        esc_len = 4;
    }
    fwrite(esc, 1, esc_len, f);
  }
  if (n > run) fwrite(p + run, 1, n - run, f);
}

static void encode_hex(FILE *f, const unsigned char *p, size_t n) {
  char chunk[512];
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    chunk[used++] = kHexDigits[p[i] >> 4];
    chunk[used++] = kHexDigits[p[i] & 15];
    if (used == sizeof(chunk)) {
      fwrite(chunk, 1, used, f);
      used = 0;
    }
  }
  if (used > 0) fwrite(chunk, 1, used, f);
}

void cli_encode(FILE *f, cli_encoding enc, const void *p, size_t n) {
  const unsigned char *bytes = p;
  switch (enc) {
    case CLI_ENC_HEX:
      encode_hex(f, bytes, n);
      break;
    case CLI_ENC_RAW:
      if (n > 0) fwrite(bytes, 1, n, f);
      break;
    default:
      encode_escaped(f, bytes, n, enc == CLI_ENC_TEXT);
  }
}

void cli_encode_json(FILE *f, cli_encoding enc, const void *p, size_t n) {
  fputc('"', f);
  if (enc == CLI_ENC_HEX) {
    encode_hex(f, p, n);
  } else {
    /* Escaped text is printable ASCII (and, for TEXT, valid UTF-8, which
     * JSON strings hold as it is); JSON needs only its backslashes and
     * quotes escaped. */
    const unsigned char *bytes = p;
    for (size_t i = 0; i < n; ++i) {
      unsigned char c = bytes[i];
      size_t text = enc == CLI_ENC_TEXT && c >= 0x80
                        ? cli_utf8_text_length(bytes + i, n - i)
                        : 0;
      if (text > 0) {
        fwrite(bytes + i, 1, text, f);
        i += text - 1;
      } else if (c == '"') {
        fputs("\\\"", f);
      } else if (passes_through(c)) {
        fputc(c, f);
      } else {
        fputs("\\\\", f); /* JSON for the escape's backslash */
        switch (c) {
          case '\\':
            fputs("\\\\", f);
            break;
          case '\t':
            fputc('t', f);
            break;
          case '\n':
            fputc('n', f);
            break;
          case '\r':
            fputc('r', f);
            break;
          default:
            fputc('x', f);
            fputc(kHexDigits[c >> 4], f);
            fputc(kHexDigits[c & 15], f);
        }
      }
    }
  }
  fputc('"', f);
}

void cli_json_string(FILE *f, const char *text) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)text; *p != 0; ++p) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
      fputc(*p, f);
    } else if (*p < 0x20) {
      fprintf(f, "\\u%04x", *p);
    } else {
      fputc(*p, f); /* UTF-8 passes through; JSON allows it */
    }
  }
  fputc('"', f);
}
