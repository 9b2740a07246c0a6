/* cli_args.h — the options of every command, parsed GNU-style: options
 * anywhere among the arguments, "--name value" or "--name=value", "--" ends
 * the options. */
#ifndef SHALE_CLI_ARGS_H
#define SHALE_CLI_ARGS_H

#include "cli_codec.h"

/* One bit per option; a command lists the ones it accepts. */
enum {
  CLI_OPT_HEX = 1u << 0,
  CLI_OPT_RAW = 1u << 1,
  CLI_OPT_KEY_HEX = 1u << 2,
  CLI_OPT_KEY_RAW = 1u << 3,
  CLI_OPT_VALUE_HEX = 1u << 4,
  CLI_OPT_VALUE_RAW = 1u << 5,
  CLI_OPT_JSON = 1u << 6,
  CLI_OPT_PROGRESS = 1u << 7, /* --progress and --no-progress */
  CLI_OPT_FROM = 1u << 8,
  CLI_OPT_TO = 1u << 9,
  CLI_OPT_PREFIX = 1u << 10,
  CLI_OPT_REVERSE = 1u << 11,
  CLI_OPT_LIMIT = 1u << 12,
  CLI_OPT_KEYS_ONLY = 1u << 13,
  CLI_OPT_COUNT = 1u << 14,
  CLI_OPT_FORCE = 1u << 15,
  CLI_OPT_VERBOSE = 1u << 16,
  CLI_OPT_CHECK = 1u << 17,
  CLI_OPT_NO_CREATE = 1u << 18,
  CLI_OPT_BATCH_SIZE = 1u << 19,
  CLI_OPT_VALUE_FILE = 1u << 20,
  CLI_OPT_THROUGH = 1u << 21,
  CLI_OPT_UTF8 = 1u << 22, /* --utf8 and --ascii */
};

/* The encodings of keys and values on input and output. */
#define CLI_OPTS_KEY_ENCODING \
  (CLI_OPT_HEX | CLI_OPT_RAW | CLI_OPT_KEY_HEX | CLI_OPT_KEY_RAW)
#define CLI_OPTS_ENCODING \
  (CLI_OPTS_KEY_ENCODING | CLI_OPT_VALUE_HEX | CLI_OPT_VALUE_RAW)
/* For the commands that print keys or values: those and --utf8/--ascii. */
#define CLI_OPTS_OUTPUT_ENCODING (CLI_OPTS_ENCODING | CLI_OPT_UTF8)

typedef struct cli_args {
  const char *command;
  unsigned given; /* CLI_OPT_* bits seen */
  /* How keys and values given on the command line are decoded. */
  cli_encoding key_encoding;
  cli_encoding value_encoding;
  /* How keys and values are printed: the same, but for escaped text,
   * which is CLI_ENC_TEXT when UTF-8 is printed as text (--utf8; without
   * --ascii, in JSON and in a UTF-8 locale). */
  cli_encoding key_output;
  cli_encoding value_output;
  int progress; /* -1: when stderr is a terminal; 0 off; 1 on */
  int utf8;     /* -1: by the locale and --json; 0 --ascii; 1 --utf8 */
  int json, reverse, keys_only, count, force, verbose, check, no_create;
  const char *from, *to, *through, *prefix, *value_file;
  long long limit; /* -1: no limit */
  unsigned long long batch_size;
  int help;
  const char **positional;
  int positional_count;
} cli_args;

/* Parses argv[0..argc) (the words after the command name) for `command`,
 * accepting the options in `allowed`. Returns 0, or 2 after printing a
 * usage error to stderr. positional points into argv; free with
 * cli_args_free. */
int cli_parse_args(const char *command, unsigned allowed, int argc, char **argv,
                   cli_args *out);
void cli_args_free(cli_args *args);

#endif
