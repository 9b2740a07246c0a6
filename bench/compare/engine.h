/*
 * engine.h — one storage engine behind the comparison's common interface.
 *
 * bench/compare runs the same workloads on shale, LevelDB, RocksDB, LMDB and
 * SQLite, each through its own C API. Each engine is one adapter file
 * (engine_<name>.c or .cc) defining one `const bench_engine bench_engine_<name>`.
 * The driver never touches an engine's API directly.
 *
 * Threads: open/close are called from one thread. Every other call takes a
 * per-thread context from attach(); the driver attaches once per worker
 * thread, so an engine that needs per-thread state (SQLite: a connection per
 * thread; LMDB: its read transactions) keeps it there. Engines whose handle
 * is thread-safe return the db itself.
 *
 * Errors: calls return 0 on success and non-zero on failure, after writing a
 * message (naming the engine call) into the context's error buffer, which
 * error() returns. The driver stops the run on any failure and prints it:
 * a benchmark that silently skips failed operations measures nothing.
 */
#ifndef SHALE_BENCH_COMPARE_ENGINE_H
#define SHALE_BENCH_COMPARE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Settings every engine maps to its own options (fairness). */
typedef struct bench_settings {
  /* 1: every write is durable (fsync'ed) before it returns; 0: the write is
   * logged (write-ahead log, or the engine's equivalent) but not synced. */
  int sync;
  /* Bytes for the engine's cache of data blocks/pages. Equal for every
   * engine. LMDB has no cache of its own (it maps the file): noted. */
  uint64_t cache_bytes;
  /* Bytes of the in-memory write buffer (memtable) where an engine has
   * one; LevelDB/RocksDB/shale get the same. */
  uint64_t write_buffer_bytes;
  /* Expected number of keys and value size: LMDB needs a map size, SQLite
   * may size its page cache from it. */
  uint64_t expected_keys;
  size_t value_size;
} bench_settings;

typedef struct bench_engine {
  const char *name; /* "shale", "leveldb", "rocksdb", "lmdb", "sqlite" */
  /* Library version, e.g. "1.23" (static string). */
  const char *(*version)(void);
  /* One line: how the settings were mapped (compression off, cache, WAL,
   * sync, transaction batching, map size...). Printed in the output. */
  const char *(*describe)(const bench_settings *s);

  /* Opens (creating) the store in directory dir, which exists and is empty
   * for a fresh store. Returns NULL on failure with a message in err. */
  void *(*open)(const char *dir, const bench_settings *s, char *err,
                size_t err_len);
  /* Flushes nothing extra; closes. NULL is a no-op. */
  void (*close)(void *db);

  /* Per-thread context (see above). detach(NULL) is a no-op. */
  void *(*attach)(void *db);
  void (*detach)(void *ctx);
  const char *(*error)(void *ctx);

  int (*put)(void *ctx, const void *key, size_t key_len, const void *value,
             size_t value_len);
  /* *found = 1 and the value copied out (into engine- or adapter-owned
   * memory, valid until the next call on ctx) through *value and *value_len;
   * *found = 0 if absent. The driver reads the value (so a lazy engine
   * cannot skip the read). */
  int (*get)(void *ctx, const void *key, size_t key_len, int *found,
             const void **value, size_t *value_len);
  int (*del)(void *ctx, const void *key, size_t key_len);
  /* n puts in one atomic batch/transaction; keys and values end to end,
   * each key key_len bytes and each value value_len bytes. */
  int (*put_batch)(void *ctx, size_t n, const char *keys, size_t key_len,
                   const char *values, size_t value_len);

  /* Iterators (ordered by memcmp of keys). A new iterator sees the store as
   * of its creation. seek/first/last/next/prev return 1 if the iterator is
   * then on an entry, 0 if not, -1 on error. */
  void *(*iter_new)(void *ctx);
  void (*iter_free)(void *it);
  int (*iter_seek)(void *it, const void *key, size_t key_len);
  int (*iter_first)(void *it);
  int (*iter_last)(void *it);
  int (*iter_next)(void *it);
  int (*iter_prev)(void *it);
  void (*iter_entry)(void *it, const void **key, size_t *key_len,
                     const void **value, size_t *value_len);

  /* Optional (NULL if the engine has no such thing): waits until
   * background work started by the writes (flushes, compactions) is done,
   * so its CPU time is counted in the run that caused it. */
  int (*settle)(void *ctx);
} bench_engine;

/* The adapters. */
extern const bench_engine bench_engine_shale;
/* shale with iterators stepped one entry per call (engine_shale.c). */
extern const bench_engine bench_engine_shale_step;
extern const bench_engine bench_engine_leveldb;
extern const bench_engine bench_engine_rocksdb;
extern const bench_engine bench_engine_lmdb;
extern const bench_engine bench_engine_sqlite;

#ifdef __cplusplus
}
#endif

#endif /* SHALE_BENCH_COMPARE_ENGINE_H */
