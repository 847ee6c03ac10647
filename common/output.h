/*
 * output.h - the buffered data stream a tool writes its lines to.
 *
 * Lines are collected in a large buffer and written with write(2); nothing
 * is written until a flush, so a tool knows exactly which lines have left
 * the process (evcat advances its checkpoint only past flushed lines).  A
 * write error is fatal: the program says so and exits with EV_EXIT_IO
 * (atexit handlers remove temporary files).  SIGPIPE keeps its default
 * action, so a closed pipe ends the program quietly.
 */
#ifndef EV_OUTPUT_H
#define EV_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ev_out {
	int fd;
	const char *name; /* for messages: "standard output" */
	char *buf;
	size_t len, cap;
	bool unbuffered; /* flush after every line (--unbuffered) */
	uint64_t lines;  /* lines written (buffered or not) */
	uint64_t bytes;  /* bytes written (buffered or not) */
};

void out_init(struct ev_out *o, int fd, const char *name);
void out_free(struct ev_out *o);

/* Writes everything buffered; exits with EV_EXIT_IO on error. */
void out_flush(struct ev_out *o);

/* Slow path of out_line: flushes and appends. */
void out_line_slow(struct ev_out *o, const char *p, size_t n);

/* Appends the N bytes at P and a '\n'. */
static inline void
out_line(struct ev_out *o, const char *p, size_t n)
{
	o->lines++;
	o->bytes += n + 1;
	if (o->cap - o->len <= n || o->unbuffered) {
		out_line_slow(o, p, n);
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len++] = '\n';
}

/* Appends raw bytes without counting a line. */
void out_write(struct ev_out *o, const void *p, size_t n);

#endif
