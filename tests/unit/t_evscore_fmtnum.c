/*
 * t_evscore_fmtnum.c - fmtnum_add (cmd/evscore/fmtnum.c) writes exactly
 * what buf_add_double writes, for every kind of double: random bit
 * patterns over the whole range, subnormals, powers of two and their
 * neighbours, short decimals and the sums, logs and probabilities that
 * scoring produces.  Each number is formatted twice, so the memo's hits
 * are checked as well as its misses.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../cmd/evscore/fmtnum.h"
#include "hash.h"
#include "unit.h"

static struct buf want = BUF_INIT, got = BUF_INIT;
static long mismatches;

static void
same(double v)
{
	int round;

	buf_reset(&want);
	buf_add_double(&want, v);
	for (round = 0; round < 2; round++) {
		buf_reset(&got);
		fmtnum_add(&got, v);
		if (got.len != want.len ||
		    memcmp(got.data, want.data, got.len)) {
			if (mismatches++ < 10)
				fprintf(stderr,
					"%a: fmtnum %s, buf_add_double %s\n", v,
					buf_str(&got), buf_str(&want));
		}
	}
}

int
main(void)
{
	struct ev_rng r;
	long i;
	int e;

	ev_rng_seed(&r, 20150818);
	/* Random bit patterns: every exponent, subnormals, NaN, infinities. */
	for (i = 0; i < 100000; i++) {
		uint64_t bits = ev_rng_next(&r);
		double v;

		memcpy(&v, &bits, sizeof(v));
		same(v);
	}
	/* Powers of two and their neighbours, both signs. */
	for (e = -1074; e <= 1023; e++) {
		double p = ldexp(1, e);

		same(p);
		same(-p);
		same(nextafter(p, 0));
		same(nextafter(p, INFINITY));
	}
	/* Short decimals, their sums and the numbers scoring makes. */
	for (i = 0; i < 60000; i++) {
		double a = (double)(int64_t)ev_rng_below(&r, 20001) / 100 - 100;
		double b = (double)(int64_t)ev_rng_below(&r, 2001) / 1000;
		double z = a / 10 + b - 0.3;

		same(a);
		same(b);
		same(z);
		same(1 / (1 + exp(-z)));
		same(log1p((double)ev_rng_below(&r, 100000)));
		same(0.45 * log1p((double)ev_rng_below(&r, 1000)));
		same(ev_rng_unit(&r));
		same(ev_rng_unit(&r) * 1e-300);
		same(ev_rng_unit(&r) * 1e300);
	}
	same(0.1);
	same(1.2 - 1);
	same(DBL_MAX);
	same(DBL_MIN);
	same(DBL_TRUE_MIN);
	same(1e15);
	same(1e15 + 0.5);
	same(-0.0);
	same(123456789012345.6);
	CHECK_INT(mismatches, 0);
	buf_free(&want);
	buf_free(&got);
	return unit_report("t_evscore_fmtnum");
}
