/*
 * t_buf.c - unit tests of common/buf.c: growth, JSON string escaping,
 * integers, shortest round-trip doubles, base64 and reading a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "hash.h"
#include "json.h"
#include "unit.h"

static void
test_growth(void)
{
	struct buf b = BUF_INIT;
	char big[1000];
	size_t i;
	bool ok = true;

	CHECK_STR(buf_str(&b), "");
	CHECK(b.data != NULL);
	CHECK_INT(b.len, 0);
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);

	for (i = 0; i < 10000; i++) {
		buf_addc(&b, (char)('a' + i % 26));
		if (b.len != i + 1 || b.cap <= b.len || b.data[b.len] != '\0')
			ok = false;
	}
	CHECK(ok);
	CHECK_INT(b.len, 10000);
	/* Capacity doubles from 64. */
	CHECK_INT(b.cap, 16384);
	CHECK(b.data[0] == 'a' && b.data[25] == 'z' && b.data[26] == 'a' &&
	      b.data[9999] == 'a' + 9999 % 26);
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 16384);
	CHECK_STR(buf_str(&b), "");
	buf_free(&b);

	memset(big, 'x', sizeof(big));
	buf_add(&b, big, sizeof(big));
	CHECK_INT(b.len, 1000);
	CHECK_INT(b.cap, 1024);
	buf_add(&b, big, 24);
	CHECK_INT(b.cap, 2048); /* room for the NUL too */
	buf_add(&b, "", 0);
	CHECK_INT(b.len, 1024);
	buf_grow(&b, 5000);
	CHECK(b.cap >= 1024 + 5000 + 1);
	CHECK_INT(b.len, 1024);
	buf_free(&b);

	buf_init(&b);
	buf_adds(&b, "ab");
	buf_printf(&b, "-%d-%s-%05.1f", 42, "x", 3.14159);
	CHECK_STR(buf_str(&b), "ab-42-x-003.1");
	buf_printf(&b, "%s", "");
	CHECK_INT(b.len, 13);
	/* Longer than the free space: grows once and keeps the text. */
	buf_printf(&b, "%0500d|", 7);
	CHECK_INT(b.len, 13 + 501);
	CHECK(memcmp(b.data + 13, "0000", 4) == 0 &&
	      strcmp(b.data + 13 + 499, "7|") == 0);
	buf_free(&b);
}

/* buf_add_json_string of N bytes at S: the output, and *REPLACED. */
static const char *
jstr(const char *s, size_t n, size_t *replaced)
{
	static struct buf b;

	buf_reset(&b);
	*replaced = buf_add_json_string(&b, s, n);
	return buf_str(&b);
}

#define JSTR(lit, want, nrep)                                                  \
	do {                                                                   \
		size_t r_;                                                     \
		CHECK_STR(jstr(lit, sizeof(lit) - 1, &r_), want);              \
		CHECK_INT(r_, nrep);                                           \
	} while (0)

static void
test_json_string(void)
{
	struct buf b = BUF_INIT, dec = BUF_INIT;
	struct json_scanner *s = json_scanner_new();
	struct json_error err;
	char all[256], line[2048];
	size_t i, rep;
	int c;

	JSTR("", "\"\"", 0);
	JSTR("plain text/with slash", "\"plain text/with slash\"", 0);
	JSTR("q\"b\\", "\"q\\\"b\\\\\"", 0);
	JSTR("\n\r\t", "\"\\n\\r\\t\"", 0);
	JSTR("\b\f\v", "\"\\u0008\\u000c\\u000b\"", 0);
	JSTR("\0\x01\x1f", "\"\\u0000\\u0001\\u001f\"", 0);
	JSTR("del\x7f!", "\"del\\u007f!\"", 0);
	/* Valid UTF-8 is copied. */
	JSTR("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
	     0);
	/* Every byte that is not part of valid UTF-8 becomes U+FFFD. */
	JSTR("a\xffz", "\"a\xef\xbf\xbdz\"", 1);
	JSTR("caf\xe9", "\"caf\xef\xbf\xbd\"", 1);
	JSTR("\xc3", "\"\xef\xbf\xbd\"", 1);
	JSTR("\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 2);
	JSTR("\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 2);
	JSTR("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 3);
	JSTR("\xf4\x90\x80\x80x",
	     "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx\"", 4);
	JSTR("\x80\xc3\xa9\x80", "\"\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\"", 2);
	JSTR("\xc3\"", "\"\xef\xbf\xbd\\\"\"", 1);

	/* Appends to what is there. */
	buf_adds(&b, "x=");
	CHECK_INT(buf_add_json_string(&b, "y", 1), 0);
	CHECK_STR(buf_str(&b), "x=\"y\"");

	/* All 256 byte values: a valid JSON string that decodes back. */
	for (c = 0; c < 128; c++)
		all[c] = (char)c;
	for (c = 128; c < 256; c++)
		all[c] = (char)c;
	buf_reset(&b);
	buf_adds(&b, "{\"v\":");
	rep = buf_add_json_string(&b, all, 128);
	CHECK_INT(rep, 0);
	buf_addc(&b, '}');
	CHECK_INT(json_scan(s, b.data, b.len, NULL, NULL, &err), 0);
	{
		struct json_value v = {b.data + 5, b.len - 6, JSON_STRING,
				       true};

		json_string_decode(&v, &dec);
		CHECK(dec.len == 128 && memcmp(dec.data, all, 128) == 0);
	}
	buf_reset(&b);
	rep = buf_add_json_string(&b, all + 128, 128);
	CHECK_INT(rep, 128);
	snprintf(line, sizeof(line), "{\"v\":%s}", buf_str(&b));
	CHECK_INT(json_scan(s, line, strlen(line), NULL, NULL, &err), 0);
	/* A long run crosses the copy loop. */
	buf_reset(&b);
	for (i = 0; i < 1000; i++)
		line[i] = (char)('a' + i % 26);
	line[500] = '"';
	CHECK_INT(buf_add_json_string(&b, line, 1000), 0);
	CHECK_INT(b.len, 1003);
	CHECK(memcmp(b.data + 501, "\\\"", 2) == 0);
	buf_free(&b);
	buf_free(&dec);
	json_scanner_free(s);
}

static const char *
i64(int64_t v)
{
	static struct buf b;

	buf_reset(&b);
	buf_add_i64(&b, v);
	return buf_str(&b);
}

static const char *
u64(uint64_t v)
{
	static struct buf b;

	buf_reset(&b);
	buf_add_u64(&b, v);
	return buf_str(&b);
}

static void
test_integers(void)
{
	CHECK_STR(i64(0), "0");
	CHECK_STR(i64(7), "7");
	CHECK_STR(i64(-1), "-1");
	CHECK_STR(i64(1000000), "1000000");
	CHECK_STR(i64(INT64_MAX), "9223372036854775807");
	CHECK_STR(i64(INT64_MIN), "-9223372036854775808");
	CHECK_STR(i64(INT64_MIN + 1), "-9223372036854775807");
	CHECK_STR(u64(0), "0");
	CHECK_STR(u64(10), "10");
	CHECK_STR(u64(UINT64_MAX), "18446744073709551615");
}

static const char *
dbl(double v)
{
	static struct buf b;

	buf_reset(&b);
	buf_add_double(&b, v);
	return buf_str(&b);
}

static void
test_doubles(void)
{
	struct json_scanner *s = json_scanner_new();
	struct json_error err;
	struct ev_rng r;
	bool ok = true, valid = true, shortest = true;
	int i;

	CHECK_STR(dbl(0), "0");
	CHECK_STR(dbl(-0.0), "0");
	CHECK_STR(dbl(3), "3");
	CHECK_STR(dbl(-3), "-3");
	CHECK_STR(dbl(0.1), "0.1");
	CHECK_STR(dbl(-2.5), "-2.5");
	CHECK_STR(dbl(0.1 + 0.2), "0.30000000000000004");
	CHECK_STR(dbl(1.0 / 3), "0.3333333333333333");
	CHECK_STR(dbl(123456.789), "123456.789");
	CHECK_STR(dbl(1e300), "1e+300");
	CHECK_STR(dbl(-1e300), "-1e+300");
	CHECK_STR(dbl(1e-7), "1e-07");
	CHECK_STR(dbl(5e-324), "5e-324");
	CHECK_STR(dbl(DBL_MAX), "1.7976931348623157e+308");
	CHECK_STR(dbl(DBL_MIN), "2.2250738585072014e-308");
	/* Integers below 1e15 print as integers, in full. */
	CHECK_STR(dbl(999999999999999.0), "999999999999999");
	CHECK_STR(dbl(-999999999999999.0), "-999999999999999");
	CHECK_STR(dbl(123456789012.0), "123456789012");
	CHECK_STR(dbl(1e15), "1e+15");
	CHECK_STR(dbl(9007199254740993.0), "9007199254740992");
	CHECK_STR(dbl(NAN), "null");
	CHECK_STR(dbl(INFINITY), "null");
	CHECK_STR(dbl(-INFINITY), "null");

	/*
	 * Random doubles of every magnitude read back exactly, are valid
	 * JSON numbers, and one digit fewer would not read back.
	 */
	ev_rng_seed(&r, 99);
	for (i = 0; i < 20000; i++) {
		uint64_t bits = ev_rng_next(&r);
		double v, back;
		const char *t;
		char fewer[400];
		int digits = 0;
		const char *p;

		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v) || v == floor(v))
			continue;
		t = dbl(v);
		back = strtod(t, NULL);
		if (back != v)
			ok = false;
		if (json_scan(s, t, strlen(t), NULL, NULL, &err) != -1 ||
		    err.kind != JSON_E_NOT_OBJECT)
			valid = false;
		/* Significant digits: leading zeros do not count. */
		for (p = t; *p == '-' || *p == '0' || *p == '.'; p++)
			;
		for (; *p && *p != 'e'; p++)
			if (*p >= '0' && *p <= '9')
				digits++;
		if (digits > 1) {
			snprintf(fewer, sizeof(fewer), "%.*g", digits - 1, v);
			if (strtod(fewer, NULL) == v)
				shortest = false;
		}
	}
	CHECK(ok);
	CHECK(valid);
	CHECK(shortest);
	json_scanner_free(s);
}

static const char *
b64(const char *s, size_t n)
{
	static struct buf b;

	buf_reset(&b);
	buf_add_base64(&b, s, n);
	return buf_str(&b);
}

static void
test_base64(void)
{
	struct buf b = BUF_INIT;

	/* RFC 4648 section 10. */
	CHECK_STR(b64("", 0), "");
	CHECK_STR(b64("f", 1), "Zg==");
	CHECK_STR(b64("fo", 2), "Zm8=");
	CHECK_STR(b64("foo", 3), "Zm9v");
	CHECK_STR(b64("foob", 4), "Zm9vYg==");
	CHECK_STR(b64("fooba", 5), "Zm9vYmE=");
	CHECK_STR(b64("foobar", 6), "Zm9vYmFy");
	/* The last two alphabet characters, and NUL bytes. */
	CHECK_STR(b64("\xfb\xff\xbf", 3), "+/+/");
	CHECK_STR(b64("\xff\xfe", 2), "//4=");
	CHECK_STR(b64("\0\0\0\0", 4), "AAAAAA==");
	CHECK_STR(b64("caf\xe9\n", 5), "Y2Fm6Qo=");
	buf_adds(&b, "raw=");
	buf_add_base64(&b, "hi", 2);
	CHECK_STR(buf_str(&b), "raw=aGk=");
	buf_free(&b);
}

/* buf_read_fd: a whole file appended, and the size limit. */
static void
test_read_fd(void)
{
	char path[] = "/tmp/t_buf.XXXXXX";
	struct buf b = BUF_INIT;
	char data[200000];
	size_t i;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	buf_adds(&b, "head:");
	CHECK_INT(buf_read_fd(&b, fd, 0), 0);
	CHECK_INT(b.len, 5 + sizeof(data));
	CHECK(memcmp(b.data, "head:", 5) == 0);
	CHECK(memcmp(b.data + 5, data, sizeof(data)) == 0);
	CHECK_INT(strlen(buf_str(&b)), 5 + sizeof(data));
	/* At end of file: nothing more. */
	CHECK_INT(buf_read_fd(&b, fd, 0), 0);
	CHECK_INT(b.len, 5 + sizeof(data));
	/* Over the limit. */
	buf_reset(&b);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	errno = 0;
	CHECK_INT(buf_read_fd(&b, fd, 1000), -1);
	CHECK_INT(errno, EFBIG);
	/* Exactly at the limit is fine. */
	buf_reset(&b);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK_INT(buf_read_fd(&b, fd, sizeof(data)), 0);
	/* A read error. */
	CHECK_INT(buf_read_fd(&b, -1, 0), -1);
	CHECK_INT(errno, EBADF);
	close(fd);
	unlink(path);
	buf_free(&b);
}

int
main(void)
{
	test_growth();
	test_read_fd();
	test_json_string();
	test_integers();
	test_doubles();
	test_base64();
	return unit_report("t_buf");
}
