/*
 * evread.c - operands to validated events: walking, reading, following,
 * positions.
 */
#include "evread.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "hash.h"
#include "layout.h"
#include "lineio.h"
#include "signals.h"
#include "util.h"

#define STDIN_NAME           "<stdin>"
#define FOLLOW_BATCH         4096 /* lines from one file before looking at others */
#define MARKER_SEARCH_LEVELS 8

/* One input file (or standard input) met in this run. */
struct input {
	char *path;
	int fd; /* -1 once closed */
	struct lineio *lio;
	uint64_t dev, ino;
	bool regular, is_stdin;
	bool have_fp;
	uint64_t fp;
	uint32_t fplen;
	uint64_t pos, lineno; /* after the last line handed out */
	bool gzip;
	bool rotated; /* follow: the path now names another file */
	int rotated_polls;
	bool from_walk; /* found at start (--from end applies) */
};

/* A directory being walked. */
struct frame {
	char *dir;
	char **names;
	size_t n, i;
	size_t ncomps; /* components below the root, including this one */
	uint64_t dev, ino;
};

/* A directory operand and the lake root found above it. */
struct operand {
	char *arg;
	char *root;       /* where the layout marker is, or ARG */
	char **rootcomps; /* names from ROOT down to ARG */
	size_t nrootcomps;
};

struct ev_reader {
	struct ev_reader_config cfg;
	struct ev_report *rep;
	char **args;
	size_t nargs;
	struct json_paths *paths;
	struct json_scanner *scanner;
	struct json_value *vals;
	size_t nvals;
	int id_idx, type_idx, time_idx;
	bool started;
	int status;

	/* walking */
	size_t argi;
	struct frame *stack;
	size_t depth, stackcap;
	struct operand *op; /* the operand being walked */
	const char **comps; /* scratch for the descend callback */
	size_t compscap;
	bool walk_done;

	/* inputs */
	struct input **in;
	size_t nin, incap;
	struct input *cur;   /* batch: the file being read */
	size_t rr;           /* follow: round-robin position */
	size_t batch;        /* follow: lines taken from in[rr] */
	bool round_had_data; /* follow */
	double last_data;    /* when input was last seen to have data */
	bool got_data;       /* lines arrived since last_data was set */
	bool idle_called;
	struct input **ghost; /* follow: content of truncated files */
	size_t nghost;
	bool all_stdin;
	struct buf why, scratch;
	uint64_t pruned, files;
	bool *warned_missing; /* follow: per operand */
};

/* ---- set-up ---------------------------------------------------------- */

struct ev_reader *
ev_reader_new(const struct ev_reader_config *cfg, char *const *args,
	      size_t nargs)
{
	static char dashstr[] = "-";
	static char *dash[] = {dashstr};
	struct ev_reader *r = ev_calloc(1, sizeof(*r));
	size_t i;

	r->cfg = *cfg;
	if (r->cfg.poll_ms <= 0)
		r->cfg.poll_ms = 200;
	r->rep = cfg->report;
	if (nargs == 0) {
		args = dash;
		nargs = 1;
	}
	r->args = ev_calloc(nargs, sizeof(char *));
	for (i = 0; i < nargs; i++)
		r->args[i] = ev_strdup(args[i]);
	r->nargs = nargs;
	r->warned_missing = ev_calloc(nargs, sizeof(bool));
	r->all_stdin = true;
	for (i = 0; i < nargs; i++)
		if (strcmp(args[i], "-") != 0)
			r->all_stdin = false;
	r->paths = json_paths_new();
	r->scanner = json_scanner_new();
	r->id_idx = r->type_idx = r->time_idx = -1;
	if (cfg->need_id)
		r->id_idx =
		    ev_reader_add_path(r, "--id-field", cfg->opts->id_field);
	if (cfg->need_type)
		r->type_idx = ev_reader_add_path(r, "--type-field",
						 cfg->opts->type_field);
	if (cfg->need_time)
		r->time_idx = ev_reader_add_path(r, "--time-field",
						 cfg->opts->time_field);
	r->last_data = ev_now_monotonic();
	return r;
}

int
ev_reader_add_path(struct ev_reader *r, const char *option, const char *path)
{
	const char *err;
	int idx;

	if (r->started)
		ev_die(EV_EXIT_USAGE, "internal error: path added late");
	idx = json_paths_add(r->paths, path, &err);
	if (idx < 0)
		ev_die(EV_EXIT_USAGE, "%s: invalid field path '%s': %s", option,
		       path, err);
	return idx;
}

size_t
ev_reader_npaths(const struct ev_reader *r)
{
	return json_paths_count(r->paths);
}

static void
input_close(struct input *f)
{
	if (f->lio) {
		f->pos = lineio_offset(f->lio);
		f->lineno = lineio_lineno(f->lio);
		lineio_free(f->lio); /* closes the fd */
		f->lio = NULL;
	}
	f->fd = -1;
}

void
ev_reader_free(struct ev_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nin; i++) {
		input_close(r->in[i]);
		free(r->in[i]->path);
		free(r->in[i]);
	}
	free(r->in);
	for (i = 0; i < r->nghost; i++) {
		free(r->ghost[i]->path);
		free(r->ghost[i]);
	}
	free(r->ghost);
	while (r->depth > 0) {
		struct frame *fr = &r->stack[--r->depth];

		for (; fr->i < fr->n; fr->i++)
			free(fr->names[fr->i]);
		free(fr->names);
		free(fr->dir);
	}
	free(r->stack);
	if (r->op) {
		for (i = 0; i < r->op->nrootcomps; i++)
			free(r->op->rootcomps[i]);
		free(r->op->rootcomps);
		free(r->op->root);
		free(r->op->arg);
		free(r->op);
	}
	free(r->comps);
	for (i = 0; i < r->nargs; i++)
		free(r->args[i]);
	free(r->args);
	free(r->warned_missing);
	free(r->vals);
	json_paths_free(r->paths);
	json_scanner_free(r->scanner);
	buf_free(&r->why);
	buf_free(&r->scratch);
	free(r);
}

int
ev_reader_status(const struct ev_reader *r)
{
	return r->status;
}

uint64_t
ev_reader_pruned(const struct ev_reader *r)
{
	return r->pruned;
}

uint64_t
ev_reader_files(const struct ev_reader *r)
{
	return r->files;
}

/* ---- walking --------------------------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
operand_free(struct operand *op)
{
	size_t i;

	if (op == NULL)
		return;
	for (i = 0; i < op->nrootcomps; i++)
		free(op->rootcomps[i]);
	free(op->rootcomps);
	free(op->root);
	free(op->arg);
	free(op);
}

/* A Hive partition directory name: "type=...", "dt=..." or "hr=...". */
static bool
is_hive_segment(const char *name)
{
	return strncmp(name, "type=", 5) == 0 || strncmp(name, "dt=", 3) == 0 ||
	       strncmp(name, "hr=", 3) == 0;
}

/*
 * Finds the lake root of a directory operand: the nearest directory at or
 * above it (a few levels at most) holding a layout marker.
 */
static struct operand *
operand_new(const char *arg)
{
	struct operand *op = ev_calloc(1, sizeof(*op));
	char real[PATH_MAX], full[PATH_MAX] = "";
	struct buf probe = BUF_INIT;
	char *cut;
	int level;

	op->arg = ev_strdup(arg);
	if (realpath(arg, real) != NULL) {
		memcpy(full, real, sizeof(full));
		for (level = 0; level < MARKER_SEARCH_LEVELS; level++) {
			buf_reset(&probe);
			buf_printf(&probe, "%s/%s", real, LAYOUT_MARKER);
			if (access(buf_str(&probe), F_OK) == 0) {
				op->root = ev_strdup(real);
				break;
			}
			cut = strrchr(real, '/');
			if (cut == NULL || cut == real)
				break;
			op->rootcomps = ev_reallocarray(
			    op->rootcomps, op->nrootcomps + 1, sizeof(char *));
			memmove(op->rootcomps + 1, op->rootcomps,
				op->nrootcomps * sizeof(char *));
			op->rootcomps[0] = ev_strdup(cut + 1);
			op->nrootcomps++;
			*cut = '\0';
		}
	}
	buf_free(&probe);
	if (op->root == NULL) {
		size_t i, keep = 0, n = op->nrootcomps;

		/*
		 * No marker: the operand's own trailing Hive segments
		 * ("lake/type=a/dt=2024-01-01") still say what it holds.
		 */
		while (keep < n && is_hive_segment(op->rootcomps[n - 1 - keep]))
			keep++;
		for (i = 0; i < n - keep; i++)
			free(op->rootcomps[i]);
		memmove(op->rootcomps, op->rootcomps + (n - keep),
			keep * sizeof(char *));
		op->nrootcomps = keep;
		if (keep == 0) {
			free(op->rootcomps);
			op->rootcomps = NULL;
			op->root = ev_strdup(arg);
		} else {
			/* The root is the directory above those segments. */
			for (i = 0; i < keep; i++)
				*strrchr(full, '/') = '\0';
			op->root = ev_strdup(full[0] ? full : "/");
		}
	}
	return op;
}

static bool
descend_ok(struct ev_reader *r, const char *name)
{
	size_t n = r->op->nrootcomps, i;
	bool ok;

	if (r->cfg.descend == NULL)
		return true;
	if (n + r->depth + 1 > r->compscap) {
		r->compscap = (n + r->depth + 1) * 2;
		r->comps =
		    ev_reallocarray(r->comps, r->compscap, sizeof(char *));
	}
	for (i = 0; i < n; i++)
		r->comps[i] = r->op->rootcomps[i];
	/* Frame 0 is the operand itself; its names are already counted. */
	for (i = 1; i < r->depth; i++) {
		const struct frame *fr = &r->stack[i];

		r->comps[n++] = strrchr(fr->dir, '/') + 1;
	}
	if (name)
		r->comps[n++] = name;
	ok = r->cfg.descend(r->cfg.arg, r->op->root, r->comps, n);
	if (!ok)
		r->pruned++;
	return ok;
}

static int
push_dir(struct ev_reader *r, const char *dir, uint64_t dev, uint64_t ino)
{
	struct frame *fr;
	DIR *d;
	struct dirent *de;
	size_t i;

	for (i = 0; i < r->depth; i++)
		if (r->stack[i].dev == dev && r->stack[i].ino == ino)
			return 0; /* a symlink loop */
	d = opendir(dir);
	if (d == NULL) {
		ev_warn("%s:", dir);
		r->status = EV_EXIT_IO;
		return -1;
	}
	if (r->depth == r->stackcap) {
		r->stackcap = r->stackcap ? r->stackcap * 2 : 8;
		r->stack =
		    ev_reallocarray(r->stack, r->stackcap, sizeof(*r->stack));
	}
	fr = &r->stack[r->depth++];
	memset(fr, 0, sizeof(*fr));
	fr->dir = ev_strdup(dir);
	fr->dev = dev;
	fr->ino = ino;
	while ((de = readdir(d)) != NULL) {
		/* Hidden, temporary and marker files are not data. */
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		fr->names =
		    ev_reallocarray(fr->names, fr->n + 1, sizeof(char *));
		fr->names[fr->n++] = ev_strdup(de->d_name);
	}
	closedir(d);
	if (fr->n > 1)
		qsort(fr->names, fr->n, sizeof(char *), name_cmp);
	return 0;
}

static void
pop_dir(struct ev_reader *r)
{
	struct frame *fr = &r->stack[--r->depth];

	for (; fr->i < fr->n; fr->i++)
		free(fr->names[fr->i]);
	free(fr->names);
	free(fr->dir);
}

/*
 * The next file to read, in order (malloc'd path; "-" for standard input),
 * or NULL when every operand has been walked.  MISSING_OK (follow rescans)
 * keeps quiet about operands that do not exist yet.
 */
static char *
walk_next(struct ev_reader *r, bool missing_ok)
{
	struct stat st;

	for (;;) {
		struct frame *fr;
		char *full;

		if (r->depth == 0) {
			const char *arg;

			if (r->argi == r->nargs)
				return NULL;
			operand_free(r->op);
			r->op = NULL;
			arg = r->args[r->argi++];
			if (strcmp(arg, "-") == 0)
				return ev_strdup(arg);
			if (stat(arg, &st) < 0) {
				if (missing_ok && errno == ENOENT)
					continue;
				if (!r->cfg.follow ||
				    !r->warned_missing[r->argi - 1])
					ev_warn("%s:", arg);
				if (r->cfg.follow) {
					r->warned_missing[r->argi - 1] = true;
					continue;
				}
				r->status = EV_EXIT_IO;
				continue;
			}
			if (!S_ISDIR(st.st_mode))
				return ev_strdup(arg);
			r->op = operand_new(arg);
			if (r->op->nrootcomps > 0 && r->cfg.descend &&
			    !r->cfg.descend(
				r->cfg.arg, r->op->root,
				(const char *const *)r->op->rootcomps,
				r->op->nrootcomps)) {
				r->pruned++;
				continue;
			}
			push_dir(r, arg, (uint64_t)st.st_dev,
				 (uint64_t)st.st_ino);
			continue;
		}
		fr = &r->stack[r->depth - 1];
		if (fr->i == fr->n) {
			pop_dir(r);
			continue;
		}
		full =
		    ev_malloc(strlen(fr->dir) + strlen(fr->names[fr->i]) + 2);
		sprintf(full, "%s%s%s", fr->dir,
			fr->dir[strlen(fr->dir) - 1] == '/' ? "" : "/",
			fr->names[fr->i]);
		free(fr->names[fr->i]);
		fr->i++;
		if (stat(full, &st) < 0) {
			if (errno != ENOENT) { /* vanished meanwhile: fine */
				ev_warn("%s:", full);
				r->status = EV_EXIT_IO;
			}
			free(full);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (descend_ok(r, strrchr(full, '/') + 1))
				push_dir(r, full, (uint64_t)st.st_dev,
					 (uint64_t)st.st_ino);
			free(full);
			continue;
		}
		return full;
	}
}

/* ---- opening ----------------------------------------------------------- */

/*
 * Fingerprint of the decompressed start of the file at FD: hash and length
 * of its first WANT bytes (fewer when it is shorter).
 */
static void
fingerprint_n(int fd, size_t want, uint64_t *fp, uint32_t *fplen)
{
	unsigned char raw[16384], out[CKPT_FP_BYTES];
	ssize_t n;
	size_t got = 0;

	if (want > sizeof(out))
		want = sizeof(out);
	do
		n = pread(fd, raw, sizeof(raw), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = 0;
	if (n >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
		z_stream zs;
		off_t at = n;

		memset(&zs, 0, sizeof(zs));
		if (inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK) {
			zs.next_in = raw;
			zs.avail_in = (uInt)n;
			zs.next_out = out;
			zs.avail_out = (uInt)want;
			for (;;) {
				int zr = inflate(&zs, Z_NO_FLUSH);

				if (zr == Z_STREAM_END && zs.avail_out > 0 &&
				    zs.avail_in == 0) {
					/* Next member, if any. */
					n = pread(fd, raw, sizeof(raw), at);
					if (n <= 0)
						break;
					at += n;
					zs.next_in = raw;
					zs.avail_in = (uInt)n;
					inflateReset(&zs);
					continue;
				}
				if (zr == Z_STREAM_END && zs.avail_out > 0) {
					inflateReset(&zs);
					continue;
				}
				if (zs.avail_out == 0 || zr != Z_OK)
					break;
				if (zs.avail_in == 0) {
					n = pread(fd, raw, sizeof(raw), at);
					if (n <= 0)
						break;
					at += n;
					zs.next_in = raw;
					zs.avail_in = (uInt)n;
				}
			}
			got = want - zs.avail_out;
			inflateEnd(&zs);
		}
	} else {
		got = (size_t)n < want ? (size_t)n : want;
		memcpy(out, raw, got);
	}
	*fp = ev_hash64(out, got);
	*fplen = (uint32_t)got;
}

static void
fingerprint(int fd, uint64_t *fp, uint32_t *fplen)
{
	fingerprint_n(fd, CKPT_FP_BYTES, fp, fplen);
}

static bool
is_gzip_fd(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

static struct input *
find_input(struct ev_reader *r, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < r->nin; i++)
		if (r->in[i]->regular && r->in[i]->dev == dev &&
		    r->in[i]->ino == ino)
			return r->in[i];
	return NULL;
}

static struct input *
add_input(struct ev_reader *r, const char *path)
{
	struct input *f = ev_calloc(1, sizeof(*f));

	if (r->nin == r->incap) {
		r->incap = r->incap ? r->incap * 2 : 16;
		r->in = ev_reallocarray(r->in, r->incap, sizeof(*r->in));
	}
	f->path = ev_strdup(path);
	f->fd = -1;
	r->in[r->nin++] = f;
	return f;
}

/* A full-length fingerprint match among other inputs and truncated ones. */
static const struct input *
find_same_content(struct ev_reader *r, const struct input *f)
{
	size_t i;

	if (f->fplen != CKPT_FP_BYTES)
		return NULL;
	for (i = 0; i < r->nghost; i++)
		if (r->ghost[i]->fp == f->fp)
			return r->ghost[i];
	for (i = 0; i < r->nin; i++)
		if (r->in[i] != f && r->in[i]->have_fp &&
		    r->in[i]->fplen == CKPT_FP_BYTES && r->in[i]->fp == f->fp)
			return r->in[i];
	return NULL;
}

/*
 * Where to start reading a regular file: a checkpoint entry for the same
 * inode and content; else the position reached in the same content under
 * another inode (a rotated log that was copied or compressed), from the
 * checkpoint or from this run; else the beginning (or the end, with
 * --from end).  A match by content alone is announced, never silent.
 */
static void
choose_start(struct ev_reader *r, struct input *f, int fd, uint64_t *offset,
	     uint64_t *lineno, bool *to_end)
{
	struct ckpt_entry *e = NULL;
	const struct input *same;

	*offset = *lineno = 0;
	*to_end = false;
	if (r->cfg.ckpt) {
		e = checkpoint_find(r->cfg.ckpt, f->dev, f->ino);
		if (e && e->fplen != f->fplen) {
			uint64_t fp;
			uint32_t len;

			/* The file grew past a short fingerprint. */
			fingerprint_n(fd, e->fplen, &fp, &len);
			if (len != e->fplen || fp != e->fp)
				e = NULL;
		} else if (e && e->fp != f->fp) {
			e = NULL; /* same inode, other content */
		}
		if (e == NULL && f->fplen == CKPT_FP_BYTES) {
			e = checkpoint_find_fp(r->cfg.ckpt, f->fp, f->dev,
					       f->ino);
			if (e)
				ev_warn("%s: same content as %s in the "
					"checkpoint; resuming after line %llu",
					f->path, e->path,
					(unsigned long long)e->line);
		}
	}
	if (e) {
		*offset = e->offset;
		*lineno = e->line;
		return;
	}
	if ((same = find_same_content(r, f)) != NULL) {
		ev_warn("%s: same content as %s; resuming after line %llu",
			f->path, same->path, (unsigned long long)same->lineno);
		*offset = same->pos;
		*lineno = same->lineno;
		return;
	}
	*to_end = r->cfg.from_end && f->from_walk;
}

/* Opens PATH ("-" for stdin) and prepares reading; NULL on failure. */
static struct input *
open_input(struct ev_reader *r, const char *path, bool from_walk)
{
	struct input *f;
	struct stat st;
	uint64_t offset = 0, lineno = 0;
	bool to_end = false, stdin_in = strcmp(path, "-") == 0;
	int fd;

	if (stdin_in) {
		fd = 0;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ev_warn("%s:", path);
			r->status = EV_EXIT_IO;
			return NULL;
		}
	}
	if (fstat(fd, &st) < 0) {
		ev_warn("%s:", stdin_in ? STDIN_NAME : path);
		r->status = EV_EXIT_IO;
		if (!stdin_in)
			close(fd);
		return NULL;
	}
	if (S_ISREG(st.st_mode) && !stdin_in &&
	    find_input(r, (uint64_t)st.st_dev, (uint64_t)st.st_ino)) {
		close(fd); /* the same file twice (two operands, a link) */
		return NULL;
	}
	f = add_input(r, stdin_in ? STDIN_NAME : path);
	f->fd = fd;
	f->is_stdin = stdin_in;
	f->regular = S_ISREG(st.st_mode);
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->from_walk = from_walk;
	r->files++;
	if (f->regular && (r->cfg.ckpt || r->cfg.follow)) {
		fingerprint(fd, &f->fp, &f->fplen);
		f->have_fp = true;
		choose_start(r, f, fd, &offset, &lineno, &to_end);
	} else if (f->regular) {
		to_end = r->cfg.from_end && from_walk;
	}
	f->gzip = f->regular && is_gzip_fd(fd);
	if (!f->gzip && offset > 0 && (off_t)offset <= st.st_size &&
	    lseek(fd, (off_t)offset, SEEK_SET) == (off_t)offset) {
		f->lio = lineio_new(fd, f->path, !stdin_in,
				    r->cfg.opts->max_line, offset, lineno);
	} else {
		f->lio = lineio_new(fd, f->path, !stdin_in,
				    r->cfg.opts->max_line, 0, 0);
		if (offset > 0 && lineio_skip_to(f->lio, offset) < 0) {
			/* Shorter than the checkpoint says: start over. */
			lineio_free(f->lio);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				ev_warn("%s:", path);
				r->status = EV_EXIT_IO;
				f->lio = NULL;
				return NULL;
			}
			f->lio = lineio_new(fd, f->path, true,
					    r->cfg.opts->max_line, 0, 0);
		}
	}
	if (to_end) {
		if (!f->gzip && f->regular)
			lineio_skip_to(f->lio, (uint64_t)st.st_size);
		else if (f->gzip)
			lineio_skip_to(f->lio, UINT64_MAX);
	}
	f->pos = lineio_offset(f->lio);
	f->lineno = lineio_lineno(f->lio);
	/* Positions are only trusted past complete lines (see evcat(1)). */
	lineio_set_follow(f->lio, r->cfg.follow || r->cfg.ckpt != NULL);
	lineio_set_nonblocking_check(f->lio, true);
	return f;
}

/* ---- lines ------------------------------------------------------------- */

static bool
is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/*
 * Handles one line from F: returns true when it is an accepted event (EV
 * filled), false when it was blank or rejected.
 */
static bool
take_line(struct ev_reader *r, struct input *f, const struct line *ln,
	  struct ev_event *ev)
{
	struct json_error err;
	char reason[160];

	f->pos = ln->next;
	f->lineno = ln->lineno;
	r->rep->lines_in++;
	r->rep->bytes_in += ln->next - ln->offset;
	if ((r->rep->lines_in & 0xffff) == 0)
		report_tick(r->rep);
	if (is_blank(ln->data, ln->len)) {
		r->rep->blank++;
		return false;
	}
	if (json_scan(r->scanner, ln->data, ln->len, r->paths, r->vals, &err) <
	    0) {
		size_t col = 0;

		switch (err.kind) {
		case JSON_E_UTF8:
			col = err.offset + 1;
			snprintf(reason, sizeof(reason),
				 "invalid UTF-8 at column %zu", col);
			break;
		case JSON_E_NOT_OBJECT:
			snprintf(reason, sizeof(reason), "%s", err.msg);
			break;
		default:
			col = err.offset + 1;
			snprintf(reason, sizeof(reason),
				 "invalid JSON at column %zu: %s", col,
				 err.msg);
			break;
		}
		report_reject(r->rep, f->path, ln->lineno, ln->data, ln->len,
			      ln->len, col, reason);
		return false;
	}
	ev->line = ln->data;
	ev->len = ln->len;
	ev->file = f->path;
	ev->lineno = ln->lineno;
	ev->v = r->vals;
	ev->id = r->id_idx >= 0 ? &r->vals[r->id_idx] : NULL;
	ev->type = r->type_idx >= 0 ? &r->vals[r->type_idx] : NULL;
	ev->time = r->time_idx >= 0 ? &r->vals[r->time_idx] : NULL;
	return true;
}

static void
reject_toolong(struct ev_reader *r, struct input *f, const struct line *ln)
{
	char reason[128];

	f->pos = ln->next;
	f->lineno = ln->lineno;
	r->rep->lines_in++;
	r->rep->bytes_in += ln->next - ln->offset;
	snprintf(reason, sizeof(reason),
		 "line too long (%llu bytes, limit %zu)",
		 (unsigned long long)ln->fulllen, r->cfg.opts->max_line);
	report_reject(r->rep, f->path, ln->lineno, ln->data, ln->len,
		      ln->fulllen, 0, reason);
}

static void
reject_stream(struct ev_reader *r, struct input *f, const struct line *ln)
{
	r->rep->lines_in++;
	report_reject(r->rep, f->path, ln->lineno, ln->data, ln->len,
		      ln->fulllen, 0, lineio_error(f->lio));
	f->lineno = ln->lineno;
}

/*
 * Reads from F.  Returns 1 with an event, 0 when F has nothing more for
 * now (*st tells why: LINE_EOF, LINE_AGAIN, LINE_WOULDBLOCK).
 */
static int
read_input(struct ev_reader *r, struct input *f, struct ev_event *ev,
	   enum lineio_status *st, size_t budget)
{
	struct line ln;

	while (budget-- > 0) {
		if (ev_stop_signal) {
			*st = LINE_EOF;
			return 0;
		}
		*st = lineio_next(f->lio, &ln);
		switch (*st) {
		case LINE_OK:
			/* No clock read per line: see idle_seconds. */
			r->got_data = true;
			r->idle_called = false;
			if (take_line(r, f, &ln, ev))
				return 1;
			continue;
		case LINE_TOOLONG:
			reject_toolong(r, f, &ln);
			continue;
		case LINE_BADGZIP:
			reject_stream(r, f, &ln);
			*st = LINE_EOF;
			return 0;
		case LINE_ERROR:
			ev_warn("%s: %s", f->path, lineio_error(f->lio));
			r->status = EV_EXIT_IO;
			*st = LINE_EOF;
			return 0;
		default:
			return 0;
		}
	}
	*st = LINE_AGAIN;
	return 0;
}

/*
 * Seconds without input.  The clock is read only when input pauses: lines
 * that arrived since the last look count as "just now".
 */
static double
idle_seconds(struct ev_reader *r)
{
	double now = ev_now_monotonic();

	if (r->got_data) {
		r->last_data = now;
		r->got_data = false;
	}
	return now - r->last_data;
}

/* Waits for a pipe, with the idle callback; false when stopping. */
static void
wait_pipe(struct ev_reader *r, struct input *f)
{
	for (;;) {
		int timeout = -1;

		if (ev_stop_signal)
			return;
		if (r->cfg.idle > 0 && !r->idle_called)
			timeout = (int)(r->cfg.idle / 1000);
		if (r->cfg.idle_exit > 0) {
			double left = r->cfg.idle_exit / 1e6 - idle_seconds(r);
			int ms = left > 0 ? (int)(left * 1000) + 1 : 0;

			if (timeout < 0 || ms < timeout)
				timeout = ms;
		}
		if (lineio_wait(f->lio, timeout))
			return;
		if (r->cfg.idle_exit > 0 &&
		    idle_seconds(r) >= r->cfg.idle_exit / 1e6)
			return;
		if (r->cfg.idle > 0 && !r->idle_called &&
		    idle_seconds(r) >= r->cfg.idle / 1e6) {
			r->idle_called = true;
			if (r->cfg.on_idle)
				r->cfg.on_idle(r->cfg.arg);
		}
	}
}

static bool
idle_exit_due(struct ev_reader *r)
{
	return r->cfg.idle_exit > 0 &&
	       idle_seconds(r) >= r->cfg.idle_exit / 1e6;
}

static int
next_batch(struct ev_reader *r, struct ev_event *ev)
{
	for (;;) {
		enum lineio_status st;

		if (ev_stop_signal)
			return 0;
		if (r->cur == NULL) {
			char *path = walk_next(r, false);

			if (path == NULL)
				return 0;
			r->cur = open_input(r, path, true);
			free(path);
			continue;
		}
		if (read_input(r, r->cur, ev, &st, SIZE_MAX))
			return 1;
		if (st == LINE_WOULDBLOCK) {
			if (r->cfg.before_wait)
				r->cfg.before_wait(r->cfg.arg);
			wait_pipe(r, r->cur);
			if (idle_exit_due(r))
				return 0;
			continue;
		}
		if (st == LINE_AGAIN && lineio_pending(r->cur->lio) > 0)
			ev_warn(
			    "%s: last line has no newline yet; left for the "
			    "next run",
			    r->cur->path);
		input_close(r->cur);
		r->cur = NULL;
	}
}

/* ---- following -------------------------------------------------------- */

/*
 * Follow: true when the new file PATH starts with the same CKPT_FP_BYTES as
 * a file being followed and no truncated file of that content is known: a
 * copytruncate rotation between its copy and its truncation.  The copy is
 * left for a later look: once the original is truncated, the copy resumes
 * exactly where the original was read up to (a ghost); read now, the lines
 * after that point would come from both files.
 */
static bool
copy_of_live_input(struct ev_reader *r, const char *path)
{
	uint64_t fp;
	uint32_t fplen;
	size_t i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	fingerprint(fd, &fp, &fplen);
	close(fd);
	if (fplen != CKPT_FP_BYTES)
		return false;
	for (i = 0; i < r->nghost; i++)
		if (r->ghost[i]->fp == fp)
			return false;
	for (i = 0; i < r->nin; i++) {
		const struct input *f = r->in[i];

		if (f->lio != NULL && f->regular && !f->rotated && !f->gzip &&
		    f->have_fp && f->fplen == CKPT_FP_BYTES && f->fp == fp)
			return true;
	}
	return false;
}

static void
follow_maintenance(struct ev_reader *r)
{
	size_t i;
	char *path;

	for (i = 0; i < r->nin; i++) {
		struct input *f = r->in[i];
		struct stat st, fst;

		if (f->lio == NULL || !f->regular)
			continue;
		if (f->rotated) {
			/* Drained for two polls after the rename: done. */
			if (++f->rotated_polls > 2)
				input_close(f);
			continue;
		}
		if (stat(f->path, &st) < 0 || (uint64_t)st.st_ino != f->ino ||
		    (uint64_t)st.st_dev != f->dev) {
			f->rotated = true;
			continue;
		}
		if (!f->gzip && fstat(lineio_fd(f->lio), &fst) == 0 &&
		    (uint64_t)fst.st_size < lineio_offset(f->lio)) {
			/* copytruncate: the content before is in the copy. */
			int fd = open(f->path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				struct input *g = ev_calloc(1, sizeof(*g));

				/* Remember the old content for its copy. */
				*g = *f;
				g->path = ev_strdup(f->path);
				g->lio = NULL;
				g->pos = lineio_offset(f->lio);
				g->lineno = lineio_lineno(f->lio);
				r->ghost = ev_reallocarray(
				    r->ghost, r->nghost + 1, sizeof(*r->ghost));
				r->ghost[r->nghost++] = g;
				ev_warn("%s: file truncated; reading it from "
					"the start",
					f->path);
				lineio_free(f->lio);
				f->lio =
				    lineio_new(fd, f->path, true,
					       r->cfg.opts->max_line, 0, 0);
				lineio_set_follow(f->lio, true);
				f->pos = f->lineno = 0;
				fingerprint(fd, &f->fp, &f->fplen);
			}
		} else if (f->fplen < CKPT_FP_BYTES &&
			   (uint64_t)st.st_size > f->fplen) {
			fingerprint(lineio_fd(f->lio), &f->fp, &f->fplen);
		}
	}
	/* New files in followed directories (and operands that appeared). */
	r->argi = 0;
	while ((path = walk_next(r, true)) != NULL) {
		struct stat st;

		if (strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
		    !find_input(r, (uint64_t)st.st_dev, (uint64_t)st.st_ino) &&
		    !copy_of_live_input(r, path))
			open_input(r, path, false);
		free(path);
	}
}

static int
next_follow(struct ev_reader *r, struct ev_event *ev)
{
	char *path;

	if (!r->walk_done) {
		while ((path = walk_next(r, false)) != NULL) {
			open_input(r, path, true);
			free(path);
		}
		r->walk_done = true;
	}
	for (;;) {
		size_t i, open = 0;

		if (ev_stop_signal)
			return 0;
		for (i = 0; i < r->nin; i++) {
			struct input *f = r->in[(r->rr + i) % r->nin];
			enum lineio_status st;

			if (f->lio == NULL)
				continue;
			open++;
			if (read_input(r, f, ev, &st, FOLLOW_BATCH)) {
				r->rr = (r->rr + i) % r->nin;
				r->round_had_data = true;
				return 1;
			}
			if (st == LINE_EOF)
				input_close(f);
		}
		r->rr = 0;
		if (r->cfg.before_wait)
			r->cfg.before_wait(r->cfg.arg);
		if (idle_exit_due(r))
			return 0;
		if (r->cfg.idle > 0 && !r->idle_called &&
		    idle_seconds(r) >= r->cfg.idle / 1e6) {
			r->idle_called = true;
			if (r->cfg.on_idle)
				r->cfg.on_idle(r->cfg.arg);
		}
		if (open == 0 && r->all_stdin)
			return 0; /* following only stdin, and it ended */
		{
			struct timespec ts = {r->cfg.poll_ms / 1000,
					      (r->cfg.poll_ms % 1000) *
						  1000000L};

			nanosleep(&ts, NULL);
		}
		follow_maintenance(r);
	}
}

int
ev_reader_next(struct ev_reader *r, struct ev_event *ev)
{
	if (!r->started) {
		r->started = true;
		r->nvals = json_paths_count(r->paths);
		r->vals = ev_calloc(r->nvals ? r->nvals : 1, sizeof(*r->vals));
	}
	return r->cfg.follow ? next_follow(r, ev) : next_batch(r, ev);
}

void
ev_reader_reject(struct ev_reader *r, const struct ev_event *ev,
		 const char *reason)
{
	report_reject(r->rep, ev->file, ev->lineno, ev->line, ev->len, ev->len,
		      0, reason);
}

int
ev_reader_time(struct ev_reader *r, const struct ev_event *ev, evtime_t *t,
	       struct buf *why)
{
	const struct json_value *v = ev->time;
	const char *err, *s;
	size_t n;

	buf_reset(why);
	if (v == NULL || v->type == JSON_MISSING) {
		buf_printf(why, "missing time field '%s'",
			   r->cfg.opts->time_field);
		return -1;
	}
	if (v->type == JSON_NUMBER) {
		if (evtime_parse_epoch(v->ptr, v->len, r->cfg.opts->time_unit,
				       t, &err) == 0)
			return 0;
		buf_printf(why, "invalid time %.*s in field '%s': %s",
			   (int)(v->len > 64 ? 64 : v->len), v->ptr,
			   r->cfg.opts->time_field, err);
		return -1;
	}
	if (v->type != JSON_STRING) {
		buf_printf(why, "time field '%s' is %s, not a string or number",
			   r->cfg.opts->time_field, json_type_name(v->type));
		return -1;
	}
	s = json_string_view(v, &r->scratch, &n);
	if (evtime_parse_rfc3339(s, n, t, &err) == 0)
		return 0;
	buf_adds(why, "invalid time ");
	buf_add_json_string(why, s, n > 64 ? 64 : n);
	buf_printf(why, " in field '%s': %s", r->cfg.opts->time_field, err);
	return -1;
}

void
ev_reader_checkpoint(struct ev_reader *r, struct checkpoint *c)
{
	size_t i;

	for (i = 0; i < r->nin; i++) {
		struct input *f = r->in[i];

		if (!f->regular || !f->have_fp)
			continue;
		checkpoint_set(c, f->path, f->dev, f->ino, f->fp, f->fplen,
			       f->pos, f->lineno, f->gzip);
	}
}
