/* cli_input.h — decoding command-line arguments into keys and values, and
 * reading whole files (put --value-file). */
#ifndef SHALE_CLI_INPUT_H
#define SHALE_CLI_INPUT_H

#include "cli_codec.h"

/* Decodes `text` (a command-line word) in enc into *out. Returns 0, or 2
 * after printing "shale COMMAND: bad WHAT 'text': reason". */
int cli_decode_arg(const char *command, const char *what, cli_encoding enc,
                   const char *text, cli_bytes *out);

/* Reads all of path ("-": stdin) into *out. Returns 0, or 6 after printing
 * why. */
int cli_read_file(const char *command, const char *path, cli_bytes *out);

#endif
