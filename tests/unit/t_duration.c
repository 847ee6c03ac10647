/*
 * t_duration.c - unit tests of common/duration.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "duration.h"
#include "unit.h"

#define US 1LL
#define MS 1000LL
#define S  1000000LL
#define M  (60 * S)
#define H  (60 * M)
#define D  (24 * H)
#define W  (7 * D)

/* A value no successful parse returns: marks a rejected input. */
#define BAD INT64_MIN

static int64_t
dur(const char *s)
{
	int64_t v;
	const char *err;

	if (duration_parse(s, &v, &err) == -1)
		return BAD;
	return v;
}

static const char *
dur_err(const char *s)
{
	int64_t v;
	const char *err;

	if (duration_parse(s, &v, &err) == 0)
		return "(accepted)";
	return err;
}

/* duration_format into a static buffer, checking the returned length. */
static const char *
fmt(int64_t us)
{
	static char buf[DURATION_FMT_MAX];
	size_t n = duration_format(us, buf);

	if (n != strlen(buf))
		return "(bad length)";
	return buf;
}

static void
test_parse(void)
{
	CHECK_INT(dur("250ms"), 250 * MS);
	CHECK_INT(dur("30s"), 30 * S);
	CHECK_INT(dur("15m"), 15 * M);
	CHECK_INT(dur("1h30m"), 90 * M);
	CHECK_INT(dur("1d"), 86400 * S);
	CHECK_INT(dur("1w"), 7 * 86400 * S);
	CHECK_INT(dur("7us"), 7);
	CHECK_INT(dur("1w2d3h4m5s6ms7us"),
		  W + 2 * D + 3 * H + 4 * M + 5 * S + 6 * MS + 7 * US);
	CHECK_INT(dur("1w7us"), W + 7);
	CHECK_INT(dur("1h1ms"), H + MS);
	CHECK_INT(dur("90m"), 90 * M);
	CHECK_INT(dur("1500ms"), 1500 * MS);
	CHECK_INT(dur("48h"), 2 * D);
	CHECK_INT(dur("0"), 0);
	CHECK_INT(dur("0s"), 0);
	CHECK_INT(dur("0w0d0h0m0s0ms0us"), 0);
	CHECK_INT(dur("0h30m"), 30 * M);
	/* Leading zeros are accepted (a documented decision). */
	CHECK_INT(dur("01h"), H);
	CHECK_INT(dur("007s"), 7 * S);
	CHECK_INT(dur("0000000000000000000000000001us"), 1);

	/* A fraction on the last component, whole microseconds only. */
	CHECK_INT(dur("1.5h"), 90 * M);
	CHECK_INT(dur("0.25s"), 250 * MS);
	CHECK_INT(dur("1.5ms"), 1500);
	CHECK_INT(dur("0.001ms"), 1);
	CHECK_INT(dur("0.000001s"), 1);
	CHECK_INT(dur("1.000000s"), S);
	CHECK_INT(dur("0.5w"), 3 * D + 12 * H);
	CHECK_INT(dur("0.5d"), 12 * H);
	CHECK_INT(dur("1h0.5m"), H + 30 * S);
	CHECK_INT(dur("1d0.1s"), D + 100 * MS);
	CHECK_INT(dur("0.0s"), 0);
	CHECK_INT(dur("2.0us"), 2);
	CHECK_INT(dur("1.100000000000000000000000000000s"), 1100 * MS);
	/* 1/60 h and 1/7 w are not decimal; 1/2^6 d is (1350 s). */
	CHECK_INT(dur("0.015625d"), 1350 * S);
	/* 2^-13 w = 73828125 us: the longest fraction that is whole. */
	CHECK_INT(dur("0.0001220703125w"), 73828125);
	CHECK_STR(dur_err("0.00006103515625w"),
		  "not a whole number of microseconds");
	CHECK_STR(dur_err("1.5us"), "not a whole number of microseconds");
	CHECK_STR(dur_err("0.0000001s"), "not a whole number of microseconds");
	CHECK_STR(dur_err("0.1234567s"), "not a whole number of microseconds");
	CHECK_STR(dur_err("0.0001ms"), "not a whole number of microseconds");
	CHECK_STR(dur_err("0.0000000000000000000001w"),
		  "not a whole number of microseconds");

	/* Errors. */
	CHECK_STR(dur_err(""), "empty duration");
	CHECK_STR(dur_err("-1h"), "sign not allowed");
	CHECK_STR(dur_err("+1h"), "sign not allowed");
	CHECK_STR(dur_err("1h-5m"), "sign not allowed");
	CHECK_STR(dur_err(" 1h"), "expected a number");
	CHECK_STR(dur_err("1h "), "expected a number");
	CHECK_STR(dur_err("1h\n"), "expected a number");
	CHECK_STR(dur_err("1 h"), "missing unit");
	CHECK_STR(dur_err("1h 30m"), "expected a number");
	CHECK_STR(dur_err("h"), "expected a number");
	CHECK_STR(dur_err(".5h"), "expected a number");
	CHECK_STR(dur_err("1"), "missing unit");
	CHECK_STR(dur_err("00"), "missing unit");
	CHECK_STR(dur_err("1h30"), "missing unit");
	CHECK_STR(dur_err("1.5"), "missing unit");
	CHECK_STR(dur_err("1.h"), "missing digits after '.'");
	CHECK_STR(dur_err("1..5h"), "missing digits after '.'");
	CHECK_STR(dur_err("1x"), "unknown unit");
	CHECK_STR(dur_err("1H"), "unknown unit");
	CHECK_STR(dur_err("1hh"), "unknown unit");
	CHECK_STR(dur_err("1ns"), "unknown unit");
	CHECK_STR(dur_err("1sec"), "unknown unit");
	CHECK_STR(dur_err("1h1h"), "unit repeated");
	CHECK_STR(dur_err("1s2s"), "unit repeated");
	CHECK_STR(dur_err("1m1h"), "units out of order");
	CHECK_STR(dur_err("1ms1s"), "units out of order");
	CHECK_STR(dur_err("1us1ms"), "units out of order");
	CHECK_STR(dur_err("1d1w"), "units out of order");
	CHECK_STR(dur_err("1.5h30m"),
		  "fraction only allowed in the last component");
	CHECK_STR(dur_err("1.0h30m"),
		  "fraction only allowed in the last component");

	/* Overflow of int64 microseconds. */
	CHECK_INT(dur("9223372036854775807us"), INT64_MAX);
	CHECK_STR(dur_err("9223372036854775808us"), "duration too large");
	CHECK_STR(dur_err("99999999999999999999999us"), "duration too large");
	CHECK_INT(dur("15250w"), 15250 * W);
	CHECK_INT(dur("15250284w"), 15250284 * W);
	CHECK_STR(dur_err("15250285w"), "duration too large");
	CHECK_INT(dur("106751991d4h52ms"), 106751991 * D + 4 * H + 52 * MS);
	/* INT64_MAX is 106751991d4h0m54s775ms807us. */
	CHECK_INT(dur("106751991d4h0m54s775ms807us"), INT64_MAX);
	CHECK_STR(dur_err("106751991d4h0m54s775ms808us"), "duration too large");
	CHECK_STR(dur_err("106751991d4h0m54.775808s"), "duration too large");
	CHECK_INT(dur("106751991d4h0m54.775807s"), INT64_MAX);
	CHECK_STR(dur_err("106751991d5h"), "duration too large");
	CHECK_STR(dur_err("2562047788h1h"), "unit repeated");
	CHECK_STR(dur_err("2562047789h"), "duration too large");
	CHECK_INT(dur("2562047788h"), 2562047788LL * H);
}

static void
test_format(void)
{
	CHECK_STR(fmt(0), "0");
	CHECK_STR(fmt(1), "1us");
	CHECK_STR(fmt(999), "999us");
	CHECK_STR(fmt(1000), "1ms");
	CHECK_STR(fmt(1001), "1ms1us");
	CHECK_STR(fmt(250 * MS), "250ms");
	CHECK_STR(fmt(1500 * MS), "1s500ms");
	CHECK_STR(fmt(30 * S), "30s");
	CHECK_STR(fmt(90 * S), "1m30s");
	CHECK_STR(fmt(15 * M), "15m");
	CHECK_STR(fmt(90 * M), "1h30m");
	CHECK_STR(fmt(D), "1d");
	CHECK_STR(fmt(25 * H), "1d1h");
	CHECK_STR(fmt(W), "1w");
	CHECK_STR(fmt(8 * D), "1w1d");
	CHECK_STR(fmt(9 * D), "1w2d");
	CHECK_STR(fmt(W + 2 * D + 3 * H + 4 * M + 5 * S + 6 * MS + 7),
		  "1w2d3h4m5s6ms7us");
	CHECK_STR(fmt(H + 1), "1h1us");
	CHECK_STR(fmt(INT64_MAX), "15250284w3d4h54s775ms807us");
	/* Outside the contract, but still well defined. */
	CHECK_STR(fmt(-90 * M), "-1h30m");
	CHECK_STR(fmt(INT64_MIN), "-15250284w3d4h54s775ms808us");
	CHECK(strlen(fmt(INT64_MIN)) < DURATION_FMT_MAX);
}

/* format(parse(s)) == s for canonical text; parse(format(v)) == v. */
static void
test_round_trips(void)
{
	static const char *const canonical[] = {
	    "0",  "1us", "250ms", "1s500ms",          "1m", "1h", "1h30m",
	    "1d", "1w",  "1w1d",  "2w3d4h5m6s7ms8us",
	};
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char buf[DURATION_FMT_MAX];
	const char *err;
	int64_t v, v2;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		CHECK(duration_parse(canonical[i], &v, &err) == 0);
		CHECK_STR(fmt(v), canonical[i]);
	}
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Spread over magnitudes: shift by 0..62 bits. */
		v = (int64_t)((x >> 1) >> (x % 63));
		duration_format(v, buf);
		if (duration_parse(buf, &v2, &err) != 0 || v2 != v) {
			if (bad++ == 0)
				fprintf(stderr, "round trip failed: %s\n", buf);
		}
	}
	CHECK_INT(bad, 0);
}

int
main(void)
{
	test_parse();
	test_format();
	test_round_trips();
	return unit_report("t_duration");
}
