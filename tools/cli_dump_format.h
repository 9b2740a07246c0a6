/* cli_dump_format.h — the portable text format of `shale dump` and
 * `shale load` (docs/cli.md, "The dump format"):
 *
 *   shale-dump 1 escaped          header: format version, record encoding
 *   # a comment                   a line without a tab, starting with '#'
 *   KEY<TAB>VALUE                 one record per line
 *   end N                         trailer: the number of records
 */
#ifndef SHALE_CLI_DUMP_FORMAT_H
#define SHALE_CLI_DUMP_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "cli_codec.h"

#define CLI_DUMP_MAGIC "shale-dump"
#define CLI_DUMP_VERSION 1

/* The header line and a comment naming the source and the time. */
void cli_dump_write_header(FILE *f, cli_encoding enc, const char *source);
void cli_dump_write_record(FILE *f, cli_encoding enc, const void *key,
                           size_t key_len, const void *value, size_t value_len);
void cli_dump_write_trailer(FILE *f, unsigned long long count);

/* Parses the header line (without its newline). Returns 0 with *enc set,
 * or -1 with a message in err. */
int cli_dump_parse_header(const char *line, size_t len, cli_encoding *enc,
                          char *err, size_t err_size);

typedef enum cli_dump_line {
  CLI_DUMP_RECORD, /* key and value decoded */
  CLI_DUMP_SKIP,   /* a comment or a blank line */
  CLI_DUMP_END,    /* the trailer; *end_count set */
  CLI_DUMP_BAD     /* err says why */
} cli_dump_line;

/* Parses one line after the header (without its newline). */
cli_dump_line cli_dump_parse_line(cli_encoding enc, const char *line,
                                  size_t len, cli_bytes *key, cli_bytes *value,
                                  unsigned long long *end_count, char *err,
                                  size_t err_size);

#endif
