/* cli_output.h — stdout handling and number formatting shared by the
 * commands. */
#ifndef SHALE_CLI_OUTPUT_H
#define SHALE_CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* Gives stdout a large buffer when it is not a terminal (scans and dumps
 * write line by line). */
void cli_output_init(void);

/* Flushes stdout. Returns rc unchanged, or 3 after printing an error if
 * the output could not be written (a full disk, a closed pipe). */
int cli_output_finish(const char *command, int rc);

/* "1.5 MiB", "512 B". */
void cli_format_bytes(uint64_t bytes, char *out, size_t size);

/* "1,234,567". */
void cli_format_count(uint64_t n, char *out, size_t size);

/* Monotonic seconds. */
double cli_now(void);

/* Whether the locale's character set (LC_ALL, LC_CTYPE, LANG) is UTF-8. */
int cli_locale_is_utf8(void);

#endif
