/* cli_line_reader.c — see cli_line_reader.h. */
#include "cli_line_reader.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_progress.h"

void cli_line_reader_init(cli_line_reader *r, int fd) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
  struct stat sb;
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
    r->size = (uint64_t)sb.st_size;
}

void cli_line_reader_free(cli_line_reader *r) {
  free(r->buf);
  r->buf = NULL;
}

/* Reads more input after r->end. Returns 1 (got some), 0 (end of input),
 * -1 (error) or -2 (interrupted). */
static int fill(cli_line_reader *r) {
  if (r->start > 0 && r->start == r->end) r->start = r->end = 0;
  if (r->end == r->cap) {
    if (r->start > 0) { /* make room by moving the partial line down */
      memmove(r->buf, r->buf + r->start, r->end - r->start);
      r->end -= r->start;
      r->start = 0;
    } else {
      size_t cap = r->cap == 0 ? 1 << 16 : r->cap * 2;
      char *p = realloc(r->buf, cap);
      if (p == NULL) {
        errno = ENOMEM;
        return -1;
      }
      r->buf = p;
      r->cap = cap;
    }
  }
  for (;;) {
    if (cli_interrupted()) return -2;
    /* Wait in slices so that Ctrl-C is noticed on a pipe that is silent. */
    struct pollfd pfd = {r->fd, POLLIN, 0};
    int ready = poll(&pfd, 1, 100);
    if (ready < 0 && errno != EINTR) return -1;
    if (ready <= 0) continue;
    ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (n > 0) {
      r->end += (size_t)n;
      return 1;
    }
    if (n == 0) return 0;
    if (errno != EINTR && errno != EAGAIN) return -1;
  }
}

cli_read_result cli_read_line(cli_line_reader *r, const char **line,
                              size_t *len) {
  size_t checked = 0; /* bytes after r->start known to hold no newline */
  for (;;) {
    const size_t avail = r->end - r->start;
    char *nl = avail > checked
                   ? memchr(r->buf + r->start + checked, '\n', avail - checked)
                   : NULL;
    if (nl != NULL) {
      *line = r->buf + r->start;
      *len = (size_t)(nl - *line);
      r->bytes_read += *len + 1;
      r->start += *len + 1;
      ++r->line_number;
      return CLI_READ_LINE;
    }
    checked = avail;
    if (r->eof) {
      if (avail == 0) return CLI_READ_EOF;
      *line = r->buf + r->start;
      *len = avail;
      r->bytes_read += avail;
      r->start = r->end;
      ++r->line_number;
      return CLI_READ_NO_NEWLINE;
    }
    int got = fill(r); /* offsets from r->start stay valid */
    if (got < 0) return got == -2 ? CLI_READ_INTERRUPTED : CLI_READ_ERROR;
    if (got == 0) r->eof = 1;
  }
}
