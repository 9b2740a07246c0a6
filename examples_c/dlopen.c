/*
 * dlopen.c — use libshale without linking it: load it at run time with
 * dlopen(), look the functions up with dlsym(), and refuse to run if its ABI
 * is not the one this program was written for. This is what a language
 * binding with a C FFI does.
 *
 *   usage: dlopen [LIBRARY [DB_DIR]]
 *          LIBRARY defaults to "libshale.so.1" (found by the dynamic
 *          loader's search path); DB_DIR to a fresh temporary directory.
 *
 * shale.h is included only for its types and constants; nothing is linked
 * but libdl.
 */
#define _POSIX_C_SOURCE 200809L

#include <shale.h>

#include <dlfcn.h>

#include "example_util.h"

/* The shale functions this program uses, as pointers. */
struct shale_api {
  int32_t (*abi_version)(void);
  const char *(*version)(void);
  const char *(*status_name)(int32_t);
  const char *(*last_error)(void);
  void (*free_)(void *);
  int32_t (*db_open)(const char *, const shale_options *, shale_db **);
  int32_t (*db_close)(shale_db *);
  int32_t (*db_put)(shale_db *, const void *, size_t, const void *, size_t);
  int32_t (*db_get)(shale_db *, shale_snapshot *, const void *, size_t,
                    void **, size_t *);
};

/*
 * Looks up one symbol into *fn (a pointer to a function pointer). ISO C has
 * no conversion from dlsym's void * to a function pointer, so the bytes are
 * copied, as POSIX guarantees they mean the same thing.
 */
static int lookup(void *lib, const char *name, void *fn, size_t fn_size) {
  void *sym = dlsym(lib, name);
  if (sym == NULL) {
    fprintf(stderr, "FAILED: dlsym(%s): %s\n", name, dlerror());
    return 0;
  }
  memcpy(fn, &sym, fn_size);
  return 1;
}
#define LOOKUP(lib, api, field, name) \
  lookup((lib), (name), &(api)->field, sizeof((api)->field))

/* Reports a failed call through the loaded library's error functions. */
static int api_ok(const struct shale_api *api, int32_t status,
                  const char *what) {
  const char *message;
  if (status == SHALE_OK) {
    return 1;
  }
  message = api->last_error();
  fprintf(stderr, "FAILED: %s returned %s: %s\n", what,
          api->status_name(status), message);
  return 0;
}

int main(int argc, char **argv) {
  const char *library = argc > 1 ? argv[1] : "libshale.so.1";
  char path[4096];
  int created = 0;
  int success = 0;
  void *lib;
  struct shale_api api;
  shale_db *db = NULL;
  void *value = NULL;
  size_t value_len = 0;

  /* RTLD_LOCAL keeps shale's symbols out of the global namespace. */
  lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "FAILED: dlopen(%s): %s\n", library, dlerror());
    return 1;
  }
  printf("loaded %s\n", library);

  /* Check the ABI first, before trusting any other signature. */
  if (!LOOKUP(lib, &api, abi_version, "shale_abi_version")) {
    dlclose(lib);
    return 1;
  }
  if (api.abi_version() != SHALE_ABI_VERSION) {
    fprintf(stderr, "FAILED: library ABI %d, this program needs ABI %d\n",
            (int)api.abi_version(), SHALE_ABI_VERSION);
    dlclose(lib);
    return 1;
  }
  if (!LOOKUP(lib, &api, version, "shale_version") ||
      !LOOKUP(lib, &api, status_name, "shale_status_name") ||
      !LOOKUP(lib, &api, last_error, "shale_last_error") ||
      !LOOKUP(lib, &api, free_, "shale_free") ||
      !LOOKUP(lib, &api, db_open, "shale_db_open") ||
      !LOOKUP(lib, &api, db_close, "shale_db_close") ||
      !LOOKUP(lib, &api, db_put, "shale_db_put") ||
      !LOOKUP(lib, &api, db_get, "shale_db_get")) {
    dlclose(lib);
    return 1;
  }
  printf("shale %s, ABI %d (this program expects ABI %d)\n", api.version(),
         (int)api.abi_version(), SHALE_ABI_VERSION);

  /* The db directory comes after the library on the command line. */
  if (!scratch_dir(argc > 1 ? argc - 1 : 1, argv + 1, path, sizeof path,
                   &created)) {
    dlclose(lib);
    return 1;
  }

  /* From here on, the same calls as quickstart.c, through the pointers. */
  if (!api_ok(&api, api.db_open(path, NULL, &db), "shale_db_open") ||
      !api_ok(&api, api.db_put(db, "lang", 4, "C via dlopen", 12),
              "shale_db_put") ||
      !api_ok(&api, api.db_get(db, NULL, "lang", 4, &value, &value_len),
              "shale_db_get")) {
    goto out;
  }
  printf("get lang -> %.*s\n", (int)value_len, (const char *)value);
  if (value_len != 12 || memcmp(value, "C via dlopen", 12) != 0) {
    fprintf(stderr, "FAILED: wrong value\n");
    goto out;
  }
  success = 1;

out:
  api.free_(value);
  if (!api_ok(&api, api.db_close(db), "shale_db_close")) {
    success = 0;
  }
  scratch_dir_cleanup(path, created);
  /* Close every db before unloading the library. */
  if (dlclose(lib) != 0) {
    fprintf(stderr, "FAILED: dlclose: %s\n", dlerror());
    success = 0;
  }
  if (success) {
    printf("dlopen: OK\n");
  }
  return success ? 0 : 1;
}
