/*
 * shale.h — the public C API of shale, an embedded, crash-safe, ordered
 * key-value store.
 *
 * This header is the whole contract: bindings, tools and programs use nothing
 * else. It compiles as C99, C11 and C++.
 *
 * ======================================================================
 * Conventions (they hold for every function below unless it says otherwise)
 * ======================================================================
 *
 * Status codes. Every fallible function returns an int32_t status:
 *   SHALE_OK (0) on success; SHALE_NOT_FOUND (1), a distinct non-error
 *   ("no such key", "iterator exhausted"); a negative SHALE_E_* on error.
 *   Numbers are stable and never renumbered. shale_status_name() names them.
 *
 * Errors. On every error the library records a message for the calling
 *   thread: shale_last_error() returns it (never NULL; "" after a call that
 *   succeeded), shale_last_errno() the OS error number behind an I/O failure
 *   (0 otherwise). Both are cleared at the start of every shale call and stay
 *   valid until the next shale call on the same thread. Messages start with
 *   the function's name and say what was wrong: the argument, the path, the
 *   errno text, the file and offset of a corruption. Recording an error
 *   never allocates.
 *   Two exceptions, so that a garbage collector running finalizers between a
 *   failed call and the read of its message cannot erase it: the release
 *   functions (shale_db_close, shale_*_free, shale_unsubscribe) leave the
 *   previous error in place when they succeed; and shale_free, shale_version,
 *   shale_status_name and shale_last_* never touch it.
 *
 * Out-parameters. On failure every out-parameter is set to NULL/0 (except a
 *   `needed` size, which is documented per function) and nothing is
 *   allocated that the caller must free.
 *
 * Ownership. Every pointer parameter is one of:
 *   borrowed (in)  — read during the call only; the caller keeps it.
 *   owned (out)    — the caller must free it with shale_free() (or the named
 *                    _free/_close function).
 *   borrowed (out) — points into library memory, valid until the named event.
 *   consumed (in)  — ownership passes to the library.
 *
 * Bytes. Keys and values are (const void *ptr, size_t len): they may contain
 *   NUL and may be empty. ptr may be NULL only when len is 0. A value of 0
 *   bytes comes back as a non-NULL pointer with length 0. Order is memcmp
 *   order (shorter key first on a common prefix). Paths are NUL-terminated
 *   byte strings; no encoding is assumed.
 *
 * Limits. A key is at most SHALE_MAX_KEY_SIZE bytes, a value at most
 *   SHALE_MAX_VALUE_SIZE bytes, a write batch at most SHALE_MAX_BATCH_SIZE
 *   bytes; larger ones fail with SHALE_E_INVALID_ARGUMENT and write nothing.
 *
 * Handles. shale_db, shale_batch, shale_snapshot, shale_iter,
 *   shale_subscription, shale_job and shale_pin are opaque handles, checked
 *   on every call against a table of live handles: a closed, freed,
 *   never-issued or wrong-type handle gives SHALE_E_INVALID_HANDLE, never
 *   undefined behaviour.
 *   _close/_free functions accept NULL as a no-op returning SHALE_OK; every
 *   other function given a NULL handle returns SHALE_E_INVALID_HANDLE. Any
 *   function taking a handle may also return SHALE_E_FORKED (see Threads).
 *   Handles are for 64-bit processes (the handle value encodes a slot and a
 *   generation).
 *
 * Children. Snapshots, iterators, subscriptions and jobs hold a reference
 *   on their db. After shale_db_close() their calls return SHALE_E_CLOSED;
 *   freeing them still works and is still required. Memory is released
 *   when the last reference goes. A pin holds its own copy of one value
 *   and stays readable after the close.
 *
 * Threads. A shale_db may be used from many threads at once; so may snapshots
 *   and pins. Iterators and batches are single-owner: using one from two
 *   threads at the same moment is detected and refused with SHALE_E_BUSY. Any
 *   thread may free what another created. A handle created before fork() is
 *   refused in the child with SHALE_E_FORKED.
 *
 * Callbacks. Every callback has the shape int fn(void *user, ...). A
 *   registration takes `user` and an optional `user_free`, called exactly
 *   once when the registration ends. Where a callback's return value is
 *   meaningful, non-zero stops the operation, which then returns
 *   SHALE_E_CANCELLED. Callbacks are never invoked while the library holds
 *   an internal lock, so they may call read functions of the library; each
 *   callback type says what else it may do. Callbacks must not throw C++
 *   exceptions or longjmp out.
 *
 * Versions. Each declaration says the version it appeared in ("since").
 *   Within an ABI major, functions and struct fields are only ever added.
 *
 * Structs. Public structs begin with `size_t struct_size`, filled by their
 *   _init function with the caller's sizeof; the library reads only that
 *   many bytes, so a program built against an older header keeps working.
 */
#ifndef SHALE_H
#define SHALE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHALE_BUILDING_LIBRARY) && defined(__GNUC__)
#define SHALE_API __attribute__((visibility("default")))
#else
#define SHALE_API
#endif

/* ---------------------------------------------------------------------- */
/* Versions                                                                */
/* ---------------------------------------------------------------------- */

#define SHALE_VERSION_MAJOR 0
#define SHALE_VERSION_MINOR 4
#define SHALE_VERSION_PATCH 0
#define SHALE_VERSION_STRING "0.4.0"
/* major * 10000 + minor * 100 + patch */
#define SHALE_VERSION_NUMBER                                                  \
  (SHALE_VERSION_MAJOR * 10000 + SHALE_VERSION_MINOR * 100 +                 \
   SHALE_VERSION_PATCH)
/* The ABI major; also the SONAME suffix (libshale.so.1). */
#define SHALE_ABI_VERSION 1

/* The library's version as "MAJOR.MINOR.PATCH". Static storage, never NULL.
 * Thread-safe. Since 0.1.0. */
SHALE_API const char *shale_version(void);

/* The library's SHALE_VERSION_NUMBER. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_version_number(void);

/* The library's SHALE_ABI_VERSION. A program (or binding) should compare it
 * with the SHALE_ABI_VERSION it was written for and refuse to run on a
 * mismatch. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_abi_version(void);

/* ---------------------------------------------------------------------- */
/* Status codes and errors                                                 */
/* ---------------------------------------------------------------------- */

#define SHALE_OK 0
/* Not an error: the key does not exist / the iterator has no entry. */
#define SHALE_NOT_FOUND 1
/* An argument was wrong: NULL where a pointer is required, a length over a
 * limit, a flag out of range, a snapshot of another db. */
#define SHALE_E_INVALID_ARGUMENT (-1)
/* The handle is not a live handle of the expected type (closed, freed,
 * never issued, or of another type). */
#define SHALE_E_INVALID_HANDLE (-2)
/* The db this handle belongs to has been closed. */
#define SHALE_E_CLOSED (-3)
/* An operating-system I/O call failed; shale_last_errno() has its errno. */
#define SHALE_E_IO (-4)
/* Stored data failed a check; the message names the file and offset. */
#define SHALE_E_CORRUPTION (-5)
/* The db directory is open elsewhere (this or another process). */
#define SHALE_E_LOCKED (-6)
/* Memory could not be allocated. */
#define SHALE_E_NOMEM (-7)
/* A caller-supplied buffer is too small; the needed size is reported. */
#define SHALE_E_BUFFER_TOO_SMALL (-8)
/* A write was attempted on a db opened read-only. */
#define SHALE_E_READ_ONLY (-9)
/* A callback returned non-zero and the operation stopped. */
#define SHALE_E_CANCELLED (-10)
/* The operation is not supported by this build or this configuration. */
#define SHALE_E_NOT_SUPPORTED (-11)
/* A bug in shale: please report the message. */
#define SHALE_E_INTERNAL (-12)
/* The db exists and error_if_exists was set. */
#define SHALE_E_EXISTS (-13)
/* A single-owner object is in use by another thread, or the call is not
 * allowed from where it was made (closing a db from its own callback). */
#define SHALE_E_BUSY (-14)
/* The handle was created before fork() and is used in the child. */
#define SHALE_E_FORKED (-15)
/* A wait ended before the awaited event (shale_job_wait). Since 0.2.0. */
#define SHALE_E_TIMEOUT (-16)

/* The symbolic name of a status code ("SHALE_E_IO"), or "SHALE_E_UNKNOWN"
 * for a number that is not a status code. Static storage, never NULL.
 * Thread-safe; does not touch the last error. Since 0.1.0. */
SHALE_API const char *shale_status_name(int32_t status);

/* The message of the last failed shale call on this thread, or "" if the
 * last call succeeded. Never NULL. Borrowed (out): valid until the next
 * shale call on this thread (copy it if you need it longer). Does not clear
 * the message itself. Since 0.1.0. */
SHALE_API const char *shale_last_error(void);

/* The OS error number (errno) behind the last failed call on this thread if
 * it was an I/O failure (SHALE_E_IO, or SHALE_E_LOCKED from the OS lock),
 * else 0. Does not clear it. Since 0.1.0. */
SHALE_API int32_t shale_last_errno(void);

/* The status of the last shale call on this thread (SHALE_OK after a
 * success). Does not clear it. Since 0.1.0. */
SHALE_API int32_t shale_last_status(void);

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */
/* ---------------------------------------------------------------------- */

/* Frees memory returned as "owned (out)" by a shale function (values,
 * property strings). ptr: consumed (in); NULL is a no-op. Passing memory
 * shale did not allocate is undefined behaviour (this is the one
 * function that cannot check its argument). Does not touch the last error.
 * Thread-safe. Since 0.1.0. */
SHALE_API void shale_free(void *ptr);

/* ---------------------------------------------------------------------- */
/* Limits                                                                  */
/* ---------------------------------------------------------------------- */

/* A size_t constant without a C-style cast in C++ (which
 * -Wold-style-cast would flag in a user's program). */
#ifdef __cplusplus
#define SHALE_SIZE_C(n) static_cast<size_t>(n)
#else
#define SHALE_SIZE_C(n) ((size_t)(n))
#endif

#define SHALE_MAX_KEY_SIZE SHALE_SIZE_C(65536)                 /* 64 KiB */
#define SHALE_MAX_VALUE_SIZE (SHALE_SIZE_C(256) * 1024 * 1024) /* 256 MiB */
#define SHALE_MAX_BATCH_SIZE (SHALE_SIZE_C(1024) * 1024 * 1024) /* 1 GiB */

/* ---------------------------------------------------------------------- */
/* Handles                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct shale_db shale_db;
typedef struct shale_batch shale_batch;
typedef struct shale_snapshot shale_snapshot;
typedef struct shale_iter shale_iter;
typedef struct shale_subscription shale_subscription;
typedef struct shale_job shale_job;
typedef struct shale_pin shale_pin;

/* ---------------------------------------------------------------------- */
/* Callbacks                                                               */
/* ---------------------------------------------------------------------- */

/* Releases a registration's `user` pointer; called exactly once when the
 * registration ends. */
typedef void (*shale_user_free_fn)(void *user);

/* Log levels of the library's diagnostic messages. */
#define SHALE_LOG_DEBUG 0
#define SHALE_LOG_INFO 1
#define SHALE_LOG_WARN 2
#define SHALE_LOG_ERROR 3

/* Receives a diagnostic message (NUL-terminated, borrowed for the call).
 * The return value is ignored; return 0. Called on whichever library or
 * caller thread produced the message, possibly concurrently from several
 * threads, never with an internal lock held. It must not close the db
 * that is logging. */
typedef int (*shale_log_fn)(void *user, int32_t level, const char *message);

/* Receives one entry of a scan. key/value: borrowed (out) for the call.
 * Return 0 to continue, non-zero to stop the scan (which then returns
 * SHALE_E_CANCELLED). Runs on the thread that called shale_db_scan. It may
 * call any read or write function of the library; writes it makes are not
 * seen by the scan in progress. */
typedef int (*shale_scan_fn)(void *user, const void *key, size_t key_len,
                             const void *value, size_t value_len);

/* Kinds of change delivered to a subscription. */
#define SHALE_CHANGE_PUT 1
#define SHALE_CHANGE_DELETE 2

/* Receives one change to a key under a subscription's prefix. kind is
 * SHALE_CHANGE_PUT or SHALE_CHANGE_DELETE (value is then NULL with length
 * 0). key/value: borrowed (out) for the call. Called on the thread that
 * performed the write, after the write is durable (per the sync mode) and
 * visible to readers, before that write call returns; entries of a batch
 * arrive in batch order. Writes from different threads may be delivered
 * concurrently. The return value is ignored; return 0. It may call read
 * and write functions of the library and shale_unsubscribe() (even on its
 * own subscription); it must not close the db. */
typedef int (*shale_change_fn)(void *user, int32_t kind, const void *key,
                               size_t key_len, const void *value,
                               size_t value_len);

/* Reports the progress of a long operation (compact, backup, verify):
 * done and total are in bytes; total may grow while the operation runs.
 * Return 0 to continue, non-zero to cancel: the operation stops at a safe
 * point, leaves the db sound, and returns SHALE_E_CANCELLED. Called on the
 * thread running the operation (the caller's, or a job's own thread), never
 * with an internal lock held; it may call read functions of the library
 * but must not close the db. */
typedef int (*shale_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Receives the outcome of a background job, once, on the job's own thread,
 * after its last progress call: status is the job's result (SHALE_OK,
 * SHALE_E_CANCELLED, or an error) and message its text ("" on success; for
 * verify, the report), borrowed for the call. The return value is ignored;
 * return 0. It may call read functions of the library and shale_job_status
 * on its own job; it must not close the db or free or wait on its own job. */
typedef int (*shale_job_done_fn)(void *user, int32_t status,
                                 const char *message);

/* ---------------------------------------------------------------------- */
/* Options                                                                 */
/* ---------------------------------------------------------------------- */

/* The write is handed to the OS before it is acknowledged: it survives a
 * crash of the process but not of the machine. */
#define SHALE_SYNC_NONE 0
/* Every write is fsync'ed on its own before it is acknowledged: it survives
 * power loss. */
#define SHALE_SYNC_EVERY 1
/* Group commit: a write is acknowledged after an fsync that covers it;
 * writers waiting at the same moment share one fsync. Survives power
 * loss; the default. */
#define SHALE_SYNC_GROUP 2

typedef struct shale_options {
  /* sizeof(shale_options) as the caller compiled it; set by
   * shale_options_init. */
  size_t struct_size;
  /* Create the db directory if it does not exist. Default 1. */
  uint32_t create_if_missing;
  /* Fail with SHALE_E_EXISTS if the db already exists. Default 0. */
  uint32_t error_if_exists;
  /* Open read-only: writes fail with SHALE_E_READ_ONLY, nothing on disk is
   * changed (a torn log tail is ignored, not truncated). Default 0. */
  uint32_t read_only;
  /* SHALE_SYNC_NONE, SHALE_SYNC_EVERY or SHALE_SYNC_GROUP. Default
   * SHALE_SYNC_GROUP. */
  uint32_t sync_mode;
  /* Repair mode. On corruption found during recovery, skip what is
   * unreadable instead of failing the open, and keep everything else:
   * damaged log records are skipped; every live table is checked and a
   * damaged one is rewritten from its readable blocks (the original is kept
   * in <db>/lost/); a missing table or log is dropped; a damaged manifest
   * gives way to the state before the damage if it matches the files
   * present, else to another manifest, else to a state rebuilt from the
   * tables present (merged into fresh tables); a damaged or missing
   * CURRENT likewise. What was skipped (file, offset, length) is logged at
   * SHALE_LOG_WARN and reported by the "shale.recovery" property. The
   * repaired db then opens without salvage. With read_only only log
   * records are skipped (nothing is rewritten). Reads every table: slow on
   * a large db. Default 0. */
  uint32_t salvage;
  /* Messages below this level are not delivered. Default SHALE_LOG_INFO. */
  int32_t log_level;
  /* Optional receiver of diagnostic messages; NULL discards them. */
  shale_log_fn logger;
  /* Passed to logger. */
  void *logger_user;
  /* Optional; called exactly once with logger_user when the registration
   * ends, at shale_db_close. The registration begins only if shale_db_open
   * succeeds: after a failed open it is not called (the caller still owns
   * logger_user), though logger may have received messages during it. */
  shale_user_free_fn logger_user_free;

  /* ---- Since 0.2.0 (callers built against 0.1.0 get the defaults). ---- */
  /* Bytes of writes gathered in memory before they are written to a sorted
   * table file in the background. Default 8 MiB; at least 64 KiB. */
  uint64_t write_buffer_size;
  /* Bytes of decoded table blocks kept in the block cache. Default 32 MiB;
   * 0 disables the cache. Memory use is about write_buffer_size x 2 +
   * block_cache_capacity + the index and filter blocks of open tables. */
  uint64_t block_cache_capacity;
  /* Target size of a table data block. Default 4096; 256 B to 4 MiB. */
  uint32_t block_size;
  /* Bloom filter bits per key (about 1% false positives at 10); 0 writes no
   * filters. Default 10; at most 64. */
  uint32_t bloom_bits_per_key;
  /* Table files kept open at once (least recently used closed first).
   * Default 1000; 16 to 2147483647. */
  uint32_t max_open_files;
  /* Levelled compaction: level 0 is compacted into level 1 once it holds
   * this many files. Default 4. */
  uint32_t level0_compaction_trigger;
  /* Writes are slowed (1 ms each) at this many level-0 files... Default 8.*/
  uint32_t level0_slowdown_trigger;
  /* ...and wait for compaction at this many. Default 12. The three level-0
   * triggers are each at least 1 and must satisfy
   * compaction_trigger <= slowdown_trigger <= stop_trigger. */
  uint32_t level0_stop_trigger;
  /* Compaction output files are cut at about this size. Default 4 MiB; at
   * least 1. */
  uint64_t target_file_size;
  /* Level 1 holds up to this many bytes; each deeper level
   * level_size_multiplier times more. Default 64 MiB; at least 1. */
  uint64_t level1_max_bytes;
  /* Default 10; 2 to 100. */
  uint32_t level_size_multiplier;
  uint32_t reserved0; /* must be 0 */
} shale_options;

/* Fills *options with the defaults and sets options->struct_size to
 * struct_size. options: borrowed (in/out), must not be NULL. struct_size:
 * the caller's sizeof(shale_options) (use SHALE_OPTIONS_INIT). Returns
 * SHALE_OK, or SHALE_E_INVALID_ARGUMENT if options is NULL or struct_size
 * is smaller than the 0.1.0 struct. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_options_init(shale_options *options,
                                     size_t struct_size);
#define SHALE_OPTIONS_INIT(options)                                           \
  shale_options_init((options), sizeof(*(options)))

/* ---------------------------------------------------------------------- */
/* Opening and closing                                                     */
/* ---------------------------------------------------------------------- */

/* Opens (and, with create_if_missing, creates) the db in directory `path`,
 * recovering it from its log.
 * path: borrowed (in), not NULL. options: borrowed (in); NULL means the
 * defaults. out: not NULL; on success *out is an owned handle to close with
 * shale_db_close, on failure NULL.
 * Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT (NULL path or out, empty path,
 * options->struct_size below the 0.1.0 size, a field out of range — the
 * message names it); SHALE_E_LOCKED if the
 * directory is open in this or another process (the message names the path
 * and, where known, the holder's pid); SHALE_E_EXISTS; SHALE_E_IO (e.g.
 * ENOENT when it does not exist and create_if_missing is 0);
 * SHALE_E_CORRUPTION naming file and offset; SHALE_E_NOMEM.
 * Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_open(const char *path, const shale_options *options,
                                shale_db **out);

/* Closes the db: waits for calls in flight on other threads to finish,
 * ends every subscription (their user_free runs), syncs and closes the log
 * and releases the directory lock. The handle is invalid afterwards; its
 * children report SHALE_E_CLOSED. db: consumed (in); NULL is a no-op.
 * Returns SHALE_OK; SHALE_E_INVALID_HANDLE; SHALE_E_BUSY if called from
 * inside a callback running on this db (nothing is closed); SHALE_E_IO if
 * the final sync failed (the db is closed all the same).
 * Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_close(shale_db *db);

/* ---------------------------------------------------------------------- */
/* Reads and writes                                                        */
/* ---------------------------------------------------------------------- */

/* Sets key to value. key, value: borrowed (in). Acknowledged (returns
 * SHALE_OK) once durable per the db's sync mode.
 * Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT (NULL with non-zero length,
 * over a limit); SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED; SHALE_E_READ_ONLY;
 * SHALE_E_IO (the write is then not acknowledged and not visible).
 * Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_put(shale_db *db, const void *key, size_t key_len,
                               const void *value, size_t value_len);

/* Removes key (not an error if it is absent). key: borrowed (in).
 * Returns as shale_db_put. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_delete(shale_db *db, const void *key,
                                  size_t key_len);

/* Reads the value of key, as of snapshot (NULL: the latest state).
 * key: borrowed (in). snapshot: borrowed (in), NULL or a snapshot of this
 * db. value: not NULL; on SHALE_OK *value is an owned (out) copy to free
 * with shale_free (non-NULL even for an empty value), otherwise NULL.
 * value_len: not NULL; the length, or 0.
 * Returns SHALE_OK; SHALE_NOT_FOUND; SHALE_E_INVALID_ARGUMENT;
 * SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED; SHALE_E_NOMEM; SHALE_E_IO;
 * SHALE_E_CORRUPTION. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_get(shale_db *db, shale_snapshot *snapshot,
                               const void *key, size_t key_len, void **value,
                               size_t *value_len);

/* Reads the value of key into the caller's buffer, snprintf-style.
 * buf: borrowed (in/out), may be NULL when capacity is 0. needed: not NULL;
 * set to the value's length on SHALE_OK and on SHALE_E_BUFFER_TOO_SMALL
 * (then nothing is copied; retry with a buffer of *needed bytes), else 0.
 * Returns as shale_db_get, plus SHALE_E_BUFFER_TOO_SMALL.
 * Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_get_into(shale_db *db, shale_snapshot *snapshot,
                                    const void *key, size_t key_len,
                                    void *buf, size_t capacity,
                                    size_t *needed);

/* Reads the value of key into a pin, so that a binding can read it in
 * place instead of copying it again into its own objects (the value is
 * copied once, from the store into the pin). snapshot: as shale_db_get.
 * out: not NULL; on SHALE_OK *out is an owned handle to free with
 * shale_pin_free, otherwise NULL. value: not NULL; borrowed (out), valid
 * until shale_pin_free (also after the db is closed), non-NULL on SHALE_OK
 * even for an empty value, otherwise NULL. value_len: not NULL; the
 * length, or 0. A pin is immutable: any thread may read it, one frees it.
 * Returns as shale_db_get. Thread-safe. Since 0.3.0. */
SHALE_API int32_t shale_db_get_pinned(shale_db *db, shale_snapshot *snapshot,
                                      const void *key, size_t key_len,
                                      shale_pin **out, const void **value,
                                      size_t *value_len);

/* Frees a pin; the value pointer it gave is then invalid. pin: consumed
 * (in); NULL is a no-op. Returns SHALE_OK; SHALE_E_INVALID_HANDLE.
 * Since 0.3.0. */
SHALE_API int32_t shale_pin_free(shale_pin *pin);

/* Tells whether key exists (as of snapshot, NULL: latest) without copying
 * its value. Returns SHALE_OK if it exists, SHALE_NOT_FOUND if not, or an
 * error as shale_db_get. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_exists(shale_db *db, shale_snapshot *snapshot,
                                  const void *key, size_t key_len);

/* Makes everything written so far durable (fsync of the log), whatever the
 * sync mode. On a read-only db nothing was written, so there is nothing to
 * sync: SHALE_OK. Returns SHALE_OK; SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED;
 * SHALE_E_IO (also for every later call once an fsync failed: a failed
 * fsync is never retried into a success). Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_sync(shale_db *db);

/* Reads a named property as a NUL-terminated string. name: borrowed (in),
 * not NULL. out: not NULL; on SHALE_OK an owned (out) string to free with
 * shale_free, otherwise NULL. Properties:
 *   "shale.recovery"  what the last open's recovery did: records replayed,
 *                     torn bytes dropped, ranges skipped by salvage.
 *   "shale.sequence"  the latest sequence number, in decimal.
 *   "shale.path"      the db directory as it was opened.
 *   "shale.stats"     the figures of shale_db_stats as readable text
 *                     (since 0.2.0).
 * Returns SHALE_OK; SHALE_NOT_FOUND for an unknown name; SHALE_E_INVALID_*;
 * SHALE_E_CLOSED; SHALE_E_NOMEM. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_property(shale_db *db, const char *name,
                                    char **out);

/* ---------------------------------------------------------------------- */
/* Maintenance: flush, compaction, backup, verify                          */
/* ---------------------------------------------------------------------- */

/* Writes the in-memory table to a sorted table file and waits until it is
 * durable (the log it covered is then retired). Returns SHALE_OK;
 * SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED; SHALE_E_READ_ONLY; SHALE_E_IO.
 * Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_db_flush(shale_db *db);

/* Compacts the keys from start to end inclusive (start NULL: from the
 * first key; end NULL: to the last) down the levels, dropping overwritten
 * versions and deletions no snapshot needs; flushes first. start, end:
 * borrowed (in); NULL means unbounded (the length must then be 0).
 * progress: optional (NULL), called with bytes compacted so far; user is
 * passed to it. Returns SHALE_OK; SHALE_E_CANCELLED (progress returned
 * non-zero; work already done is kept and the db is sound);
 * SHALE_E_INVALID_ARGUMENT; SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED;
 * SHALE_E_READ_ONLY; SHALE_E_IO; SHALE_E_CORRUPTION. Thread-safe.
 * Since 0.2.0. */
SHALE_API int32_t shale_db_compact_range(shale_db *db, const void *start,
                                         size_t start_len, const void *end,
                                         size_t end_len,
                                         shale_progress_fn progress,
                                         void *user);

/* Writes a consistent copy of the db, as of this call, into directory
 * dest_path, which must not exist or must be empty; writes may continue
 * meanwhile. Immutable files are hard-linked where the file system allows,
 * copied otherwise; everything is synced before it returns. The copy is an
 * ordinary db that shale_db_open opens. dest_path: borrowed (in), not NULL.
 * progress: optional, bytes copied so far. On failure or cancellation the
 * partial copy is removed. Returns SHALE_OK; SHALE_E_CANCELLED;
 * SHALE_E_INVALID_ARGUMENT; SHALE_E_EXISTS (dest not empty);
 * SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED; SHALE_E_IO. Thread-safe.
 * Since 0.2.0. */
SHALE_API int32_t shale_db_backup(shale_db *db, const char *dest_path,
                                  shale_progress_fn progress, void *user);

/* Reads every file of the db and checks every checksum. report: NULL, or
 * on return an owned (out) NUL-terminated text (free with shale_free)
 * listing what was checked and every problem found (file, offset, what).
 * As an exception to the out-parameter rule, the report is also returned
 * with SHALE_E_CORRUPTION, SHALE_E_CANCELLED and SHALE_E_IO, since that is
 * when it matters; it is NULL on SHALE_E_INVALID_*, SHALE_E_CLOSED and
 * SHALE_E_NOMEM.
 * progress: optional, bytes checked so far. Returns SHALE_OK if the db is
 * sound; SHALE_E_CORRUPTION if anything is damaged; SHALE_E_CANCELLED;
 * SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED; SHALE_E_IO. Thread-safe.
 * Since 0.2.0. */
SHALE_API int32_t shale_db_verify(shale_db *db, shale_progress_fn progress,
                                  void *user, char **report);

/* ---------------------------------------------------------------------- */
/* Background jobs                                                         */
/* ---------------------------------------------------------------------- */

/* The same operations started on a thread of their own. Each returns at
 * once with *out an owned job handle (free with shale_job_free), NULL on
 * failure. progress (optional) and done (optional) run on the job's
 * thread; user is passed to both; user_free (optional) is called exactly
 * once with user after done has returned — or, if starting fails, not at
 * all (the caller still owns user). Closing the db cancels its jobs and
 * waits for them (and their done callbacks) before shale_db_close returns.
 * The job handle stays usable after that (its status is then final).
 * Arguments are as for the synchronous forms; they are checked before the
 * job starts, so a bad argument is reported by the _async call itself.
 * Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT; SHALE_E_INVALID_HANDLE;
 * SHALE_E_CLOSED; SHALE_E_READ_ONLY (compact); SHALE_E_NOMEM.
 * Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_db_compact_range_async(
    shale_db *db, const void *start, size_t start_len, const void *end,
    size_t end_len, shale_progress_fn progress, shale_job_done_fn done,
    void *user, shale_user_free_fn user_free, shale_job **out);
SHALE_API int32_t shale_db_backup_async(shale_db *db, const char *dest_path,
                                        shale_progress_fn progress,
                                        shale_job_done_fn done, void *user,
                                        shale_user_free_fn user_free,
                                        shale_job **out);
SHALE_API int32_t shale_db_verify_async(shale_db *db,
                                        shale_progress_fn progress,
                                        shale_job_done_fn done, void *user,
                                        shale_user_free_fn user_free,
                                        shale_job **out);

/* Job states reported by shale_job_status. */
#define SHALE_JOB_RUNNING 0
#define SHALE_JOB_FINISHED 1

/* Waits until the job has finished (its done callback has returned).
 * timeout_ms: < 0 waits without limit; 0 polls. Returns SHALE_OK once
 * finished (read the outcome with shale_job_status); SHALE_E_TIMEOUT if it
 * has not finished in time; SHALE_E_INVALID_HANDLE; SHALE_E_BUSY if called
 * from the job's own callbacks. Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_job_wait(shale_job *job, int64_t timeout_ms);

/* Asks the job to stop at its next safe point; it then finishes with
 * SHALE_E_CANCELLED (unless it finished first). Returns at once: use
 * shale_job_wait to wait. Harmless on a finished job. Returns SHALE_OK;
 * SHALE_E_INVALID_HANDLE. Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_job_cancel(shale_job *job);

/* Reads the job's state. Each out-pointer may be NULL (not written).
 * state: SHALE_JOB_RUNNING or SHALE_JOB_FINISHED. result: the final status
 * once finished, SHALE_OK while running. done/total: progress so far.
 * message: an owned (out) copy of the final message ("" on success; for
 * verify the report) once finished, NULL while running; free it with
 * shale_free. All written as 0/NULL on failure. Returns SHALE_OK;
 * SHALE_E_INVALID_HANDLE; SHALE_E_NOMEM. Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_job_status(shale_job *job, int32_t *state,
                                   int32_t *result, uint64_t *done,
                                   uint64_t *total, char **message);

/* Releases the job handle. A job still running is cancelled and waited
 * for first. job: consumed (in); NULL is a no-op. Returns SHALE_OK;
 * SHALE_E_INVALID_HANDLE; SHALE_E_BUSY if called from the job's own
 * callbacks (nothing is freed). Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_job_free(shale_job *job);

/* ---------------------------------------------------------------------- */
/* Statistics                                                              */
/* ---------------------------------------------------------------------- */

#define SHALE_STATS_LEVELS 7

typedef struct shale_stats {
  /* sizeof(shale_stats) as the caller compiled it. */
  size_t struct_size;
  uint64_t approximate_keys;  /* entries (all versions) in memory + tables */
  uint64_t live_bytes;        /* bytes of live tables + in-memory tables */
  uint64_t disk_bytes;        /* bytes of every file in the db directory */
  uint64_t level_files[SHALE_STATS_LEVELS];
  uint64_t level_bytes[SHALE_STATS_LEVELS];
  uint64_t memtable_bytes;    /* active + being flushed */
  uint64_t cache_capacity;
  uint64_t cache_usage;
  uint64_t cache_hits;
  uint64_t cache_misses;
  uint64_t open_tables;
  uint64_t flushes;
  uint64_t compactions;
  uint64_t compaction_bytes_read;
  uint64_t compaction_bytes_written;
  uint64_t flush_bytes_written;
  uint64_t wal_bytes_written;
  uint64_t user_bytes_written; /* keys + values accepted by writes */
  uint64_t bloom_checks;       /* table lookups that consulted a filter */
  uint64_t bloom_negatives;    /* ... and skipped the table */
  uint64_t write_stalls;       /* writes slowed or stopped by level 0 */
  /* (wal + flush + compaction bytes written) / user bytes written, since
   * open; 0 before any write. */
  double write_amplification;
} shale_stats;

/* Zeroes *stats and sets struct_size (use SHALE_STATS_INIT). struct_size
 * must be at least sizeof(shale_stats) of 0.2.0 (the struct is new there);
 * a smaller one, or a NULL stats, gives SHALE_E_INVALID_ARGUMENT. Returns
 * SHALE_OK or SHALE_E_INVALID_ARGUMENT. Since 0.2.0. */
SHALE_API int32_t shale_stats_init(shale_stats *stats, size_t struct_size);
#define SHALE_STATS_INIT(stats) shale_stats_init((stats), sizeof(*(stats)))

/* Fills *stats (only the first stats->struct_size bytes) with the db's
 * current figures; counters run since the open. stats: borrowed (in/out),
 * initialised with SHALE_STATS_INIT (the same minimum struct_size as
 * shale_stats_init; on failure the fields this library knows are zeroed).
 * Returns SHALE_OK;
 * SHALE_E_INVALID_ARGUMENT; SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED.
 * The same figures as text: shale_db_property(db, "shale.stats", ...).
 * Thread-safe. Since 0.2.0. */
SHALE_API int32_t shale_db_stats(shale_db *db, shale_stats *stats);

/* ---------------------------------------------------------------------- */
/* Write batches                                                           */
/* ---------------------------------------------------------------------- */

/* Creates an empty batch of writes applied atomically by shale_db_write.
 * A batch is not bound to a db. out: not NULL; *out an owned handle to free
 * with shale_batch_free, NULL on failure. Returns SHALE_OK;
 * SHALE_E_INVALID_ARGUMENT; SHALE_E_NOMEM. Since 0.1.0. */
SHALE_API int32_t shale_batch_new(shale_batch **out);

/* Frees the batch. batch: consumed (in); NULL is a no-op. Returns SHALE_OK;
 * SHALE_E_INVALID_HANDLE; SHALE_E_BUSY. Since 0.1.0. */
SHALE_API int32_t shale_batch_free(shale_batch *batch);

/* Appends "set key to value" to the batch; key and value are copied.
 * Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT (NULL with non-zero length,
 * over a limit, or the batch would pass SHALE_MAX_BATCH_SIZE; the batch is
 * then unchanged); SHALE_E_INVALID_HANDLE; SHALE_E_BUSY; SHALE_E_NOMEM.
 * Single-owner. Since 0.1.0. */
SHALE_API int32_t shale_batch_put(shale_batch *batch, const void *key,
                                  size_t key_len, const void *value,
                                  size_t value_len);

/* Appends "remove key" to the batch. Returns as shale_batch_put.
 * Single-owner. Since 0.1.0. */
SHALE_API int32_t shale_batch_delete(shale_batch *batch, const void *key,
                                     size_t key_len);

/* Removes every entry from the batch. Returns SHALE_OK;
 * SHALE_E_INVALID_HANDLE; SHALE_E_BUSY. Single-owner. Since 0.1.0. */
SHALE_API int32_t shale_batch_clear(shale_batch *batch);

/* Number of entries (puts and deletes) in the batch. count: not NULL; 0 on
 * failure. Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT;
 * SHALE_E_INVALID_HANDLE; SHALE_E_BUSY. Single-owner. Since 0.1.0. */
SHALE_API int32_t shale_batch_count(shale_batch *batch, size_t *count);

/* Applies every entry of batch to db atomically, in order: after a crash
 * either all of it or none of it is present. The batch is not consumed and
 * may be reused. An empty batch is a successful no-op.
 * Returns as shale_db_put, plus SHALE_E_BUSY if the batch is in use by
 * another thread. Thread-safe for db; single-owner for batch. Since 0.1.0. */
SHALE_API int32_t shale_db_write(shale_db *db, shale_batch *batch);

/* ---------------------------------------------------------------------- */
/* Many keys in one call                                                   */
/* ---------------------------------------------------------------------- */

/* These take `count` keys laid end to end in one buffer (`keys`, borrowed
 * (in)) with their lengths in an array (`key_lens`, count elements,
 * borrowed (in)); values likewise. A binding joins its keys once and
 * crosses the FFI once per call instead of once per key. keys and values
 * may be NULL only when every length is 0; key_lens and value_lens may be
 * NULL only when count is 0. Every key and value is checked before
 * anything is read or written: on SHALE_E_INVALID_ARGUMENT the message
 * names the index of the first bad one, and nothing was written. */

/* value_lens entry of a key that has no value. */
#define SHALE_MISSING SIZE_MAX

/* Reads count keys, all as of one point in time (snapshot, or the state
 * at this call). values: not NULL; on SHALE_OK *values is an owned (out)
 * buffer holding the values found, end to end in key order (non-NULL
 * even when none was found; free with shale_free), otherwise NULL.
 * value_lens: not NULL unless count is 0; count elements, filled by the
 * call: the length of key i's value, or SHALE_MISSING if it has none;
 * all SHALE_MISSING on failure. found: NULL or set to the number of keys
 * found (0 on failure). A key may appear several times.
 * Returns SHALE_OK (also when some or all keys are missing);
 * SHALE_E_INVALID_ARGUMENT; SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED;
 * SHALE_E_NOMEM; SHALE_E_IO; SHALE_E_CORRUPTION. Thread-safe.
 * Since 0.3.0. */
SHALE_API int32_t shale_db_get_many(shale_db *db, shale_snapshot *snapshot,
                                    size_t count, const void *keys,
                                    const size_t *key_lens, void **values,
                                    size_t *value_lens, size_t *found);

/* Sets count keys to their values in one atomic write (as a batch: after
 * a crash all of it or none of it is present); a later key wins over an
 * earlier equal one. Returns as shale_db_put (the total must also stay
 * within SHALE_MAX_BATCH_SIZE). Thread-safe. Since 0.3.0. */
SHALE_API int32_t shale_db_put_many(shale_db *db, size_t count,
                                    const void *keys, const size_t *key_lens,
                                    const void *values,
                                    const size_t *value_lens);

/* Removes count keys in one atomic write. Returns as shale_db_put_many.
 * Thread-safe. Since 0.3.0. */
SHALE_API int32_t shale_db_delete_many(shale_db *db, size_t count,
                                       const void *keys,
                                       const size_t *key_lens);

/* Appends count puts to a batch, in order. On any error the batch is
 * unchanged. Returns as shale_batch_put. Single-owner. Since 0.3.0. */
SHALE_API int32_t shale_batch_put_many(shale_batch *batch, size_t count,
                                       const void *keys,
                                       const size_t *key_lens,
                                       const void *values,
                                       const size_t *value_lens);

/* Appends count deletes to a batch. Returns as shale_batch_put_many.
 * Single-owner. Since 0.3.0. */
SHALE_API int32_t shale_batch_delete_many(shale_batch *batch, size_t count,
                                          const void *keys,
                                          const size_t *key_lens);

/* ---------------------------------------------------------------------- */
/* Snapshots                                                               */
/* ---------------------------------------------------------------------- */

/* Captures the db's current state; reads through the snapshot see exactly
 * the writes acknowledged before this call. db: borrowed (in). out: not
 * NULL; *out an owned handle to free with shale_snapshot_free, NULL on
 * failure. Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT;
 * SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED; SHALE_E_NOMEM. Thread-safe.
 * Since 0.1.0. */
SHALE_API int32_t shale_snapshot_new(shale_db *db, shale_snapshot **out);

/* Releases the snapshot (also after its db was closed). snapshot: consumed
 * (in); NULL is a no-op. Returns SHALE_OK; SHALE_E_INVALID_HANDLE.
 * Since 0.1.0. */
SHALE_API int32_t shale_snapshot_free(shale_snapshot *snapshot);

/* ---------------------------------------------------------------------- */
/* Iterators                                                               */
/* ---------------------------------------------------------------------- */

typedef struct shale_iter_options {
  /* sizeof(shale_iter_options) as the caller compiled it. */
  size_t struct_size;
  /* NULL: iterate a snapshot taken when the iterator is created. Otherwise
   * a snapshot of the same db (borrowed; the iterator keeps its own
   * reference, so the snapshot may be freed before the iterator). */
  shale_snapshot *snapshot;
  /* Inclusive lower bound. A bound is absent when its pointer is NULL (the
   * length must then be 0); a non-NULL pointer with length 0 is the empty
   * key. Copied by shale_iter_new. */
  const void *lower_bound;
  size_t lower_bound_len;
  /* Exclusive upper bound, as lower_bound. */
  const void *upper_bound;
  size_t upper_bound_len;
  /* Only keys that start with prefix; NULL for none. Copied. Combined with
   * the bounds (both apply). */
  const void *prefix;
  size_t prefix_len;
} shale_iter_options;

/* Fills *options with the defaults (no snapshot, bounds or prefix) and
 * sets struct_size. Returns SHALE_OK or SHALE_E_INVALID_ARGUMENT.
 * Since 0.1.0. */
SHALE_API int32_t shale_iter_options_init(shale_iter_options *options,
                                          size_t struct_size);
#define SHALE_ITER_OPTIONS_INIT(options)                                      \
  shale_iter_options_init((options), sizeof(*(options)))

/* Creates an iterator over one consistent point in time (the snapshot in
 * options, or the state at this call). It starts unpositioned: call
 * shale_iter_first/last/seek. db: borrowed (in). options: borrowed (in),
 * NULL for none. out: not NULL; *out an owned handle to free with
 * shale_iter_free, NULL on failure. Returns SHALE_OK;
 * SHALE_E_INVALID_ARGUMENT (a snapshot of another db, a bound over the key
 * limit, a bound or prefix pointer NULL with a non-zero length,
 * options->struct_size too small); SHALE_E_INVALID_HANDLE (db, or a
 * snapshot that is not a live snapshot handle); SHALE_E_CLOSED;
 * SHALE_E_NOMEM.
 * Thread-safe for db. Since 0.1.0. */
SHALE_API int32_t shale_iter_new(shale_db *db,
                                 const shale_iter_options *options,
                                 shale_iter **out);

/* Frees the iterator (also after its db was closed). iter: consumed (in);
 * NULL is a no-op. Returns SHALE_OK; SHALE_E_INVALID_HANDLE; SHALE_E_BUSY.
 * Since 0.1.0. */
SHALE_API int32_t shale_iter_free(shale_iter *iter);

/* Movement. Each returns SHALE_OK if the iterator is now on an entry,
 * SHALE_NOT_FOUND if there is none in that direction (it is then
 * unpositioned), or an error: SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED;
 * SHALE_E_BUSY; SHALE_E_INVALID_ARGUMENT (next/prev when unpositioned;
 * a NULL key with non-zero length); SHALE_E_IO; SHALE_E_CORRUPTION.
 * A move invalidates pointers from shale_iter_key/value. Single-owner.
 * Since 0.1.0. */
/* To the smallest key in range. */
SHALE_API int32_t shale_iter_first(shale_iter *iter);
/* To the largest key in range. */
SHALE_API int32_t shale_iter_last(shale_iter *iter);
/* To the first key >= key. key: borrowed (in). */
SHALE_API int32_t shale_iter_seek(shale_iter *iter, const void *key,
                                  size_t key_len);
/* To the last key <= key. key: borrowed (in). */
SHALE_API int32_t shale_iter_seek_for_prev(shale_iter *iter, const void *key,
                                           size_t key_len);
/* To the following key. */
SHALE_API int32_t shale_iter_next(shale_iter *iter);
/* To the preceding key. */
SHALE_API int32_t shale_iter_prev(shale_iter *iter);

/* Returns SHALE_OK if the iterator is on an entry, SHALE_NOT_FOUND if not
 * (as the moves do), or an error: SHALE_E_INVALID_HANDLE, SHALE_E_CLOSED,
 * SHALE_E_BUSY. Single-owner. Since 0.1.0. */
SHALE_API int32_t shale_iter_valid(shale_iter *iter);

/* The current entry's key / value. key, value: not NULL; borrowed (out):
 * valid until the next move, shale_iter_free, or the db's close; NULL/0 on
 * failure. Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT (NULL out-pointer, or
 * the iterator is not on an entry); SHALE_E_INVALID_HANDLE; SHALE_E_CLOSED;
 * SHALE_E_BUSY. Single-owner. Since 0.1.0. */
SHALE_API int32_t shale_iter_key(shale_iter *iter, const void **key,
                                 size_t *key_len);
SHALE_API int32_t shale_iter_value(shale_iter *iter, const void **value,
                                   size_t *value_len);

/* Directions for shale_iter_next_many. */
#define SHALE_ITER_FORWARD 0
#define SHALE_ITER_BACKWARD 1

/* Reads entries starting at the current one and moving in direction
 * (SHALE_ITER_FORWARD: as shale_iter_next; SHALE_ITER_BACKWARD: as
 * shale_iter_prev), at most max_count of them and, after the first, no
 * more than max_bytes of keys and values (0: no byte limit). The iterator
 * is left on the entry after the last one returned (unpositioned if there
 * is none), so repeated calls walk the range. data: not NULL; on SHALE_OK
 * *data is an owned (out) buffer, key 0, value 0, key 1, value 1, ... end
 * to end, free with shale_free; otherwise NULL. lens: not NULL; 2 *
 * max_count elements: lens[2i] the length of key i, lens[2i+1] of value i.
 * count: not NULL; the number of entries read (0 unless SHALE_OK).
 * Returns SHALE_OK (count >= 1); SHALE_NOT_FOUND if the iterator is not on
 * an entry; SHALE_E_INVALID_ARGUMENT (a NULL out-pointer, max_count 0 or
 * over SIZE_MAX / 2, an unknown direction); SHALE_E_INVALID_HANDLE;
 * SHALE_E_CLOSED; SHALE_E_BUSY; SHALE_E_NOMEM; SHALE_E_IO;
 * SHALE_E_CORRUPTION (after an I/O error or corruption the entries before
 * it are not returned; the iterator is left where the error happened).
 * Single-owner. Since 0.3.0. */
SHALE_API int32_t shale_iter_next_many(shale_iter *iter, int32_t direction,
                                       size_t max_count, size_t max_bytes,
                                       void **data, size_t *lens,
                                       size_t *count);

/* As shale_iter_next_many, without copying the entries: ptrs[2i] and
 * ptrs[2i+1] point at the bytes of key i and value i, lens[2i] and
 * lens[2i+1] give their lengths. The pointed-to bytes are borrowed (out):
 * valid until the next call with this iterator (whatever it returns) or
 * shale_iter_free, and never written to by the caller; a key or value of
 * 0 bytes has a non-NULL pointer. While lent, the entries' table blocks
 * and memtables stay in memory: max_count and max_bytes bound how much
 * (blocks of 4 KiB by default). ptrs, lens: not NULL; 2 * max_count
 * elements each, written for the count entries returned. count: not NULL;
 * 0 unless SHALE_OK. Returns as shale_iter_next_many (SHALE_E_INVALID_ARGUMENT
 * names ptrs where that names data). Single-owner. Since 0.4.0. */
SHALE_API int32_t shale_iter_borrow_many(shale_iter *iter, int32_t direction,
                                         size_t max_count, size_t max_bytes,
                                         const void **ptrs, size_t *lens,
                                         size_t *count);

/* ---------------------------------------------------------------------- */
/* Scans                                                                   */
/* ---------------------------------------------------------------------- */

/* Flag for shale_db_scan: visit keys from largest to smallest. */
#define SHALE_SCAN_REVERSE 1u

/* Calls fn for every entry in range (options as for shale_iter_new, NULL
 * for all keys), in key order or, with SHALE_SCAN_REVERSE, in reverse.
 * All entries come from one point in time. fn: not NULL. user: passed to
 * fn. flags: 0 or SHALE_SCAN_REVERSE.
 * Returns SHALE_OK when every entry was visited; SHALE_E_CANCELLED if fn
 * returned non-zero; SHALE_E_INVALID_ARGUMENT for a NULL fn or an unknown
 * flag; the errors of shale_iter_new and the moves.
 * Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_scan(shale_db *db,
                                const shale_iter_options *options,
                                uint32_t flags, shale_scan_fn fn, void *user);

/* ---------------------------------------------------------------------- */
/* Change subscriptions                                                    */
/* ---------------------------------------------------------------------- */

/* Calls fn for every change, made through this db handle, to a key that
 * starts with prefix (length 0: every key). See shale_change_fn for the
 * thread and timing. prefix: borrowed (in), copied. fn: not NULL. user:
 * passed to fn. user_free: optional, called exactly once with user when
 * the subscription ends (shale_unsubscribe or shale_db_close), after fn
 * has returned for the last time. out: not NULL; *out an owned handle to
 * release with shale_unsubscribe, NULL on failure (user_free is then not
 * called: the caller still owns user).
 * Returns SHALE_OK; SHALE_E_INVALID_ARGUMENT; SHALE_E_INVALID_HANDLE;
 * SHALE_E_CLOSED; SHALE_E_NOMEM. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_db_subscribe(shale_db *db, const void *prefix,
                                     size_t prefix_len, shale_change_fn fn,
                                     void *user, shale_user_free_fn user_free,
                                     shale_subscription **out);

/* Ends the subscription and frees its handle. When it returns, fn is not
 * running and never runs again — except when called from inside fn itself,
 * in which case fn is not called again after it returns. user_free, if
 * any, has run (or, from inside fn, runs when fn returns). Also valid after
 * the db was closed (the subscription had already ended). subscription:
 * consumed (in); NULL is a no-op. Returns SHALE_OK; SHALE_E_INVALID_HANDLE.
 * Because it waits for fn's calls on other threads, two callbacks that
 * unsubscribe each other's subscriptions from two threads at the same
 * moment wait for each other forever (as two locks taken in opposite order
 * would); unsubscribe from inside a callback only its own subscription, or
 * make sure the other one is not running. Thread-safe. Since 0.1.0. */
SHALE_API int32_t shale_unsubscribe(shale_subscription *subscription);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SHALE_H */
