/*
 * t_evload_convert.c - evload's conversion table, names and key set.
 */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/evload/evload.h"
#include "unit.h"

/* Converts the JSON value TEXT for a column of type T. */
static int
conv(enum col_type t, const char *text, struct cell *out, struct buf *scratch,
     struct buf *why)
{
	static struct buf line = BUF_INIT;
	struct json_paths *ps = json_paths_new();
	struct json_scanner *js = json_scanner_new();
	struct json_value v;
	struct json_error je;
	struct column c;
	const char *err;
	int r;

	memset(&c, 0, sizeof(c));
	c.name = (char *)"c";
	c.path = (char *)"v";
	c.type = t;
	buf_reset(&line);
	buf_printf(&line, "{\"v\":%s}", text);
	json_paths_add(ps, "v", &err);
	if (json_scan(js, line.data, line.len, ps, &v, &je) < 0)
		v.type = JSON_MISSING;
	r = convert_value(&c, &v, EVTIME_UNIT_AUTO, scratch, out, why);
	json_paths_free(ps);
	json_scanner_free(js);
	return r;
}

static const char *
text_of(const struct cell *c)
{
	static char s[256];
	size_t n = c->n < sizeof(s) - 1 ? c->n : sizeof(s) - 1;

	memcpy(s, c->p, n);
	s[n] = '\0';
	return s;
}

int
main(void)
{
	struct buf scratch = BUF_INIT, why = BUF_INIT, b = BUF_INIT;
	struct keyset ks = {0};
	struct cell c;
	const char *reason;
	uint64_t i;

	/* text */
	CHECK_INT(conv(CT_TEXT, "\"a\\tb\"", &c, &scratch, &why), 0);
	CHECK_STR(text_of(&c), "a\tb");
	CHECK_INT(conv(CT_TEXT, "12.50", &c, &scratch, &why), 0);
	CHECK_STR(text_of(&c), "12.50");
	CHECK_INT(conv(CT_TEXT, "false", &c, &scratch, &why), 0);
	CHECK_STR(text_of(&c), "false");
	CHECK_INT(conv(CT_TEXT, "{}", &c, &scratch, &why), -1);
	CHECK_STR(buf_str(&why), "expected a string, got object (type json "
				 "keeps objects and arrays)");
	CHECK_INT(conv(CT_TEXT, "\"\\u0000\"", &c, &scratch, &why), -1);
	CHECK_INT(conv(CT_TEXT, "null", &c, &scratch, &why), 0);
	CHECK_INT(c.kind, CELL_NULL);

	/* integer and bigint */
	CHECK_INT(conv(CT_INTEGER, "2147483647", &c, &scratch, &why), 0);
	CHECK_INT(c.i, 2147483647);
	CHECK_INT(conv(CT_INTEGER, "2147483648", &c, &scratch, &why), -1);
	CHECK_STR(buf_str(&why), "2147483648 is out of range for integer");
	CHECK_INT(conv(CT_INTEGER, "1.0", &c, &scratch, &why), 0);
	CHECK_INT(c.i, 1);
	CHECK_INT(conv(CT_BIGINT, "-2e3", &c, &scratch, &why), 0);
	CHECK_INT(c.i, -2000);
	CHECK_INT(conv(CT_BIGINT, "1.5", &c, &scratch, &why), -1);
	CHECK_STR(buf_str(&why), "expected an integer, got 1.5");
	CHECK_INT(conv(CT_BIGINT, "9007199254740993.0", &c, &scratch, &why),
		  -1);
	CHECK_INT(conv(CT_BIGINT, "-9223372036854775808", &c, &scratch, &why),
		  0);
	CHECK(c.i == INT64_MIN);
	CHECK_INT(conv(CT_BIGINT, "9223372036854775808", &c, &scratch, &why),
		  -1);
	CHECK_INT(conv(CT_BIGINT, "\"1\"", &c, &scratch, &why), -1);
	CHECK_STR(buf_str(&why), "expected a number, got string");

	/* double, boolean */
	CHECK_INT(conv(CT_DOUBLE, "1e308", &c, &scratch, &why), 0);
	CHECK_INT(conv(CT_DOUBLE, "1e309", &c, &scratch, &why), -1);
	CHECK_INT(conv(CT_BOOLEAN, "true", &c, &scratch, &why), 0);
	CHECK_INT(c.i, 1);
	CHECK_INT(conv(CT_BOOLEAN, "0", &c, &scratch, &why), -1);

	/* timestamp */
	CHECK_INT(conv(CT_TIMESTAMP, "\"2015-08-18T06:36:40.5+01:00\"", &c,
		       &scratch, &why),
		  0);
	buf_reset(&b);
	cell_time_text(&b, c.i);
	CHECK_STR(buf_str(&b), "2015-08-18T05:36:40.500000Z");
	CHECK_INT(conv(CT_TIMESTAMP, "1439879800", &c, &scratch, &why), 0);
	CHECK(c.i == 1439879800LL * EVTIME_SEC);
	CHECK_INT(
	    conv(CT_TIMESTAMP, "\"0000-12-31T00:00:00Z\"", &c, &scratch, &why),
	    -1);

	/* json */
	CHECK_INT(conv(CT_JSON, "\"s\"", &c, &scratch, &why), 0);
	CHECK_STR(text_of(&c), "\"s\"");
	CHECK_INT(conv(CT_JSON, "[1e131071]", &c, &scratch, &why), 0);
	CHECK_INT(conv(CT_JSON, "[1e131072]", &c, &scratch, &why), -1);
	CHECK_INT(conv(CT_JSON, "{\"a\":\"1e999999\"}", &c, &scratch, &why), 0);
	CHECK_INT(conv(CT_JSON, "0.5e-16382", &c, &scratch, &why), 0);
	CHECK_INT(conv(CT_JSON, "0.5e-16383", &c, &scratch, &why), -1);
	CHECK_INT(conv(CT_JSON, "{\"a\":\"\\\\u0000\"}", &c, &scratch, &why),
		  0);
	CHECK_INT(conv(CT_JSON, "{\"a\":\"\\u0000\"}", &c, &scratch, &why), -1);

	/* names and quoting */
	CHECK_INT(evload_name_check("ok", 2, &reason), 0);
	CHECK_INT(evload_name_check("_EVLOAD_x", 9, &reason), -1);
	CHECK_INT(evload_name_check("", 0, &reason), -1);
	CHECK_INT(evload_name_check("a\0b", 3, &reason), -1);
	CHECK_INT(evload_name_check("\xff", 1, &reason), -1);
	buf_reset(&b);
	sql_ident(&b, "a\"b\"\"");
	CHECK_STR(buf_str(&b), "\"a\"\"b\"\"\"\"\"");

	/* the key set */
	for (i = 0; i < 10000; i++)
		CHECK(!keyset_add(&ks, i * 7919));
	CHECK(keyset_add(&ks, 7919));
	CHECK(keyset_add(&ks, 0)); /* added by i = 0 */
	keyset_clear(&ks);
	CHECK(!keyset_add(&ks, 7919));
	keyset_free(&ks);

	buf_free(&scratch);
	buf_free(&why);
	buf_free(&b);
	return unit_report("t_evload_convert");
}
