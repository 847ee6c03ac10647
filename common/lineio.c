/*
 * lineio.c - buffered line input with transparent gzip.
 */
#include "lineio.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"

#define READ_CHUNK (256 * 1024)
#define ZIN_SIZE   (128 * 1024)

enum fill_result {
	FILL_DATA,
	FILL_EOF,
	FILL_WOULDBLOCK,
	FILL_BADGZIP,
	FILL_ERROR,
};

struct lineio {
	char *name;
	int fd;
	bool own_fd;
	bool follow;
	bool nbcheck;  /* report LINE_WOULDBLOCK for pipes */
	bool pollable; /* not a regular file */
	bool detected; /* gzip magic checked */
	bool gzip;
	bool zactive;  /* inside a gzip member */
	bool done;     /* after an error: only EOF from now on */
	bool skipping; /* inside an overlong line */
	z_stream zs;
	unsigned char *zin;
	size_t zincap; /* bytes at ZIN (at least ZIN_SIZE) */
	bool zin_eof;

	char *buf;
	size_t cap, start, end, scanned;
	size_t max_line;
	uint64_t pos;    /* position of buf[start] */
	uint64_t lineno; /* lines returned so far */
	uint64_t raw;    /* bytes read from fd */

	char prefix[LINEIO_PREFIX_MAX];
	size_t prefixlen;
	uint64_t skiplen;
	uint64_t skipstart;
	char err[256];
};

struct lineio *
lineio_new(int fd, const char *name, bool own_fd, size_t max_line,
	   uint64_t start_offset, uint64_t start_lineno)
{
	struct lineio *l = ev_calloc(1, sizeof(*l));
	struct stat st;

	l->name = ev_strdup(name);
	l->fd = fd;
	l->own_fd = own_fd;
	l->max_line = max_line ? max_line : 1;
	l->cap = READ_CHUNK;
	l->buf = ev_malloc(l->cap);
	l->pos = start_offset;
	l->lineno = start_lineno;
	l->pollable = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
	return l;
}

void
lineio_free(struct lineio *l)
{
	if (l == NULL)
		return;
	if (l->gzip)
		inflateEnd(&l->zs);
	if (l->own_fd && l->fd >= 0)
		close(l->fd);
	free(l->zin);
	free(l->buf);
	free(l->name);
	free(l);
}

void
lineio_set_follow(struct lineio *l, bool follow)
{
	l->follow = follow;
}

void
lineio_set_nonblocking_check(struct lineio *l, bool on)
{
	l->nbcheck = on;
}

int
lineio_wait(struct lineio *l, int timeout_ms)
{
	struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
	int r;

	/*
	 * A signal (SIGTERM) ends the wait like a timeout, so that the caller
	 * looks at ev_stop_signal instead of waiting on for data.
	 */
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0 && errno == EINTR)
		return 0;
	return r != 0;
}

const char *
lineio_error(const struct lineio *l)
{
	return l->err;
}

bool
lineio_is_gzip(const struct lineio *l)
{
	return l->gzip;
}

uint64_t
lineio_offset(const struct lineio *l)
{
	return l->pos;
}

uint64_t
lineio_lineno(const struct lineio *l)
{
	return l->lineno;
}

int
lineio_fd(const struct lineio *l)
{
	return l->fd;
}

uint64_t
lineio_pending(const struct lineio *l)
{
	return (l->end - l->start) + (l->skipping ? l->skiplen : 0);
}

uint64_t
lineio_raw_bytes(const struct lineio *l)
{
	return l->raw;
}

/* read(2) into P, with EINTR retried.  Returns bytes, 0 at EOF, -1. */
static ssize_t
read_some(struct lineio *l, void *p, size_t n, bool *wouldblock)
{
	ssize_t r;

	*wouldblock = false;
	if (l->nbcheck && l->pollable) {
		struct pollfd pfd = {.fd = l->fd, .events = POLLIN};

		if (poll(&pfd, 1, 0) == 0) {
			*wouldblock = true;
			return -1;
		}
	}
	do
		r = read(l->fd, p, n);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		l->raw += (uint64_t)r;
	return r;
}

static enum fill_result
read_error(struct lineio *l)
{
	snprintf(l->err, sizeof(l->err), "read error: %s", strerror(errno));
	return FILL_ERROR;
}

static enum fill_result
gzip_error(struct lineio *l, const char *what)
{
	snprintf(l->err, sizeof(l->err), "%s", what);
	return FILL_BADGZIP;
}

/* Starts the next gzip member if the pending input begins with one. */
static enum fill_result
gzip_next_member(struct lineio *l)
{
	bool wb;

	while (l->zs.avail_in < 2 && !l->zin_eof) {
		ssize_t r;

		memmove(l->zin, l->zs.next_in, l->zs.avail_in);
		l->zs.next_in = l->zin;
		r = read_some(l, l->zin + l->zs.avail_in,
			      l->zincap - l->zs.avail_in, &wb);
		if (r < 0 && wb)
			return FILL_WOULDBLOCK;
		if (r < 0)
			return read_error(l);
		if (r == 0)
			l->zin_eof = true;
		l->zs.avail_in += (uInt)r;
	}
	if (l->zs.avail_in == 0)
		return FILL_EOF;
	if (l->zs.avail_in < 2 || l->zs.next_in[0] != 0x1f ||
	    l->zs.next_in[1] != 0x8b)
		return gzip_error(l, "trailing garbage after gzip data");
	inflateReset(&l->zs);
	l->zactive = true;
	return FILL_DATA;
}

static enum fill_result
fill_gzip(struct lineio *l)
{
	for (;;) {
		int zr;
		size_t before;

		if (!l->zactive) {
			enum fill_result fr = gzip_next_member(l);

			if (fr != FILL_DATA)
				return fr;
		}
		if (l->zs.avail_in == 0 && !l->zin_eof) {
			bool wb;
			ssize_t r = read_some(l, l->zin, l->zincap, &wb);

			if (r < 0 && wb)
				return FILL_WOULDBLOCK;
			if (r < 0)
				return read_error(l);
			if (r == 0)
				l->zin_eof = true;
			l->zs.next_in = l->zin;
			l->zs.avail_in = (uInt)r;
		}
		l->zs.next_out = (Bytef *)l->buf + l->end;
		l->zs.avail_out = (uInt)(l->cap - l->end);
		before = l->end;
		zr = inflate(&l->zs, Z_NO_FLUSH);
		l->end = l->cap - l->zs.avail_out;
		if (zr == Z_STREAM_END) {
			l->zactive = false;
			if (l->end > before)
				return FILL_DATA;
			continue;
		}
		if (zr == Z_OK || zr == Z_BUF_ERROR) {
			if (l->end > before)
				return FILL_DATA;
			if (l->zs.avail_in == 0 && l->zin_eof)
				return gzip_error(l, "truncated gzip stream");
			continue;
		}
		if (zr == Z_MEM_ERROR)
			ev_die(EV_EXIT_IO, "out of memory");
		snprintf(l->err, sizeof(l->err), "corrupt gzip data: %s",
			 l->zs.msg ? l->zs.msg : "invalid data");
		return FILL_BADGZIP;
	}
}

/* Appends more data at buf[end]; the caller made room. */
static enum fill_result
fill(struct lineio *l)
{
	bool wb;
	ssize_t r;

	if (l->gzip)
		return fill_gzip(l);
	r = read_some(l, l->buf + l->end, l->cap - l->end, &wb);
	if (r < 0 && wb)
		return FILL_WOULDBLOCK;
	if (r < 0)
		return read_error(l);
	if (r == 0)
		return FILL_EOF;
	l->end += (size_t)r;
	if (!l->detected) {
		/* Decide gzip once two bytes are in (or the file is shorter). */
		if (l->end < 2)
			return FILL_DATA;
		l->detected = true;
		if ((unsigned char)l->buf[0] == 0x1f &&
		    (unsigned char)l->buf[1] == 0x8b) {
			l->gzip = true;
			if (inflateInit2(&l->zs, 16 + MAX_WBITS) != Z_OK)
				ev_die(EV_EXIT_IO,
				       "zlib initialisation failed");
			/*
			 * The first read may hold more than ZIN_SIZE bytes
			 * (up to the line buffer's size): all of it is
			 * compressed input.
			 */
			l->zincap = l->end > ZIN_SIZE ? l->end : ZIN_SIZE;
			l->zin = ev_malloc(l->zincap);
			memcpy(l->zin, l->buf, l->end);
			l->zs.next_in = l->zin;
			l->zs.avail_in = (uInt)l->end;
			l->end = 0;
			l->zactive = true;
			return fill_gzip(l);
		}
	}
	return FILL_DATA;
}

static void
keep_prefix(struct lineio *l, const char *p, size_t n)
{
	size_t room = sizeof(l->prefix) - l->prefixlen;

	if (n > room)
		n = room;
	memcpy(l->prefix + l->prefixlen, p, n);
	l->prefixlen += n;
}

/* Makes room to read more of the partial line at buf[start..end). */
static void
make_room(struct lineio *l)
{
	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->scanned -= l->start;
		l->start = 0;
	}
	if (l->cap - l->end < READ_CHUNK / 4) {
		l->cap *= 2;
		l->buf = ev_realloc(l->buf, l->cap);
	}
}

static enum lineio_status
finish_line(struct lineio *l, struct line *out, const char *data, size_t len,
	    uint64_t consumed, bool newline)
{
	out->data = data;
	out->len = len;
	out->fulllen = len;
	out->offset = l->pos;
	out->lineno = ++l->lineno;
	out->newline = newline;
	l->pos += consumed;
	out->next = l->pos;
	return LINE_OK;
}

static enum lineio_status
toolong_line(struct lineio *l, struct line *out, bool newline)
{
	out->data = l->prefix;
	out->len = l->prefixlen;
	out->fulllen = l->skiplen;
	out->offset = l->skipstart;
	out->lineno = ++l->lineno;
	out->newline = newline;
	out->next = l->pos;
	l->skipping = false;
	return LINE_TOOLONG;
}

static enum lineio_status
bad_stream(struct lineio *l, struct line *out, enum fill_result fr)
{
	/* Whatever partial line is pending goes with the report. */
	l->done = true;
	out->offset = l->pos;
	out->lineno = ++l->lineno;
	out->newline = false;
	if (l->skipping) {
		out->data = l->prefix;
		out->len = l->prefixlen;
		out->fulllen = l->skiplen;
	} else {
		out->data = l->buf + l->start;
		out->len = l->end - l->start;
		if (out->len > LINEIO_PREFIX_MAX)
			out->len = LINEIO_PREFIX_MAX;
		out->fulllen = l->end - l->start;
	}
	out->next = l->pos + (l->end - l->start);
	return fr == FILL_BADGZIP ? LINE_BADGZIP : LINE_ERROR;
}

enum lineio_status
lineio_next(struct lineio *l, struct line *out)
{
	if (l->done)
		return LINE_EOF;
	for (;;) {
		enum fill_result fr;
		char *nl;

		if (l->skipping) {
			nl = memchr(l->buf + l->start, '\n', l->end - l->start);
			if (nl != NULL) {
				size_t k = (size_t)(nl - (l->buf + l->start));

				keep_prefix(l, l->buf + l->start, k);
				l->skiplen += k;
				l->pos += k + 1;
				l->start += k + 1;
				l->scanned = l->start;
				return toolong_line(l, out, true);
			}
			/* The prefix fills up to LINEIO_PREFIX_MAX. */
			keep_prefix(l, l->buf + l->start, l->end - l->start);
			l->skiplen += l->end - l->start;
			l->pos += l->end - l->start;
			l->start = l->end = l->scanned = 0;
		} else {
			size_t from =
			    l->scanned > l->start ? l->scanned : l->start;

			nl = memchr(l->buf + from, '\n', l->end - from);
			if (nl != NULL) {
				char *s = l->buf + l->start;
				size_t len = (size_t)(nl - s);

				l->start += len + 1;
				l->scanned = l->start;
				if (len > l->max_line) {
					/* Over the limit though it fit the buffer. */
					l->prefixlen = 0;
					keep_prefix(l, s, len);
					l->skipstart = l->pos;
					l->skiplen = len;
					l->pos += len + 1;
					return toolong_line(l, out, true);
				}
				return finish_line(l, out, s, len, len + 1,
						   true);
			}
			l->scanned = l->end;
			if (l->end - l->start > l->max_line) {
				/* Too long: keep a prefix, drop the rest. */
				l->skipping = true;
				l->prefixlen = 0;
				keep_prefix(l, l->buf + l->start,
					    l->end - l->start);
				l->skipstart = l->pos;
				l->skiplen = l->end - l->start;
				l->pos += l->end - l->start;
				l->start = l->end = l->scanned = 0;
			} else {
				make_room(l);
			}
		}
		fr = fill(l);
		switch (fr) {
		case FILL_DATA:
			continue;
		case FILL_WOULDBLOCK:
			return LINE_WOULDBLOCK;
		case FILL_EOF:
			if (l->follow)
				return LINE_AGAIN;
			if (l->skipping)
				return toolong_line(l, out, false);
			if (l->end > l->start) {
				char *s = l->buf + l->start;
				size_t len = l->end - l->start;

				l->start = l->end;
				l->scanned = l->start;
				return finish_line(l, out, s, len, len, false);
			}
			return LINE_EOF;
		case FILL_BADGZIP:
		case FILL_ERROR:
			return bad_stream(l, out, fr);
		}
	}
}

int
lineio_skip_to(struct lineio *l, uint64_t offset)
{
	struct line ln;

	while (l->pos < offset) {
		enum lineio_status st = lineio_next(l, &ln);

		if (st != LINE_OK && st != LINE_TOOLONG)
			return -1;
	}
	return 0;
}
