/*
 * atomicfile.h - files that appear whole or not at all.
 *
 * A file is written under a hidden temporary name in its target directory
 * (".NAME.PID.RANDOM.evtmp"), fsync()ed, renamed over the final name, and
 * the directory fsync()ed, so a reader never sees half a file and a crash
 * leaves at most a hidden temporary file.  Temporary files that are neither
 * committed nor aborted are removed when the program exits (also through
 * ev_die) and when it stops on SIGINT, SIGTERM or SIGHUP through
 * ev_signals_install.
 */
#ifndef EV_ATOMICFILE_H
#define EV_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The suffix every temporary file carries; nothing else uses it. */
#define ATOMIC_TMP_SUFFIX ".evtmp"

struct atomic_file {
	char *path; /* the final name */
	char *tmp;  /* the temporary name, NULL once committed or aborted */
	int fd;
	void *entry; /* its place in the list of live temporary files */
};

/*
 * Creates the temporary file for PATH with MODE (subject to the umask).
 * Returns 0, or -1 with errno set (the directory is not created).
 */
int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode);

/*
 * fsync, rename over the final name, fsync the directory.  The descriptor
 * is closed in every case.  Returns 0, or -1 with errno set and the
 * temporary file removed.
 */
int atomic_file_commit(struct atomic_file *af);

/* Closes and removes the temporary file; a no-op after commit. */
void atomic_file_abort(struct atomic_file *af);

/*
 * Writes N bytes at P to PATH atomically (open, write, commit).  Returns 0,
 * or -1 with errno set.
 */
int atomic_write_file(const char *path, const void *p, size_t n, mode_t mode);

/* fsync(2) the directory that contains PATH.  Returns 0 or -1. */
int fsync_parent_dir(const char *path);

/* True when NAME (a file name, no directory) is an atomic temporary file. */
bool atomic_is_tmp_name(const char *name);

/*
 * Creates directory PATH and its missing parents (mode 0777 less umask),
 * fsync()ing each parent that gained an entry.  Returns 0, or -1 with errno.
 */
int mkdir_parents(const char *path);

#endif
