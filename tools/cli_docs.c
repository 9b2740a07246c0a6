/* cli_docs.c — see cli_docs.h. The install layout comes from CMake
 * (GNUInstallDirs, relative to the prefix): SHALE_CLI_BINDIR,
 * SHALE_CLI_MANDIR, SHALE_CLI_DOCDIR. */
#include "cli_docs.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SHALE_CLI_BINDIR
#define SHALE_CLI_BINDIR "bin"
#endif
#ifndef SHALE_CLI_MANDIR
#define SHALE_CLI_MANDIR "share/man"
#endif
#ifndef SHALE_CLI_DOCDIR
#define SHALE_CLI_DOCDIR "share/doc/shale"
#endif
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The install prefix of this binary: its directory with SHALE_CLI_BINDIR
 * taken off the end; 0 if it is not installed that way. */
static int install_prefix(char *out, size_t size) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL) return 0;
  *slash = '\0'; /* the binary's directory */
  const char *bindir = SHALE_CLI_BINDIR;
  size_t dl = strlen(exe), bl = strlen(bindir);
  if (bindir[0] == '/' || bl >= dl || exe[dl - bl - 1] != '/' ||
      strcmp(exe + dl - bl, bindir) != 0) {
    return 0;
  }
  /* /proc/self/exe is the canonical path, so the prefix is too. */
  exe[dl - bl - 1] = '\0';
  if (exe[0] == '\0') strcpy(exe, "/");
  if (strlen(exe) >= size) return 0;
  strcpy(out, exe);
  return 1;
}

void cli_print_docs(FILE *f) {
  char prefix[PATH_MAX], man[PATH_MAX + 64], guide[PATH_MAX + 64];
  if (install_prefix(prefix, sizeof prefix)) {
    const char *sep = strcmp(prefix, "/") == 0 ? "" : "/";
    snprintf(man, sizeof man, "%s%s%s/man1/shale.1", prefix, sep,
             SHALE_CLI_MANDIR);
    snprintf(guide, sizeof guide, "%s%s%s/cli.md", prefix, sep,
             SHALE_CLI_DOCDIR);
    if (is_file(man) && is_file(guide)) {
      fprintf(f, "Manual: man shale (%s)\nGuide:  %s\n", man, guide);
      return;
    }
  }
  fputs(
      "Manual: man shale, once installed (in the shale sources: "
      "tools/shale.1\nand docs/cli.md).\n",
      f);
}
