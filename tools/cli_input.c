/* cli_input.c — see cli_input.h. */
#include "cli_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_store.h"

int cli_decode_arg(const char *command, const char *what, cli_encoding enc,
                   const char *text, cli_bytes *out) {
  char err[160];
  if (cli_decode(enc, text, strlen(text), out, err, sizeof err) == 0) {
    return 0;
  }
  fprintf(stderr, "shale %s: bad %s '%.200s' (%s): %s\n", command, what, text,
          cli_encoding_name(enc), err);
  return CLI_EXIT_USAGE;
}

int cli_read_file(const char *command, const char *path, cli_bytes *out) {
  int stdin_input = strcmp(path, "-") == 0;
  int fd = stdin_input ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "shale %s: cannot open %s: %s\n", command, path,
            strerror(errno));
    return CLI_EXIT_BAD_INPUT;
  }
  out->len = 0;
  for (;;) {
    cli_bytes_reserve(out, 1 << 16);
    ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "shale %s: cannot read %s: %s\n", command,
              stdin_input ? "stdin" : path, strerror(errno));
      if (!stdin_input) close(fd);
      return CLI_EXIT_BAD_INPUT;
    }
    out->len += (size_t)n;
  }
  if (!stdin_input) close(fd);
  return 0;
}
