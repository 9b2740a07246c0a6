/* cli_progress.h — the progress bar of long operations, and Ctrl-C.
 *
 * SIGINT and SIGTERM only set a flag; long operations poll it (their
 * progress callback returns it, so the library stops at a safe point and
 * returns SHALE_E_CANCELLED) and the tool exits 130 after closing the store
 * normally. A second signal ends the process at once (the store is
 * crash-safe either way). */
#ifndef SHALE_CLI_PROGRESS_H
#define SHALE_CLI_PROGRESS_H

#include <stdint.h>

/* Exit status after an interrupt (128 + SIGINT). */
#define CLI_EXIT_INTERRUPTED 130

void cli_install_interrupt_handlers(void);
/* Non-zero once SIGINT or SIGTERM arrived. */
int cli_interrupted(void);

typedef struct cli_progress {
  const char *label;
  const char *item_name; /* "records" for load; NULL: bytes only */
  int enabled;
  int drawn;
  double start;
  double last_draw;
  uint64_t done;
  uint64_t total; /* 0: unknown */
  uint64_t items;
} cli_progress;

/* mode: 1 on, 0 off, -1 on when stderr is a terminal. */
void cli_progress_start(cli_progress *p, const char *label, int mode);
/* Records progress; redraws at most ten times a second. */
void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total,
                         uint64_t items);
/* A shale_progress_fn: user is a cli_progress. Returns non-zero (cancel)
 * once interrupted. */
int cli_progress_callback(void *user, uint64_t done, uint64_t total);
/* Erases the bar. */
void cli_progress_end(cli_progress *p);
/* Erases the bar line (if one is shown) before other stderr output. */
void cli_progress_clear_line(void);

#endif
