/*
 * checkpoint.c - locked, atomically replaced position files.
 */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "atomicfile.h"
#include "buf.h"
#include "hash.h"
#include "util.h"

/*
 * The unsigned integer V (a JSON number written as plain digits) into *OUT,
 * no more than MAX.  yajl's integers stop at INT64_MAX, but device and
 * inode numbers use all 64 bits, so the number's own text is parsed.
 */
static bool
get_u64(yajl_val v, uint64_t max, uint64_t *out)
{
	const char *err;

	return v != NULL && YAJL_IS_NUMBER(v) && YAJL_GET_NUMBER(v) != NULL &&
	       ev_parse_uint(YAJL_GET_NUMBER(v), 0, max, out, &err) == 0;
}

static int
load(struct checkpoint *c, const char *text)
{
	char errbuf[256];
	yajl_val root, files;
	size_t i;
	static const char *files_path[] = {"files", NULL};
	static const char *version_path[] = {"version", NULL};

	root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (root == NULL) {
		ev_warn("checkpoint %s: not valid JSON", c->path);
		return EV_EXIT_USAGE;
	}
	files = yajl_tree_get(root, files_path, yajl_t_array);
	if (!YAJL_IS_OBJECT(root) || files == NULL ||
	    !YAJL_IS_INTEGER(
		yajl_tree_get(root, version_path, yajl_t_number)) ||
	    YAJL_GET_INTEGER(
		yajl_tree_get(root, version_path, yajl_t_number)) != 1) {
		ev_warn("checkpoint %s: not an evtools checkpoint (version 1)",
			c->path);
		yajl_tree_free(root);
		return EV_EXIT_USAGE;
	}
	for (i = 0; i < files->u.array.len; i++) {
		yajl_val f = files->u.array.values[i];
		static const char *k_path[] = {"path", NULL},
				  *k_dev[] = {"dev", NULL},
				  *k_ino[] = {"ino", NULL},
				  *k_fp[] = {"fingerprint", NULL},
				  *k_fpb[] = {"fingerprint_bytes", NULL},
				  *k_off[] = {"offset", NULL},
				  *k_line[] = {"line", NULL},
				  *k_gz[] = {"gzip", NULL};
		yajl_val p = yajl_tree_get(f, k_path, yajl_t_string);
		yajl_val dev = yajl_tree_get(f, k_dev, yajl_t_number);
		yajl_val ino = yajl_tree_get(f, k_ino, yajl_t_number);
		yajl_val fp = yajl_tree_get(f, k_fp, yajl_t_string);
		yajl_val fpb = yajl_tree_get(f, k_fpb, yajl_t_number);
		yajl_val off = yajl_tree_get(f, k_off, yajl_t_number);
		yajl_val line = yajl_tree_get(f, k_line, yajl_t_number);
		yajl_val gz = yajl_tree_get(f, k_gz, yajl_t_any);
		char *end;
		const char *fps;
		uint64_t fpv, devv, inov, fpbv, offv, linev;

		if (!p || !fp || !get_u64(dev, UINT64_MAX, &devv) ||
		    !get_u64(ino, UINT64_MAX, &inov) ||
		    !get_u64(fpb, CKPT_FP_BYTES, &fpbv) ||
		    !get_u64(off, UINT64_MAX, &offv) ||
		    !get_u64(line, UINT64_MAX, &linev)) {
			ev_warn("checkpoint %s: entry %zu is malformed",
				c->path, i + 1);
			yajl_tree_free(root);
			return EV_EXIT_USAGE;
		}
		errno = 0;
		fps = YAJL_GET_STRING(fp);
		fpv = fps ? strtoull(fps, &end, 16) : 0;
		if (fps == NULL || errno || *end || end == fps) {
			ev_warn(
			    "checkpoint %s: entry %zu has a bad fingerprint",
			    c->path, i + 1);
			yajl_tree_free(root);
			return EV_EXIT_USAGE;
		}
		checkpoint_set(c, YAJL_GET_STRING(p), devv, inov, fpv,
			       (uint32_t)fpbv, offv, linev,
			       gz != NULL && YAJL_IS_TRUE(gz));
		c->e[c->n - 1].touched = false;
	}
	yajl_tree_free(root);
	return 0;
}

int
checkpoint_open(struct checkpoint *c, const char *path)
{
	struct buf lockname = BUF_INIT, text = BUF_INIT;
	int fd, r = 0;

	memset(c, 0, sizeof(*c));
	c->path = ev_strdup(path);
	buf_printf(&lockname, "%s.lock", path);
	c->lockfd =
	    open(buf_str(&lockname), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (c->lockfd < 0) {
		ev_warn("checkpoint lock %s:", buf_str(&lockname));
		buf_free(&lockname);
		return EV_EXIT_IO;
	}
	if (flock(c->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			ev_warn("checkpoint %s is in use by another run", path);
			r = EV_EXIT_LOCKED;
		} else {
			ev_warn("checkpoint lock %s:", buf_str(&lockname));
			r = EV_EXIT_IO;
		}
		buf_free(&lockname);
		return r;
	}
	buf_free(&lockname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		ev_warn("checkpoint %s:", path);
		return EV_EXIT_IO;
	}
	if (buf_read_fd(&text, fd, 0) < 0) {
		ev_warn("checkpoint %s:", path);
		r = EV_EXIT_IO;
	}
	close(fd);
	if (r == 0)
		r = load(c, buf_str(&text));
	buf_free(&text);
	return r;
}

struct ckpt_entry *
checkpoint_find(struct checkpoint *c, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].dev == dev && c->e[i].ino == ino)
			return &c->e[i];
	return NULL;
}

struct ckpt_entry *
checkpoint_find_fp(struct checkpoint *c, uint64_t fp, uint64_t dev,
		   uint64_t ino)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].fplen == CKPT_FP_BYTES && c->e[i].fp == fp &&
		    !(c->e[i].dev == dev && c->e[i].ino == ino))
			return &c->e[i];
	return NULL;
}

void
checkpoint_set(struct checkpoint *c, const char *path, uint64_t dev,
	       uint64_t ino, uint64_t fp, uint32_t fplen, uint64_t offset,
	       uint64_t line, bool gzip)
{
	struct ckpt_entry *e = checkpoint_find(c, dev, ino);

	if (e == NULL) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->e = ev_reallocarray(c->e, c->cap, sizeof(*c->e));
		}
		e = &c->e[c->n++];
		memset(e, 0, sizeof(*e));
	}
	if (e->path == NULL || strcmp(e->path, path) != 0) {
		free(e->path);
		e->path = ev_strdup(path);
	}
	e->dev = dev;
	e->ino = ino;
	e->fp = fp;
	e->fplen = fplen;
	e->offset = offset;
	e->line = line;
	e->gzip = gzip;
	e->touched = true;
}

static bool
still_there(const struct ckpt_entry *e)
{
	struct stat st;

	return stat(e->path, &st) == 0 && (uint64_t)st.st_dev == e->dev &&
	       (uint64_t)st.st_ino == e->ino;
}

int
checkpoint_save(struct checkpoint *c)
{
	struct buf b = BUF_INIT;
	size_t i;
	bool first = true;
	int r;

	buf_adds(&b, "{\"version\":1,\"files\":[");
	for (i = 0; i < c->n; i++) {
		struct ckpt_entry *e = &c->e[i];

		if (!e->touched && !still_there(e))
			continue;
		buf_adds(&b, first ? "\n{\"path\":" : ",\n{\"path\":");
		first = false;
		buf_add_json_string(&b, e->path, strlen(e->path));
		buf_printf(&b,
			   ",\"dev\":%" PRIu64 ",\"ino\":%" PRIu64
			   ",\"fingerprint\":\"%016" PRIx64
			   "\",\"fingerprint_bytes\":%u,\"offset\":%" PRIu64
			   ",\"line\":%" PRIu64 ",\"gzip\":%s}",
			   e->dev, e->ino, e->fp, e->fplen, e->offset, e->line,
			   e->gzip ? "true" : "false");
	}
	buf_adds(&b, "\n]}\n");
	r = atomic_write_file(c->path, b.data, b.len, 0666);
	if (r < 0)
		ev_warn("checkpoint %s:", c->path);
	buf_free(&b);
	return r;
}

void
checkpoint_close(struct checkpoint *c)
{
	size_t i;

	if (c->lockfd >= 0)
		close(c->lockfd);
	c->lockfd = -1;
	for (i = 0; i < c->n; i++)
		free(c->e[i].path);
	free(c->e);
	free(c->path);
	memset(c, 0, sizeof(*c));
	c->lockfd = -1;
}
