/* main.c — `shale`, the command-line tool: dispatch, help and version.
 * Written on the public header only (docs/cli.md). */
#include <stdio.h>
#include <string.h>

#include "cli_docs.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "commands.h"
#include "shale.h"

static const cli_command *const kCommands[] = {
    &cli_command_stat,   &cli_command_get,     &cli_command_put,
    &cli_command_del,    &cli_command_scan,    &cli_command_dump,
    &cli_command_load,   &cli_command_verify,  &cli_command_compact,
    &cli_command_backup, &cli_command_salvage,
};
#define COMMAND_COUNT (sizeof kCommands / sizeof kCommands[0])

static const cli_command *find_command(const char *name) {
  for (size_t i = 0; i < COMMAND_COUNT; ++i) {
    if (strcmp(kCommands[i]->name, name) == 0) return kCommands[i];
  }
  return NULL;
}

static void print_tool_help(FILE *f) {
  fputs(
      "usage: shale COMMAND [OPTIONS] DB [ARGS...]\n"
      "       shale help [COMMAND] | shale COMMAND --help | shale "
      "--version\n\n"
      "Look inside a shale store and change it. DB is the store's "
      "directory.\n\nCommands:\n",
      f);
  for (size_t i = 0; i < COMMAND_COUNT; ++i) {
    fprintf(f, "  %-8s %s\n", kCommands[i]->name, kCommands[i]->summary);
  }
  fputs(
      "\nKeys and values are escaped text by default: printable ASCII as is,\n"
      "\\\\ \\t \\n \\r and \\xHH for other bytes (\\0 is accepted on input);\n"
      "valid UTF-8 is printed as text in a UTF-8 locale and in JSON (--utf8,\n"
      "--ascii to choose). --hex and --raw choose hex digits or raw bytes;\n"
      "--key-* and --value-* choose for keys or values only.\n\n"
      "Exit status: 0 ok, 1 not found, 2 usage error, 3 store error,\n"
      "4 corruption, 5 store locked by another process, 6 bad input,\n"
      "130 interrupted (Ctrl-C; the store is left sound).\n\n",
      f);
  cli_print_docs(f);
}

static void print_command_help(const cli_command *c) {
  printf("usage: shale %s %s\n\n%s", c->name, c->usage, c->help);
}

static int usage_failure(const char *command, const char *what) {
  fprintf(stderr, "shale %s: %s\nTry 'shale %s --help'.\n", command, what,
          command);
  return 2;
}

int main(int argc, char **argv) {
  if (shale_abi_version() != SHALE_ABI_VERSION) {
    fprintf(stderr,
            "shale: this tool was built for libshale ABI %d but loaded ABI "
            "%d\n",
            SHALE_ABI_VERSION, (int)shale_abi_version());
    return 3;
  }
  if (argc < 2) {
    print_tool_help(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
    print_tool_help(stdout);
    return 0;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("shale %s (libshale %s, ABI %d)\n", SHALE_VERSION_STRING,
           shale_version(), (int)shale_abi_version());
    return 0;
  }
  if (strcmp(name, "help") == 0) {
    if (argc < 3) {
      print_tool_help(stdout);
      return 0;
    }
    const cli_command *c = find_command(argv[2]);
    if (c == NULL || argc > 3) {
      fprintf(stderr, "shale help: %s '%s'\nTry 'shale --help'.\n",
              c == NULL ? "no such command" : "one command at a time:",
              c == NULL ? argv[2] : argv[3]);
      return 2;
    }
    print_command_help(c);
    return 0;
  }
  const cli_command *c = find_command(name);
  if (c == NULL) {
    fprintf(stderr, "shale: unknown command '%s'\nTry 'shale --help'.\n", name);
    return 2;
  }

  cli_args args;
  int rc = cli_parse_args(c->name, c->options, argc - 2, argv + 2, &args);
  if (rc == 0 && args.help) {
    print_command_help(c);
  } else if (rc == 0) {
    char what[256];
    if (args.positional_count < c->min_positional) {
      snprintf(
          what, sizeof what, "missing %s (usage: shale %s %s)",
          args.positional_count == 0 ? "DB, the store's directory" : "argument",
          c->name, c->usage);
      rc = usage_failure(c->name, what);
    } else if (c->max_positional >= 0 &&
               args.positional_count > c->max_positional) {
      snprintf(what, sizeof what, "unexpected argument '%.80s'",
               args.positional[c->max_positional]);
      rc = usage_failure(c->name, what);
    } else {
      cli_output_init();
      if (c->interruptible) cli_install_interrupt_handlers();
      rc = cli_output_finish(c->name, c->run(&args));
    }
  }
  cli_args_free(&args);
  return rc;
}
