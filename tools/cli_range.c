/* cli_range.c — see cli_range.h. */
#include "cli_range.h"

#include <string.h>

#include "cli_input.h"
#include "cli_progress.h"

/* A non-NULL pointer with length 0 is the empty key, so an empty --prefix
 * is "every key" and an empty --from the smallest key. */
static const char kEmpty[1] = {0};

static const void *key_ptr(const cli_bytes *b) {
  return b->len > 0 ? (const void *)b->data : (const void *)kEmpty;
}

static int decode(const char *command, const char *what, const cli_args *a,
                  const char *text, cli_bytes *out, int *has) {
  if (text == NULL) return 0;
  *has = 1;
  return cli_decode_arg(command, what, a->key_encoding, text, out) != 0 ? 2 : 0;
}

int cli_range_init(const char *command, const cli_args *a, cli_range *r) {
  memset(r, 0, sizeof *r);
  SHALE_ITER_OPTIONS_INIT(&r->options);
  if (decode(command, "--from key", a, a->from, &r->from, &r->has_from) ||
      decode(command, "--to key", a, a->to, &r->to, &r->has_to) ||
      decode(command, "--through key", a, a->through, &r->through,
             &r->has_through) ||
      decode(command, "--prefix", a, a->prefix, &r->prefix, &r->has_prefix)) {
    return 2;
  }
  if (r->has_from) {
    r->options.lower_bound = key_ptr(&r->from);
    r->options.lower_bound_len = r->from.len;
  }
  if (r->has_to) {
    r->options.upper_bound = key_ptr(&r->to);
    r->options.upper_bound_len = r->to.len;
  }
  if (r->has_through && r->through.len < SHALE_MAX_KEY_SIZE) {
    /* Keys <= K are exactly the keys < K + 0x00 (memcmp order). */
    cli_bytes_append(&r->after_through, r->through.data, r->through.len);
    cli_bytes_append(&r->after_through, kEmpty, 1);
    r->options.upper_bound = r->after_through.data;
    r->options.upper_bound_len = r->after_through.len;
  } else if (r->has_through) {
    r->stop_after_through = 1;
  }
  if (r->has_prefix) {
    r->options.prefix = key_ptr(&r->prefix);
    r->options.prefix_len = r->prefix.len;
  }
  return 0;
}

void cli_range_free(cli_range *r) {
  cli_bytes_free(&r->from);
  cli_bytes_free(&r->to);
  cli_bytes_free(&r->through);
  cli_bytes_free(&r->prefix);
  cli_bytes_free(&r->after_through);
  cli_bytes_free(&r->before_to);
}

/* Whether key comes after --through (only for stop_after_through). */
static int past_through(const cli_range *r, const unsigned char *key,
                        size_t len) {
  size_t n = len < r->through.len ? len : r->through.len;
  int c = n > 0 ? memcmp(key, r->through.data, n) : 0;
  return c > 0 || (c == 0 && len > r->through.len);
}

enum { kWalkBatch = 512, kWalkBytes = 4 << 20 };

int32_t cli_walk(shale_db *db, const cli_range *r, int reverse, long long limit,
                 cli_entry_fn fn, void *user) {
  shale_iter *it = NULL;
  int32_t st = shale_iter_new(db, &r->options, &it);
  if (st != SHALE_OK) return st;
  if (!reverse) {
    st = shale_iter_first(it);
  } else if (r->stop_after_through) {
    st = shale_iter_seek_for_prev(it, key_ptr(&r->through), r->through.len);
  } else {
    st = shale_iter_last(it);
  }
  long long seen = 0;
  size_t lens[2 * kWalkBatch];
  int past_end = 0;
  while (st == SHALE_OK && !past_end && (limit < 0 || seen < limit)) {
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
      if (!reverse && r->stop_after_through &&
          past_through(r, key, lens[2 * i])) {
        past_end = 1;
        break;
      }
      if (fn(user, key, lens[2 * i], value, lens[2 * i + 1]) != 0) {
        st = SHALE_E_CANCELLED;
        break;
      }
      ++seen;
    }
    shale_free(data);
  }
  if (st == SHALE_NOT_FOUND) st = SHALE_OK; /* the end of the range */
  shale_iter_free(it);
  return st;
}

int cli_range_compaction_bounds(cli_range *r, const void **start,
                                size_t *start_len, const void **end,
                                size_t *end_len) {
  *start = r->has_from ? key_ptr(&r->from) : NULL;
  *start_len = r->has_from ? r->from.len : 0;
  *end = NULL;
  *end_len = 0;
  if (r->has_through) {
    *end = key_ptr(&r->through);
    *end_len = r->through.len;
  } else if (r->has_to) {
    /* The greatest key below K: keys are at most SHALE_MAX_KEY_SIZE bytes,
     * so it is K without a last 0x00 byte, or K with its last byte less
     * one followed by 0xff up to that size. */
    const cli_bytes *k = &r->to;
    if (k->len == 0) return 0;
    cli_bytes *b = &r->before_to;
    b->len = 0;
    cli_bytes_append(b, k->data, k->len - 1);
    unsigned char last = k->data[k->len - 1];
    if (last != 0) {
      unsigned char less = (unsigned char)(last - 1);
      cli_bytes_append(b, &less, 1);
      cli_bytes_reserve(b, SHALE_MAX_KEY_SIZE - b->len);
      memset(b->data + b->len, 0xff, SHALE_MAX_KEY_SIZE - b->len);
      b->len = SHALE_MAX_KEY_SIZE;
    }
    *end = key_ptr(b);
    *end_len = b->len;
  }
  /* An inverted range holds no key (as for scan); the library would
   * compact the files overlapping its ends all the same. */
  if (*start != NULL && *end != NULL) {
    size_t n = *start_len < *end_len ? *start_len : *end_len;
    int c = n > 0 ? memcmp(*start, *end, n) : 0;
    if (c > 0 || (c == 0 && *start_len > *end_len)) return 0;
  }
  return 1;
}
