/* cli_fs.h — the few file-system steps the tool takes itself: telling a
 * new path from an existing store, and removing or renaming into place a
 * store it built (load into a new path). */
#ifndef SHALE_CLI_FS_H
#define SHALE_CLI_FS_H

typedef enum cli_path_state {
  CLI_PATH_MISSING,   /* nothing there */
  CLI_PATH_EMPTY_DIR, /* an empty directory */
  CLI_PATH_OTHER      /* anything else (a store, files, an error) */
} cli_path_state;

cli_path_state cli_path_state_of(const char *path);

/* Removes path and everything under it (symbolic links are removed, not
 * followed). Returns 0 or an errno value. */
int cli_remove_tree(const char *path);

/* Flushes the directory that holds path, so that a rename into it is
 * durable. Returns 0 or an errno value. */
int cli_sync_parent(const char *path);

#endif
