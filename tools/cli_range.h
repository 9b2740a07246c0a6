/* cli_range.h — --from, --to and --prefix as iterator bounds, and a walk
 * over the entries in range (scan and dump). */
#ifndef SHALE_CLI_RANGE_H
#define SHALE_CLI_RANGE_H

#include <stdint.h>

#include "cli_args.h"
#include "shale.h"

typedef struct cli_range {
  cli_bytes from, to, prefix;
  shale_iter_options options;
} cli_range;

/* Decodes the range options of a (in the key encoding). Returns 0, or 2
 * after printing the bad one. Free with cli_range_free. */
int cli_range_init(const char *command, const cli_args *a, cli_range *r);
void cli_range_free(cli_range *r);

/* Receives one entry; returns 0 to go on, non-zero to stop. */
typedef int (*cli_entry_fn)(void *user, const void *key, size_t key_len,
                            const void *value, size_t value_len);

/* Calls fn for each entry in range, in order (reverse: from the largest
 * key), all from one point in time, at most limit entries (-1: no limit).
 * Returns SHALE_OK, SHALE_E_CANCELLED (interrupted, or fn stopped) or the
 * failing call's status. */
int32_t cli_walk(shale_db *db, const cli_range *r, int reverse, long long limit,
                 cli_entry_fn fn, void *user);

#endif
