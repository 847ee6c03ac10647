/*
 * t_evtime.c - unit tests of common/evtime.c.
 *
 * Usage: t_evtime [FIXTURES_DIR]
 *
 * FIXTURES_DIR (else $EV_FIXTURES, else "tests/fixtures") holds
 * time-vectors/, the RFC 3339 vectors of the JSON-Schema-Test-Suite and of
 * toml-test (see time-vectors/README.md).  Expected values marked "by hand"
 * were computed independently of this code (Python's datetime) and written
 * in as constants.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evtime.h"
#include "unit.h"
#include "util.h"

/* A value no successful parse returns: marks a rejected input. */
#define BAD INT64_MIN

/* 2015-08-18T06:36:40.123456Z, the NOW of the evtime_parse_arg tests. */
#define NOW      1439879800123456LL
#define T0       1439879800000000LL /* 2015-08-18T06:36:40Z */
#define MIDNIGHT 1439856000000000LL /* 2015-08-18T00:00:00Z */

static const char *fixtures = "tests/fixtures";

/* --- helpers returning a value, so each CHECK names the input --- */

static evtime_t
rfc(const char *s)
{
	evtime_t t;
	const char *err;

	if (evtime_parse_rfc3339(s, strlen(s), &t, &err) == -1)
		return BAD;
	return t;
}

static const char *
rfc_err(const char *s)
{
	evtime_t t;
	const char *err = "(accepted)";

	if (evtime_parse_rfc3339(s, strlen(s), &t, &err) == 0)
		return "(accepted)";
	return err;
}

static evtime_t
epoch(const char *s, enum evtime_unit unit)
{
	evtime_t t;
	const char *err;

	if (evtime_parse_epoch(s, strlen(s), unit, &t, &err) == -1)
		return BAD;
	return t;
}

static const char *
epoch_err(const char *s, enum evtime_unit unit)
{
	evtime_t t;
	const char *err;

	if (evtime_parse_epoch(s, strlen(s), unit, &t, &err) == 0)
		return "(accepted)";
	return err;
}

static evtime_t
arg(const char *s)
{
	evtime_t t;
	const char *err;

	if (evtime_parse_arg(s, NOW, &t, &err) == -1)
		return BAD;
	return t;
}

static const char *
arg_err(const char *s)
{
	evtime_t t;
	const char *err;

	if (evtime_parse_arg(s, NOW, &t, &err) == 0)
		return "(accepted)";
	return err;
}

/* evtime_format into a static buffer, checking the returned length. */
static const char *
fmt(evtime_t t)
{
	static char buf[EVTIME_FMT_MAX];
	size_t n = evtime_format(t, buf);

	if (n != strlen(buf))
		return "(bad length)";
	return buf;
}

static const char *
fmtd(evtime_t t, int digits)
{
	static char buf[EVTIME_FMT_MAX];
	size_t n = evtime_format_digits(t, digits, buf);

	if (n != strlen(buf))
		return "(bad length)";
	return buf;
}

/* --- a tiny reader of the vector files --- */

/* Appends code point CP to OUT as UTF-8. */
static size_t
put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static unsigned long
hex4(const char *p)
{
	char tmp[5];

	memcpy(tmp, p, 4);
	tmp[4] = '\0';
	return strtoul(tmp, NULL, 16);
}

/*
 * Finds "KEY": "..." in the one-line JSON object LINE and decodes the string
 * (\" \\ \/ \b \f \n \r \t \uXXXX with surrogate pairs; raw UTF-8 passes
 * through) into OUT, which may then hold NULs: *LEN is its length.  Returns
 * false if the key is absent or its value is not a string.  The vectors are
 * simple flat objects, so no general JSON parser is needed.
 */
static bool
json_str(const char *line, const char *key, char *out, size_t cap, size_t *len)
{
	char pat[64];
	const char *p;
	size_t n = 0;
	unsigned long cp, lo;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(line, pat)) == NULL)
		return false;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p++ != '"')
		return false;
	while (*p != '"' && *p != '\0' && n + 4 < cap) {
		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			cp = hex4(p + 1);
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' &&
			    p[2] == 'u') {
				lo = hex4(p + 3);
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
				p += 6;
			}
			n += put_utf8(out + n, cp);
			break;
		default: /* \" \\ \/ */
			out[n++] = *p;
			break;
		}
		p++;
	}
	out[n] = '\0';
	*len = n;
	return *p == '"';
}

/* 1 for "KEY": true, 0 for false, -1 when absent. */
static int
json_bool(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(line, pat)) == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (strncmp(p, "true", 4) == 0)
		return 1;
	if (strncmp(p, "false", 5) == 0)
		return 0;
	return -1;
}

static FILE *
open_vectors(const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/time-vectors/%s", fixtures, name);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "t_evtime: cannot open %s\n", path);
		unit_failures++;
	}
	return fp;
}

/* Prints a vector's input with control and non-ASCII bytes escaped. */
static void
show(const char *what, const char *s, size_t n)
{
	size_t i;

	fprintf(stderr, "    %s: \"", what);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7F)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fprintf(stderr, "\"\n");
}

/* Number of fraction digits after the seconds in S (0 if none). */
static size_t
frac_digits(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	size_t k = 0;

	if (dot == NULL)
		return 0;
	for (dot++; dot < s + n && *dot >= '0' && *dot <= '9'; dot++)
		k++;
	return k;
}

/*
 * Checks one RFC 3339 input: the verdict, and for a valid one that its
 * formatted value parses back to the same instant.
 */
static bool
check_rfc_vector(const char *s, size_t n, bool want_valid, evtime_t *val)
{
	evtime_t t, t2;
	const char *err;
	char buf[EVTIME_FMT_MAX];
	bool ok;
	size_t len;

	ok = (evtime_parse_rfc3339(s, n, &t, &err) == 0) == want_valid;
	if (ok && want_valid) {
		len = evtime_format(t, buf);
		ok = evtime_parse_rfc3339(buf, len, &t2, &err) == 0 && t2 == t;
		*val = t;
	}
	return ok;
}

/*
 * Hand-computed values of valid JSON-Schema-Test-Suite vectors.  The leap
 * second one is 1998-12-31T23:59:59.999999Z by the evtime.h rule.
 */
static const struct {
	const char *input;
	evtime_t want;
} schema_values[] = {
    {"1963-06-19T08:30:06.283185Z", -206292593716815LL},
    {"1963-06-19T08:30:06Z", -206292594000000LL},
    {"1937-01-01T12:00:27.87+00:20", -1041337172130000LL},
    {"1990-12-31T15:59:50.123-08:00", 662687990123000LL},
    {"1998-12-31T23:59:60Z", 915148799999999LL},
    {"1998-12-31T15:59:60.123-08:00", 915148799999999LL},
    {"1963-06-19t08:30:06.283185z", -206292593716815LL},
};

/*
 * JSON-Schema-Test-Suite (draft2020-12 optional/format):
 *   date-time: the verdict of evtime_parse_rfc3339 must be the suite's,
 *     except that evtools caps fractions at 9 digits (evtime.h, DESIGN.md
 *     section 2) where RFC 3339 allows any number: the one vector with 15
 *     fraction digits must be rejected, with "too many fraction digits".
 *   date: DATE + "T12:00:00Z" must have the date's verdict, and
 *     evtime_parse_arg (which takes YYYY-MM-DD) must accept exactly the
 *     valid dates, plus inputs that are whole date-times.
 *   time: "2020-06-15T" + TIME must have the time's verdict (the suite
 *     accepts a leap second on any date, and so does evtools).
 *   duration: ISO 8601 "P..." durations, a different grammar from
 *     duration.h: not used.
 */
static void
test_schema_vectors(void)
{
	FILE *fp = open_vectors("derived-format-vectors.jsonl");
	char line[4096], format[64], in[1024], buf[1100];
	size_t n, flen, i;
	int valid, seen_dt = 0, seen_date = 0, seen_time = 0, seen_val = 0;
	evtime_t t, v;
	const char *err;
	bool ok, want;

	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (!json_str(line, "format", format, sizeof(format), &flen) ||
		    !json_str(line, "input", in, sizeof(in), &n) ||
		    (valid = json_bool(line, "valid")) < 0) {
			CHECK(!"malformed vector line");
			continue;
		}
		if (strcmp(format, "date-time") == 0) {
			seen_dt++;
			want = valid && frac_digits(in, n) <= 9;
			v = BAD;
			ok = check_rfc_vector(in, n, want, &v);
			CHECK(ok);
			if (!ok)
				show("date-time vector", in, n);
			if (valid && !want) {
				evtime_parse_rfc3339(in, n, &t, &err);
				CHECK_STR(err, "too many fraction digits");
			}
			for (i = 0; i < EV_ARRAY_LEN(schema_values); i++) {
				if (strcmp(in, schema_values[i].input) != 0)
					continue;
				seen_val++;
				CHECK_INT(v, schema_values[i].want);
			}
		} else if (strcmp(format, "date") == 0) {
			seen_date++;
			memcpy(buf, in, n);
			memcpy(buf + n, "T12:00:00Z", 10);
			ok = check_rfc_vector(buf, n + 10, valid, &v);
			CHECK(ok);
			if (!ok)
				show("date vector + T12:00:00Z", buf, n + 10);
			/* argv strings hold no NUL: skip the "\u0000" case. */
			if (memchr(in, '\0', n) != NULL)
				continue;
			want =
			    valid || evtime_parse_rfc3339(in, n, &t, &err) == 0;
			ok = (evtime_parse_arg(in, NOW, &t, &err) == 0) == want;
			CHECK(ok);
			if (!ok)
				show("date vector, evtime_parse_arg", in, n);
			if (valid && ok)
				CHECK_INT(evtime_floor(t, EVTIME_DAY, 0), t);
		} else if (strcmp(format, "time") == 0) {
			seen_time++;
			memcpy(buf, "2020-06-15T", 11);
			memcpy(buf + 11, in, n);
			ok = check_rfc_vector(buf, n + 11, valid, &v);
			CHECK(ok);
			if (!ok)
				show("2020-06-15T + time vector", buf, n + 11);
		}
	}
	fclose(fp);
	/* The file has 27 date-time, 75 date and 41 time vectors. */
	CHECK_INT(seen_dt, 27);
	CHECK_INT(seen_date, 75);
	CHECK_INT(seen_time, 41);
	CHECK_INT(seen_val, (int)EV_ARRAY_LEN(schema_values));

	/* By hand, values of composed date and time vectors. */
	CHECK_INT(rfc("0400-02-29T12:00:00Z"), -49539297600000000LL);
	CHECK_INT(rfc("1582-10-10T12:00:00Z"), -12219681600000000LL);
	CHECK_INT(arg("2020-02-29"), 1582934400000000LL);
	/* 23:29:60+23:30 is 23:59:60 UTC of the day before. */
	CHECK_INT(rfc("2020-06-15T23:29:60+23:30"), 1592179199999999LL);
	CHECK_INT(rfc("2020-06-15T00:29:60-23:30"), 1592265599999999LL);
	CHECK_INT(rfc("2020-06-15T01:29:60+01:30"), 1592179199999999LL);
	CHECK_STR(rfc_err("2020-06-15T23:59:60+01:00"), "invalid leap second");
}

/*
 * Hand-computed values of the TOML vectors with an offset.  "expected"
 * keeps the offset, so these pin the UTC instant.
 */
static const struct {
	const char *input;
	evtime_t want;
} toml_values[] = {
    {"1987-07-05t17:45:00z", 552505500000000LL},
    {"0001-01-01 00:00:00Z", -62135596800000000LL},
    {"9999-12-31 23:59:59Z", 253402300799000000LL},
    {"2000-02-29 15:15:15Z", 951837315000000LL},
    {"2024-02-29 15:15:15Z", 1709219715000000LL},
    {"1987-07-05T17:45:56.123+08:00", 552476756123000LL},
    {"1987-07-05T17:45:56.6+08:00", 552476756600000LL},
    {"1987-07-05T17:45:56-05:00", 552523556000000LL},
};

/*
 * toml-test datetime vectors (TOML is RFC 3339 plus extensions):
 *   invalid (all 38): rejected by evtime_parse_rfc3339 and by
 *     evtime_parse_arg.  They are invalid RFC 3339 too; "no-secs" is
 *     invalid only in TOML 1.0.0, and RFC 3339 agrees with 1.0.0.
 *   valid, toml_type "datetime", in TOML 1.0.0: must parse, to the same
 *     instant as the "expected" normalised form.  TOML allows a space for
 *     'T'; RFC 3339 section 5.6 only permits it as an application choice,
 *     and evtools does not: such inputs must be rejected as given and
 *     accepted with the space replaced by 'T'.
 *   valid, but only in TOML 1.1.0 (no seconds), or a local date, time or
 *     date-time, or a string: not RFC 3339 date-times, so rejected.
 *     Local date-times with 'T' and local dates are evtime_parse_arg forms
 *     (read as UTC): checked against "expected" + "Z".  Local times and
 *     space-separated local date-times are not arg forms: rejected.
 * Nothing is skipped.
 */
static void
test_toml_vectors(void)
{
	FILE *fp = open_vectors("derived-datetime-vectors.jsonl");
	char line[4096], in[1024], orig[1024], type[64], expect[1024];
	size_t n, tn, en, i;
	int valid, v10, seen = 0, seen_ok = 0, seen_val = 0;
	evtime_t t, te;
	const char *err;
	bool ok;

	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (!json_str(line, "input", in, sizeof(in), &n) ||
		    (valid = json_bool(line, "valid")) < 0 ||
		    (v10 = json_bool(line, "in_toml_1.0.0")) < 0) {
			CHECK(!"malformed vector line");
			continue;
		}
		seen++;
		memcpy(orig, in, n + 1);
		if (!json_str(line, "toml_type", type, sizeof(type), &tn))
			type[0] = '\0';
		if (!json_str(line, "expected", expect, sizeof(expect), &en))
			expect[0] = '\0';
		if (!valid) {
			ok = evtime_parse_rfc3339(in, n, &t, &err) == -1 &&
			     evtime_parse_arg(in, NOW, &t, &err) == -1;
			CHECK(ok);
			if (!ok)
				show("invalid TOML vector accepted", in, n);
			continue;
		}
		if (strcmp(type, "datetime") == 0 && v10) {
			seen_ok++;
			if (n > 10 && in[10] == ' ') {
				CHECK(evtime_parse_rfc3339(in, n, &t, &err) ==
				      -1);
				in[10] = 'T';
			}
			ok = evtime_parse_rfc3339(in, n, &t, &err) == 0 &&
			     evtime_parse_rfc3339(expect, en, &te, &err) == 0 &&
			     t == te;
			CHECK(ok);
			if (!ok)
				show("valid TOML datetime", in, n);
			for (i = 0; i < EV_ARRAY_LEN(toml_values); i++) {
				if (strcmp(orig, toml_values[i].input) != 0)
					continue;
				seen_val++;
				CHECK_INT(t, toml_values[i].want);
			}
			continue;
		}
		ok = evtime_parse_rfc3339(in, n, &t, &err) == -1;
		CHECK(ok);
		if (!ok)
			show("TOML non-RFC 3339 value accepted", in, n);
		if ((strcmp(type, "datetime-local") == 0 ||
		     strcmp(type, "date-local") == 0) &&
		    memchr(in, ' ', n) == NULL) {
			memcpy(expect + en, "Z", 2);
			if (strcmp(type, "date-local") == 0)
				memcpy(expect + en, "T00:00:00Z", 11);
			ok = evtime_parse_arg(in, NOW, &t, &err) == 0 &&
			     rfc(expect) == t;
			CHECK(ok);
			if (!ok)
				show("TOML local form as arg", in, n);
		} else {
			ok = evtime_parse_arg(in, NOW, &t, &err) == -1;
			CHECK(ok);
			if (!ok)
				show("TOML non-arg form accepted", in, n);
		}
	}
	fclose(fp);
	CHECK_INT(seen, 71);
	CHECK_INT(seen_ok, 14);
	CHECK_INT(seen_val, (int)EV_ARRAY_LEN(toml_values));
}

static void
test_rfc3339(void)
{
	static const char full[] = "2015-08-18T06:36:40.123456+02:00";
	evtime_t t;
	const char *err;
	char *heap;
	size_t i;

	CHECK_INT(rfc("2015-08-18T06:36:40Z"), T0);
	CHECK_INT(rfc("2015-08-18t06:36:40z"), T0);
	CHECK_INT(rfc("2015-08-18T08:36:40+02:00"), T0);
	CHECK_INT(rfc("2015-08-17T23:36:40-07:00"), T0);
	CHECK_INT(rfc("2015-08-18T06:36:40-00:00"), T0);
	CHECK_INT(rfc("2015-08-19T06:35:40+23:59"), T0);
	CHECK_INT(rfc("1970-01-01T00:00:00Z"), 0);
	CHECK_INT(rfc("1970-01-01T00:00:00.000001Z"), 1);
	CHECK_INT(rfc("1969-12-31T23:59:59.999999Z"), -1);
	/* Below a microsecond, floor: a negative time moves down. */
	CHECK_INT(rfc("1969-12-31T23:59:59.9999999Z"), -1);
	CHECK_INT(rfc("1970-01-01T00:00:00.000000999Z"), 0);
	CHECK_INT(rfc("2015-08-18T06:36:40.1Z"), T0 + 100000);
	CHECK_INT(rfc("2015-08-18T06:36:40.12Z"), T0 + 120000);
	CHECK_INT(rfc("2015-08-18T06:36:40.123456789Z"), T0 + 123456);
	CHECK_INT(rfc("2015-08-18T06:36:40.000000000Z"), T0);

	/* The supported range, and offsets that leave it. */
	CHECK_INT(rfc("0000-01-01T00:00:00Z"), EVTIME_LOWEST);
	CHECK_INT(rfc("9999-12-31T23:59:59.999999Z"), EVTIME_HIGHEST);
	CHECK_INT(rfc("9999-12-31T23:59:59.999999999Z"), EVTIME_HIGHEST);
	CHECK_INT(rfc("0000-01-01T00:00:00-00:01"), EVTIME_LOWEST + EVTIME_MIN);
	CHECK_STR(rfc_err("0000-01-01T00:00:00+00:01"), "out of range");
	CHECK_STR(rfc_err("9999-12-31T23:59:59-00:01"), "out of range");
	CHECK_INT(rfc("9999-12-31T23:59:59+00:01"),
		  EVTIME_HIGHEST - EVTIME_MIN - 999999);
	CHECK_INT(rfc("0000-12-31T23:59:59Z"), -62135596801000000LL);

	/* Leap years: by hand, 1900 and 2100 are not, 0000 and 2000 are. */
	CHECK_STR(rfc_err("1900-02-29T00:00:00Z"), "invalid day of month");
	CHECK_STR(rfc_err("2100-02-29T00:00:00Z"), "invalid day of month");
	CHECK_STR(rfc_err("2023-02-29T00:00:00Z"), "invalid day of month");
	CHECK_STR(rfc_err("2024-02-30T00:00:00Z"), "invalid day of month");
	CHECK_INT(rfc("2000-02-29T00:00:00Z"), 951782400000000LL);
	CHECK_INT(rfc("0000-02-29T00:00:00Z"), -62162121600000000LL);
	CHECK_INT(rfc("1900-03-01T00:00:00Z"), -2203891200000000LL);
	CHECK_INT(rfc("2000-03-01T00:00:00Z"), 951868800000000LL);
	CHECK_INT(rfc("2100-03-01T00:00:00Z"), 4107542400000000LL);
	CHECK_INT(rfc("1600-01-01T00:00:00Z"), -11676096000000000LL);
	CHECK_STR(rfc_err("2015-04-31T00:00:00Z"), "invalid day of month");
	CHECK_STR(rfc_err("2015-04-00T00:00:00Z"), "invalid day of month");
	CHECK_STR(rfc_err("2015-01-32T00:00:00Z"), "invalid day of month");

	/* Leap seconds: only at 23:59:60 UTC, read as .999999. */
	CHECK_INT(rfc("2016-12-31T23:59:60Z"), 1483228800000000LL - 1);
	CHECK_INT(rfc("2016-12-31T23:59:60.5Z"), 1483228800000000LL - 1);
	CHECK_INT(rfc("2017-01-01T00:59:60+01:00"), 1483228800000000LL - 1);
	CHECK_INT(rfc("2016-12-31T18:59:60-05:00"), 1483228800000000LL - 1);
	CHECK_STR(rfc_err("2016-12-31T23:59:60+01:00"), "invalid leap second");
	CHECK_STR(rfc_err("2016-12-31T23:58:60Z"), "invalid leap second");
	CHECK_STR(rfc_err("0000-01-01T00:29:60+00:30"), "out of range");

	/* Each error message. */
	CHECK_STR(rfc_err(""), "empty time");
	CHECK_STR(rfc_err("x"), "invalid year");
	CHECK_STR(rfc_err(" 2015-08-18T06:36:40Z"), "invalid year");
	CHECK_STR(rfc_err("+2015-08-18T06:36:40Z"), "invalid year");
	CHECK_STR(rfc_err("12015-08-18T06:36:40Z"), "year must have 4 digits");
	CHECK_STR(rfc_err("2015/08/18T06:36:40Z"),
		  "expected '-' after the year");
	CHECK_STR(rfc_err("2015-13-18T06:36:40Z"), "invalid month");
	CHECK_STR(rfc_err("2015-00-18T06:36:40Z"), "invalid month");
	CHECK_STR(rfc_err("2015-8-18T06:36:40Z"), "invalid month");
	CHECK_STR(rfc_err("2015-08/18T06:36:40Z"),
		  "expected '-' after the month");
	CHECK_STR(rfc_err("2015-08-1T06:36:40Z"), "invalid day of month");
	CHECK_STR(rfc_err("2015-08-18 06:36:40Z"),
		  "expected 'T' after the date");
	CHECK_STR(rfc_err("2015-08-18"), "expected 'T' after the date");
	CHECK_STR(rfc_err("2015-08-18T24:00:00Z"), "invalid hour");
	CHECK_STR(rfc_err("2015-08-18T6:36:40Z"), "invalid hour");
	CHECK_STR(rfc_err("2015-08-18T06"), "expected ':' after the hour");
	CHECK_STR(rfc_err("2015-08-18T06-36:40Z"),
		  "expected ':' after the hour");
	CHECK_STR(rfc_err("2015-08-18T06:60:00Z"), "invalid minute");
	CHECK_STR(rfc_err("2015-08-18T06:36"), "expected ':' after the minute");
	CHECK_STR(rfc_err("2015-08-18T06:36:61Z"), "invalid second");
	CHECK_STR(rfc_err("2015-08-18T06:36:4Z"), "invalid second");
	CHECK_STR(rfc_err("2015-08-18T06:36:60Z"), "invalid leap second");
	CHECK_STR(rfc_err("2015-08-18T06:36:40"), "missing time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40.5"), "missing time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40.Z"), "missing digits after '.'");
	CHECK_STR(rfc_err("2015-08-18T06:36:40.1234567890Z"),
		  "too many fraction digits");
	CHECK_STR(rfc_err("2015-08-18T06:36:40,5Z"),
		  "invalid time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40 Z"), "invalid time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40+0200"),
		  "invalid time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40+02"),
		  "invalid time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40+2:00"),
		  "invalid time zone offset");
	CHECK_STR(rfc_err("2015-08-18T06:36:40+24:00"), "invalid offset hour");
	CHECK_STR(rfc_err("2015-08-18T06:36:40-24:00"), "invalid offset hour");
	CHECK_STR(rfc_err("2015-08-18T06:36:40+10:60"),
		  "invalid offset minute");
	CHECK_STR(rfc_err("2015-08-18T06:36:40Zx"), "trailing characters");
	CHECK_STR(rfc_err("2015-08-18T06:36:40Z\n"), "trailing characters");
	CHECK_STR(rfc_err("2015-08-18T06:36:40Z "), "trailing characters");
	CHECK_STR(rfc_err("2015-08-18T06:36:40+02:00Z"), "trailing characters");
	CHECK_STR(rfc_err("2015-08-18T06:36:40zZ"), "trailing characters");

	/* N bounds the text: nothing before or after it is read. */
	CHECK(evtime_parse_rfc3339("2015-08-18T06:36:40Zjunk", 20, &t, &err) ==
	      0);
	CHECK_INT(t, T0);
	CHECK(evtime_parse_rfc3339("2015-08-18T06:36:40Z", 19, &t, &err) == -1);
	CHECK_STR(err, "missing time zone offset");
	/* Every proper prefix of a valid time is invalid; no NUL read. */
	for (i = 0; i < sizeof(full) - 1; i++) {
		heap = malloc(i ? i : 1);
		memcpy(heap, full, i);
		CHECK(evtime_parse_rfc3339(heap, i, &t, &err) == -1);
		free(heap);
	}
	heap = malloc(sizeof(full) - 1);
	memcpy(heap, full, sizeof(full) - 1);
	CHECK(evtime_parse_rfc3339(heap, sizeof(full) - 1, &t, &err) == 0);
	CHECK_INT(t, T0 - 2 * EVTIME_HOUR + 123456);
	free(heap);
	/* An embedded NUL is just a wrong byte. */
	CHECK(evtime_parse_rfc3339("2015-08-18T06:36:40\0Z", 21, &t, &err) ==
	      -1);
}

static void
test_epoch(void)
{
	enum evtime_unit u;

	CHECK(evtime_unit_parse("s", &u) == 0 && u == EVTIME_UNIT_S);
	CHECK(evtime_unit_parse("ms", &u) == 0 && u == EVTIME_UNIT_MS);
	CHECK(evtime_unit_parse("us", &u) == 0 && u == EVTIME_UNIT_US);
	CHECK(evtime_unit_parse("ns", &u) == 0 && u == EVTIME_UNIT_NS);
	CHECK(evtime_unit_parse("auto", &u) == 0 && u == EVTIME_UNIT_AUTO);
	CHECK_INT(evtime_unit_parse("", &u), -1);
	CHECK_INT(evtime_unit_parse("S", &u), -1);
	CHECK_INT(evtime_unit_parse("sec", &u), -1);

	/* Exact: digits, not doubles. */
	CHECK_INT(epoch("1439879800", EVTIME_UNIT_S), T0);
	CHECK_INT(epoch("1439879800123", EVTIME_UNIT_MS), 1439879800123000LL);
	CHECK_INT(epoch("1439879800.123456", EVTIME_UNIT_S), NOW);
	CHECK_INT(epoch("1439879800.1234569999999999999", EVTIME_UNIT_S), NOW);
	CHECK_INT(epoch("1439879800123456", EVTIME_UNIT_US), NOW);
	CHECK_INT(epoch("1439879800123456789", EVTIME_UNIT_NS), NOW);
	CHECK_INT(epoch("1439879800123.456", EVTIME_UNIT_MS), NOW);
	CHECK_INT(epoch("0.1", EVTIME_UNIT_S), 100000);
	CHECK_INT(epoch("0.000001", EVTIME_UNIT_S), 1);
	CHECK_INT(epoch("1.4e9", EVTIME_UNIT_S), 1400000000000000LL);
	CHECK_INT(epoch("1.4E+9", EVTIME_UNIT_S), 1400000000000000LL);
	CHECK_INT(epoch("14e8", EVTIME_UNIT_S), 1400000000000000LL);
	CHECK_INT(epoch("14000000000e-1", EVTIME_UNIT_S), 1400000000000000LL);
	CHECK_INT(epoch("1439879800123456e-6", EVTIME_UNIT_S), NOW);
	CHECK_INT(epoch("0.0000000000001439879800123456e22", EVTIME_UNIT_S),
		  NOW);
	CHECK_INT(epoch("0", EVTIME_UNIT_S), 0);
	CHECK_INT(epoch("-0", EVTIME_UNIT_S), 0);
	CHECK_INT(epoch("-0.0e5", EVTIME_UNIT_S), 0);
	CHECK_INT(epoch("0e999999999999999999", EVTIME_UNIT_S), 0);
	CHECK_INT(epoch("1e-99999999999999999999", EVTIME_UNIT_S), 0);

	/* Floor below a microsecond: negatives move down. */
	CHECK_INT(epoch("-0.5", EVTIME_UNIT_US), -1);
	CHECK_INT(epoch("0.5", EVTIME_UNIT_US), 0);
	CHECK_INT(epoch("-1.5", EVTIME_UNIT_S), -1500000);
	CHECK_INT(epoch("-0.0000001", EVTIME_UNIT_S), -1);
	CHECK_INT(epoch("-0.0000010", EVTIME_UNIT_S), -1);
	CHECK_INT(epoch("-0.0000011", EVTIME_UNIT_S), -2);
	CHECK_INT(epoch("-1e-99999999999999999999", EVTIME_UNIT_S), -1);
	CHECK_INT(epoch("-1", EVTIME_UNIT_NS), -1);
	CHECK_INT(epoch("-1000", EVTIME_UNIT_NS), -1);
	CHECK_INT(epoch("-1001", EVTIME_UNIT_NS), -2);
	CHECK_INT(epoch("999", EVTIME_UNIT_NS), 0);
	CHECK_INT(epoch("1999", EVTIME_UNIT_NS), 1);
	CHECK_INT(epoch("-86400", EVTIME_UNIT_S), -EVTIME_DAY);
	CHECK_INT(epoch("-14182940", EVTIME_UNIT_S), -14182940000000LL);

	/* Range: exactly [EVTIME_LOWEST, EVTIME_HIGHEST]. */
	CHECK_INT(epoch("-62167219200", EVTIME_UNIT_S), EVTIME_LOWEST);
	CHECK_INT(epoch("-62167219200000000", EVTIME_UNIT_US), EVTIME_LOWEST);
	CHECK_STR(epoch_err("-62167219200.0000001", EVTIME_UNIT_S),
		  "out of range");
	CHECK_STR(epoch_err("-62167219201", EVTIME_UNIT_S), "out of range");
	CHECK_INT(epoch("253402300799.999999", EVTIME_UNIT_S), EVTIME_HIGHEST);
	CHECK_INT(epoch("253402300799.9999999", EVTIME_UNIT_S), EVTIME_HIGHEST);
	CHECK_STR(epoch_err("253402300800", EVTIME_UNIT_S), "out of range");
	CHECK_STR(epoch_err("253402300800000000000", EVTIME_UNIT_NS),
		  "out of range");
	CHECK_STR(epoch_err("1e18", EVTIME_UNIT_US), "out of range");
	CHECK_STR(epoch_err("1e999999999999999999", EVTIME_UNIT_S),
		  "out of range");
	CHECK_STR(epoch_err("-1e999999999999999999", EVTIME_UNIT_S),
		  "out of range");
	CHECK_STR(epoch_err("99999999999999999999999999999", EVTIME_UNIT_NS),
		  "out of range");
	CHECK_STR(epoch_err("18446744073709551617", EVTIME_UNIT_US),
		  "out of range");

	/* Auto: by |v|, thresholds 1e11, 1e14, 1e17. */
	CHECK_INT(epoch("1439879800", EVTIME_UNIT_AUTO), T0);
	CHECK_INT(epoch("1439879800123", EVTIME_UNIT_AUTO), 1439879800123000LL);
	CHECK_INT(epoch("1439879800123456", EVTIME_UNIT_AUTO), NOW);
	CHECK_INT(epoch("1439879800123456789", EVTIME_UNIT_AUTO), NOW);
	CHECK_INT(epoch("1.4e9", EVTIME_UNIT_AUTO), 1400000000000000LL);
	CHECK_INT(epoch("99999999999", EVTIME_UNIT_AUTO), 99999999999000000LL);
	CHECK_INT(epoch("99999999999.999999", EVTIME_UNIT_AUTO),
		  99999999999999999LL);
	CHECK_INT(epoch("100000000000", EVTIME_UNIT_AUTO), 100000000000000LL);
	CHECK_INT(epoch("1e11", EVTIME_UNIT_AUTO), 100000000000000LL);
	CHECK_INT(epoch("0.1e12", EVTIME_UNIT_AUTO), 100000000000000LL);
	CHECK_INT(epoch("99999999999999", EVTIME_UNIT_AUTO),
		  99999999999999000LL);
	CHECK_INT(epoch("100000000000000", EVTIME_UNIT_AUTO),
		  100000000000000LL);
	CHECK_INT(epoch("99999999999999999", EVTIME_UNIT_AUTO),
		  99999999999999999LL);
	CHECK_INT(epoch("100000000000000000", EVTIME_UNIT_AUTO),
		  100000000000000LL);
	CHECK_INT(epoch("-99999999999", EVTIME_UNIT_AUTO), BAD);
	CHECK_INT(epoch("-62167219200", EVTIME_UNIT_AUTO), EVTIME_LOWEST);
	CHECK_INT(epoch("-1439879800", EVTIME_UNIT_AUTO), -T0);
	CHECK_INT(epoch("-100000000000", EVTIME_UNIT_AUTO), -100000000000000LL);
	CHECK_INT(epoch("0.0000001", EVTIME_UNIT_AUTO), 0);
	CHECK_INT(epoch("0", EVTIME_UNIT_AUTO), 0);
	CHECK_INT(epoch("000", EVTIME_UNIT_AUTO), BAD);
	/* 253402300799 s is the last second, but auto reads it as ms. */
	CHECK_INT(epoch("253402300799", EVTIME_UNIT_AUTO), 253402300799000LL);

	/* The JSON number grammar, nothing more. */
	CHECK_STR(epoch_err("", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("-", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("01", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("-01", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("+1", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err(".5", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1.", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1.e5", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1e", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1e+", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1e5.5", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err(" 1", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1 ", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1\n", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("0x10", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("NaN", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("Infinity", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("--1", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("1..2", EVTIME_UNIT_S), "not a number");
	CHECK_STR(epoch_err("\"1\"", EVTIME_UNIT_S), "not a number");
}

static void
test_arg(void)
{
	/* Keywords, with NOW = 2015-08-18T06:36:40.123456Z. */
	CHECK_INT(arg("now"), NOW);
	CHECK_INT(arg("now-2h"), NOW - 2 * EVTIME_HOUR);
	CHECK_INT(arg("now+1h30m"), NOW + 90 * EVTIME_MIN);
	CHECK_INT(arg("now-0"), NOW);
	CHECK_INT(arg("now-1.5s"), NOW - 1500000);
	CHECK_INT(arg("today"), MIDNIGHT);
	CHECK_INT(arg("yesterday"), MIDNIGHT - EVTIME_DAY);
	CHECK_INT(arg("today-1d"), MIDNIGHT - EVTIME_DAY);
	CHECK_INT(arg("today+1d"), MIDNIGHT + EVTIME_DAY);
	CHECK_INT(arg("yesterday+12h"), MIDNIGHT - 12 * EVTIME_HOUR);
	CHECK_INT(arg("today-1w"), MIDNIGHT - 7 * EVTIME_DAY);
	CHECK_STR(arg_err("now-"), "empty duration");
	CHECK_STR(arg_err("now+1x"), "unknown unit");
	CHECK_STR(arg_err("now--1h"), "sign not allowed");
	CHECK_STR(arg_err("now 1h"), "expected +DURATION or -DURATION");
	CHECK_STR(arg_err("nowx"), "expected +DURATION or -DURATION");
	CHECK_STR(arg_err("now-600000w"), "out of range");
	CHECK_STR(arg_err("now+99999999999999999999h"), "duration too large");
	CHECK_STR(arg_err("now-1000000w"), "out of range");
	CHECK_STR(arg_err("now+1000000w"), "out of range");
	CHECK_INT(arg("now-15250w"), NOW - 15250 * 7 * EVTIME_DAY);
	CHECK_INT(arg("Now"), BAD);
	CHECK_INT(arg("NOW"), BAD);
	CHECK_INT(arg(" now"), BAD);
	CHECK_INT(arg("tomorrow"), BAD);

	/* Dates and date-times without an offset are UTC. */
	CHECK_INT(arg("2015-08-18"), MIDNIGHT);
	CHECK_INT(arg("2015-08-18T06"), MIDNIGHT + 6 * EVTIME_HOUR);
	CHECK_INT(arg("2015-08-18T06:36"), T0 - 40 * EVTIME_SEC);
	CHECK_INT(arg("2015-08-18T06:36:40"), T0);
	CHECK_INT(arg("2015-08-18t06:36:40"), T0);
	CHECK_INT(arg("2015-08-18T06:36:40.123456"), NOW);
	CHECK_INT(arg("2015-08-18T06:36:40Z"), T0);
	CHECK_INT(arg("2015-08-18T08:36:40+02:00"), T0);
	CHECK_INT(arg("2015-08-18T08:36:40.123456789+02:00"), NOW);
	CHECK_INT(arg("2016-12-31T23:59:60"), 1483228800000000LL - 1);
	CHECK_INT(arg("0000-01-01"), EVTIME_LOWEST);
	CHECK_INT(arg("9999-12-31T23:59:59.999999"), EVTIME_HIGHEST);
	CHECK_STR(arg_err("2015-08-18T"), "invalid hour");
	CHECK_STR(arg_err("2015-08-18T6"), "invalid hour");
	CHECK_STR(arg_err("2015-08-18T06:"), "invalid minute");
	CHECK_STR(arg_err("2015-08-18T06:3"), "invalid minute");
	CHECK_STR(arg_err("2015-08-18T06:36:"), "invalid second");
	CHECK_STR(arg_err("2015-08-18 06:36"), "expected 'T' after the date");
	CHECK_STR(arg_err("2015-8-18"), "invalid month");
	CHECK_STR(arg_err("2015-02-29"), "invalid day of month");
	CHECK_STR(arg_err("2015-08-18T06:36:40+02"),
		  "invalid time zone offset");
	CHECK_STR(arg_err("2015-08-18T06:36:40Z "), "trailing characters");
	CHECK_STR(arg_err("2015-08-18T06:36Z"),
		  "expected ':' after the minute");
	CHECK_STR(arg_err(""), "empty time");
	CHECK_INT(arg("2015-08-18+1d"), BAD);
	CHECK_INT(arg("20150818"), BAD);

	/* @EPOCH is seconds, never auto. */
	CHECK_INT(arg("@1439879800"), T0);
	CHECK_INT(arg("@1439879800.123456"), NOW);
	CHECK_INT(arg("@1.4e9"), 1400000000000000LL);
	CHECK_INT(arg("@-1"), -EVTIME_SEC);
	CHECK_INT(arg("@0"), 0);
	CHECK_STR(arg_err("@1439879800123"), "out of range");
	CHECK_STR(arg_err("@"), "not a number");
	CHECK_STR(arg_err("@ 1"), "not a number");
	CHECK_STR(arg_err("@now"), "not a number");

	/* A NOW outside the supported range cannot anchor a keyword. */
	{
		evtime_t t;
		const char *err;

		CHECK_INT(evtime_parse_arg("now", INT64_MAX, &t, &err), -1);
		CHECK_STR(err, "out of range");
		CHECK_INT(evtime_parse_arg("today", EVTIME_LOWEST, &t, &err),
			  0);
		CHECK_INT(t, EVTIME_LOWEST);
		CHECK_INT(
		    evtime_parse_arg("yesterday", EVTIME_LOWEST, &t, &err), -1);
		CHECK_STR(err, "out of range");
		/* A negative NOW: today is the midnight before, not after. */
		CHECK_INT(evtime_parse_arg("today", -1, &t, &err), 0);
		CHECK_INT(t, -EVTIME_DAY);
	}
}

static void
test_format(void)
{
	char buf[EVTIME_FMT_MAX];

	CHECK_STR(fmt(0), "1970-01-01T00:00:00Z");
	CHECK_STR(fmt(T0), "2015-08-18T06:36:40Z");
	CHECK_STR(fmt(NOW), "2015-08-18T06:36:40.123456Z");
	CHECK_STR(fmt(T0 + 123000), "2015-08-18T06:36:40.123Z");
	CHECK_STR(fmt(T0 + 100000), "2015-08-18T06:36:40.100Z");
	CHECK_STR(fmt(T0 + 120), "2015-08-18T06:36:40.000120Z");
	CHECK_STR(fmt(1), "1970-01-01T00:00:00.000001Z");
	CHECK_STR(fmt(1000), "1970-01-01T00:00:00.001Z");
	CHECK_STR(fmt(-1), "1969-12-31T23:59:59.999999Z");
	CHECK_STR(fmt(-1000), "1969-12-31T23:59:59.999Z");
	CHECK_STR(fmt(-EVTIME_SEC), "1969-12-31T23:59:59Z");
	CHECK_STR(fmt(-1500000), "1969-12-31T23:59:58.500Z");
	CHECK_STR(fmt(-206292593716815LL), "1963-06-19T08:30:06.283185Z");
	CHECK_STR(fmt(951782400000000LL), "2000-02-29T00:00:00Z");
	CHECK_STR(fmt(EVTIME_LOWEST), "0000-01-01T00:00:00Z");
	CHECK_STR(fmt(EVTIME_HIGHEST), "9999-12-31T23:59:59.999999Z");
	/* Clamped. */
	CHECK_STR(fmt(EVTIME_LOWEST - 1), "0000-01-01T00:00:00Z");
	CHECK_STR(fmt(INT64_MIN), "0000-01-01T00:00:00Z");
	CHECK_STR(fmt(EVTIME_HIGHEST + 1), "9999-12-31T23:59:59.999999Z");
	CHECK_STR(fmt(INT64_MAX), "9999-12-31T23:59:59.999999Z");
	CHECK_INT(evtime_format(EVTIME_HIGHEST, buf), 27);

	CHECK_STR(fmtd(NOW, 0), "2015-08-18T06:36:40Z");
	CHECK_STR(fmtd(NOW, 3), "2015-08-18T06:36:40.123Z");
	CHECK_STR(fmtd(NOW, 6), "2015-08-18T06:36:40.123456Z");
	CHECK_STR(fmtd(NOW, 9), "2015-08-18T06:36:40.123456000Z");
	CHECK_STR(fmtd(T0, 3), "2015-08-18T06:36:40.000Z");
	CHECK_STR(fmtd(-1, 0), "1969-12-31T23:59:59Z");
	CHECK_STR(fmtd(-1, 3), "1969-12-31T23:59:59.999Z");
	CHECK_STR(fmtd(-1, 9), "1969-12-31T23:59:59.999999000Z");
	CHECK_STR(fmtd(NOW, 1), "2015-08-18T06:36:40.1Z");
	CHECK_STR(fmtd(NOW, 7), "2015-08-18T06:36:40.1234560Z");
	CHECK_STR(fmtd(NOW, -5), "2015-08-18T06:36:40Z");
	CHECK_STR(fmtd(NOW, 99), "2015-08-18T06:36:40.123456000Z");
	CHECK_INT(evtime_format_digits(EVTIME_HIGHEST, 9, buf), 30);
	CHECK(30 < EVTIME_FMT_MAX);
}

static void
test_civil(void)
{
	struct evtime_civil c;
	evtime_t t;
	int64_t days, mismatches;
	int y, m, d, mdays, wday;

	CHECK_INT(evtime_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(evtime_days_from_civil(1969, 12, 31), -1);
	CHECK_INT(evtime_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(evtime_days_from_civil(0, 1, 1), -719528);
	CHECK_INT(evtime_days_from_civil(1, 1, 1), -719162);
	CHECK_INT(evtime_days_from_civil(-1, 12, 31), -719529);
	CHECK_INT(evtime_days_from_civil(10000, 1, 1), 2932897);

	evtime_to_civil(-1, &c);
	CHECK_INT(c.year, 1969);
	CHECK_INT(c.month, 12);
	CHECK_INT(c.day, 31);
	CHECK_INT(c.hour, 23);
	CHECK_INT(c.min, 59);
	CHECK_INT(c.sec, 59);
	CHECK_INT(c.usec, 999999);
	CHECK_INT(c.wday, 3); /* a Wednesday */
	CHECK_INT(c.yday, 364);
	evtime_to_civil(NOW, &c);
	CHECK_INT(c.year, 2015);
	CHECK_INT(c.month, 8);
	CHECK_INT(c.day, 18);
	CHECK_INT(c.hour, 6);
	CHECK_INT(c.min, 36);
	CHECK_INT(c.sec, 40);
	CHECK_INT(c.usec, 123456);
	CHECK_INT(c.wday, 2); /* a Tuesday */
	CHECK_INT(c.yday, 229);
	evtime_to_civil(EVTIME_LOWEST, &c);
	CHECK_INT(c.year, 0);
	CHECK_INT(c.wday, 6); /* 0000-01-01 (proleptic) was a Saturday */
	evtime_to_civil(INT64_MIN, &c);
	CHECK_INT(c.year, 0);
	CHECK_INT(c.month, 1);
	CHECK_INT(c.day, 1);
	evtime_to_civil(EVTIME_HIGHEST, &c);
	CHECK_INT(c.year, 9999);
	CHECK_INT(c.yday, 364);
	CHECK_INT(c.wday, 5); /* 9999-12-31 is a Friday */
	evtime_to_civil(INT64_MAX, &c);
	CHECK_INT(c.year, 9999);
	CHECK_INT(c.usec, 999999);
	evtime_to_civil(rfc("2000-12-31T00:00:00Z"), &c);
	CHECK_INT(c.yday, 365);

	c = (struct evtime_civil){2015, 8, 18, 6, 36, 40, 123456, 0, 0};
	CHECK(evtime_from_civil(&c, &t) == 0 && t == NOW);
	c = (struct evtime_civil){0, 1, 1, 0, 0, 0, 0, 0, 0};
	CHECK(evtime_from_civil(&c, &t) == 0 && t == EVTIME_LOWEST);
	c = (struct evtime_civil){9999, 12, 31, 23, 59, 59, 999999, 0, 0};
	CHECK(evtime_from_civil(&c, &t) == 0 && t == EVTIME_HIGHEST);
	c = (struct evtime_civil){2000, 2, 29, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), 0);
	c.year = 1900;
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 4, 31, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 13, 1, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 0, 1, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 1, 0, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){-1, 1, 1, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){10000, 1, 1, 0, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 1, 1, 24, 0, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 1, 1, 0, 60, 0, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 1, 1, 0, 0, 60, 0, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 1, 1, 0, 0, 0, 1000000, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);
	c = (struct evtime_civil){2015, 1, 1, 0, 0, 0, -1, 0, 0};
	CHECK_INT(evtime_from_civil(&c, &t), -1);

	/*
	 * Every day of 0000..9999 against a naive calendar walk (a different
	 * algorithm: count days one by one).  One CHECK for the whole walk.
	 */
	mismatches = 0;
	days = evtime_days_from_civil(0, 1, 1);
	wday = 6;
	for (y = 0; y <= 9999; y++) {
		for (m = 1; m <= 12; m++) {
			mdays = m == 2 ? ((y % 4 == 0 && y % 100 != 0) ||
					  y % 400 == 0)
					     ? 29
					     : 28
				: (m == 4 || m == 6 || m == 9 || m == 11) ? 30
									  : 31;
			for (d = 1; d <= mdays; d++, days++) {
				evtime_to_civil(
				    days * EVTIME_DAY + 43200 * EVTIME_SEC, &c);
				if (evtime_days_from_civil(
					y, (unsigned)m, (unsigned)d) != days ||
				    c.year != y || c.month != m || c.day != d ||
				    c.hour != 12 || c.wday != wday) {
					if (mismatches++ == 0)
						fprintf(stderr,
							"first mismatch at "
							"%04d-%02d-%02d\n",
							y, m, d);
				}
				wday = (wday + 1) % 7;
			}
		}
	}
	CHECK_INT(mismatches, 0);
	CHECK_INT(days, evtime_days_from_civil(10000, 1, 1));
}

static void
test_floor(void)
{
	const int64_t H = EVTIME_HOUR, M15 = 15 * EVTIME_MIN;
	const int64_t W = 7 * EVTIME_DAY;

	CHECK_INT(evtime_floor(0, H, 0), 0);
	CHECK_INT(evtime_floor(1, H, 0), 0);
	CHECK_INT(evtime_floor(H - 1, H, 0), 0);
	CHECK_INT(evtime_floor(H, H, 0), H);
	CHECK_INT(evtime_floor(-1, H, 0), -H);
	CHECK_INT(evtime_floor(-H, H, 0), -H);
	CHECK_INT(evtime_floor(-H - 1, H, 0), -2 * H);
	CHECK_INT(evtime_floor(NOW, H, 0), MIDNIGHT + 6 * H);
	CHECK_INT(evtime_floor(NOW, EVTIME_DAY, 0), MIDNIGHT);
	CHECK_INT(evtime_floor(NOW, EVTIME_SEC, 0), T0);
	CHECK_INT(evtime_floor(-1, EVTIME_SEC, 0), -EVTIME_SEC);
	CHECK_INT(evtime_floor(-1, 1, 0), -1);
	CHECK_INT(evtime_floor(-1, 7, 0), -7);
	CHECK_INT(evtime_floor(-7, 7, 0), -7);
	CHECK_INT(evtime_floor(-8, 7, 0), -14);

	/* Offsets: any value, reduced mod SIZE. */
	CHECK_INT(evtime_floor(0, H, M15), -3 * M15);
	CHECK_INT(evtime_floor(M15, H, M15), M15);
	CHECK_INT(evtime_floor(M15 - 1, H, M15), M15 - H);
	CHECK_INT(evtime_floor(0, H, -3 * M15), -3 * M15);
	CHECK_INT(evtime_floor(0, H, 3 * H + M15), -3 * M15);
	CHECK_INT(evtime_floor(0, H, -7 * H - 3 * M15), -3 * M15);
	CHECK_INT(evtime_floor(-1, H, M15), -3 * M15);
	CHECK_INT(evtime_floor(-3 * M15 - 1, H, M15), -3 * M15 - H);
	CHECK_INT(evtime_floor(5, 10, INT64_MIN), 2);
	CHECK_INT(evtime_floor(5, 10, INT64_MAX), -3);
	/* Monday weeks: 1970-01-05 was a Monday; 2015-08-17 is one. */
	CHECK_INT(evtime_floor(NOW, W, 4 * EVTIME_DAY), MIDNIGHT - EVTIME_DAY);
	CHECK_INT(evtime_floor(-1, W, 4 * EVTIME_DAY), -3 * EVTIME_DAY);
	CHECK_INT(evtime_floor(EVTIME_LOWEST, EVTIME_DAY, 0), EVTIME_LOWEST);
	CHECK_INT(evtime_floor(EVTIME_LOWEST + 1, H, 0), EVTIME_LOWEST);
	CHECK_INT(evtime_floor(EVTIME_HIGHEST, EVTIME_DAY, 0),
		  EVTIME_HIGHEST + 1 - EVTIME_DAY);
	/* Extremes do not overflow. */
	CHECK_INT(evtime_floor(INT64_MIN, 10, 0), INT64_MIN);
	CHECK_INT(evtime_floor(INT64_MIN, 2, 0), INT64_MIN);
	CHECK_INT(evtime_floor(INT64_MAX, 2, 0), INT64_MAX - 1);
	CHECK_INT(evtime_floor(INT64_MAX, INT64_MAX, 0), INT64_MAX);
	CHECK_INT(evtime_floor(-1, INT64_MAX, 0), -INT64_MAX);
	/* Out of contract: SIZE <= 0 leaves T alone. */
	CHECK_INT(evtime_floor(NOW, 0, 0), NOW);
	CHECK_INT(evtime_floor(NOW, -H, 0), NOW);
}

static void
test_strftime(void)
{
	char buf[64];

	/* TZ must not matter. */
	setenv("TZ", "America/New_York", 1);
	tzset();
	CHECK_INT(evtime_strftime(buf, sizeof(buf), "%Y/%m/%d/%H", NOW), 13);
	CHECK_STR(buf, "2015/08/18/06");
	evtime_strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S %j %a %u", NOW);
	CHECK_STR(buf, "2015-08-18T06:36:40 230 Tue 2");
	evtime_strftime(buf, sizeof(buf), "%z %Z", NOW);
	CHECK_STR(buf, "+0000 UTC");
	evtime_strftime(buf, sizeof(buf), "dt=%F/hr=%H", -1);
	CHECK_STR(buf, "dt=1969-12-31/hr=23");
	CHECK_INT(evtime_strftime(buf, 5, "%Y-%m", NOW), 0);
	CHECK_INT(evtime_strftime(buf, 0, "%Y", NOW), 0);
	CHECK_INT(evtime_strftime(buf, sizeof(buf), "", NOW), 0);
	/* The parsers never looked at TZ either. */
	CHECK_INT(arg("today"), MIDNIGHT);
	CHECK_INT(arg("2015-08-18T06:36:40"), T0);
	unsetenv("TZ");
	tzset();
}

/* Round trips over pseudo-random instants across the whole range. */
static void
test_round_trips(void)
{
	uint64_t x = 88172645463325252ULL; /* xorshift64 state */
	evtime_t t, t2, span = EVTIME_HIGHEST - EVTIME_LOWEST + 1;
	struct evtime_civil c;
	char buf[EVTIME_FMT_MAX];
	const char *err;
	int i, bad = 0;
	bool shown = false;
	size_t n;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = EVTIME_LOWEST + (evtime_t)(x % (uint64_t)span);
		/* Every third value whole seconds, then millis, then micros. */
		if (i % 3 == 0)
			t = evtime_floor(t, EVTIME_SEC, 0);
		else if (i % 3 == 1)
			t = evtime_floor(t, EVTIME_MSEC, 0);
		n = evtime_format(t, buf);
		if (evtime_parse_rfc3339(buf, n, &t2, &err) != 0 || t2 != t)
			bad++;
		n = evtime_format_digits(t, 9, buf);
		if (evtime_parse_rfc3339(buf, n, &t2, &err) != 0 || t2 != t)
			bad++;
		evtime_to_civil(t, &c);
		if (evtime_from_civil(&c, &t2) != 0 || t2 != t)
			bad++;
		if (evtime_parse_arg(buf, 0, &t2, &err) != 0 || t2 != t)
			bad++;
		if (bad > 0 && !shown) {
			fprintf(stderr, "first round-trip failure: %lld\n",
				(long long)t);
			shown = true;
		}
	}
	CHECK_INT(bad, 0);
}

static void
test_now(void)
{
	evtime_t t = evtime_now();

	/* Between 2020 and 2100: the clock works and is in microseconds. */
	CHECK(t > 1577836800000000LL);
	CHECK(t < 4102444800000000LL);
}

int
main(int argc, char **argv)
{
	const char *env = getenv("EV_FIXTURES");

	if (argc > 1)
		fixtures = argv[1];
	else if (env != NULL && *env != '\0')
		fixtures = env;
	test_rfc3339();
	test_epoch();
	test_arg();
	test_format();
	test_civil();
	test_floor();
	test_strftime();
	test_round_trips();
	test_now();
	test_schema_vectors();
	test_toml_vectors();
	return unit_report("t_evtime");
}
