/* cli_range.h — --from, --to, --through and --prefix as iterator bounds,
 * a walk over the entries in range (scan and dump), and the same range as
 * compaction bounds (compact). One meaning everywhere: --from K is the
 * first key >= K, --to K stops before K (exclusive), --through K stops
 * after K (inclusive). */
#ifndef SHALE_CLI_RANGE_H
#define SHALE_CLI_RANGE_H

#include <stdint.h>

#include "cli_args.h"
#include "shale.h"

typedef struct cli_range {
  cli_bytes from, to, through, prefix;
  /* through + a zero byte: the exclusive upper bound that means "up to
   * and including through" in memcmp order. */
  cli_bytes after_through;
  /* The greatest key below --to (compaction bounds are inclusive). */
  cli_bytes before_to;
  int has_from, has_to, has_through, has_prefix;
  /* --through K of SHALE_MAX_KEY_SIZE bytes: K + 0 is over the key limit,
   * so no bound expresses it; the walk stops after K itself. */
  int stop_after_through;
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

/* The range as shale_db_compact_range's inclusive bounds: start and end
 * NULL (length 0) for an open side. Returns 1, or 0 if no key can be in
 * the range (--to of the empty key, or an end below the start). */
int cli_range_compaction_bounds(cli_range *r, const void **start,
                                size_t *start_len, const void **end,
                                size_t *end_len);

#endif
