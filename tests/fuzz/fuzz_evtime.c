/*
 * fuzz_evtime.c - libFuzzer target for the time parsers of common/evtime.c.
 *
 * The input is fed whole to evtime_parse_rfc3339, to evtime_parse_epoch in
 * every unit and (NUL-terminated) to evtime_parse_arg.  Whatever they
 * accept must be in the supported range and survive a round trip through
 * the formatters; the epoch units must agree with each other.  Any
 * mismatch aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2015-08-18T06:36:40.123456Z: a fixed NOW keeps runs reproducible. */
#define FUZZ_NOW 1439879800123456LL

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_in_range(evtime_t t)
{
	fuzz_check(t >= EVTIME_LOWEST && t <= EVTIME_HIGHEST);
}

static int64_t
fuzz_fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

/*
 * T formatted by every formatter must parse back to T, and the shortest
 * form must be a fixed point of parse-then-format.
 */
static void
fuzz_rfc3339_round_trip(evtime_t t)
{
	char buf[EVTIME_FMT_MAX], again[EVTIME_FMT_MAX];
	static const int digits[] = {6, 9};
	const char *err;
	evtime_t t2;
	size_t n, i;
	struct evtime_civil c;

	n = evtime_format(t, buf);
	fuzz_check(n == strlen(buf) && n < EVTIME_FMT_MAX);
	fuzz_check(evtime_parse_rfc3339(buf, n, &t2, &err) == 0 && t2 == t);
	fuzz_check(evtime_format(t2, again) == n && strcmp(buf, again) == 0);
	fuzz_check(evtime_parse_arg(buf, FUZZ_NOW, &t2, &err) == 0 && t2 == t);
	for (i = 0; i < sizeof(digits) / sizeof(digits[0]); i++) {
		n = evtime_format_digits(t, digits[i], buf);
		fuzz_check(n == strlen(buf) && n < EVTIME_FMT_MAX);
		fuzz_check(evtime_parse_rfc3339(buf, n, &t2, &err) == 0 &&
			   t2 == t);
	}
	evtime_to_civil(t, &c);
	fuzz_check(evtime_from_civil(&c, &t2) == 0 && t2 == t);
}

/* T written as an epoch number in microseconds, seconds and nanoseconds. */
static void
fuzz_epoch_round_trip(evtime_t t)
{
	char buf[64];
	const char *err;
	evtime_t t2;
	uint64_t mag = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
	const char *sign = t < 0 ? "-" : "";

	snprintf(buf, sizeof(buf), "%s%llu", sign, (unsigned long long)mag);
	fuzz_check(evtime_parse_epoch(buf, strlen(buf), EVTIME_UNIT_US, &t2,
				      &err) == 0 &&
		   t2 == t);
	snprintf(buf, sizeof(buf), "%s%llu.%06llu", sign,
		 (unsigned long long)(mag / 1000000),
		 (unsigned long long)(mag % 1000000));
	fuzz_check(evtime_parse_epoch(buf, strlen(buf), EVTIME_UNIT_S, &t2,
				      &err) == 0 &&
		   t2 == t);
	/* JSON forbids leading zeros: zero nanoseconds is "0", not "0000". */
	snprintf(buf, sizeof(buf), "%s%llu%s", sign, (unsigned long long)mag,
		 mag ? "000" : "");
	fuzz_check(evtime_parse_epoch(buf, strlen(buf), EVTIME_UNIT_NS, &t2,
				      &err) == 0 &&
		   t2 == t);
	snprintf(buf, sizeof(buf), "@%s%llu.%06llu", sign,
		 (unsigned long long)(mag / 1000000),
		 (unsigned long long)(mag % 1000000));
	fuzz_check(evtime_parse_arg(buf, FUZZ_NOW, &t2, &err) == 0 && t2 == t);
}

/*
 * The same digits read in s, ms, us and ns are floor(1e6 x), floor(1e3 x),
 * floor(x) and floor(x / 1e3) microseconds, and floor(floor(y) / n) is
 * floor(y / n): each unit's value is the next larger unit's divided by
 * 1000, rounded down.  Auto must pick one of them.
 */
static void
fuzz_epoch(const char *s, size_t n)
{
	static const enum evtime_unit units[] = {
	    EVTIME_UNIT_S, EVTIME_UNIT_MS, EVTIME_UNIT_US, EVTIME_UNIT_NS};
	evtime_t v[4], t;
	int ok[4];
	const char *err;
	size_t i;

	for (i = 0; i < 4; i++) {
		ok[i] = evtime_parse_epoch(s, n, units[i], &v[i], &err) == 0;
		if (ok[i]) {
			fuzz_in_range(v[i]);
			fuzz_epoch_round_trip(v[i]);
		} else {
			fuzz_check(strcmp(err, "not a number") == 0 ||
				   strcmp(err, "out of range") == 0);
		}
		/* A number is a number in every unit. */
		if (i > 0 && !ok[i] && ok[0])
			fuzz_check(strcmp(err, "out of range") == 0);
	}
	for (i = 0; i + 1 < 4; i++) {
		if (ok[i] && ok[i + 1])
			fuzz_check(fuzz_fdiv(v[i], 1000) == v[i + 1]);
		/* A smaller unit never leaves the range first. */
		if (ok[i])
			fuzz_check(ok[i + 1]);
	}
	if (evtime_parse_epoch(s, n, EVTIME_UNIT_AUTO, &t, &err) == 0) {
		fuzz_check((ok[0] && t == v[0]) || (ok[1] && t == v[1]) ||
			   (ok[2] && t == v[2]) || (ok[3] && t == v[3]));
	}
}

/*
 * Reads three int64 from the input and compares evtime_floor for T in the
 * supported range with the same floor computed in 128 bits: the largest
 * OFFSET + k * SIZE at or below T, or INT64_MIN where that is below int64
 * (as evtime_floor documents).
 */
static void
fuzz_floor(const uint8_t *data, size_t size)
{
	int64_t t, sz, off;
	__int128 m, want;

	if (size < 24)
		return;
	memcpy(&t, data, 8);
	memcpy(&sz, data + 8, 8);
	memcpy(&off, data + 16, 8);
	if (t < EVTIME_LOWEST || t > EVTIME_HIGHEST || sz <= 0)
		return;
	m = ((__int128)t - off) % sz;
	if (m < 0)
		m += sz;
	want = (__int128)t - m;
	if (want < INT64_MIN)
		want = INT64_MIN;
	fuzz_check(evtime_floor(t, sz, off) == (int64_t)want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *err;
	char *z;
	evtime_t t;

	if (evtime_parse_rfc3339(s, size, &t, &err) == 0) {
		fuzz_in_range(t);
		fuzz_rfc3339_round_trip(t);
	} else {
		fuzz_check(err != NULL && *err != '\0');
	}
	fuzz_epoch(s, size);
	fuzz_floor(data, size);

	/* evtime_parse_arg takes a C string: stop at the first NUL. */
	z = malloc(size + 1);
	if (z == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (evtime_parse_arg(z, FUZZ_NOW, &t, &err) == 0) {
		fuzz_in_range(t);
		fuzz_rfc3339_round_trip(t);
		fuzz_epoch_round_trip(t);
	} else {
		fuzz_check(err != NULL && *err != '\0');
	}
	free(z);
	return 0;
}
