/*
 * buf.c - growable byte buffer and JSON text writers.
 */
#include "buf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "utf8.h"
#include "util.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > SIZE_MAX / 2 - b->len)
		ev_die(EV_EXIT_IO, "out of memory");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = ev_realloc(b->data, cap);
	b->cap = cap;
}

int
buf_read_fd(struct buf *b, int fd, size_t max)
{
	for (;;) {
		ssize_t n;

		buf_grow(b, 65536);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		if (max != 0 && b->len > max) {
			errno = EFBIG;
			return -1;
		}
	}
}

const char *
buf_str(struct buf *b)
{
	if (b->data == NULL)
		buf_grow(b, 0);
	b->data[b->len] = '\0';
	return b->data;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

size_t
buf_add_json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + n;
	size_t replaced = 0;

	buf_grow(b, n + 2);
	buf_addc(b, '"');
	while (p < end) {
		const unsigned char *run = p;
		size_t seq;

		/* Copy the longest run that needs no escaping at once. */
		while (p < end && *p >= 0x20 && *p < 0x7f && *p != '"' &&
		       *p != '\\')
			p++;
		if (p > run)
			buf_add(b, run, (size_t)(p - run));
		if (p == end)
			break;
		switch (*p) {
		case '"':
			buf_add(b, "\\\"", 2);
			p++;
			continue;
		case '\\':
			buf_add(b, "\\\\", 2);
			p++;
			continue;
		case '\n':
			buf_add(b, "\\n", 2);
			p++;
			continue;
		case '\r':
			buf_add(b, "\\r", 2);
			p++;
			continue;
		case '\t':
			buf_add(b, "\\t", 2);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			char esc[6] = {'\\', 'u',          '0',
				       '0',  hex[*p >> 4], hex[*p & 15]};
			buf_add(b, esc, 6);
			p++;
			continue;
		}
		seq = utf8_valid_seq(p, (size_t)(end - p));
		if (seq == 0) {
			buf_add(b, "\xef\xbf\xbd", 3);
			replaced++;
			p++;
		} else {
			buf_add(b, p, seq);
			p += seq;
		}
	}
	buf_addc(b, '"');
	return replaced;
}

void
buf_add_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

void
buf_add_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addc(b, '-');
		buf_add_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		buf_add_u64(b, (uint64_t)v);
	}
}

void
buf_add_double(struct buf *b, double v)
{
	char tmp[40];
	int prec;

	if (!isfinite(v)) {
		buf_add(b, "null", 4);
		return;
	}
	if (v == 0) {
		buf_addc(b, '0');
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		buf_add_i64(b, (int64_t)v);
		return;
	}
	/* The fewest digits that read back to the same double. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_adds(b, tmp);
}

void
buf_add_base64(struct buf *b, const void *data, size_t n)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i;

	buf_grow(b, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v =
		    (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63],
			     tbl[(v >> 6) & 63], tbl[v & 63]};
		buf_add(b, q, 4);
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = tbl[v >> 18];
		q[1] = tbl[(v >> 12) & 63];
		q[2] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		q[3] = '=';
		buf_add(b, q, 4);
	}
}
