/* cli_fs.c — see cli_fs.h. */
#include "cli_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cli_path_state cli_path_state_of(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    return errno == ENOENT ? CLI_PATH_MISSING : CLI_PATH_OTHER;
  }
  if (!S_ISDIR(st.st_mode)) return CLI_PATH_OTHER;
  DIR *d = opendir(path);
  if (d == NULL) return CLI_PATH_OTHER;
  cli_path_state state = CLI_PATH_EMPTY_DIR;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      state = CLI_PATH_OTHER;
      break;
    }
  }
  closedir(d);
  return state;
}

int cli_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
  if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 ? 0 : errno;
  DIR *d = opendir(path);
  if (d == NULL) return errno;
  int err = 0;
  for (struct dirent *e; err == 0 && (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t n = strlen(path) + strlen(e->d_name) + 2;
    char *child = malloc(n);
    if (child == NULL) {
      err = ENOMEM;
      break;
    }
    snprintf(child, n, "%s/%s", path, e->d_name);
    err = cli_remove_tree(child);
    free(child);
  }
  closedir(d);
  if (err == 0 && rmdir(path) != 0) err = errno;
  return err;
}

int cli_sync_parent(const char *path) {
  size_t n = strlen(path);
  char *dir = malloc(n + 2);
  if (dir == NULL) return ENOMEM;
  memcpy(dir, path, n + 1);
  while (n > 1 && dir[n - 1] == '/') dir[--n] = '\0';
  char *slash = strrchr(dir, '/');
  if (slash == NULL) {
    strcpy(dir, ".");
  } else if (slash == dir) {
    dir[1] = '\0';
  } else {
    *slash = '\0';
  }
  int err = 0;
  int fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) err = errno;
  if (fd >= 0) close(fd);
  free(dir);
  return err;
}
