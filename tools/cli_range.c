/* cli_range.c — see cli_range.h. */
#include "cli_range.h"

#include <string.h>

#include "cli_input.h"
#include "cli_progress.h"

int cli_range_init(const char *command, const cli_args *a, cli_range *r) {
  memset(r, 0, sizeof *r);
  SHALE_ITER_OPTIONS_INIT(&r->options);
  /* A non-NULL pointer with length 0 is the empty key, so an empty
   * --prefix is "every key" and an empty --from the smallest key. */
  static const char empty[1] = {0};
  if (a->from != NULL) {
    if (cli_decode_arg(command, "--from key", a->key_encoding, a->from,
                       &r->from) != 0) {
      return 2;
    }
    r->options.lower_bound = r->from.len > 0 ? (void *)r->from.data : empty;
    r->options.lower_bound_len = r->from.len;
  }
  if (a->to != NULL) {
    if (cli_decode_arg(command, "--to key", a->key_encoding, a->to, &r->to) !=
        0) {
      return 2;
    }
    r->options.upper_bound = r->to.len > 0 ? (void *)r->to.data : empty;
    r->options.upper_bound_len = r->to.len;
  }
  if (a->prefix != NULL) {
    if (cli_decode_arg(command, "--prefix", a->key_encoding, a->prefix,
                       &r->prefix) != 0) {
      return 2;
    }
    r->options.prefix = r->prefix.len > 0 ? (void *)r->prefix.data : empty;
    r->options.prefix_len = r->prefix.len;
  }
  return 0;
}

void cli_range_free(cli_range *r) {
  cli_bytes_free(&r->from);
  cli_bytes_free(&r->to);
  cli_bytes_free(&r->prefix);
}

enum { kWalkBatch = 512, kWalkBytes = 4 << 20 };

int32_t cli_walk(shale_db *db, const cli_range *r, int reverse, long long limit,
                 cli_entry_fn fn, void *user) {
  shale_iter *it = NULL;
  int32_t st = shale_iter_new(db, &r->options, &it);
  if (st != SHALE_OK) return st;
  st = reverse ? shale_iter_last(it) : shale_iter_first(it);
  long long seen = 0;
  size_t lens[2 * kWalkBatch];
  while (st == SHALE_OK && (limit < 0 || seen < limit)) {
    if (cli_interrupted()) {
      st = SHALE_E_CANCELLED;
      break;
    }
    size_t want = kWalkBatch;
    if (limit >= 0 && (unsigned long long)(limit - seen) < want) {
      want = (size_t)(limit - seen);
    }
    void *data = NULL;
    size_t count = 0;
    st = shale_iter_next_many(
        it, reverse ? SHALE_ITER_BACKWARD : SHALE_ITER_FORWARD, want,
        kWalkBytes, &data, lens, &count);
    if (st != SHALE_OK) break;
    const unsigned char *p = data;
    for (size_t i = 0; i < count; ++i) {
      const unsigned char *key = p;
      const unsigned char *value = key + lens[2 * i];
      p = value + lens[2 * i + 1];
      if (fn(user, key, lens[2 * i], value, lens[2 * i + 1]) != 0) {
        st = SHALE_E_CANCELLED;
        break;
      }
    }
    seen += (long long)count;
    shale_free(data);
  }
  if (st == SHALE_NOT_FOUND) st = SHALE_OK; /* the end of the range */
  shale_iter_free(it);
  return st;
}
