/*
 * buf.h - a growable byte buffer and the JSON text writers built on it.
 *
 * Every tool builds its output lines in a struct buf and hands the bytes to
 * an output stream; nothing here does I/O.
 */
#ifndef EV_BUF_H
#define EV_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void buf_init(struct buf *b);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Makes room for EXTRA more bytes (plus a NUL); dies on exhaustion. */
void buf_grow(struct buf *b, size_t extra);
/*
 * Appends what remains to be read from FD, up to end of file, to B.
 * Returns 0, or -1 with errno set: a read error, or EFBIG once B holds
 * more than MAX bytes (0: no limit).  FD stays open.
 */
int buf_read_fd(struct buf *b, int fd, size_t max);

static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
}

static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->cap - b->len <= 1)
		buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* The contents as a NUL-terminated string (never NULL). */
const char *buf_str(struct buf *b);

void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Appends S (N bytes) as a quoted JSON string.  Control characters, '"' and
 * '\\' are escaped; valid UTF-8 is copied; each byte that is not part of a
 * valid UTF-8 sequence becomes U+FFFD.  Returns the number of bytes
 * replaced (0 when the input was valid UTF-8).
 */
size_t buf_add_json_string(struct buf *b, const char *s, size_t n);

/* Appends a decimal integer. */
void buf_add_i64(struct buf *b, int64_t v);
void buf_add_u64(struct buf *b, uint64_t v);

/*
 * Appends a finite double in the shortest form that reads back to the same
 * value ("0.1", "1e+300", "3"); NaN and infinities become null.
 */
void buf_add_double(struct buf *b, double v);

/* Appends the base64 (RFC 4648, padded) encoding of P. */
void buf_add_base64(struct buf *b, const void *p, size_t n);

#endif
