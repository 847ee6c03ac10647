/*
 * output.c - buffered, checked output.
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

#define OUT_BUF (256 * 1024)

void
out_init(struct ev_out *o, int fd, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->name = name;
	o->cap = OUT_BUF;
	o->buf = ev_malloc(o->cap);
}

void
out_free(struct ev_out *o)
{
	free(o->buf);
	o->buf = NULL;
}

void
out_flush(struct ev_out *o)
{
	if (o->len == 0)
		return;
	if (ev_write_all(o->fd, o->buf, o->len) < 0) {
		if (errno == EINTR)
			ev_die(EV_EXIT_IO, "write to %s interrupted", o->name);
		ev_die(EV_EXIT_IO, "write error on %s:", o->name);
	}
	o->len = 0;
}

static void
append(struct ev_out *o, const char *p, size_t n)
{
	if (o->cap - o->len < n) {
		out_flush(o);
		if (n >= o->cap) {
			/* Larger than the buffer: write it through. */
			if (ev_write_all(o->fd, p, n) < 0)
				ev_die(EV_EXIT_IO,
				       "write error on %s:", o->name);
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void
out_line_slow(struct ev_out *o, const char *p, size_t n)
{
	append(o, p, n);
	append(o, "\n", 1);
	if (o->unbuffered)
		out_flush(o);
}

void
out_write(struct ev_out *o, const void *p, size_t n)
{
	o->bytes += n;
	append(o, p, n);
	if (o->unbuffered)
		out_flush(o);
}
