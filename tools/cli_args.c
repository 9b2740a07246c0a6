/* cli_args.c — see cli_args.h. */
#include "cli_args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_output.h"

typedef struct option_spec {
  const char *name;
  char short_name; /* 0: none */
  unsigned bit;
  int takes_value;
} option_spec;

static const option_spec kOptions[] = {
    {"hex", 0, CLI_OPT_HEX, 0},
    {"raw", 0, CLI_OPT_RAW, 0},
    {"key-hex", 0, CLI_OPT_KEY_HEX, 0},
    {"key-raw", 0, CLI_OPT_KEY_RAW, 0},
    {"value-hex", 0, CLI_OPT_VALUE_HEX, 0},
    {"value-raw", 0, CLI_OPT_VALUE_RAW, 0},
    {"json", 0, CLI_OPT_JSON, 0},
    {"progress", 0, CLI_OPT_PROGRESS, 0},
    {"no-progress", 0, CLI_OPT_PROGRESS, 0},
    {"from", 0, CLI_OPT_FROM, 1},
    {"to", 0, CLI_OPT_TO, 1},
    {"through", 0, CLI_OPT_THROUGH, 1},
    {"utf8", 0, CLI_OPT_UTF8, 0},
    {"ascii", 0, CLI_OPT_UTF8, 0},
    {"prefix", 0, CLI_OPT_PREFIX, 1},
    {"reverse", 'r', CLI_OPT_REVERSE, 0},
    {"limit", 'n', CLI_OPT_LIMIT, 1},
    {"keys-only", 'k', CLI_OPT_KEYS_ONLY, 0},
    {"count", 'c', CLI_OPT_COUNT, 0},
    {"force", 'f', CLI_OPT_FORCE, 0},
    {"verbose", 'v', CLI_OPT_VERBOSE, 0},
    {"check", 0, CLI_OPT_CHECK, 0},
    {"no-create", 0, CLI_OPT_NO_CREATE, 0},
    {"batch-size", 0, CLI_OPT_BATCH_SIZE, 1},
    {"value-file", 0, CLI_OPT_VALUE_FILE, 1},
};
#define OPTION_COUNT (sizeof(kOptions) / sizeof(kOptions[0]))

static int usage_error(const char *command, const char *fmt, const char *a,
                       const char *b) {
  fprintf(stderr, "shale %s: ", command);
  fprintf(stderr, fmt, a, b);
  fprintf(stderr, "\nTry 'shale %s --help'.\n", command);
  return 2;
}

static int parse_count(const char *command, const char *option,
                       const char *text, long long min, long long *out) {
  errno = 0;
  char *end = NULL;
  long long v = strtoll(text, &end, 10);
  if (text[0] == '\0' || *end != '\0' || errno == ERANGE || v < min) {
    char bound[32];
    snprintf(bound, sizeof bound, "%lld", min);
    fprintf(stderr,
            "shale %s: --%s needs a whole number >= %s, not '%s'\n"
            "Try 'shale %s --help'.\n",
            command, option, bound, text, command);
    return 2;
  }
  *out = v;
  return 0;
}

/* Applies one option. Returns 0 or an exit status. */
static int apply(const char *command, const option_spec *o, const char *value,
                 cli_args *out) {
  out->given |= o->bit;
  const char *n = o->name;
  long long number = 0;
  switch (o->bit) {
    case CLI_OPT_PROGRESS:
      out->progress = strcmp(n, "progress") == 0 ? 1 : 0;
      return 0;
    case CLI_OPT_JSON:
      out->json = 1;
      return 0;
    case CLI_OPT_UTF8:
      if (out->utf8 >= 0 && (out->utf8 == 1) != (strcmp(n, "utf8") == 0)) {
        return usage_error(command, "--utf8 and --ascii%s%s: choose one", "",
                           "");
      }
      out->utf8 = strcmp(n, "utf8") == 0;
      return 0;
    case CLI_OPT_FROM:
      out->from = value;
      return 0;
    case CLI_OPT_TO:
      out->to = value;
      return 0;
    case CLI_OPT_THROUGH:
      out->through = value;
      return 0;
    case CLI_OPT_PREFIX:
      out->prefix = value;
      return 0;
    case CLI_OPT_VALUE_FILE:
      out->value_file = value;
      return 0;
    case CLI_OPT_REVERSE:
      out->reverse = 1;
      return 0;
    case CLI_OPT_KEYS_ONLY:
      out->keys_only = 1;
      return 0;
    case CLI_OPT_COUNT:
      out->count = 1;
      return 0;
    case CLI_OPT_FORCE:
      out->force = 1;
      return 0;
    case CLI_OPT_VERBOSE:
      out->verbose = 1;
      return 0;
    case CLI_OPT_CHECK:
      out->check = 1;
      return 0;
    case CLI_OPT_NO_CREATE:
      out->no_create = 1;
      return 0;
    case CLI_OPT_LIMIT:
      if (parse_count(command, n, value, 0, &number) != 0) return 2;
      out->limit = number;
      return 0;
    case CLI_OPT_BATCH_SIZE:
      if (parse_count(command, n, value, 1, &number) != 0) return 2;
      out->batch_size = (unsigned long long)number;
      return 0;
    default:
      return 0; /* encodings: resolved after the whole line is read */
  }
}

/* --hex and --raw set both encodings; --key-X and --value-X override one
 * of them. Two different general (or specific) choices conflict. */
static int resolve_encodings(const char *command, cli_args *out) {
  unsigned g = out->given;
  if ((g & CLI_OPT_HEX) && (g & CLI_OPT_RAW)) {
    return usage_error(command, "--hex and --raw%s%s: choose one", "", "");
  }
  if ((g & CLI_OPT_KEY_HEX) && (g & CLI_OPT_KEY_RAW)) {
    return usage_error(command, "--key-hex and --key-raw%s%s: choose one", "",
                       "");
  }
  if ((g & CLI_OPT_VALUE_HEX) && (g & CLI_OPT_VALUE_RAW)) {
    return usage_error(command, "--value-hex and --value-raw%s%s: choose one",
                       "", "");
  }
  cli_encoding general = (g & CLI_OPT_HEX)   ? CLI_ENC_HEX
                         : (g & CLI_OPT_RAW) ? CLI_ENC_RAW
                                             : CLI_ENC_ESCAPED;
  out->key_encoding = (g & CLI_OPT_KEY_HEX)   ? CLI_ENC_HEX
                      : (g & CLI_OPT_KEY_RAW) ? CLI_ENC_RAW
                                              : general;
  out->value_encoding = (g & CLI_OPT_VALUE_HEX)   ? CLI_ENC_HEX
                        : (g & CLI_OPT_VALUE_RAW) ? CLI_ENC_RAW
                                                  : general;
  /* UTF-8 as text: JSON is Unicode text by definition; plain output
   * follows the locale, so that a terminal, $(...) and grep in a UTF-8
   * locale all see "café", and the C locale (cron, scripts that want
   * ASCII) sees escapes. */
  const int text =
      out->utf8 >= 0 ? out->utf8 : out->json || cli_locale_is_utf8();
  out->key_output = text && out->key_encoding == CLI_ENC_ESCAPED
                        ? CLI_ENC_TEXT
                        : out->key_encoding;
  out->value_output = text && out->value_encoding == CLI_ENC_ESCAPED
                          ? CLI_ENC_TEXT
                          : out->value_encoding;
  return 0;
}

static const option_spec *find_long(const char *name, size_t len) {
  for (size_t i = 0; i < OPTION_COUNT; ++i) {
    if (strlen(kOptions[i].name) == len &&
        strncmp(kOptions[i].name, name, len) == 0) {
      return &kOptions[i];
    }
  }
  return NULL;
}

static const option_spec *find_short(char c) {
  for (size_t i = 0; i < OPTION_COUNT; ++i) {
    if (kOptions[i].short_name == c) return &kOptions[i];
  }
  return NULL;
}

int cli_parse_args(const char *command, unsigned allowed, int argc, char **argv,
                   cli_args *out) {
  memset(out, 0, sizeof *out);
  out->command = command;
  out->progress = -1;
  out->utf8 = -1;
  out->limit = -1;
  out->batch_size = 1000;
  out->positional = calloc((size_t)argc + 1, sizeof(char *));
  if (out->positional == NULL) {
    fputs("shale: out of memory\n", stderr);
    return 3;
  }
  int options_done = 0;
  for (int i = 0; i < argc; ++i) {
    const char *word = argv[i];
    if (options_done || word[0] != '-' || word[1] == '\0') {
      out->positional[out->positional_count++] = word; /* "-" is a name */
      continue;
    }
    if (strcmp(word, "--") == 0) {
      options_done = 1;
      continue;
    }
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
      out->help = 1;
      continue;
    }
    const option_spec *o;
    const char *value = NULL;
    if (word[1] == '-') {
      const char *name = word + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
      o = find_long(name, len);
      if (o == NULL) {
        return usage_error(command, "unknown option '%s'%s", word, "");
      }
      if (eq != NULL) {
        if (!o->takes_value) {
          return usage_error(command, "option --%s takes no value%s", o->name,
                             "");
        }
        value = eq + 1;
      }
    } else {
      if (word[2] != '\0' || (o = find_short(word[1])) == NULL) {
        return usage_error(command, "unknown option '%s'%s", word, "");
      }
    }
    if ((o->bit & allowed) == 0) {
      fprintf(stderr, "shale %s: option --%s does not apply to '%s'\n", command,
              o->name, command);
      fprintf(stderr, "Try 'shale %s --help'.\n", command);
      return 2;
    }
    if (o->takes_value && value == NULL) {
      if (i + 1 >= argc) {
        return usage_error(command, "option --%s needs a value%s", o->name, "");
      }
      value = argv[++i];
    }
    int rc = apply(command, o, value, out);
    if (rc != 0) return rc;
  }
  if (out->to != NULL && out->through != NULL) {
    return usage_error(command,
                       "--to (exclusive) and --through (inclusive)%s%s: "
                       "choose one end",
                       "", "");
  }
  return resolve_encodings(command, out);
}

void cli_args_free(cli_args *args) {
  free((void *)args->positional);
  args->positional = NULL;
}
