/* commands.h — the table of subcommands. Each cmd_*.c file defines the
 * commands of one concept and their help. */
#ifndef SHALE_CLI_COMMANDS_H
#define SHALE_CLI_COMMANDS_H

#include "cli_args.h"

typedef struct cli_command {
  const char *name;
  const char *summary; /* one line, for `shale help` */
  const char *usage;   /* "DB KEY": the words after the command name */
  const char *help;    /* what it does, then its options */
  unsigned options;    /* the CLI_OPT_* it accepts */
  int min_positional;  /* DB included */
  int max_positional;  /* -1: no limit */
  int (*run)(const cli_args *args);
  /* 1: Ctrl-C is caught and cancels the operation cleanly (long
   * operations); 0: Ctrl-C ends the process at once, as usual (short
   * ones: the store is crash-safe, and nothing waits to be polled). */
  int interruptible;
} cli_command;

extern const cli_command cli_command_stat;
extern const cli_command cli_command_get;
extern const cli_command cli_command_put;
extern const cli_command cli_command_del;
extern const cli_command cli_command_scan;
extern const cli_command cli_command_dump;
extern const cli_command cli_command_load;
extern const cli_command cli_command_verify;
extern const cli_command cli_command_compact;
extern const cli_command cli_command_backup;
extern const cli_command cli_command_salvage;

/* Help text for the encoding and progress options, shared by the commands
 * that take them. */
#define CLI_HELP_ENCODINGS                                                  \
  "Encodings (keys and values; default: escaped text, see 'shale help'):\n" \
  "  --hex, --raw            both keys and values in hex / raw bytes\n"     \
  "  --key-hex, --key-raw    keys only\n"                                   \
  "  --value-hex, --value-raw  values only\n"
#define CLI_HELP_KEY_ENCODINGS                                   \
  "Encodings (keys; default: escaped text, see 'shale help'):\n" \
  "  --hex, --key-hex        keys in hex\n"                      \
  "  --raw, --key-raw        keys as raw bytes\n"
#define CLI_HELP_UTF8                                                   \
  "  --utf8, --ascii         valid UTF-8 in escaped text as text, or\n" \
  "                          escaped (default: text in JSON and in a\n" \
  "                          UTF-8 locale, escaped otherwise)\n"
#define CLI_HELP_PROGRESS                                                     \
  "  --progress, --no-progress  force the progress bar on/off (default: on\n" \
  "                          when stderr is a terminal); Ctrl-C cancels\n"    \
  "                          cleanly and exits 130\n"

#endif
