/*
 * lake.c - what evpartition keeps about a lake beside the data: the lock,
 * the layout marker, and one journal per run id.
 *
 *   ROOT/_evtools_layout.json          the layout (layout.h), for evcat
 *   ROOT/_evpartition/lock             flock(2): shared while writing,
 *                                      exclusive while tidying up
 *   ROOT/_evpartition/active/RUN_ID    journal of a run in progress (or
 *                                      killed): every file it may have
 *                                      committed, written before the
 *                                      file's temporary file is created
 *   ROOT/_evpartition/runs/RUN_ID      the files the last complete run
 *                                      with this id committed
 *
 * The journals make re-runs exact and cleanup cheap: a complete run
 * removes the files of earlier runs with its id that it did not write
 * again (listed in runs/ or active/), and a run that has the lake to
 * itself removes the temporary files of killed runs in the directories
 * their journals name, instead of walking the whole lake.  Names starting
 * with '_' are hidden from evcat, Spark, Hive and the like.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "evpartition.h"
#include "signals.h"
#include "util.h"

/* A list of strings. */
struct strv {
	char **v;
	size_t n, cap;
};

static void
strv_add(struct strv *sv, const char *s, size_t n)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 64;
		sv->v = ev_reallocarray(sv->v, sv->cap, sizeof(char *));
	}
	sv->v[sv->n++] = ev_strndup(s, n);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and removes duplicates. */
static void
strv_uniq(struct strv *sv)
{
	size_t i, k = 0;

	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(char *), str_cmp);
	for (i = 0; i < sv->n; i++) {
		if (k > 0 && strcmp(sv->v[k - 1], sv->v[i]) == 0) {
			free(sv->v[i]);
			continue;
		}
		sv->v[k++] = sv->v[i];
	}
	sv->n = k;
}

static void
strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

size_t
lake_part_name(const char *name, size_t n, const char *run_id, uint64_t *num,
	       bool *gz)
{
	size_t rl = strlen(run_id), i, start;
	uint64_t v = 0;

	if (n < 6 + rl || memcmp(name, "part-", 5) != 0 ||
	    memcmp(name + 5, run_id, rl) != 0 || name[5 + rl] != '-')
		return 0;
	start = i = 6 + rl;
	while (i < n && isdigit((unsigned char)name[i]) && i - start < 19)
		v = v * 10 + (uint64_t)(name[i++] - '0');
	/* Only the names evpartition writes: %05llu. */
	if (i - start < 5 || (i - start > 5 && name[start] == '0'))
		return 0;
	*num = v;
	if (n - i >= 9 && memcmp(name + i, ".jsonl.gz", 9) == 0) {
		*gz = true;
		return i + 9;
	}
	if (n - i >= 6 && memcmp(name + i, ".jsonl", 6) == 0) {
		*gz = false;
		return i + 6;
	}
	return 0;
}

/* Whether NAME is a temporary file of a part file of RUN_ID. */
static bool
is_run_tmp(const char *name, const char *run_id)
{
	uint64_t num;
	bool gz;
	size_t m;

	if (!atomic_is_tmp_name(name))
		return false;
	m = lake_part_name(name + 1, strlen(name + 1), run_id, &num, &gz);
	return m > 0 && name[1 + m] == '.';
}

bool
lake_valid_run_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > EVP_RUN_ID_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/*
 * Whether the journal line E (N bytes) names a part file of RUN_ID in a
 * directory below the root: relative, no empty, "." or ".." component.
 */
static bool
valid_entry(const char *e, size_t n, const char *run_id)
{
	size_t i = 0, ncomp = 0;

	while (i < n) {
		size_t j = i;
		uint64_t num;
		bool gz;

		while (j < n && e[j] != '/')
			j++;
		if (j == i || (j - i == 1 && e[i] == '.') ||
		    (j - i == 2 && e[i] == '.' && e[i + 1] == '.'))
			return false;
		ncomp++;
		if (j == n)
			return ncomp >= 2 &&
			       lake_part_name(e + i, j - i, run_id, &num,
					      &gz) == j - i;
		i = j + 1;
	}
	return false;
}

/* Appends the valid entries of the journal or list at PATH to SV. */
static int
read_entries(const char *path, const char *run_id, struct strv *sv)
{
	struct buf b = BUF_INIT;
	size_t i, start;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (buf_read_fd(&b, fd, 0) < 0) {
		int saved = errno;

		close(fd);
		buf_free(&b);
		errno = saved;
		return -1;
	}
	close(fd);
	for (start = i = 0; i < b.len; i++) {
		if (b.data[i] != '\n')
			continue;
		if (valid_entry(b.data + start, i - start, run_id))
			strv_add(sv, b.data + start, i - start);
		start = i + 1;
	}
	/* A last line without '\n' was cut short by a crash: ignore it. */
	buf_free(&b);
	return 0;
}

/*
 * Removes the temporary files in DIR: all of them, or only those of
 * RUN_ID's part files.
 */
static void
sweep_dir(struct lake *lk, const char *dir, const char *run_id)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		if (errno != ENOENT && errno != ENOTDIR)
			ev_warn("%s:", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (run_id ? !is_run_tmp(de->d_name, run_id)
			   : !atomic_is_tmp_name(de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			lk->tmp_removed++;
		else if (errno != ENOENT)
			ev_warn("%s/%s:", dir, de->d_name);
	}
	closedir(d);
}

/* Sweeps the directories of the entries in SV for RUN_ID's leftovers. */
static void
sweep_entries(struct lake *lk, const struct strv *sv, const char *run_id)
{
	struct strv dirs = {0};
	size_t i;

	for (i = 0; i < sv->n; i++)
		strv_add(&dirs, sv->v[i],
			 (size_t)(strrchr(sv->v[i], '/') - sv->v[i]));
	strv_uniq(&dirs);
	for (i = 0; i < dirs.n; i++) {
		buf_reset(&lk->scratch);
		buf_printf(&lk->scratch, "%s/%s", lk->root, dirs.v[i]);
		sweep_dir(lk, buf_str(&lk->scratch), run_id);
	}
	strv_free(&dirs);
}

static bool
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Writes SV as the list of run RUN_ID's files (or removes an empty one). */
static int
write_list(struct lake *lk, const char *run_id, const struct strv *sv)
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	size_t i;
	int r = 0;

	buf_printf(&path, "%s/runs/%s", lk->state, run_id);
	for (i = 0; i < sv->n; i++) {
		buf_adds(&b, sv->v[i]);
		buf_addc(&b, '\n');
	}
	if (b.len == 0) {
		if (unlink(buf_str(&path)) < 0 && errno != ENOENT)
			r = -1;
	} else {
		r = atomic_write_file(buf_str(&path), b.data, b.len, 0666);
	}
	if (r < 0)
		ev_warn("%s:", buf_str(&path));
	buf_free(&path);
	buf_free(&b);
	return r;
}

/*
 * Tidies up after the killed run RUN_ID, unless it is alive: removes its
 * temporary files and folds its journal into its list of files.
 */
static void
recover_dead(struct lake *lk, const char *run_id)
{
	struct buf jp = BUF_INIT, lp = BUF_INIT;
	struct strv sv = {0}, kept = {0};
	struct stat st;
	size_t i;
	int fd;

	buf_printf(&jp, "%s/active/%s", lk->state, run_id);
	buf_printf(&lp, "%s/runs/%s", lk->state, run_id);
	fd = open(buf_str(&jp), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto out;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !same_file(fd, buf_str(&jp)))
		goto out; /* running, or just finished */
	if (read_entries(buf_str(&jp), run_id, &sv) < 0 ||
	    read_entries(buf_str(&lp), run_id, &sv) < 0) {
		ev_warn("%s:", buf_str(&jp));
		goto out;
	}
	strv_uniq(&sv);
	sweep_entries(lk, &sv, run_id);
	for (i = 0; i < sv.n; i++) {
		buf_reset(&lk->scratch);
		buf_printf(&lk->scratch, "%s/%s", lk->root, sv.v[i]);
		if (lstat(buf_str(&lk->scratch), &st) == 0)
			strv_add(&kept, sv.v[i], strlen(sv.v[i]));
	}
	if (write_list(lk, run_id, &kept) == 0 && unlink(buf_str(&jp)) == 0)
		lk->recovered++;
out:
	if (fd >= 0)
		close(fd);
	strv_free(&sv);
	strv_free(&kept);
	buf_free(&jp);
	buf_free(&lp);
}

/* With the lake to ourselves: every killed run's leftovers. */
static void
recover_all(struct lake *lk)
{
	static const char *const dirs[] = {"", "/" EVP_STATE_DIR,
					   "/" EVP_STATE_DIR "/active",
					   "/" EVP_STATE_DIR "/runs"};
	struct strv names = {0};
	struct buf dir = BUF_INIT;
	struct dirent *de;
	DIR *d;
	size_t i;

	/* The marker's and the lists' temporary files. */
	for (i = 0; i < EV_ARRAY_LEN(dirs); i++) {
		buf_reset(&dir);
		buf_printf(&dir, "%s%s", lk->root, dirs[i]);
		sweep_dir(lk, buf_str(&dir), NULL);
	}
	buf_reset(&dir);
	buf_printf(&dir, "%s/active", lk->state);
	if ((d = opendir(buf_str(&dir))) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (lake_valid_run_id(de->d_name) &&
			    strcmp(de->d_name, lk->run_id) != 0)
				strv_add(&names, de->d_name,
					 strlen(de->d_name));
		closedir(d);
	}
	strv_uniq(&names);
	for (i = 0; i < names.n; i++)
		recover_dead(lk, names.v[i]);
	strv_free(&names);
	buf_free(&dir);
}

/*
 * Exits unless the layout record of the root, if there is one, holds
 * layout L.  Returns whether there is one.
 */
static bool
check_marker(struct lake *lk, const struct layout *l)
{
	/* Static: still reachable when ev_die exits (no leak reports). */
	static struct buf path, msg;
	struct layout *m;
	const char *err;
	int fd;

	buf_reset(&path);
	buf_printf(&path, "%s/%s", lk->root, LAYOUT_MARKER);
	fd = open(buf_str(&path), O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		ev_die(EV_EXIT_IO, "%s:", buf_str(&path));
	if (fd >= 0)
		close(fd);
	m = layout_marker_read(lk->root, &err);
	if (m == NULL && err)
		ev_die(EV_EXIT_USAGE, "%s: %s", buf_str(&path), err);
	if (m != NULL &&
	    (strcmp(layout_template(m), layout_template(l)) != 0 ||
	     strcmp(layout_type_field(m), layout_type_field(l)) != 0 ||
	     strcmp(layout_time_field(m), layout_time_field(l)) != 0)) {
		buf_printf(
		    &msg,
		    "%s: the lake has layout '%s' (type field '%s', "
		    "time field '%s'); refusing to add layout '%s' (type "
		    "field '%s', time field '%s')",
		    lk->root, layout_template(m), layout_type_field(m),
		    layout_time_field(m), layout_template(l),
		    layout_type_field(l), layout_time_field(l));
		layout_free(m);
		ev_die(EV_EXIT_USAGE, "%s", buf_str(&msg));
	}
	if (m == NULL)
		return false;
	layout_free(m);
	return true;
}

void
lake_open(struct lake *lk, const char *root, const char *run_id,
	  const struct layout *l)
{
	size_t n = strlen(root);
	static struct buf p; /* reachable when ev_die exits */
	struct strv own = {0};
	bool have_marker;

	memset(lk, 0, sizeof(*lk));
	lk->lock_fd = lk->jfd = -1;
	lk->run_id = run_id;
	while (n > 1 && root[n - 1] == '/')
		n--;
	lk->root = ev_strndup(root, n);
	if (mkdir_parents(lk->root) < 0)
		ev_die(EV_EXIT_IO, "%s:", lk->root);
	/* Refuse a lake of another layout before leaving a trace in it. */
	have_marker = check_marker(lk, l);
	buf_printf(&p, "%s/%s", lk->root, EVP_STATE_DIR);
	lk->state = ev_strdup(buf_str(&p));
	buf_adds(&p, "/active");
	if (mkdir_parents(buf_str(&p)) < 0)
		ev_die(EV_EXIT_IO, "%s:", buf_str(&p));
	buf_reset(&p);
	buf_printf(&p, "%s/runs", lk->state);
	if (mkdir_parents(buf_str(&p)) < 0)
		ev_die(EV_EXIT_IO, "%s:", buf_str(&p));

	/* The lake lock: exclusive if we are alone, else shared. */
	buf_reset(&p);
	buf_printf(&p, "%s/lock", lk->state);
	lk->lock_fd = open(buf_str(&p), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (lk->lock_fd < 0)
		ev_die(EV_EXIT_IO, "%s:", buf_str(&p));
	if (flock(lk->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		lk->exclusive = true;
	} else if (errno == EWOULDBLOCK) {
		while (flock(lk->lock_fd, LOCK_SH) < 0) {
			if (errno != EINTR)
				ev_die(EV_EXIT_IO, "%s:", buf_str(&p));
			if (ev_stop_signal)
				ev_exit(EV_EXIT_IO);
		}
	} else {
		ev_die(EV_EXIT_IO, "%s:", buf_str(&p));
	}

	/* Checked again under the lock: a run may have just written it. */
	if (!have_marker && !check_marker(lk, l)) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", lk->root, LAYOUT_MARKER);
		if (layout_marker_write(lk->root, l) < 0)
			ev_die(EV_EXIT_IO, "%s:", buf_str(&p));
	}

	/* The run id's journal: one run at a time per id. */
	buf_reset(&p);
	buf_printf(&p, "%s/active/%s", lk->state, run_id);
	lk->jpath = ev_strdup(buf_str(&p));
	for (;;) {
		lk->jfd = open(lk->jpath,
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (lk->jfd < 0)
			ev_die(EV_EXIT_IO, "%s:", lk->jpath);
		if (flock(lk->jfd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK)
				ev_die(EV_EXIT_LOCKED,
				       "%s: run id '%s' is being written by "
				       "another evpartition",
				       lk->root, run_id);
			ev_die(EV_EXIT_IO, "%s:", lk->jpath);
		}
		if (same_file(lk->jfd, lk->jpath))
			break;
		close(lk->jfd); /* removed by a run that just finished */
	}

	if (lk->exclusive) {
		recover_all(lk);
		if (flock(lk->lock_fd, LOCK_SH) < 0)
			ev_die(EV_EXIT_IO, "%s/lock:", lk->state);
	}
	/* A killed run with our id: its temporary files. */
	if (read_entries(lk->jpath, run_id, &own) < 0)
		ev_die(EV_EXIT_IO, "%s:", lk->jpath);
	sweep_entries(lk, &own, run_id);
	strv_free(&own);
	buf_free(&p);
}

int
lake_journal_add(struct lake *lk, const char *rel, size_t n)
{
	buf_reset(&lk->scratch);
	buf_add(&lk->scratch, rel, n);
	buf_addc(&lk->scratch, '\n');
	return ev_write_all(lk->jfd, lk->scratch.data, lk->scratch.len);
}

/* Removes the directories of REL below the root that are now empty. */
static void
remove_empty_dirs(struct lake *lk, const char *rel)
{
	char *p;

	buf_reset(&lk->scratch);
	buf_printf(&lk->scratch, "%s/%s", lk->root, rel);
	for (;;) {
		p = strrchr(lk->scratch.data, '/');
		if (p == NULL ||
		    (size_t)(p - lk->scratch.data) <= strlen(lk->root))
			return;
		*p = '\0';
		lk->scratch.len = (size_t)(p - lk->scratch.data);
		if (rmdir(lk->scratch.data) < 0)
			return;
	}
}

int
lake_finish(struct lake *lk, struct sink *s)
{
	struct strv sv = {0}, mine = {0};
	struct buf lp = BUF_INIT, list = BUF_INIT;
	int status = 0;
	size_t i, start;

	buf_printf(&lp, "%s/runs/%s", lk->state, lk->run_id);
	if (read_entries(lp.data, lk->run_id, &sv) < 0 ||
	    read_entries(lk->jpath, lk->run_id, &sv) < 0) {
		ev_warn("%s:", lk->jpath);
		status = EV_EXIT_IO;
		goto out;
	}
	strv_uniq(&sv);
	for (i = 0; i < sv.n; i++) {
		if (sink_committed(s, sv.v[i], strlen(sv.v[i])))
			continue;
		buf_reset(&lk->scratch);
		buf_printf(&lk->scratch, "%s/%s", lk->root, sv.v[i]);
		if (unlink(buf_str(&lk->scratch)) == 0) {
			lk->stale_removed++;
			remove_empty_dirs(lk, sv.v[i]);
		} else if (errno != ENOENT) {
			ev_warn("%s:", buf_str(&lk->scratch));
			status = EV_EXIT_IO;
		}
	}
	sink_list(s, &list);
	for (start = i = 0; i < list.len; i++)
		if (list.data[i] == '\n') {
			strv_add(&mine, list.data + start, i - start);
			start = i + 1;
		}
	if (write_list(lk, lk->run_id, &mine) < 0)
		status = EV_EXIT_IO;
	/* The list now says all the journal said: the run is complete. */
	if (status == 0 && unlink(lk->jpath) < 0) {
		ev_warn("%s:", lk->jpath);
		status = EV_EXIT_IO;
	}
out:
	strv_free(&sv);
	strv_free(&mine);
	buf_free(&lp);
	buf_free(&list);
	lake_close(lk);
	return status;
}

void
lake_close(struct lake *lk)
{
	if (lk->jfd >= 0)
		close(lk->jfd);
	if (lk->lock_fd >= 0)
		close(lk->lock_fd);
	lk->jfd = lk->lock_fd = -1;
	free(lk->root);
	free(lk->state);
	free(lk->jpath);
	lk->root = lk->state = lk->jpath = NULL;
	buf_free(&lk->scratch);
}
