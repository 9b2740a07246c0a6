/* cli_output.c — see cli_output.h. */
#include "cli_output.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_output_init(void) {
  /* A terminal keeps its line buffering, so output and messages on stderr
   * appear in order as they happen. */
  if (isatty(STDOUT_FILENO)) return;
  static char buffer[1 << 16];
  setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
}

int cli_output_finish(const char *command, int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    int err = errno;
    fprintf(stderr, "shale %s: could not write the output: %s\n", command,
            err != 0 ? strerror(err) : "write error");
    return rc == 0 ? 3 : rc;
  }
  return rc;
}

void cli_format_bytes(uint64_t bytes, char *out, size_t size) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) {
    snprintf(out, size, "%llu B", (unsigned long long)bytes);
    return;
  }
  double v = (double)bytes / 1024.0;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    ++u;
  }
  snprintf(out, size,
           v < 10    ? "%.2f %s"
           : v < 100 ? "%.1f %s"
                     : "%.0f %s",
           v, units[u]);
}

void cli_format_count(uint64_t n, char *out, size_t size) {
  char digits[32];
  int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
  char grouped[48];
  int g = 0;
  for (int i = 0; i < len; ++i) {
    if (i > 0 && (len - i) % 3 == 0) grouped[g++] = ',';
    grouped[g++] = digits[i];
  }
  grouped[g] = '\0';
  snprintf(out, size, "%s", grouped);
}

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_locale_is_utf8(void) {
  static int known = -1;
  if (known < 0) {
    /* Only LC_CTYPE: numbers and messages stay in the C locale. */
    const char *set =
        setlocale(LC_CTYPE, "") != NULL ? nl_langinfo(CODESET) : "";
    known = strcmp(set, "UTF-8") == 0 || strcmp(set, "utf8") == 0;
  }
  return known;
}
