/*
 * fuzz_report.c - libFuzzer target for the reject record writer
 * (report_reject in common/report.c, over buf_add_json_string and
 * buf_add_base64 in common/buf.c).
 *
 * A rejected line can be any bytes, and the reject file must still be one
 * valid JSON object per line from which the line can be replayed byte for
 * byte (DESIGN.md: nothing is lost silently).  The first input byte picks
 * the column and whether the raw bytes were cut short; the rest is the raw
 * line, also used as the file name and the reason.  The record written is
 * scanned by json_scan, and:
 *   - "raw" decodes to the input when it is valid UTF-8 (and there is no
 *     "raw_base64"); otherwise "raw_base64" decodes to exactly the input;
 *   - "file", "line", "error", "column", "truncated" and "bytes" hold what
 *     was passed in.
 * Any failed check aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "report.h"
#include "utf8.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static struct json_scanner *scanner;
static struct json_paths *paths;
static int memfd = -1;

enum { P_FILE, P_LINE, P_ERROR, P_COLUMN, P_RAW, P_B64, P_TRUNC, P_BYTES, NP };

static void
init(void)
{
	static const char *const names[NP] = {
	    "file", "line",       "error",     "column",
	    "raw",  "raw_base64", "truncated", "bytes",
	};
	const char *err;
	int i;

	if (scanner)
		return;
	scanner = json_scanner_new();
	paths = json_paths_new();
	for (i = 0; i < NP; i++)
		fuzz_check(json_paths_add(paths, names[i], &err) == i);
	memfd = memfd_create("fuzz_report", 0);
	fuzz_check(memfd >= 0);
	ev_setprogname("fuzz_report");
}

static int
b64val(char c)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tbl, c) : NULL;

	return p ? (int)(p - tbl) : -1;
}

/* Decodes the base64 text P (N bytes, padded) into OUT. */
static void
b64decode(const char *p, size_t n, struct buf *out)
{
	size_t i;

	fuzz_check(n % 4 == 0);
	for (i = 0; i < n; i += 4) {
		int a = b64val(p[i]), b = b64val(p[i + 1]);
		int c = p[i + 2] == '=' ? 0 : b64val(p[i + 2]);
		int d = p[i + 3] == '=' ? 0 : b64val(p[i + 3]);
		uint32_t v;

		fuzz_check(a >= 0 && b >= 0 && c >= 0 && d >= 0);
		fuzz_check(p[i + 2] != '=' || (p[i + 3] == '=' && i + 4 == n));
		fuzz_check(p[i + 3] != '=' || i + 4 == n);
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		buf_addc(out, (char)(v >> 16));
		if (p[i + 2] != '=')
			buf_addc(out, (char)(v >> 8));
		if (p[i + 3] != '=')
			buf_addc(out, (char)v);
	}
}

/* The string value V decodes to exactly the N bytes at S. */
static void
check_string(const struct json_value *v, const char *s, size_t n)
{
	fuzz_check(v->type == JSON_STRING);
	fuzz_check(json_string_eq(v, s, n));
}

static void
check_number(const struct json_value *v, uint64_t want)
{
	char tmp[32];

	fuzz_check(v->type == JSON_NUMBER && v->len < sizeof(tmp));
	memcpy(tmp, v->ptr, v->len);
	tmp[v->len] = '\0';
	fuzz_check(strtoull(tmp, NULL, 10) == want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ev_report r;
	struct json_value v[NP];
	struct json_error err;
	struct buf rec = BUF_INIT, dec = BUF_INIT;
	const char *raw = (const char *)data + 1;
	char *name;
	size_t rawlen, column;
	uint64_t fulllen;
	bool valid, name_ok;
	off_t end;

	if (size < 1)
		return 0;
	init();
	rawlen = size - 1;
	column = data[0] & 0x3f;
	fulllen = data[0] & 0x40 ? (uint64_t)rawlen + 1 + data[0] : rawlen;
	/* File names are C strings: stop at the first NUL. */
	name = malloc(rawlen + 1);
	fuzz_check(name != NULL);
	memcpy(name, raw, rawlen);
	name[rawlen] = '\0';

	fuzz_check(ftruncate(memfd, 0) == 0 && lseek(memfd, 0, SEEK_SET) == 0);
	report_init(&r);
	r.reject_fd = memfd;
	r.reject_direct = true;
	r.reject_path = strdup("memory");
	r.shown = REPORT_SHOW_MAX; /* no messages on stderr */
	r.max_errors = 1;
	report_reject(&r, data[0] & 0x80 ? NULL : name, size, raw, rawlen,
		      fulllen, column, name);
	end = lseek(memfd, 0, SEEK_CUR);
	fuzz_check(end > 0);
	buf_grow(&rec, (size_t)end);
	fuzz_check(pread(memfd, rec.data, (size_t)end, 0) == end);
	rec.len = (size_t)end;
	/* The memfd is reused; report_finish would print a summary. */
	fuzz_check(r.rejected == 1 && r.rbuf.len == 0);
	buf_free(&r.rbuf);
	free(r.reject_path);

	/* One line, one object. */
	fuzz_check(rec.data[rec.len - 1] == '\n');
	fuzz_check(memchr(rec.data, '\n', rec.len - 1) == NULL);
	fuzz_check(json_scan(scanner, rec.data, rec.len - 1, paths, v, &err) ==
		   0);

	/* Names and reasons are text: invalid UTF-8 became U+FFFD. */
	name_ok = utf8_check(name, strlen(name)) == strlen(name);
	if (data[0] & 0x80)
		fuzz_check(v[P_FILE].type == JSON_NULL);
	else if (name_ok)
		check_string(&v[P_FILE], name, strlen(name));
	else
		fuzz_check(v[P_FILE].type == JSON_STRING);
	check_number(&v[P_LINE], size);
	fuzz_check(v[P_ERROR].type == JSON_STRING);
	if (name_ok)
		check_string(&v[P_ERROR], name, strlen(name));
	if (column)
		check_number(&v[P_COLUMN], column);
	else
		fuzz_check(v[P_COLUMN].type == JSON_MISSING);

	valid = utf8_check(raw, rawlen) == rawlen;
	fuzz_check(v[P_RAW].type == JSON_STRING);
	if (valid) {
		fuzz_check(v[P_B64].type == JSON_MISSING);
		check_string(&v[P_RAW], raw, rawlen);
	} else {
		fuzz_check(v[P_B64].type == JSON_STRING && !v[P_B64].escaped);
		b64decode(v[P_B64].ptr + 1, v[P_B64].len - 2, &dec);
		fuzz_check(dec.len == rawlen &&
			   (rawlen == 0 || memcmp(dec.data, raw, rawlen) == 0));
	}
	if (fulllen > rawlen) {
		fuzz_check(v[P_TRUNC].type == JSON_TRUE);
		check_number(&v[P_BYTES], fulllen);
	} else {
		fuzz_check(v[P_TRUNC].type == JSON_MISSING &&
			   v[P_BYTES].type == JSON_MISSING);
	}
	buf_free(&rec);
	buf_free(&dec);
	free(name);
	return 0;
}
