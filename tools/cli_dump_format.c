/* cli_dump_format.c — see cli_dump_format.h. */
#include "cli_dump_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shale.h"

void cli_dump_write_header(FILE *f, cli_encoding enc, const char *source) {
  fprintf(f, "%s %d %s\n", CLI_DUMP_MAGIC, CLI_DUMP_VERSION,
          cli_encoding_name(enc));
  char when[32] = "";
  time_t now = time(NULL);
  struct tm utc;
  if (gmtime_r(&now, &utc) != NULL) {
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  }
  /* The path escaped: a comment must stay one line without a tab. */
  fputs("# from ", f);
  cli_encode(f, CLI_ENC_ESCAPED, source, strlen(source));
  fprintf(f, ", shale %s, %s\n", shale_version(), when);
}

void cli_dump_write_record(FILE *f, cli_encoding enc, const void *key,
                           size_t key_len, const void *value,
                           size_t value_len) {
  cli_encode(f, enc, key, key_len);
  fputc('\t', f);
  cli_encode(f, enc, value, value_len);
  fputc('\n', f);
}

void cli_dump_write_trailer(FILE *f, unsigned long long count) {
  fprintf(f, "end %llu\n", count);
}

int cli_dump_parse_header(const char *line, size_t len, cli_encoding *enc,
                          char *err, size_t err_size) {
  static const char escaped[] = CLI_DUMP_MAGIC " 1 escaped";
  static const char hex[] = CLI_DUMP_MAGIC " 1 hex";
  if (len == sizeof escaped - 1 && memcmp(line, escaped, len) == 0) {
    *enc = CLI_ENC_ESCAPED;
    return 0;
  }
  if (len == sizeof hex - 1 && memcmp(line, hex, len) == 0) {
    *enc = CLI_ENC_HEX;
    return 0;
  }
  if (len >= sizeof CLI_DUMP_MAGIC &&
      memcmp(line, CLI_DUMP_MAGIC " ", sizeof CLI_DUMP_MAGIC) == 0) {
    snprintf(err, err_size,
             "unsupported dump header '%.*s' (this tool reads '%s' and "
             "'%s')",
             (int)(len > 60 ? 60 : len), line, escaped, hex);
  } else {
    snprintf(err, err_size,
             "not a shale dump: the first line must be '%s' or '%s'", escaped,
             hex);
  }
  return -1;
}

static cli_dump_line parse_trailer(const char *line, size_t len,
                                   unsigned long long *end_count, char *err,
                                   size_t err_size) {
  if (len > 4 && len < 25 && memcmp(line, "end ", 4) == 0) {
    char digits[24];
    memcpy(digits, line + 4, len - 4);
    digits[len - 4] = '\0';
    char *stop = NULL;
    errno = 0;
    unsigned long long n = strtoull(digits, &stop, 10);
    if (digits[0] >= '0' && digits[0] <= '9' && *stop == '\0' && errno == 0) {
      *end_count = n;
      return CLI_DUMP_END;
    }
  }
  snprintf(err, err_size,
           "a line without a tab must be a comment ('#...') or the trailer "
           "'end N': '%.*s'",
           (int)(len > 60 ? 60 : len), line);
  return CLI_DUMP_BAD;
}

cli_dump_line cli_dump_parse_line(cli_encoding enc, const char *line,
                                  size_t len, cli_bytes *key, cli_bytes *value,
                                  unsigned long long *end_count, char *err,
                                  size_t err_size) {
  const char *tab = memchr(line, '\t', len);
  if (tab == NULL) {
    if (len == 0 || line[0] == '#') return CLI_DUMP_SKIP;
    return parse_trailer(line, len, end_count, err, err_size);
  }
  const size_t key_len = (size_t)(tab - line);
  const char *v = tab + 1;
  const size_t v_len = len - key_len - 1;
  if (memchr(v, '\t', v_len) != NULL) {
    snprintf(err, err_size,
             "a record has exactly one tab; this line has "
             "more (a tab in a key or value is written \\t)");
    return CLI_DUMP_BAD;
  }
  char why[160];
  if (cli_decode(enc, line, key_len, key, why, sizeof why) != 0) {
    snprintf(err, err_size, "bad key: %s", why);
    return CLI_DUMP_BAD;
  }
  if (cli_decode(enc, v, v_len, value, why, sizeof why) != 0) {
    snprintf(err, err_size, "bad value: %s", why);
    return CLI_DUMP_BAD;
  }
  return CLI_DUMP_RECORD;
}
