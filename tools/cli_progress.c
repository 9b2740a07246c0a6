/* cli_progress.c — see cli_progress.h. */
#include "cli_progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_output.h"

static volatile sig_atomic_t g_interrupted = 0;
static volatile sig_atomic_t g_bar_shown = 0;

static void on_signal(int sig) {
  if (g_interrupted) {
    /* Second signal: the user insists. */
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  g_interrupted = 1;
}

void cli_install_interrupt_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* Restart interrupted system calls inside the library; the tool's own
   * waits (poll in load) see EINTR and check the flag. */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupted(void) { return g_interrupted != 0; }

static int terminal_width(void) {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) {
    return ws.ws_col;
  }
  return 80;
}

void cli_progress_start(cli_progress *p, const char *label, int mode) {
  memset(p, 0, sizeof *p);
  p->label = label;
  p->enabled = mode < 0 ? isatty(STDERR_FILENO) : mode;
  p->start = cli_now();
}

static void format_duration(double seconds, char *out, size_t size) {
  if (seconds < 0 || seconds > 359999) {
    snprintf(out, size, "--:--");
    return;
  }
  unsigned s = (unsigned)(seconds + 0.5);
  if (s >= 3600) {
    snprintf(out, size, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  } else {
    snprintf(out, size, "%u:%02u", s / 60, s % 60);
  }
}

static void draw(cli_progress *p, double now) {
  double elapsed = now - p->start;
  double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
  char done[24], total[24], speed[32], eta[24], items[48] = "";
  cli_format_bytes(p->done, done, sizeof done);
  cli_format_bytes((uint64_t)rate, speed, sizeof speed);
  if (p->item_name != NULL) {
    char n[32];
    cli_format_count(p->items, n, sizeof n);
    snprintf(items, sizeof items, "  %s %s", n, p->item_name);
  }
  char line[512];
  if (p->total > 0) {
    uint64_t d = p->done > p->total ? p->total : p->done;
    double fraction = (double)d / (double)p->total;
    cli_format_bytes(p->total, total, sizeof total);
    format_duration(rate > 0 ? (double)(p->total - d) / rate : -1, eta,
                    sizeof eta);
    char tail[200];
    int width = terminal_width();
    int bar = 0;
    /* The bar gets what the figures leave, 10 to 40 cells; the record
     * count goes first when the line is too narrow. */
    for (int with_items = 1; with_items >= 0; --with_items) {
      snprintf(tail, sizeof tail, "  %s / %s  %s/s  ETA %s%s", done, total,
               speed, eta, with_items ? items : "");
      int fixed = 8 + 1 + 4 + 3 + (int)strlen(tail);
      bar = width - 1 - fixed;
      if (bar >= 10) break;
    }
    if (bar > 40) bar = 40;
    char cells[48] = "";
    if (bar >= 10) {
      int full = (int)(fraction * bar);
      for (int i = 0; i < bar; ++i) cells[i] = i < full ? '#' : '.';
      cells[bar] = '\0';
    }
    snprintf(line, sizeof line, "%-8s %3d%% %s%s%s%s", p->label,
             (int)(fraction * 100), cells[0] ? "[" : "", cells,
             cells[0] ? "]" : "", tail);
  } else {
    snprintf(line, sizeof line, "%-8s %s  %s/s%s", p->label, done, speed,
             items);
  }
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
  p->drawn = 1;
  g_bar_shown = 1;
  p->last_draw = now;
}

void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total,
                         uint64_t items) {
  p->done = done;
  p->total = total;
  p->items = items;
  if (!p->enabled) return;
  double now = cli_now();
  /* Quick operations draw nothing; then at most ten frames a second. */
  if (now - p->start < 0.2 || now - p->last_draw < 0.1) return;
  draw(p, now);
}

int cli_progress_callback(void *user, uint64_t done, uint64_t total) {
  cli_progress *p = user;
  cli_progress_update(p, done, total, p->items);
  return cli_interrupted();
}

void cli_progress_end(cli_progress *p) {
  if (p->drawn) cli_progress_clear_line();
  p->drawn = 0;
}

void cli_progress_clear_line(void) {
  if (!g_bar_shown) return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  g_bar_shown = 0;
}
