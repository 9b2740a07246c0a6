/* cli_line_reader.h — reads a file or a pipe line by line, any line length,
 * and stays responsive to Ctrl-C while waiting on a slow pipe. */
#ifndef SHALE_CLI_LINE_READER_H
#define SHALE_CLI_LINE_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_line_reader {
  int fd;
  char *buf;
  size_t cap, start, end;
  int eof;
  uint64_t bytes_read; /* consumed so far: lines returned + their newlines */
  uint64_t size;       /* the file's size when known (a regular file), else 0 */
  unsigned long long line_number; /* of the last line returned */
} cli_line_reader;

/* fd is borrowed. */
void cli_line_reader_init(cli_line_reader *r, int fd);
void cli_line_reader_free(cli_line_reader *r);

typedef enum cli_read_result {
  CLI_READ_LINE,  /* *line (without its newline) valid until the next call */
  CLI_READ_EOF,   /* no more input */
  CLI_READ_ERROR, /* errno set */
  CLI_READ_INTERRUPTED, /* Ctrl-C while waiting for input */
  CLI_READ_NO_NEWLINE   /* the input ended in the middle of a line */
} cli_read_result;

cli_read_result cli_read_line(cli_line_reader *r, const char **line,
                              size_t *len);

#endif
