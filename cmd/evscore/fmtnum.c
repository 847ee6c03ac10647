/*
 * fmtnum.c - buf_add_double's text with fewer tries (see fmtnum.h).
 */
#include "fmtnum.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FMTNUM_SLOTS 4096 /* memo entries, a power of two */

struct fmtnum_slot {
	uint64_t bits;
	unsigned char len; /* 0: empty */
	char text[27];
};

static struct fmtnum_slot fmtnum_memo[FMTNUM_SLOTS];

/* Does V printed with PREC significant digits read back to V? */
static int
fmtnum_try(double v, int prec, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.*g", prec, v);
	return strtod(out, NULL) == v;
}

/* The shortest %.*g text of V (finite, not 0, not a power of two). */
static void
fmtnum_shortest(double v, char *out, size_t outlen)
{
	char tmp[40];
	int lo, hi;

	/* Most computed numbers need 16 or 17 digits: look there first. */
	if (!fmtnum_try(v, 15, tmp, sizeof(tmp))) {
		if (!fmtnum_try(v, 16, out, outlen))
			snprintf(out, outlen, "%.17g", v);
		return;
	}
	/* 15 digits suffice: the fewest that do lie in [1, 15]. */
	lo = 1;
	hi = 15;
	memcpy(out, tmp, strlen(tmp) + 1);
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (fmtnum_try(v, mid, tmp, sizeof(tmp))) {
			hi = mid;
			memcpy(out, tmp, strlen(tmp) + 1);
		} else {
			lo = mid + 1;
		}
	}
}

void
fmtnum_add(struct buf *b, double v)
{
	struct fmtnum_slot *s;
	uint64_t bits;
	int exp;
	char tmp[40];
	size_t n;

	if (!isfinite(v) || v == 0 || (v == floor(v) && fabs(v) < 1e15) ||
	    frexp(v, &exp) == 0.5 || frexp(v, &exp) == -0.5) {
		/* Special cases, integers and powers of two. */
		buf_add_double(b, v);
		return;
	}
	memcpy(&bits, &v, sizeof(bits));
	s = &fmtnum_memo[(bits ^ bits >> 29 ^ bits >> 43) & (FMTNUM_SLOTS - 1)];
	if (s->len > 0 && s->bits == bits) {
		buf_add(b, s->text, s->len);
		return;
	}
	fmtnum_shortest(v, tmp, sizeof(tmp));
	n = strlen(tmp);
	buf_add(b, tmp, n);
	if (n < sizeof(s->text)) {
		s->bits = bits;
		s->len = (unsigned char)n;
		memcpy(s->text, tmp, n);
	}
}
