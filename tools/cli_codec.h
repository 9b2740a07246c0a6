/* cli_codec.h — the three encodings of keys and values on the command line
 * and in the output: escaped text (the default), hexadecimal and raw bytes
 * (docs/cli.md, "Encodings"). */
#ifndef SHALE_CLI_CODEC_H
#define SHALE_CLI_CODEC_H

#include <stddef.h>
#include <stdio.h>

typedef enum cli_encoding {
  CLI_ENC_ESCAPED = 0,
  CLI_ENC_HEX = 1,
  CLI_ENC_RAW = 2,
  /* Output only (decoded as escaped text): escaped text in which valid
   * UTF-8 is written as itself, but for the characters that would change
   * how a terminal shows the line (C1 controls, bidirectional and
   * invisible formatting characters, line and paragraph separators). */
  CLI_ENC_TEXT = 3
} cli_encoding;

/* The option spelling of an encoding ("escaped", "hex", "raw"; TEXT is
 * "escaped"). */
const char *cli_encoding_name(cli_encoding enc);

/* A growable byte buffer. Zero-initialise it; free with cli_bytes_free. */
typedef struct cli_bytes {
  unsigned char *data;
  size_t len;
  size_t cap;
} cli_bytes;

/* Makes room for `extra` more bytes; exits the process on out-of-memory
 * (the tool has nothing sensible to do without memory). */
void cli_bytes_reserve(cli_bytes *b, size_t extra);
void cli_bytes_append(cli_bytes *b, const void *p, size_t n);
void cli_bytes_free(cli_bytes *b);

/* Decodes text[0..len) in encoding enc into *out (replacing its contents).
 * Returns 0, or -1 with a message in err ("bad escape '\q' at byte 3"). */
int cli_decode(cli_encoding enc, const char *text, size_t len, cli_bytes *out,
               char *err, size_t err_size);

/* Writes p[0..n) to f in encoding enc. */
void cli_encode(FILE *f, cli_encoding enc, const void *p, size_t n);

/* The length (2 to 4) of the UTF-8 sequence at p[0..n) if it is valid
 * (shortest form, no surrogate, at most U+10FFFF) and CLI_ENC_TEXT writes
 * it as itself; 0 otherwise. */
size_t cli_utf8_text_length(const unsigned char *p, size_t n);

/* Writes p[0..n) in encoding enc (escaped, text or hex) as a JSON string,
 * quotes included. */
void cli_encode_json(FILE *f, cli_encoding enc, const void *p, size_t n);

/* Writes a NUL-terminated text as a JSON string, quotes included. */
void cli_json_string(FILE *f, const char *text);

#endif
