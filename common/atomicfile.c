/*
 * atomicfile.c - temporary file, fsync, rename, directory fsync.
 */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "signals.h"
#include "util.h"

/*
 * Live temporary names, for removal at exit or on a signal.  The list is
 * only changed with signals blocked, and the signal path only reads it.
 */
struct tmp_entry {
	struct tmp_entry *next, *prev;
	char *name;
};

static struct tmp_entry *volatile live;
static bool cleanup_registered;

static void
cleanup_at_exit(void)
{
	ev_remove_tmp_files();
}

void
ev_remove_tmp_files(void)
{
	struct tmp_entry *e;

	/* Async-signal-safe: unlink only. */
	for (e = live; e; e = e->next)
		if (e->name)
			unlink(e->name);
}

static struct tmp_entry *
track(const char *name)
{
	struct tmp_entry *e = ev_malloc(sizeof(*e));
	sigset_t old;

	e->name = ev_strdup(name);
	e->prev = NULL;
	ev_signals_block(&old);
	e->next = live;
	if (e->next)
		e->next->prev = e;
	live = e;
	ev_signals_restore(&old);
	if (!cleanup_registered) {
		atexit(cleanup_at_exit);
		cleanup_registered = true;
	}
	return e;
}

/* Unlinks E from the list in constant time (a writer may hold thousands). */
static void
untrack(struct tmp_entry *e)
{
	sigset_t old;

	if (e == NULL)
		return;
	ev_signals_block(&old);
	if (e->prev)
		e->prev->next = e->next;
	else
		live = e->next;
	if (e->next)
		e->next->prev = e->prev;
	ev_signals_restore(&old);
	free(e->name);
	free(e);
}

bool
atomic_is_tmp_name(const char *name)
{
	size_t n = strlen(name), k = strlen(ATOMIC_TMP_SUFFIX);

	return name[0] == '.' && n > k &&
	       strcmp(name + n - k, ATOMIC_TMP_SUFFIX) == 0;
}

int
atomic_file_open(struct atomic_file *af, const char *path, mode_t mode)
{
	static struct ev_rng rng;
	static bool seeded;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	char *tmp;
	int fd = -1, tries, saved;
	struct tmp_entry *entry = NULL;

	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ev_rng_seed(&rng, (uint64_t)ts.tv_nsec ^
				      ((uint64_t)getpid() << 32) ^
				      (uint64_t)ts.tv_sec);
		seeded = true;
	}
	tmp = ev_malloc(dirlen + strlen(base) + 64);
	for (tries = 0; tries < 100; tries++) {
		sigset_t old;

		snprintf(
		    tmp, dirlen + strlen(base) + 64, "%.*s.%s.%ld.%08llx%s",
		    (int)dirlen, path, base, (long)getpid(),
		    (unsigned long long)(ev_rng_next(&rng) & 0xffffffffULL),
		    ATOMIC_TMP_SUFFIX);
		/* Track before the file exists, so no signal can orphan it. */
		entry = track(tmp);
		ev_signals_block(&old);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		ev_signals_restore(&old);
		if (fd >= 0)
			break;
		saved = errno;
		untrack(entry);
		errno = saved;
		if (errno != EEXIST) {
			free(tmp);
			return -1;
		}
	}
	if (fd < 0) {
		free(tmp);
		errno = EEXIST;
		return -1;
	}
	af->path = ev_strdup(path);
	af->tmp = tmp;
	af->fd = fd;
	af->entry = entry;
	return 0;
}

int
fsync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, r, saved;

	if (slash == NULL)
		dir = ev_strdup(".");
	else if (slash == path)
		dir = ev_strdup("/");
	else
		dir = ev_strndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	/* Some file systems cannot sync directories; that is not a failure. */
	if (r < 0 && (errno == EINVAL || errno == EROFS))
		r = 0;
	return r;
}

static void
release(struct atomic_file *af)
{
	free(af->tmp);
	free(af->path);
	af->tmp = NULL;
	af->path = NULL;
	af->fd = -1;
}

int
atomic_file_commit(struct atomic_file *af)
{
	int saved;

	if (af->tmp == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (fsync(af->fd) < 0)
		goto fail;
	if (close(af->fd) < 0) {
		af->fd = -1;
		goto fail;
	}
	af->fd = -1;
	if (rename(af->tmp, af->path) < 0)
		goto fail;
	untrack(af->entry);
	af->entry = NULL;
	if (fsync_parent_dir(af->path) < 0) {
		saved = errno;
		release(af);
		errno = saved;
		return -1;
	}
	release(af);
	return 0;
fail:
	saved = errno;
	atomic_file_abort(af);
	errno = saved;
	return -1;
}

void
atomic_file_abort(struct atomic_file *af)
{
	int saved = errno;

	if (af->tmp == NULL)
		return;
	if (af->fd >= 0)
		close(af->fd);
	unlink(af->tmp);
	untrack(af->entry);
	af->entry = NULL;
	release(af);
	errno = saved;
}

int
atomic_write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	struct atomic_file af;

	if (atomic_file_open(&af, path, mode) < 0)
		return -1;
	if (ev_write_all(af.fd, p, n) < 0) {
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af);
}

int
mkdir_parents(const char *path)
{
	char *p, *s;
	struct stat st;
	int r = 0;

	if (*path == '\0') { /* as mkdir("") */
		errno = ENOENT;
		return -1;
	}
	p = ev_strdup(path);
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		{
			char c = *s;

			*s = '\0';
			if (stat(p, &st) < 0) {
				if (errno != ENOENT ||
				    (mkdir(p, 0777) < 0 && errno != EEXIST) ||
				    fsync_parent_dir(p) < 0) {
					r = -1;
					break;
				}
			} else if (!S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				r = -1;
				break;
			}
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	free(p);
	return r;
}
