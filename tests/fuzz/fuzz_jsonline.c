/*
 * fuzz_jsonline.c - libFuzzer target for the event line validator
 * (json_scan and the value helpers in common/json.c).
 *
 * Every input is one line.  It is scanned with a few registered paths and
 * the result is checked two ways; any failed check aborts.
 *
 * Invariants.  A rejected line has an error kind and an offset within the
 * line.  For an accepted line, every extracted value lies inside the line,
 * its bytes scan again as a value of the same type, and it is exactly what
 * json_object_get finds by walking the same keys from the top (last
 * duplicate winning at every level).  Strings decode to valid UTF-8 that
 * json_string_eq accepts; numbers convert; arrays iterate; and
 * json_append_member gives a line that is again a valid object whose last
 * member is the appended one.
 *
 * Differential.  The same bytes are parsed by yajl with default options
 * (no trailing garbage, one value), and the verdicts valid/invalid must
 * agree - a valid JSON text that is not an object counts as valid.  yajl
 * accepts three things RFC 8259 does not allow or evtools rejects on
 * purpose; each is normalised away (in a copy, on both sides) before the
 * verdicts are compared again, and only when yajl accepted the input:
 *   1. '\v' and '\f' as whitespace (RFC 8259 section 2 allows only space,
 *      tab, LF, CR): yajl accepted, so each one lies between tokens, and
 *      becomes a space.
 *   2. UTF-8 that is well-formed in shape only - overlong forms, UTF-16
 *      surrogates, code points above U+10FFFF, lead bytes F5-F7 (RFC 8259
 *      section 8.1 requires UTF-8, and RFC 3629 excludes all of these):
 *      where the scanner reports invalid UTF-8, the sequence yajl's loose
 *      check takes becomes as many 'a' bytes.
 *   3. Escaped UTF-16 surrogates that do not pair up ("\ud800"): RFC 8259
 *      section 8.2 leaves them undefined; evtools rejects them because they
 *      cannot be decoded to UTF-8.  The escape becomes "\u0041".
 *   4. A string left open at the end of the input after a complete value
 *      ("{}\"abc"): a yajl 2.1 bug - yajl_complete_parse() pads the input
 *      with one space, the lexer reports the still open string as "more
 *      input needed", and the parser, in its "complete" state, accepts.
 *      Data after the value is not JSON (RFC 8259 section 2), so where the
 *      scanner reports it and it is such an open string, it is cut off.
 * Nothing else may differ: a leading byte order mark, for one, is rejected
 * by both.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "buf.h"
#include "json.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* The registered paths, and the same paths as key lists. */
static const char *const path_text[] = {
    "id", "type", "data", "data.a", "data.b.c", "a\\.b", "ty\\pe.x",
};
static const char *const path_keys[][4] = {
    {"id"},  {"type"},      {"data"}, {"data", "a"}, {"data", "b", "c"},
    {"a.b"}, {"type", "x"},
};
#define NPATHS (sizeof(path_text) / sizeof(path_text[0]))

static struct json_paths *paths;
static struct json_scanner *scanner, *scanner2;

static void
init(void)
{
	const char *errstr;
	size_t i;

	if (paths)
		return;
	paths = json_paths_new();
	for (i = 0; i < NPATHS; i++)
		fuzz_check(json_paths_add(paths, path_text[i], &errstr) ==
			   (int)i);
	scanner = json_scanner_new();
	scanner2 = json_scanner_new();
}

static bool
yajl_accepts(const unsigned char *p, size_t n)
{
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	bool ok;

	fuzz_check(h != NULL);
	ok = yajl_parse(h, p, n) == yajl_status_ok &&
	     yajl_complete_parse(h) == yajl_status_ok;
	yajl_free(h);
	return ok;
}

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The value V, a span of a validated line, scans again as its own type. */
static void
check_rescan(const struct json_value *v)
{
	struct json_error err;
	char want[64];
	int r;

	fuzz_check(v->len > 0 && !is_ws((unsigned char)v->ptr[0]) &&
		   !is_ws((unsigned char)v->ptr[v->len - 1]));
	r = json_scan(scanner2, v->ptr, v->len, NULL, NULL, &err);
	if (v->type == JSON_OBJECT) {
		fuzz_check(r == 0 && err.kind == JSON_OK);
		return;
	}
	fuzz_check(r == -1 && err.kind == JSON_E_NOT_OBJECT && err.offset == 0);
	strcpy(want, "not an object (");
	strcat(want, json_type_name(v->type));
	strcat(want, ")");
	fuzz_check(strcmp(err.msg, want) == 0);
}

static void check_value(const struct json_value *v, int depth);

static void
check_string(const struct json_value *v)
{
	struct buf dec = BUF_INIT, scratch = BUF_INIT;
	const char *view;
	size_t len;

	fuzz_check(v->len >= 2 && v->ptr[0] == '"' &&
		   v->ptr[v->len - 1] == '"');
	fuzz_check(v->escaped == (memchr(v->ptr, '\\', v->len) != NULL));
	json_string_decode(v, &dec);
	fuzz_check(utf8_check(dec.data, dec.len) == dec.len);
	fuzz_check(json_string_eq(v, dec.data, dec.len));
	view = json_string_view(v, &scratch, &len);
	fuzz_check(len == dec.len && memcmp(view, buf_str(&dec), len) == 0);
	if (!v->escaped)
		fuzz_check(len == v->len - 2);
	buf_free(&dec);
	buf_free(&scratch);
}

static void
check_number(const struct json_value *v)
{
	double d;
	int64_t i;
	bool integer = true;
	size_t k;

	if (json_number_double(v, &d) != 0) {
		/* Refused only beyond the range of a finite double. */
		char *tmp = malloc(v->len + 1);
		double x;

		fuzz_check(tmp != NULL);
		memcpy(tmp, v->ptr, v->len);
		tmp[v->len] = '\0';
		errno = 0;
		x = strtod(tmp, NULL);
		fuzz_check(errno == ERANGE && isinf(x));
		free(tmp);
	}
	for (k = 0; k < v->len; k++)
		if (v->ptr[k] == '.' || v->ptr[k] == 'e' || v->ptr[k] == 'E')
			integer = false;
	if (json_number_i64(v, &i) == 0) {
		char tmp[32];

		fuzz_check(integer && v->len < sizeof(tmp));
		memcpy(tmp, v->ptr, v->len);
		tmp[v->len] = '\0';
		fuzz_check(strtoll(tmp, NULL, 10) == i);
	} else {
		/* Integers up to 18 digits always fit. */
		fuzz_check(!integer || v->len > 18);
	}
}

static void
check_value(const struct json_value *v, int depth)
{
	struct json_value el, got;
	size_t pos = 0, n = 0;

	check_rescan(v);
	switch (v->type) {
	case JSON_STRING:
		check_string(v);
		break;
	case JSON_NUMBER:
		check_number(v);
		break;
	case JSON_ARRAY:
		while (json_array_next(v, &pos, &el)) {
			fuzz_check(el.ptr > v->ptr &&
				   el.ptr + el.len < v->ptr + v->len);
			if (depth < 4 && n < 16)
				check_value(&el, depth + 1);
			n++;
		}
		break;
	case JSON_OBJECT:
		if (json_object_get(v, "a", 1, &got)) {
			fuzz_check(got.ptr > v->ptr &&
				   got.ptr + got.len < v->ptr + v->len);
			if (depth < 4)
				check_value(&got, depth + 1);
		}
		break;
	case JSON_NULL:
		fuzz_check(v->len == 4 && memcmp(v->ptr, "null", 4) == 0);
		break;
	case JSON_TRUE:
		fuzz_check(v->len == 4 && memcmp(v->ptr, "true", 4) == 0);
		break;
	case JSON_FALSE:
		fuzz_check(v->len == 5 && memcmp(v->ptr, "false", 5) == 0);
		break;
	default:
		fuzz_check(0);
	}
}

/* Checks an accepted object line (N bytes at LINE) and its values. */
static void
check_accepted(const char *line, size_t n, const struct json_value *vals)
{
	struct json_value root, cur, got;
	struct json_error err;
	struct buf out = BUF_INIT;
	size_t i, k, start = 0, end = n;
	static const char key[] = "k\"\\\x01";
	static const char val[] = "[1,{\"x\":null}]";

	while (start < end && is_ws((unsigned char)line[start]))
		start++;
	while (end > start && is_ws((unsigned char)line[end - 1]))
		end--;
	root.ptr = line + start;
	root.len = end - start;
	root.type = JSON_OBJECT;
	root.escaped = false;
	fuzz_check(root.len >= 2 && root.ptr[0] == '{' &&
		   root.ptr[root.len - 1] == '}');

	for (i = 0; i < NPATHS; i++) {
		const struct json_value *v = &vals[i];
		bool found = true;

		/* The reference: walk the keys with json_object_get. */
		cur = root;
		for (k = 0; k < 4 && path_keys[i][k]; k++) {
			if (cur.type != JSON_OBJECT ||
			    !json_object_get(&cur, path_keys[i][k],
					     strlen(path_keys[i][k]), &got)) {
				found = false;
				break;
			}
			cur = got;
		}
		if (!found) {
			fuzz_check(v->type == JSON_MISSING);
			continue;
		}
		fuzz_check(v->type == cur.type && v->ptr == cur.ptr &&
			   v->len == cur.len && v->escaped == cur.escaped);
		fuzz_check(v->ptr >= line && v->ptr + v->len <= line + n);
		check_value(v, 0);
	}

	/* The line with one more member is an object ending in it. */
	json_append_member(&out, line, n, key, sizeof(key) - 1, val,
			   sizeof(val) - 1);
	fuzz_check(json_scan(scanner2, out.data, out.len, NULL, NULL, &err) ==
		   0);
	for (start = 0; is_ws((unsigned char)out.data[start]); start++)
		;
	for (end = out.len; is_ws((unsigned char)out.data[end - 1]); end--)
		;
	root.ptr = out.data + start;
	root.len = end - start;
	fuzz_check(json_object_get(&root, key, sizeof(key) - 1, &got));
	fuzz_check(got.type == JSON_ARRAY && got.len == sizeof(val) - 1 &&
		   memcmp(got.ptr, val, got.len) == 0 &&
		   got.ptr + got.len == out.data + end - 1);
	buf_free(&out);
}

/*
 * The length of the sequence at P (N bytes) that yajl's UTF-8 check takes
 * (lead byte 110xxxxx, 1110xxxx or 11110xxx and that many continuation
 * bytes), or 0.
 */
static size_t
yajl_loose_utf8(const unsigned char *p, size_t n)
{
	size_t k, need;

	if (p[0] >> 5 == 0x6)
		need = 2;
	else if (p[0] >> 4 == 0xe)
		need = 3;
	else if (p[0] >> 3 == 0x1e)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (k = 1; k < need; k++)
		if (p[k] >> 6 != 0x2)
			return 0;
	return need;
}

static bool
is_surrogate_escape(const unsigned char *p, size_t n)
{
	return n >= 6 && p[0] == '\\' && p[1] == 'u' &&
	       (p[2] == 'd' || p[2] == 'D') &&
	       strchr("89abcdefABCDEF", p[3]) != NULL && p[3] != '\0';
}

/* True when P (N bytes) is a '"' that opens a string no '"' closes. */
static bool
is_open_string(const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] != '"')
		return false;
	for (i = 1; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return false;
	}
	return true;
}

/*
 * One documented difference at the scanner's error ERR in COPY (*N bytes),
 * which yajl accepted: rewrites it away and returns true, or returns false
 * when the error is not one of them.
 */
static bool
normalise(unsigned char *copy, size_t *np, const struct json_error *err)
{
	size_t i, k, n = *np;
	bool changed = false;

	for (i = 0; i < n; i++)
		if (copy[i] == '\v' || copy[i] == '\f') {
			copy[i] = ' ';
			changed = true;
		}
	if (changed)
		return true;
	if (err->offset >= n)
		return false;
	if (err->kind == JSON_E_UTF8) {
		k = yajl_loose_utf8(copy + err->offset, n - err->offset);
		if (k == 0 ||
		    utf8_valid_seq(copy + err->offset, n - err->offset) != 0)
			return false;
		memset(copy + err->offset, 'a', k);
		return true;
	}
	if (err->kind == JSON_E_SYNTAX &&
	    strcmp(err->msg, "lone surrogate in \\u escape") == 0 &&
	    is_surrogate_escape(copy + err->offset, n - err->offset)) {
		memcpy(copy + err->offset, "\\u0041", 6);
		return true;
	}
	if (err->kind == JSON_E_SYNTAX &&
	    strcmp(err->msg, "unexpected data after the JSON value") == 0 &&
	    is_open_string(copy + err->offset, n - err->offset)) {
		*np = err->offset;
		return true;
	}
	return false;
}

static void
differential(const uint8_t *data, size_t size, bool valid,
	     struct json_error err)
{
	unsigned char *copy;
	bool yvalid = yajl_accepts(data, size);
	int rounds = 0;

	if (valid == yvalid)
		return;
	/* The scanner never accepts what yajl rejects. */
	fuzz_check(!valid && yvalid);
	copy = malloc(size ? size : 1);
	fuzz_check(copy != NULL);
	memcpy(copy, data, size);
	while (valid != yvalid) {
		int r;

		fuzz_check(!valid && yvalid);
		fuzz_check(normalise(copy, &size, &err));
		fuzz_check(++rounds <= (int)size + 1);
		r = json_scan(scanner2, (const char *)copy, size, NULL, NULL,
			      &err);
		valid = r == 0 || err.kind == JSON_E_NOT_OBJECT;
		yvalid = yajl_accepts(copy, size);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_value vals[NPATHS];
	struct json_error err;
	const char *line = (const char *)data;
	int r;

	init();
	memset(&err, 0xa5, sizeof(err));
	r = json_scan(scanner, line, size, paths, vals, &err);
	if (r == 0) {
		fuzz_check(err.kind == JSON_OK);
		check_accepted(line, size, vals);
	} else {
		fuzz_check(r == -1);
		fuzz_check(err.kind == JSON_E_SYNTAX ||
			   err.kind == JSON_E_UTF8 ||
			   err.kind == JSON_E_NOT_OBJECT);
		fuzz_check(err.offset <= size);
		fuzz_check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL &&
			   err.msg[0] != '\0');
		/* An error inside the line names a byte of it. */
		if (err.kind == JSON_E_UTF8)
			fuzz_check(err.offset < size &&
				   (unsigned char)line[err.offset] >= 0x80);
	}
	differential(data, size, r == 0 || err.kind == JSON_E_NOT_OBJECT, err);
	return 0;
}
