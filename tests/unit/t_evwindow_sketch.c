/*
 * t_evwindow_sketch.c - evwindow's numeric building blocks: exact sums,
 * JSON number reading, HyperLogLog, DDSketch, percentile ranks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/evwindow/sketch.h"
#include "hash.h"
#include "unit.h"
#include "util.h"

static double
fsum(const double *v, size_t n)
{
	struct superacc a;
	size_t i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < n; i++)
		sacc_add_double(&a, v[i]);
	return sacc_round(&a);
}

static void
test_sums(void)
{
	static const double tenth[10] = {0.1, 0.1, 0.1, 0.1, 0.1,
					 0.1, 0.1, 0.1, 0.1, 0.1};
	static const double cancel[3] = {1e100, 1.0, -1e100};
	static const double tiny[4] = {0x1p-1074, 0x1p-1074, -0x1p-1074,
				       0x1p-1073};
	static const double big[3] = {0x1.fffffffffffffp1023,
				      0x1.fffffffffffffp1023,
				      -0x1.fffffffffffffp1023};
	/* Python: math.fsum([1, 1e-16, 1e-16]) == 1.0000000000000002 */
	static const double halfway[3] = {1.0, 1e-16, 1e-16};
	/* Ties to even: 1 + 2^-53 is exactly between 1 and 1 + 2^-52. */
	static const double tie[2] = {1.0, 0x1p-53};
	static const double tie_up[3] = {1.0, 0x1p-53, 0x1p-105};
	struct superacc a, b;
	struct ev_rng rng;
	double v[1000], w[1000];
	__int128 exact = 0, x;
	char hex[16 * SACC_WORDS + 1], dec[48];
	size_t i;

	CHECK(fsum(tenth, 10) == 1.0);
	CHECK(fsum(cancel, 3) == 1.0);
	CHECK(fsum(tiny, 4) == ldexp(3, -1074));
	CHECK(fsum(big, 3) == 0x1.fffffffffffffp1023);
	CHECK(fsum(big, 2) == INFINITY);
	CHECK(fsum(halfway, 3) == 0x1.0000000000001p0);
	CHECK(fsum(tie, 2) == 1.0);
	CHECK(fsum(tie_up, 3) == 0x1.0000000000001p0);
	CHECK(fsum(tenth, 0) == 0.0);

	/* Random multiples of 2^-20: the exact sum is an int128. */
	ev_rng_seed(&rng, 7);
	for (i = 0; i < 1000; i++) {
		int64_t k =
		    (int64_t)(ev_rng_next(&rng) >> 12) - ((int64_t)1 << 51);

		v[i] = ldexp((double)k, -20);
		exact += k;
		w[999 - i] = v[i];
	}
	CHECK(fsum(v, 1000) == ldexp(i128_to_double(exact), -20));
	CHECK(fsum(v, 1000) == fsum(w, 1000)); /* order does not matter */

	/* Merging equals adding everything to one accumulator. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 500; i++)
		sacc_add_double(&a, v[i]);
	for (; i < 1000; i++)
		sacc_add_double(&b, v[i]);
	sacc_merge(&a, &b);
	CHECK(sacc_round(&a) == fsum(v, 1000));

	/* Integers and doubles together; hex round trip. */
	memset(&a, 0, sizeof(a));
	sacc_add_i128(&a, (__int128)INT64_MAX * 4);
	sacc_add_double(&a, 0.5);
	sacc_add_i128(&a, -(__int128)INT64_MAX * 4);
	CHECK(sacc_round(&a) == 0.5);
	sacc_to_hex(&a, hex);
	CHECK(strlen(hex) == 16 * SACC_WORDS);
	memset(&b, 0, sizeof(b));
	CHECK(sacc_from_hex(&b, hex, strlen(hex)) == 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK(sacc_from_hex(&b, "12", 2) < 0);

	/* int128 text. */
	x = (__int128)INT64_MIN * 1000 - 7;
	i128_format(x, dec);
	CHECK_STR(dec, "-9223372036854775808007");
	CHECK(i128_parse(dec, strlen(dec), &x) == 0);
	CHECK(x == (__int128)INT64_MIN * 1000 - 7);
	CHECK(i128_parse("", 0, &x) < 0);
	CHECK(i128_parse("-", 1, &x) < 0);
	CHECK(i128_parse("1a", 2, &x) < 0);
	CHECK(i128_parse("170141183460469231731687303715884105728", 39, &x) <
	      0);
	CHECK(i128_parse("-170141183460469231731687303715884105728", 40, &x) ==
	      0);
	CHECK(i128_to_double(((__int128)1 << 100) + 1) == 0x1p100);
}

static void
test_numbers(void)
{
	static const char *const ints[] = {"0",
					   "-0",
					   "42",
					   "-17",
					   "9223372036854775807",
					   "-9223372036854775808"};
	static const int64_t ivals[] = {0, 0, 42, -17, INT64_MAX, INT64_MIN};
	struct ev_rng rng;
	int64_t i;
	double d;
	size_t k;
	char s[64];

	for (k = 0; k < EV_ARRAY_LEN(ints); k++) {
		CHECK(num_parse(ints[k], strlen(ints[k]), &i, &d) == NUM_INT);
		CHECK(i == ivals[k]);
	}
	CHECK(num_parse("9223372036854775808", 19, &i, &d) == NUM_DOUBLE);
	CHECK(d == 9223372036854775808.0);
	CHECK(num_parse("123456789012345678901234567890", 30, &i, &d) ==
	      NUM_DOUBLE);
	CHECK(d == 123456789012345678901234567890.0);
	CHECK(num_parse("1e999", 5, &i, &d) == NUM_RANGE);
	CHECK(num_parse("-1e999", 6, &i, &d) == NUM_RANGE);
	CHECK(num_parse("1e-999", 6, &i, &d) == NUM_DOUBLE && d == 0);
	CHECK(num_parse("1.0", 3, &i, &d) == NUM_DOUBLE && d == 1.0);
	CHECK(num_parse("-0.0", 4, &i, &d) == NUM_DOUBLE && d == 0 &&
	      signbit(d));
	CHECK(num_parse("2.5E+3", 6, &i, &d) == NUM_DOUBLE && d == 2500);

	/* Random decimals: the fast path agrees with strtod exactly. */
	ev_rng_seed(&rng, 11);
	for (k = 0; k < 200000; k++) {
		uint64_t m = ev_rng_next(&rng) >> (ev_rng_next(&rng) % 64);
		int frac = (int)(ev_rng_next(&rng) % 12);
		int e = (int)(ev_rng_next(&rng) % 61) - 30;
		int len, useexp = (int)(ev_rng_next(&rng) % 3) == 0;
		char digits[32];
		int nd = snprintf(digits, sizeof(digits), "%llu",
				  (unsigned long long)m);

		if (frac >= nd)
			frac = nd - 1;
		len = snprintf(s, sizeof(s), "%s%.*s.%s", k % 2 ? "-" : "",
			       nd - frac, digits, digits + nd - frac);
		if (frac == 0)
			len = snprintf(s, sizeof(s), "%s%s.5", k % 2 ? "-" : "",
				       digits);
		if (useexp)
			len += snprintf(s + len, sizeof(s) - (size_t)len, "e%d",
					e);
		if (num_parse(s, (size_t)len, &i, &d) != NUM_DOUBLE ||
		    d != strtod(s, NULL)) {
			CHECK(!"num_parse disagrees with strtod");
			fprintf(stderr, "  for %s\n", s);
			break;
		}
	}
}

static void
test_hll(void)
{
	static const uint64_t ns[] = {0,    1,    2,     10,     100,
				      1000, 5000, 20000, 100000, 1000000};
	struct hll *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct hll *u = calloc(1, sizeof(*u));
	uint64_t done = 0, i;
	size_t k;

	for (k = 0; k < EV_ARRAY_LEN(ns); k++) {
		double est, err;

		for (; done < ns[k]; done++) {
			char key[32];
			int n = snprintf(key, sizeof(key), "user-%llu",
					 (unsigned long long)done);

			hll_add(a, ev_hash64(key, (size_t)n));
		}
		est = hll_estimate(a);
		err = ns[k] ? fabs(est - (double)ns[k]) / (double)ns[k] : est;
		/* Within 4 standard errors (0.81% each); exact when tiny. */
		if (ns[k] <= 10)
			CHECK(llround(est) == (long long)ns[k]);
		else
			CHECK(err < 4 * 0.0081);
	}
	/* Adding again changes nothing; union = merge. */
	memcpy(u, a, sizeof(*a));
	for (i = 0; i < 1000; i++) {
		char key[32];
		int n = snprintf(key, sizeof(key), "user-%llu",
				 (unsigned long long)i);

		hll_add(u, ev_hash64(key, (size_t)n));
	}
	CHECK(memcmp(u, a, sizeof(*a)) == 0);
	for (i = 0; i < 3000; i++) {
		char key[32];
		int n = snprintf(key, sizeof(key), "other-%llu",
				 (unsigned long long)i);

		hll_add(b, ev_hash64(key, (size_t)n));
		hll_add(u, ev_hash64(key, (size_t)n));
	}
	hll_merge(a, b);
	CHECK(memcmp(u, a, sizeof(*a)) == 0);
	free(a);
	free(b);
	free(u);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static bool
same_sketch(const struct ddsketch *a, const struct ddsketch *b)
{
	return a->count == b->count && a->zero == b->zero && a->min == b->min &&
	       a->max == b->max && a->pos.lo == b->pos.lo &&
	       a->pos.n == b->pos.n && a->neg.lo == b->neg.lo &&
	       a->neg.n == b->neg.n &&
	       memcmp(a->pos.c, b->pos.c, a->pos.n * sizeof(uint64_t)) == 0 &&
	       (a->neg.n == 0 ||
		memcmp(a->neg.c, b->neg.c, a->neg.n * sizeof(uint64_t)) == 0);
}

static void
test_ddsketch(void)
{
	enum { N = 50000 };
	static const uint64_t qs[][2] = {{0, 1},  {1, 1},  {10, 1},   {50, 1},
					 {90, 1}, {99, 1}, {999, 10}, {100, 1}};
	double *v = malloc(N * sizeof(double));
	struct ddsketch s, a, b, r;
	struct ev_rng rng;
	size_t i, k;
	bool ok = true;

	dd_init(&s);
	dd_init(&a);
	dd_init(&b);
	dd_init(&r);
	ev_rng_seed(&rng, 3);
	for (i = 0; i < N; i++) {
		/* Log-uniform over 1e-3..1e6, a tenth negative, some zeros. */
		double x = exp(ev_rng_unit(&rng) * log(1e9)) * 1e-3;

		if (i % 10 == 0)
			x = -x;
		if (i % 97 == 0)
			x = 0;
		v[i] = x;
		dd_add(&s, x);
		dd_add(i % 2 ? &a : &b, x);
		dd_add(&r, x);
	}
	qsort(v, N, sizeof(double), cmp_d);
	for (k = 0; k < EV_ARRAY_LEN(qs); k++) {
		uint64_t rank = pctl_rank(qs[k][0], qs[k][1], N);
		double exact = v[rank - 1], est = dd_rank_value(&s, rank);

		if (exact == 0 ? est != 0
			       : fabs(est - exact) > DD_ALPHA * fabs(exact))
			ok = false;
	}
	CHECK(ok);
	/* Every rank, not just a few. */
	for (i = 1, ok = true; i <= N; i += 7) {
		double exact = v[i - 1], est = dd_rank_value(&s, i);

		if (exact == 0 ? est != 0
			       : fabs(est - exact) >
				     DD_ALPHA * fabs(exact) * (1 + 1e-12))
			ok = false;
	}
	CHECK(ok);
	CHECK(dd_rank_value(&s, 1) == v[0]);
	CHECK(dd_rank_value(&s, N) == v[N - 1]);
	/* Merging in any order gives the same sketch. */
	dd_merge(&a, &b);
	CHECK(same_sketch(&a, &s));
	dd_free(&b);
	dd_init(&b);
	dd_merge(&b, &r);
	CHECK(same_sketch(&b, &s));
	dd_free(&s);
	dd_free(&a);
	dd_free(&b);
	dd_free(&r);

	/* A range wider than DD_MAX_BINS collapses the lowest buckets, the
	   same way whatever the order. */
	dd_init(&s);
	dd_init(&a);
	for (i = 0; i < 4000; i++)
		dd_add(&s, pow(1.05, (double)i - 2000));
	for (i = 4000; i-- > 0;)
		dd_add(&a, pow(1.05, (double)i - 2000));
	CHECK(s.pos.n == DD_MAX_BINS);
	CHECK(same_sketch(&s, &a));
	/* The top is still within alpha. */
	{
		double exact = pow(1.05, 3989 - 2000);
		double est = dd_rank_value(&s, 3990);

		CHECK(fabs(est - exact) <= DD_ALPHA * exact);
	}
	dd_free(&s);
	dd_free(&a);
	free(v);
}

static void
test_ranks(void)
{
	CHECK_INT(pctl_rank(50, 1, 1), 1);
	CHECK_INT(pctl_rank(0, 1, 10), 1);
	CHECK_INT(pctl_rank(100, 1, 10), 10);
	CHECK_INT(pctl_rank(50, 1, 10), 5);
	CHECK_INT(pctl_rank(50, 1, 11), 6);
	CHECK_INT(pctl_rank(90, 1, 10), 9);
	CHECK_INT(pctl_rank(99, 1, 100), 99);
	CHECK_INT(pctl_rank(99, 1, 101), 100);
	CHECK_INT(pctl_rank(999, 10, 1000), 999);
	CHECK_INT(pctl_rank(999, 10, 1001), 1000);
	CHECK_INT(pctl_rank(1, 1, 1000000), 10000);
}

int
main(void)
{
	test_sums();
	test_numbers();
	test_hll();
	test_ddsketch();
	test_ranks();
	return unit_report("t_evwindow_sketch");
}
