/*
 * t_json.c - unit tests of common/json.c: the line validator (RFC 8259
 * grammar, strict UTF-8, exact error kinds, offsets and messages), dotted
 * path extraction, the value helpers and json_append_member.
 *
 * argv[1] is tests/fixtures: every file of JSONTestSuite's test_parsing
 * (tests/fixtures/JSONTestSuite/test_parsing, or ../shared/data/ beside the
 * repository) is scanned as one whole line.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "json.h"
#include "unit.h"
#include "util.h"

static struct json_scanner *S;

static const char *const kind_names[] = {"ok", "syntax", "utf8", "not-object"};

/*
 * The verdict on the N bytes at P: "ok", or "KIND@OFFSET: MESSAGE" with
 * KIND one of syntax, utf8, not-object.
 */
static const char *
verdictn(const char *p, size_t n)
{
	static char out[160];
	struct json_error err;
	int r;

	memset(&err, 0x5a, sizeof(err));
	r = json_scan(S, p, n, NULL, NULL, &err);
	if (r == 0)
		return err.kind == JSON_OK ? "ok" : "ok with an error kind";
	if (r != -1 || (unsigned)err.kind > JSON_E_NOT_OBJECT ||
	    err.kind == JSON_OK)
		return "bad return";
	snprintf(out, sizeof(out), "%s@%zu: %s", kind_names[err.kind],
		 err.offset, err.msg);
	return out;
}

static const char *
verdict(const char *s)
{
	return verdictn(s, strlen(s));
}

/* ---- grammar ------------------------------------------------------- */

static void
test_numbers(void)
{
	static const char *const good[] = {
	    "0",    "-0",    "1",       "-1",           "123456789",
	    "0.5",  "-0.5",  "0.5e-3",  "1E+2",         "1e2",
	    "1E2",  "1e-2",  "1.5E+10", "-0.0",         "0e0",
	    "0E-0", "10.01", "1e0001",  "123.456e-789", "9223372036854775808",
	};
	static const char *const bad[] = {
	    "01", "-01",   "00",   "1.",    "1.e5", "1e",  "1e+", "1E-", "-",
	    "-a", "1.5.2", "1e5e", "1e5.5", "2-1",  "-.5", "--1", "0-",  "1ee2",
	};
	char line[64];
	size_t i;

	for (i = 0; i < EV_ARRAY_LEN(good); i++) {
		snprintf(line, sizeof(line), "{\"a\":%s}", good[i]);
		CHECK_STR(verdict(line), "ok");
		snprintf(line, sizeof(line), "[%s]", good[i]);
		CHECK_STR(verdict(line), "not-object@0: not an object (array)");
		CHECK_STR(verdict(good[i]),
			  "not-object@0: not an object (number)");
	}
	for (i = 0; i < EV_ARRAY_LEN(bad); i++) {
		snprintf(line, sizeof(line), "{\"a\":%s}", bad[i]);
		CHECK_STR(verdict(line), "syntax@5: invalid number");
		snprintf(line, sizeof(line), "%s", bad[i]);
		CHECK_STR(verdict(line), "syntax@0: invalid number");
	}
	/* Not numbers at all. */
	CHECK_STR(verdict("{\"a\":.5}"),
		  "syntax@5: unexpected '.', expected a value");
	CHECK_STR(verdict("{\"a\":+1}"),
		  "syntax@5: unexpected '+', expected a value");
	CHECK_STR(verdict("{\"a\":0x1}"),
		  "syntax@6: unexpected 'x', expected ',' or '}'");
	CHECK_STR(verdict("{\"a\":NaN}"),
		  "syntax@5: unexpected 'N', expected a value");
	CHECK_STR(verdict("{\"a\":Infinity}"),
		  "syntax@5: unexpected 'I', expected a value");
	CHECK_STR(verdict("{\"a\":-Infinity}"), "syntax@5: invalid number");
	CHECK_STR(verdict("{\"a\":nan}"), "syntax@5: invalid literal");
	CHECK_STR(verdict("{\"a\":1 2}"),
		  "syntax@7: unexpected '2', expected ',' or '}'");
	CHECK_STR(verdict("1 2"),
		  "syntax@2: unexpected data after the JSON value");
	CHECK_STR(verdict("{\"a\":\xd9\xa1}"),
		  "syntax@5: unexpected byte 0xd9, expected a value");
}

static void
test_literals(void)
{
	CHECK_STR(verdict("{\"a\":true,\"b\":false,\"c\":null}"), "ok");
	CHECK_STR(verdict("true"), "not-object@0: not an object (true)");
	CHECK_STR(verdict("false"), "not-object@0: not an object (false)");
	CHECK_STR(verdict("null"), "not-object@0: not an object (null)");
	CHECK_STR(verdict("{\"a\":tru}"), "syntax@5: invalid literal");
	CHECK_STR(verdict("{\"a\":tru"), "syntax@5: invalid literal");
	CHECK_STR(verdict("{\"a\":True}"),
		  "syntax@5: unexpected 'T', expected a value");
	CHECK_STR(verdict("{\"a\":NULL}"),
		  "syntax@5: unexpected 'N', expected a value");
	CHECK_STR(verdict("{\"a\":truex}"), "syntax@5: invalid literal");
	CHECK_STR(verdict("{\"a\":nullnull}"), "syntax@5: invalid literal");
	CHECK_STR(verdict("{\"a\":false1}"), "syntax@5: invalid literal");
	CHECK_STR(verdict("{\"a\":true_}"), "syntax@5: invalid literal");
	CHECK_STR(verdict("nul"), "syntax@0: invalid literal");
	/* Other bytes after a literal are reported where they are. */
	CHECK_STR(verdict("{\"a\":true\"b\":1}"),
		  "syntax@9: unexpected '\"', expected ',' or '}'");
	CHECK_STR(verdict("[null{}]"),
		  "syntax@5: unexpected '{', expected ',' or ']'");
	CHECK_STR(verdict("null\""),
		  "syntax@4: unexpected data after the JSON value");
	CHECK_STR(verdict("{\"a\":true}x"),
		  "syntax@10: unexpected data after the JSON value");
}

static void
test_structure(void)
{
	CHECK_STR(verdict("{}"), "ok");
	CHECK_STR(verdict("{\"\":\"\"}"), "ok");
	CHECK_STR(verdict("{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":[1,\"x\"]}"),
		  "ok");
	CHECK_STR(verdict("[]"), "not-object@0: not an object (array)");
	CHECK_STR(verdict("\"s\""), "not-object@0: not an object (string)");
	CHECK_STR(verdict(" [1] "), "not-object@0: not an object (array)");

	CHECK_STR(verdictn("", 0),
		  "syntax@0: unexpected end of line, expected a value");
	CHECK_STR(verdict("   "),
		  "syntax@3: unexpected end of line, expected a value");
	CHECK_STR(verdict("{"),
		  "syntax@1: unexpected end of line, expected a string key");
	CHECK_STR(verdict("{\"a\""),
		  "syntax@4: unexpected end of line, expected ':'");
	CHECK_STR(verdict("{\"a\":"),
		  "syntax@5: unexpected end of line, expected a value");
	CHECK_STR(verdict("{\"a\":1"),
		  "syntax@6: unexpected end of line, expected ',' or '}'");
	CHECK_STR(verdict("[1"),
		  "syntax@2: unexpected end of line, expected ',' or ']'");
	CHECK_STR(verdict("{\"a\":1,}"),
		  "syntax@7: unexpected '}', expected a string key");
	CHECK_STR(verdict("[1,]"),
		  "syntax@3: unexpected ']', expected a value");
	CHECK_STR(verdict("[,1]"),
		  "syntax@1: unexpected ',', expected a value");
	CHECK_STR(verdict("{,}"),
		  "syntax@1: unexpected ',', expected a string key");
	CHECK_STR(verdict("{'a':1}"),
		  "syntax@1: unexpected ''', expected a string key");
	CHECK_STR(verdict("{a:1}"),
		  "syntax@1: unexpected 'a', expected a string key");
	CHECK_STR(verdict("{1:1}"),
		  "syntax@1: unexpected '1', expected a string key");
	CHECK_STR(verdict("{\"a\" 1}"),
		  "syntax@5: unexpected '1', expected ':'");
	CHECK_STR(verdict("{\"a\"=1}"),
		  "syntax@4: unexpected '=', expected ':'");
	CHECK_STR(verdict("{\"a\":1 \"b\":2}"),
		  "syntax@7: unexpected '\"', expected ',' or '}'");
	CHECK_STR(verdict("{\"a\":1]"),
		  "syntax@6: unexpected ']', expected ',' or '}'");
	CHECK_STR(verdict("[1}"),
		  "syntax@2: unexpected '}', expected ',' or ']'");
	CHECK_STR(verdict("{\"a\":1;\"b\":2}"),
		  "syntax@6: unexpected ';', expected ',' or '}'");
	CHECK_STR(verdict("]"), "syntax@0: unexpected ']', expected a value");
	CHECK_STR(verdict("{}}"),
		  "syntax@2: unexpected data after the JSON value");
	CHECK_STR(verdict("{}{}"),
		  "syntax@2: unexpected data after the JSON value");
	CHECK_STR(verdict("{} {}"),
		  "syntax@3: unexpected data after the JSON value");
	CHECK_STR(verdict("{}\n{}"),
		  "syntax@3: unexpected data after the JSON value");
	CHECK_STR(verdict("{}\"\""),
		  "syntax@2: unexpected data after the JSON value");
	CHECK_STR(verdictn("{}\0", 3),
		  "syntax@2: unexpected data after the JSON value");
	CHECK_STR(verdictn("\0{}", 3),
		  "syntax@0: unexpected byte 0x00, expected a value");
	CHECK_STR(verdictn("{\"a\":1}\0", 8),
		  "syntax@7: unexpected data after the JSON value");
	CHECK_STR(verdict("{\"a\":1}\xc3\xa9"),
		  "syntax@7: unexpected data after the JSON value");
	CHECK_STR(verdict("{\xc3\xa9:1}"),
		  "syntax@1: unexpected byte 0xc3, expected a string key");
	CHECK_STR(verdict("{\"a\":[1,2}"),
		  "syntax@9: unexpected '}', expected ',' or ']'");
}

static void
test_whitespace_bom(void)
{
	CHECK_STR(
	    verdict(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, "
		    "\t\r\n2 \t\r\n] \t\r\n, \t\r\n\"b\":{ }} \t\r\n"),
	    "ok");
	/* RFC 8259 whitespace is space, tab, LF and CR only. */
	CHECK_STR(verdict("\f{}"),
		  "syntax@0: unexpected byte 0x0c, expected a value");
	CHECK_STR(verdict("{\v}"),
		  "syntax@1: unexpected byte 0x0b, expected a string key");
	CHECK_STR(verdict("{\"a\":1\f}"),
		  "syntax@6: unexpected byte 0x0c, expected ',' or '}'");
	CHECK_STR(verdict("{}\v"),
		  "syntax@2: unexpected data after the JSON value");
	CHECK_STR(verdict("{\"a\":\xc2\xa0"
			  "1}"),
		  "syntax@5: unexpected byte 0xc2, expected a value");
	/* A byte order mark is not allowed (DESIGN.md: UTF-8, no BOM). */
	CHECK_STR(verdict("\xef\xbb\xbf{}"),
		  "syntax@0: byte order mark at start of line");
	CHECK_STR(verdict("\xef\xbb\xbf"),
		  "syntax@0: byte order mark at start of line");
	CHECK_STR(verdict(" \xef\xbb\xbf{}"),
		  "syntax@1: unexpected byte 0xef, expected a value");
	CHECK_STR(verdict("{\"\xef\xbb\xbf\":1}"), "ok");
}

static void
test_strings(void)
{
	CHECK_STR(verdict("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"), "ok");
	CHECK_STR(verdict("{\"a\":\"\\u0000\\u001f\\u0041\\u00e9\\u20AC\\uFFFF"
			  "\\uFfFe\"}"),
		  "ok");
	CHECK_STR(verdict("{\"a\":\"\\ud834\\udd1e\\uD83D\\uDE00\\udbff\\udfff"
			  "\"}"),
		  "ok");
	CHECK_STR(verdict("{\"a\":\"\\uD800\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uDBFF\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uDC00\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uDFFF\\uD800\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"x\\uD800\\u0041\"}"),
		  "syntax@7: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uD800\\uD800\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uD800\\n\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uD800\\"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\uD834\\uDD1\"}"),
		  "syntax@6: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"ab\\uDC00\":1}"),
		  "syntax@4: lone surrogate in \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\u12\"}"), "syntax@6: invalid \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\u12G4\"}"),
		  "syntax@6: invalid \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\U0041\"}"),
		  "syntax@6: invalid escape in string");
	CHECK_STR(verdict("{\"a\":\"\\u"), "syntax@6: invalid \\u escape");
	CHECK_STR(verdict("{\"a\":\"\\x41\"}"),
		  "syntax@6: invalid escape in string");
	CHECK_STR(verdict("{\"a\":\"\\'\"}"),
		  "syntax@6: invalid escape in string");
	CHECK_STR(verdict("{\"a\":\"\\a\"}"),
		  "syntax@6: invalid escape in string");
	CHECK_STR(verdict("{\"a\":\"\\0\"}"),
		  "syntax@6: invalid escape in string");
	CHECK_STR(verdict("{\"a\":\"\\\xc3\xa9\"}"),
		  "syntax@6: invalid escape in string");
	CHECK_STR(verdict("{\"a\":\"abc"), "syntax@9: unterminated string");
	CHECK_STR(verdict("{\"a\":\"abc\\"), "syntax@9: unterminated string");
	CHECK_STR(verdict("{\"a\":\"abc\\\"}"),
		  "syntax@12: unterminated string");
	CHECK_STR(verdict("{\"abc"), "syntax@5: unterminated string");
	CHECK_STR(verdict("\""), "syntax@1: unterminated string");
	/* Unescaped control characters are not allowed; DEL is. */
	CHECK_STR(verdictn("{\"a\":\"\0\"}", 9),
		  "syntax@6: control character in string");
	CHECK_STR(verdict("{\"a\":\"x\ty\"}"),
		  "syntax@7: control character in string");
	CHECK_STR(verdict("{\"a\":\"\n\"}"),
		  "syntax@6: control character in string");
	CHECK_STR(verdict("{\"a\":\"\x1f\"}"),
		  "syntax@6: control character in string");
	CHECK_STR(verdict("{\"a\x01\":1}"),
		  "syntax@3: control character in string");
	CHECK_STR(verdict("{\"a\":\"\x7f\"}"), "ok");
	CHECK_STR(verdict("{\"a\":\" ~\"}"), "ok");
}

static void
test_utf8(void)
{
	/* Raw UTF-8 of every length, the limits of each. */
	CHECK_STR(verdict("{\"a\":\"\xc2\x80\xdf\xbf\"}"), "ok");
	CHECK_STR(verdict("{\"a\":\"\xe0\xa0\x80\xef\xbf\xbf\xe2\x82\xac\"}"),
		  "ok");
	CHECK_STR(verdict("{\"a\":\"\xed\x9f\xbf\xee\x80\x80\"}"), "ok");
	CHECK_STR(verdict("{\"a\":\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"
			  "\xf0\x9f\x98\x80\"}"),
		  "ok");
	CHECK_STR(verdict("{\"caf\xc3\xa9\":\"\xe6\x97\xa5\xe6\x9c\xac\"}"),
		  "ok");
	/* Overlong forms. */
	CHECK_STR(verdict("{\"a\":\"\xc0\x80\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xc1\xbf\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xe0\x9f\xbf\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xf0\x8f\xbf\xbf\"}"),
		  "utf8@6: invalid UTF-8 in string");
	/* UTF-16 surrogates encoded in UTF-8. */
	CHECK_STR(verdict("{\"a\":\"\xed\xa0\x80\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"x\xed\xbf\xbf\"}"),
		  "utf8@7: invalid UTF-8 in string");
	/* Beyond U+10FFFF. */
	CHECK_STR(verdict("{\"a\":\"\xf4\x90\x80\x80\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xf5\x80\x80\x80\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xf8\x88\x80\x80\x80\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xff\"}"),
		  "utf8@6: invalid UTF-8 in string");
	/* Lone continuation bytes, truncated sequences. */
	CHECK_STR(verdict("{\"a\":\"\x80\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"ab\xbf\"}"),
		  "utf8@8: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xc3\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xe2\x82\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xf0\x9f\x98\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xf0\x9f\x98"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"a\":\"\xc3"
			  "a\"}"),
		  "utf8@6: invalid UTF-8 in string");
	CHECK_STR(verdict("{\"\xe9\":1}"), "utf8@2: invalid UTF-8 in string");
	/* Latin-1 text, the usual culprit. */
	CHECK_STR(verdict("{\"a\":\"caf\xe9\"}"),
		  "utf8@9: invalid UTF-8 in string");
}

/*
 * Strings are scanned sixteen bytes at a time: put the interesting byte at
 * every position around the block boundaries.
 */
/* Puts N bytes at LINE: {"a":" then I 'x' then TAIL; returns the length. */
static size_t
block_line(char *line, size_t i, const char *tail)
{
	size_t n = 6, k;

	memcpy(line, "{\"a\":\"", 6);
	for (k = 0; k < i; k++)
		line[n++] = 'x';
	memcpy(line + n, tail, strlen(tail));
	return n + strlen(tail);
}

/*
 * Strings are scanned sixteen bytes at a time: put the interesting byte at
 * every position around the block boundaries.
 */
static void
test_string_blocks(void)
{
	static const char pad[] = "zzzzzzzzzzzzzzzzzzzz";
	char line[128], tail[64], want[80];
	size_t i, n;

	for (i = 0; i < 48; i++) {
		snprintf(tail, sizeof(tail), "\x01%s\"}", pad);
		n = block_line(line, i, tail);
		snprintf(want, sizeof(want),
			 "syntax@%zu: control character in string", 6 + i);
		CHECK_STR(verdictn(line, n), want);
		snprintf(tail, sizeof(tail), "\xe9%s\"}", pad);
		n = block_line(line, i, tail);
		snprintf(want, sizeof(want),
			 "utf8@%zu: invalid UTF-8 in string", 6 + i);
		CHECK_STR(verdictn(line, n), want);
		snprintf(tail, sizeof(tail), "\xc3\xa9%s\"}", pad);
		n = block_line(line, i, tail);
		CHECK_STR(verdictn(line, n), "ok");
		snprintf(tail, sizeof(tail), "\\\"%s\\u00e9\"}", pad);
		n = block_line(line, i, tail);
		CHECK_STR(verdictn(line, n), "ok");
		snprintf(tail, sizeof(tail), "\x7f%s\"}", pad);
		n = block_line(line, i, tail);
		CHECK_STR(verdictn(line, n), "ok");
		snprintf(tail, sizeof(tail), "\"}%s", pad);
		n = block_line(line, i, tail);
		snprintf(want, sizeof(want),
			 "syntax@%zu: unexpected data after the JSON value",
			 6 + i + 2);
		CHECK_STR(verdictn(line, n), want);
		/* Unterminated: the string runs to the end of the line. */
		n = block_line(line, i, pad);
		snprintf(want, sizeof(want), "syntax@%zu: unterminated string",
			 n);
		CHECK_STR(verdictn(line, n), want);
	}
}

static void
test_nesting(void)
{
	size_t depth = 100000, i;
	char *p = malloc(2 * depth + 16);
	struct buf b = BUF_INIT;
	char want[80];

	memset(p, '[', depth);
	memset(p + depth, ']', depth);
	CHECK_STR(verdictn(p, 2 * depth),
		  "not-object@0: not an object (array)");
	snprintf(want, sizeof(want),
		 "syntax@%zu: unexpected end of line, expected a value", depth);
	CHECK_STR(verdictn(p, depth), want);
	snprintf(want, sizeof(want),
		 "syntax@%zu: unexpected end of line, expected ',' or ']'",
		 2 * depth - 1);
	CHECK_STR(verdictn(p, 2 * depth - 1), want);
	free(p);
	/* Deep objects, then a normal line on the same scanner. */
	for (i = 0; i < depth; i++)
		buf_adds(&b, "{\"a\":");
	buf_adds(&b, "1");
	for (i = 0; i < depth; i++)
		buf_addc(&b, '}');
	CHECK_STR(verdictn(b.data, b.len), "ok");
	CHECK_STR(verdict("{\"a\":[{}]}"), "ok");
	buf_free(&b);
}

/* ---- JSONTestSuite ---------------------------------------------------- */

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_json_test_suite(const char *fixtures)
{
	char dir[4096], path[8192];
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, ny = 0, nn = 0, ni = 0, iacc = 0;

	snprintf(dir, sizeof(dir), "%s/JSONTestSuite/test_parsing", fixtures);
	if (!is_dir(dir))
		snprintf(dir, sizeof(dir),
			 "%s/../../../shared/data/JSONTestSuite/test_parsing",
			 fixtures);
	d = opendir(dir);
	CHECK(d != NULL);
	if (d == NULL) {
		fprintf(stderr, "JSONTestSuite not found under %s\n", fixtures);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct buf text = BUF_INIT;
		struct json_error err;
		char chunk[65536];
		size_t k;
		FILE *f;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		CHECK(f != NULL);
		if (f == NULL)
			continue;
		while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&text, chunk, k);
		fclose(f);
		r = json_scan(S, text.data ? text.data : "", text.len, NULL,
			      NULL, &err);
		switch (names[i][0]) {
		case 'y': {
			/* The document's first non-blank byte says what it is. */
			size_t s = strspn(text.data, " \t\r\n");
			bool obj = s < text.len && text.data[s] == '{';

			ny++;
			if (obj ? r != 0
				: (r != -1 || err.kind != JSON_E_NOT_OBJECT)) {
				unit_failures++;
				fprintf(stderr, "%s: %s\n", names[i],
					r ? err.msg : "accepted");
			}
			unit_checks++;
			break;
		}
		case 'n':
			nn++;
			unit_checks++;
			if (r == 0 || err.kind == JSON_E_NOT_OBJECT) {
				unit_failures++;
				fprintf(stderr, "%s: not rejected\n", names[i]);
			}
			break;
		case 'i':
			ni++;
			if (r == 0 || err.kind == JSON_E_NOT_OBJECT) {
				iacc++;
				printf("JSONTestSuite %s: accepted\n",
				       names[i]);
			}
			break;
		}
		buf_free(&text);
		free(names[i]);
	}
	free(names);
	printf("JSONTestSuite: %zu y_, %zu n_, %zu i_ (%zu accepted)\n", ny, nn,
	       ni, iacc);
	CHECK(ny >= 95 && nn >= 188 && ni >= 35);
}

/* ---- paths ------------------------------------------------------------ */

struct keys {
	char out[256];
	int n;
};

static void
collect_key(const char *key, size_t n, void *arg)
{
	struct keys *k = arg;
	size_t len = strlen(k->out);

	snprintf(k->out + len, sizeof(k->out) - len, "%s[%.*s]",
		 k->n++ ? "," : "", (int)n, key);
}

/* The keys of PATH as "[k1],[k2]", or "error: MESSAGE". */
static const char *
split(const char *path)
{
	static struct keys k;
	const char *err = NULL;

	memset(&k, 0, sizeof(k));
	if (json_path_split(path, collect_key, &k, &err) != 0) {
		snprintf(k.out, sizeof(k.out), "error: %s",
			 err ? err : "(null)");
		return k.out;
	}
	return k.out;
}

static void
test_path_syntax(void)
{
	struct json_paths *ps = json_paths_new();
	const char *err = NULL;
	struct buf long_path = BUF_INIT;
	int i;

	CHECK_STR(split("type"), "[type]");
	CHECK_STR(split("data.from_domain"), "[data],[from_domain]");
	CHECK_STR(split("a\\.b"), "[a.b]");
	CHECK_STR(split("a\\.b.c"), "[a.b],[c]");
	CHECK_STR(split("a\\\\b"), "[a\\b]");
	CHECK_STR(split("a\\\\.b"), "[a\\],[b]");
	CHECK_STR(split("ty\\pe"), "[type]");
	CHECK_STR(split("\\."), "[.]");
	CHECK_STR(split("a\\."), "[a.]");
	CHECK_STR(split("a\\..b"), "[a.],[b]");
	CHECK_STR(split("a.\\.b"), "[a],[.b]");
	CHECK_STR(split("\\.\\."), "[..]");
	CHECK_STR(split("a b.c-d"), "[a b],[c-d]");
	CHECK_STR(split("caf\xc3\xa9"), "[caf\xc3\xa9]");
	CHECK_STR(split(""), "error: empty field path");
	CHECK_STR(split("."), "error: empty key in field path");
	CHECK_STR(split("a..b"), "error: empty key in field path");
	CHECK_STR(split(".a"), "error: empty key in field path");
	CHECK_STR(split("a."), "error: empty key in field path");
	CHECK_STR(split("a.b."), "error: empty key in field path");
	CHECK_STR(split("a\\.."), "error: empty key in field path");
	CHECK_STR(split("\\"), "error: field path ends in a backslash");
	CHECK_STR(split("a\\"), "error: field path ends in a backslash");
	CHECK_STR(split("a.b\\"), "error: field path ends in a backslash");

	CHECK_INT(json_paths_count(NULL), 0);
	CHECK_INT(json_paths_count(ps), 0);
	CHECK_INT(json_paths_add(ps, "id", &err), 0);
	CHECK_INT(json_paths_add(ps, "type", &err), 1);
	CHECK_INT(json_paths_add(ps, "data.a", &err), 2);
	CHECK_INT(json_paths_add(ps, "id", &err), 0);
	CHECK_INT(json_paths_add(ps, "data.a", &err), 2);
	/* The same keys spelt otherwise are the same path. */
	CHECK_INT(json_paths_add(ps, "ty\\pe", &err), 1);
	CHECK_INT(json_paths_add(ps, "data", &err), 3);
	CHECK_INT(json_paths_add(ps, "a\\.b", &err), 4);
	CHECK_INT(json_paths_add(ps, "a.b", &err), 5);
	CHECK_INT(json_paths_count(ps), 6);
	CHECK_STR(json_paths_name(ps, 0), "id");
	CHECK_STR(json_paths_name(ps, 1), "type");
	CHECK_STR(json_paths_name(ps, 4), "a\\.b");
	err = NULL;
	CHECK_INT(json_paths_add(ps, "", &err), -1);
	CHECK_STR(err, "empty field path");
	err = NULL;
	CHECK_INT(json_paths_add(ps, "a..b", &err), -1);
	CHECK_STR(err, "empty key in field path");
	err = NULL;
	CHECK_INT(json_paths_add(ps, "data.", &err), -1);
	CHECK_STR(err, "empty key in field path");
	err = NULL;
	CHECK_INT(json_paths_add(ps, "x\\", &err), -1);
	CHECK_STR(err, "field path ends in a backslash");
	/* 64 keys are fine, 65 are not. */
	for (i = 0; i < 64; i++)
		buf_adds(&long_path, i ? ".k" : "k");
	CHECK_INT(json_paths_add(ps, buf_str(&long_path), &err), 6);
	buf_adds(&long_path, ".k");
	err = NULL;
	CHECK_INT(json_paths_add(ps, buf_str(&long_path), &err), -1);
	CHECK_STR(err, "field path has more than 64 keys");
	CHECK_INT(json_paths_count(ps), 7);
	CHECK_INT(json_paths_add(ps, "z", &err), 7);
	buf_free(&long_path);
	json_paths_free(ps);
	json_paths_free(NULL);
}

/* Paths registered for the extraction tests, in this order. */
static const char *const xpaths[] = {
    "id",      "type",  "n",      "t",        "f",     "z",   "o",
    "o.k",     "o.k.d", "arr",    "arr.0",    "a\\.b", "a.b", "type2",
    "missing", "data",  "data.a", "data.b.c", "e",     "o.q",
};
enum {
	X_ID,
	X_TYPE,
	X_N,
	X_T,
	X_F,
	X_Z,
	X_O,
	X_OK,
	X_OKD,
	X_ARR,
	X_ARR0,
	X_ADOTB,
	X_AB,
	X_TYPE2,
	X_MISSING,
	X_DATA,
	X_DATA_A,
	X_DATA_B_C,
	X_E,
	X_OQ,
	X_COUNT
};

static struct json_paths *XP;
static struct json_value XV[X_COUNT];
static const char *xline;

/* Scans LINE with the extraction paths; returns the verdict. */
static const char *
xscan(const char *line)
{
	static struct json_error err;
	size_t i;

	for (i = 0; i < X_COUNT; i++) {
		XV[i].ptr = NULL;
		XV[i].type = (enum json_type)99;
	}
	xline = line;
	if (json_scan(S, line, strlen(line), XP, XV, &err) == 0)
		return "ok";
	return err.msg;
}

/* Value I as "TYPE@OFFSET:TEXT" ("missing" for a missing value). */
static const char *
xval(int i)
{
	static char out[256];
	const struct json_value *v = &XV[i];

	if (v->type == JSON_MISSING)
		return "missing";
	if (v->ptr < xline || v->ptr + v->len > xline + strlen(xline))
		return "outside the line";
	snprintf(out, sizeof(out), "%s@%td:%.*s%s", json_type_name(v->type),
		 v->ptr - xline, (int)v->len, v->ptr,
		 v->escaped ? " (escaped)" : "");
	return out;
}

static void
test_extract(void)
{
	const char *err;
	size_t i;

	XP = json_paths_new();
	for (i = 0; i < EV_ARRAY_LEN(xpaths); i++)
		CHECK_INT(json_paths_add(XP, xpaths[i], &err), (int)i);
	CHECK_INT(json_paths_count(XP), X_COUNT);

	CHECK_STR(xscan("{\"id\":\"x1\",\"type\":\"user.created\",\"n\":-1.5e3,"
			"\"t\":true,\"f\":false,\"z\":null,"
			"\"o\":{\"k\":[1,{\"d\":2}]},\"arr\":[1,2],"
			"\"a.b\":\"dot\",\"a\":{\"b\":\"nested\"},"
			"\"ty\\u0070e2\":\"e\\u0073c\",\"e\":\"\"}"),
		  "ok");
	CHECK_STR(xval(X_ID), "string@6:\"x1\"");
	CHECK_STR(xval(X_TYPE), "string@18:\"user.created\"");
	CHECK_STR(xval(X_N), "number@37:-1.5e3");
	CHECK_STR(xval(X_T), "true@48:true");
	CHECK_STR(xval(X_F), "false@57:false");
	CHECK_STR(xval(X_Z), "null@67:null");
	CHECK_STR(xval(X_O), "object@76:{\"k\":[1,{\"d\":2}]}");
	CHECK_STR(xval(X_OK), "array@81:[1,{\"d\":2}]");
	/* Paths do not descend into arrays. */
	CHECK_STR(xval(X_OKD), "missing");
	CHECK_STR(xval(X_ARR), "array@100:[1,2]");
	CHECK_STR(xval(X_ARR0), "missing");
	CHECK_STR(xval(X_ADOTB), "string@112:\"dot\"");
	CHECK_STR(xval(X_AB), "string@127:\"nested\"");
	/* An escaped key matches its decoded text. */
	CHECK_STR(xval(X_TYPE2), "string@150:\"e\\u0073c\" (escaped)");
	CHECK_STR(xval(X_MISSING), "missing");
	CHECK_STR(xval(X_DATA), "missing");
	CHECK_STR(xval(X_DATA_A), "missing");
	CHECK_STR(xval(X_E), "string@165:\"\"");
	CHECK_STR(xval(X_OQ), "missing");

	/* Whitespace is not part of a value. */
	CHECK_STR(xscan(" { \"id\" : \"v\" , \"o\" : { \"k\" : 1 , \"q\" : "
			"[ ] } } "),
		  "ok");
	CHECK_STR(xval(X_ID), "string@10:\"v\"");
	CHECK_STR(xval(X_O), "object@22:{ \"k\" : 1 , \"q\" : [ ] }");
	CHECK_STR(xval(X_OK), "number@30:1");
	CHECK_STR(xval(X_OQ), "array@40:[ ]");

	/* The last duplicate wins, and takes the earlier subtree with it. */
	CHECK_STR(xscan("{\"data\":{\"a\":1},\"data\":2}"), "ok");
	CHECK_STR(xval(X_DATA), "number@23:2");
	CHECK_STR(xval(X_DATA_A), "missing");
	CHECK_STR(xscan("{\"data\":2,\"data\":{\"a\":1}}"), "ok");
	CHECK_STR(xval(X_DATA), "object@17:{\"a\":1}");
	CHECK_STR(xval(X_DATA_A), "number@22:1");
	CHECK_STR(xscan("{\"data\":{\"a\":1,\"b\":{\"c\":3}},"
			"\"data\":{\"b\":{\"x\":0}}}"),
		  "ok");
	CHECK_STR(xval(X_DATA), "object@35:{\"b\":{\"x\":0}}");
	CHECK_STR(xval(X_DATA_A), "missing");
	CHECK_STR(xval(X_DATA_B_C), "missing");
	CHECK_STR(xscan("{\"data\":{\"a\":1,\"a\":[2]},\"id\":1,\"id\":\"2\"}"),
		  "ok");
	CHECK_STR(xval(X_DATA_A), "array@19:[2]");
	CHECK_STR(xval(X_ID), "string@36:\"2\"");
	CHECK_STR(xscan("{\"data\":[{\"a\":1}],\"d\\u0061ta\":{\"b\":{\"c\":"
			"\"\\u0063\"}}}"),
		  "ok");
	CHECK_STR(xval(X_DATA_A), "missing");
	CHECK_STR(xval(X_DATA_B_C), "string@40:\"\\u0063\" (escaped)");
	/* A key named like a path deeper down does not match. */
	CHECK_STR(
	    xscan("{\"x\":{\"data\":{\"a\":1},\"id\":0},\"y\":[{\"id\":1}]"
		  "}"),
	    "ok");
	CHECK_STR(xval(X_DATA), "missing");
	CHECK_STR(xval(X_DATA_A), "missing");
	CHECK_STR(xval(X_ID), "missing");
	/* A path's value may be any container, also with more paths below. */
	CHECK_STR(xscan("{\"o\":[{\"k\":1}],\"data\":[1,[2]]}"), "ok");
	CHECK_STR(xval(X_O), "array@5:[{\"k\":1}]");
	CHECK_STR(xval(X_OK), "missing");
	CHECK_STR(xval(X_DATA), "array@22:[1,[2]]");
	CHECK_STR(xscan("{\"o\":{\"k\":{\"d\":[{}]}}}"), "ok");
	CHECK_STR(xval(X_OK), "object@10:{\"d\":[{}]}");
	CHECK_STR(xval(X_OKD), "array@15:[{}]");
	/* A line that is not an object gives no values. */
	CHECK_STR(xscan("[{\"id\":1}]"), "not an object (array)");
	CHECK_STR(xscan("{\"id\":1,}"),
		  "unexpected '}', expected a string key");
	json_paths_free(XP);
}

/* A scanner's key buffer outlives a line that ends after an escaped key. */
static void
test_escaped_key_error(void)
{
	struct json_paths *ps = json_paths_new();
	struct json_value v[1];
	struct json_error err;
	const char *e, *line = "{\"ty\\u0070e\":";
	struct json_scanner *s = json_scanner_new();

	CHECK_INT(json_paths_add(ps, "type", &e), 0);
	CHECK_INT(json_scan(s, line, strlen(line), ps, v, &err), -1);
	CHECK_STR(err.msg, "unexpected end of line, expected a value");
	CHECK_INT(err.offset, 13);
	line = "{\"ty\\u0070e\":\"x\"}";
	CHECK_INT(json_scan(s, line, strlen(line), ps, v, &err), 0);
	CHECK_INT(v[0].type, JSON_STRING);
	CHECK_INT(v[0].ptr - line, 13);
	json_scanner_free(s);
	json_scanner_free(NULL);
	json_paths_free(ps);
}

/* ---- value helpers ---------------------------------------------------- */

/* The value of the only member of the object LINE ({"v":...}). */
static struct json_value
member(const char *line)
{
	static struct json_paths *ps;
	struct json_value v;
	struct json_error err;
	const char *e;

	if (ps == NULL) {
		ps = json_paths_new();
		json_paths_add(ps, "v", &e);
	}
	memset(&v, 0, sizeof(v));
	if (json_scan(S, line, strlen(line), ps, &v, &err) != 0)
		fprintf(stderr, "member: %s: %s\n", line, err.msg);
	return v;
}

static void
test_string_helpers(void)
{
	static const char expect[] = "a\"b\\c/d\be\ff\ng\rh\ti"
				     "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
				     "\0z";
	struct json_value v;
	struct buf b = BUF_INIT, scratch = BUF_INIT;
	const char *p;
	size_t len;

	v = member("{\"v\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u0041\\u00e9"
		   "\\u20AC\\ud83d\\ude00\\u0000z\"}");
	CHECK_INT(v.type, JSON_STRING);
	CHECK(v.escaped);
	json_string_decode(&v, &b);
	CHECK_INT(b.len, sizeof(expect) - 1);
	CHECK(b.len == sizeof(expect) - 1 &&
	      memcmp(b.data, expect, b.len) == 0);
	p = json_string_view(&v, &scratch, &len);
	CHECK(len == sizeof(expect) - 1 && memcmp(p, expect, len) == 0);
	CHECK(json_string_eq(&v, expect, sizeof(expect) - 1));
	CHECK(!json_string_eq(&v, expect, sizeof(expect) - 2));
	CHECK(!json_string_eq(&v, "a", 1));

	/* Decoding appends. */
	buf_reset(&b);
	buf_adds(&b, ">");
	v = member("{\"v\":\"x\\u00e9y\"}");
	json_string_decode(&v, &b);
	CHECK_STR(buf_str(&b), ">x\xc3\xa9y");

	/* Without escapes the view points into the line itself. */
	{
		const char *line = "{\"v\":\"caf\xc3\xa9\"}";
		struct json_value u = member(line);

		CHECK(!u.escaped);
		scratch.len = 0;
		p = json_string_view(&u, &scratch, &len);
		CHECK(p == u.ptr + 1);
		CHECK_INT(len, 5);
		CHECK_INT(scratch.len, 0);
		CHECK(json_string_eq(&u, "caf\xc3\xa9", 5));
		CHECK(!json_string_eq(&u, "cafe", 4));
		CHECK(!json_string_eq(&u, "caf\xc3\xa9!", 6));
	}
	v = member("{\"v\":\"\"}");
	CHECK(json_string_eq(&v, "", 0));
	p = json_string_view(&v, &scratch, &len);
	CHECK_INT(len, 0);
	v = member("{\"v\":\"\\u0000\"}");
	CHECK(json_string_eq(&v, "\0", 1));
	CHECK(!json_string_eq(&v, "", 0));
	p = json_string_view(&v, &scratch, &len);
	CHECK(len == 1 && p[0] == '\0');
	/* Only strings compare equal to strings. */
	v = member("{\"v\":1}");
	CHECK(!json_string_eq(&v, "1", 1));
	v = member("{\"v\":null}");
	CHECK(!json_string_eq(&v, "null", 4));
	buf_free(&b);
	buf_free(&scratch);
}

/* json_number_i64 of {"v":TEXT}: the value, or 999 when it fails. */
static int64_t
i64(const char *text)
{
	char line[128];
	struct json_value v;
	int64_t out = 12345;

	snprintf(line, sizeof(line), "{\"v\":%s}", text);
	v = member(line);
	if (json_number_i64(&v, &out) != 0)
		return out == 12345 ? 999 : -999; /* -999: *out was changed */
	return out;
}

static double
dbl(const char *text, int *r)
{
	char line[512];
	struct json_value v;
	double out = 12345;

	snprintf(line, sizeof(line), "{\"v\":%s}", text);
	v = member(line);
	*r = json_number_double(&v, &out);
	return out;
}

static void
test_numbers_convert(void)
{
	int r;
	double d;
	char big[400];

	CHECK_INT(i64("0"), 0);
	CHECK_INT(i64("-0"), 0);
	CHECK_INT(i64("42"), 42);
	CHECK_INT(i64("-42"), -42);
	CHECK_INT(i64("9223372036854775807"), INT64_MAX);
	CHECK_INT(i64("-9223372036854775808"), INT64_MIN);
	CHECK_INT(i64("9223372036854775808"), 999);
	CHECK_INT(i64("-9223372036854775809"), 999);
	CHECK_INT(i64("18446744073709551615"), 999);
	CHECK_INT(i64("18446744073709551616"), 999);
	CHECK_INT(i64("184467440737095516160"), 999);
	CHECK_INT(i64("99999999999999999999999999"), 999);
	CHECK_INT(i64("1.0"), 999);
	CHECK_INT(i64("1.5"), 999);
	CHECK_INT(i64("1e2"), 999);
	CHECK_INT(i64("1E2"), 999);
	CHECK_INT(i64("-0.0"), 999);
	CHECK_INT(i64("\"1\""), 999);
	CHECK_INT(i64("true"), 999);
	CHECK_INT(i64("null"), 999);

	d = dbl("0.1", &r);
	CHECK(r == 0 && d == 0.1);
	d = dbl("-0", &r);
	CHECK(r == 0 && d == 0 && signbit(d));
	d = dbl("1E+2", &r);
	CHECK(r == 0 && d == 100);
	d = dbl("0.5e-3", &r);
	CHECK(r == 0 && d == 0.0005);
	d = dbl("-12345678901234567890", &r);
	CHECK(r == 0 && d == -12345678901234567890.0);
	d = dbl("5e-324", &r);
	CHECK(r == 0 && d == 5e-324);
	d = dbl("1.7976931348623157e308", &r);
	CHECK(r == 0 && d == 1.7976931348623157e308);
	/* A long number (more than the 64-byte stack copy). */
	memset(big, '0', sizeof(big));
	big[0] = '1';
	memcpy(big + 300, ".25", 4);
	d = dbl(big, &r);
	CHECK(r == 0 && d == 1e299);
	d = dbl("\"1\"", &r);
	CHECK(r == -1 && d == 12345);
	d = dbl("[1]", &r);
	CHECK(r == -1);
}

/* Looks KEY up in the object value of {"v":OBJ}: "TYPE:TEXT" or "none". */
static const char *
get(const char *obj, const char *key, size_t keylen)
{
	static char line[512], out[512];
	struct json_value v, got;

	snprintf(line, sizeof(line), "{\"v\":%s}", obj);
	v = member(line);
	memset(&got, 0, sizeof(got));
	if (!json_object_get(&v, key, keylen, &got))
		return "none";
	snprintf(out, sizeof(out), "%s:%.*s%s", json_type_name(got.type),
		 (int)got.len, got.ptr, got.escaped ? " (escaped)" : "");
	return out;
}

static void
test_object_get(void)
{
	static const char obj[] =
	    "{\"a\":1,\"b\":{\"c\":\"x\"},\"a\":[2],\"k\\u0065y\":true,"
	    "\"e\":\"\",\"s\":\"}\\\"{,\",\"t\":[{\"u\":\"]\"}],\"v\":-5e1,"
	    "\"n\":null,\"f\":false,\"q\":\"a\\nb\",\"\":0,\"nul\\u0000\":7}";

	CHECK_STR(get(obj, "a", 1), "array:[2]");
	CHECK_STR(get(obj, "b", 1), "object:{\"c\":\"x\"}");
	CHECK_STR(get(obj, "key", 3), "true:true");
	CHECK_STR(get(obj, "e", 1), "string:\"\"");
	CHECK_STR(get(obj, "s", 1), "string:\"}\\\"{,\" (escaped)");
	CHECK_STR(get(obj, "t", 1), "array:[{\"u\":\"]\"}]");
	CHECK_STR(get(obj, "v", 1), "number:-5e1");
	CHECK_STR(get(obj, "n", 1), "null:null");
	CHECK_STR(get(obj, "f", 1), "false:false");
	CHECK_STR(get(obj, "q", 1), "string:\"a\\nb\" (escaped)");
	CHECK_STR(get(obj, "", 0), "number:0");
	CHECK_STR(get(obj, "nul\0", 4), "number:7");
	CHECK_STR(get(obj, "nul", 3), "none");
	CHECK_STR(get(obj, "c", 1), "none");
	CHECK_STR(get(obj, "k\\u0065y", 8), "none");
	CHECK_STR(get("{}", "a", 1), "none");
	CHECK_STR(get("{ }", "a", 1), "none");
	CHECK_STR(get(" { \"a\" : 1 , \"b\" : \"v\" } ", "a", 1), "number:1");
	CHECK_STR(get(" { \"a\" : 1 , \"b\" : \"v\" } ", "b", 1),
		  "string:\"v\"");
	CHECK_STR(get("{\"a\":{\"a\":{\"a\":1}}}", "a", 1),
		  "object:{\"a\":{\"a\":1}}");
	/* Only objects have members. */
	CHECK_STR(get("[\"a\",1]", "a", 1), "none");
	CHECK_STR(get("\"a\"", "a", 1), "none");
}

/* The elements of the array {"v":ARR}, as "TYPE:TEXT|TYPE:TEXT...". */
static const char *
elements(const char *arr)
{
	static char line[512], out[1024];
	struct json_value v, el;
	size_t pos = 0, o = 0;

	snprintf(line, sizeof(line), "{\"v\":%s}", arr);
	v = member(line);
	out[0] = '\0';
	while (json_array_next(&v, &pos, &el) && o < sizeof(out) - 64)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s:%.*s%s",
				      o ? "|" : "", json_type_name(el.type),
				      (int)el.len, el.ptr,
				      el.escaped ? "(e)" : "");
	return out;
}

static void
test_array_next(void)
{
	CHECK_STR(elements("[1, \"a\" ,{\"b\":[2]},[],null , -0.5,true,false,"
			   "\"x\\\"]\"]"),
		  "number:1|string:\"a\"|object:{\"b\":[2]}|array:[]|null:null|"
		  "number:-0.5|true:true|false:false|string:\"x\\\"]\"(e)");
	CHECK_STR(elements("[]"), "");
	CHECK_STR(elements("[ ]"), "");
	CHECK_STR(elements("[ 7 ]"), "number:7");
	CHECK_STR(elements("[[[]],{\"]\":\"[\"}]"),
		  "array:[[]]|object:{\"]\":\"[\"}");
	CHECK_STR(elements("{\"a\":1}"), "");
	CHECK_STR(elements("\"[1]\""), "");
}

/* json_append_member of LINE with "k": VALUE. */
static const char *
append(const char *line, const char *key)
{
	static struct buf out;
	struct json_error err;

	buf_adds(&out, "stale");
	json_append_member(&out, line, strlen(line), key, strlen(key), "[1]",
			   3);
	if (json_scan(S, out.data, out.len, NULL, NULL, &err) != 0)
		return "invalid result";
	return buf_str(&out);
}

static void
test_append_member(void)
{
	CHECK_STR(append("{}", "k"), "{\"k\":[1]}");
	CHECK_STR(append("{\"a\":1}", "k"), "{\"a\":1,\"k\":[1]}");
	CHECK_STR(append("{ }", "k"), "{ \"k\":[1]}");
	CHECK_STR(append("{\r}", "k"), "{\r\"k\":[1]}");
	CHECK_STR(append("{\"a\":1 }", "k"), "{\"a\":1 ,\"k\":[1]}");
	CHECK_STR(append("{\"a\":1} ", "k"), "{\"a\":1,\"k\":[1]} ");
	CHECK_STR(append("{\"a\":1}\r", "k"), "{\"a\":1,\"k\":[1]}\r");
	CHECK_STR(append(" {\"a\":1 \r} \t\r", "k"),
		  " {\"a\":1 \r,\"k\":[1]} \t\r");
	CHECK_STR(append("{\"a\":\"}\"}", "k"), "{\"a\":\"}\",\"k\":[1]}");
	CHECK_STR(append("{\"a\":{}}", "k"), "{\"a\":{},\"k\":[1]}");
	CHECK_STR(append("{\"a\":1}", "q\"\\\n"),
		  "{\"a\":1,\"q\\\"\\\\\\n\":[1]}");
}

static void
test_type_names(void)
{
	CHECK_STR(json_type_name(JSON_MISSING), "missing");
	CHECK_STR(json_type_name(JSON_NULL), "null");
	CHECK_STR(json_type_name(JSON_FALSE), "false");
	CHECK_STR(json_type_name(JSON_TRUE), "true");
	CHECK_STR(json_type_name(JSON_NUMBER), "number");
	CHECK_STR(json_type_name(JSON_STRING), "string");
	CHECK_STR(json_type_name(JSON_ARRAY), "array");
	CHECK_STR(json_type_name(JSON_OBJECT), "object");
	CHECK_STR(json_type_name((enum json_type)8), "?");
}

int
main(int argc, char **argv)
{
	S = json_scanner_new();
	test_numbers();
	test_literals();
	test_structure();
	test_whitespace_bom();
	test_strings();
	test_utf8();
	test_string_blocks();
	test_nesting();
	test_json_test_suite(argc > 1 ? argv[1] : "tests/fixtures");
	test_path_syntax();
	test_extract();
	test_escaped_key_error();
	test_string_helpers();
	test_numbers_convert();
	test_object_get();
	test_array_next();
	test_append_member();
	test_type_names();
	json_scanner_free(S);
	return unit_report("t_json");
}
