/*
 * convert.c - JSON values to typed cells (the conversion table of
 * evload-schema(5)).
 *
 * Every value is checked here, so the database never sees one it would
 * refuse: a row that does not convert is rejected with a reason that names
 * the column and the path, and the load goes on.  Conversion allocates
 * nothing per row: text with escapes is decoded into a buffer per column.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evload.h"
#include "util.h"

/* Longest piece of a value quoted in a message. */
#define SHOW_MAX 64

void
converter_init(struct converter *cv, const struct schema *sc,
	       enum evtime_unit unit, bool time_required)
{
	memset(cv, 0, sizeof(*cv));
	cv->sc = sc;
	cv->unit = unit;
	cv->time_required = time_required;
	cv->scratch = ev_calloc(sc->ncols ? sc->ncols : 1, sizeof(struct buf));
}

void
converter_free(struct converter *cv)
{
	size_t i;

	if (cv->scratch)
		for (i = 0; i < cv->sc->ncols; i++)
			buf_free(&cv->scratch[i]);
	free(cv->scratch);
	buf_free(&cv->why);
	cv->scratch = NULL;
}

/* True when the JSON text P holds the escape \u0000 (in some string). */
static bool
json_has_nul_escape(const char *p, size_t n)
{
	const char *end = p + n, *q = p;

	while (q < end && (q = memchr(q, '\\', (size_t)(end - q))) != NULL) {
		if (end - q >= 6 && q[1] == 'u' &&
		    memcmp(q + 2, "0000", 4) == 0)
			return true;
		q += 2; /* the escaped character, "\\" included */
	}
	return false;
}

/* True when Q starts a run of at least 5 digits, after an optional sign. */
static bool
long_exponent(const char *q, const char *end)
{
	size_t d = 0;

	if (q < end && (*q == '+' || *q == '-'))
		q++;
	while (q < end && *q >= '0' && *q <= '9' && d < 5) {
		q++;
		d++;
	}
	return d == 5;
}

/* True when P holds C right after a digit and before a long exponent. */
static bool
has_long_exponent(const char *p, size_t n, char c)
{
	const char *end = p + n, *q = p;

	while (q < end && (q = memchr(q, c, (size_t)(end - q))) != NULL) {
		if (q > p && q[-1] >= '0' && q[-1] <= '9' &&
		    long_exponent(q + 1, end))
			return true;
		q++;
	}
	return false;
}

/*
 * PostgreSQL keeps JSON numbers as numeric: at most 131072 digits before
 * the decimal point and 16383 after it.  Returns the first number of the
 * JSON text P that does not fit (its length in *LEN), or NULL.  In a text
 * of at most 4096 bytes, every number has fewer than 4096 digits, so only
 * an exponent of 5 digits or more (beyond 12287 in magnitude) can make one
 * misfit: a text without such an exponent is passed at memchr speed.
 */
static const char *
json_number_misfit(const char *p, size_t n, size_t *len)
{
	const char *end = p + n, *q;

	if (n <= 4096 && !has_long_exponent(p, n, 'e') &&
	    !has_long_exponent(p, n, 'E'))
		return NULL;
	for (q = p; q < end;) {
		const char *start = q;
		int64_t intd = 0, lead0 = 0, fracd = 0, exp = 0, msd;
		bool nonzero = false, eneg = false;

		if (*q == '"') {
			for (q++; q < end && *q != '"'; q++)
				if (*q == '\\')
					q++;
			q++;
			continue;
		}
		if (*q != '-' && (*q < '0' || *q > '9')) {
			q++;
			continue;
		}
		if (*q == '-')
			q++;
		for (; q < end && *q >= '0' && *q <= '9'; q++) {
			if (*q != '0')
				nonzero = true;
			if (nonzero)
				intd++;
		}
		if (q < end && *q == '.')
			for (q++; q < end && *q >= '0' && *q <= '9'; q++) {
				if (*q != '0')
					nonzero = true;
				else if (!nonzero && intd == 0)
					lead0++;
				fracd++;
			}
		if (q < end && (*q == 'e' || *q == 'E')) {
			q++;
			if (q < end && (*q == '+' || *q == '-'))
				eneg = *q++ == '-';
			for (; q < end && *q >= '0' && *q <= '9'; q++)
				if (exp < 1000000000)
					exp = exp * 10 + (*q - '0');
			if (eneg)
				exp = -exp;
		}
		msd = intd > 0 ? intd : -lead0;
		if (fracd - exp > 16383 || (nonzero && msd + exp > 131072)) {
			*len = (size_t)(q - start);
			return start;
		}
	}
	return NULL;
}

static int
json_fits(const char *p, size_t n, struct buf *why)
{
	size_t len;
	const char *bad = json_number_misfit(p, n, &len);

	if (bad == NULL)
		return 0;
	buf_adds(why, "JSON number ");
	buf_add(why, bad, len > SHOW_MAX ? SHOW_MAX : len);
	if (len > SHOW_MAX)
		buf_adds(why, "...");
	buf_adds(why, " is beyond what a database json can hold (10^131072, "
		      "16383 decimals)");
	return -1;
}

static void
show_value(struct buf *b, const struct json_value *v)
{
	size_t n = v->len > SHOW_MAX ? SHOW_MAX : v->len;

	buf_add(b, v->ptr, n);
	if (n < v->len)
		buf_adds(b, "...");
}

static int
expected(struct buf *why, const char *what, const struct json_value *v)
{
	buf_printf(why, "expected %s, got %s", what, json_type_name(v->type));
	return -1;
}

static bool
plain_integer_text(const struct json_value *v)
{
	return memchr(v->ptr, '.', v->len) == NULL &&
	       memchr(v->ptr, 'e', v->len) == NULL &&
	       memchr(v->ptr, 'E', v->len) == NULL;
}

/*
 * Integers: a number written as an integer that fits; or written with a
 * fraction or exponent when its value is an exact integer below 2^53
 * in magnitude (1.0, 2e3), where a double holds it exactly.
 */
static int
convert_integer(const struct json_value *v, enum col_type t, int64_t *out,
		struct buf *why)
{
	const char *tn = t == CT_INTEGER ? "integer" : "bigint";
	int64_t i;

	if (json_number_i64(v, &i) < 0) {
		double d;

		if (plain_integer_text(v)) {
			show_value(why, v);
			buf_printf(why, " is out of range for %s", tn);
			return -1;
		}
		json_number_double(v, &d);
		if (!isfinite(d) || d != trunc(d)) {
			buf_printf(why, "expected an integer, got ");
			show_value(why, v);
			return -1;
		}
		if (fabs(d) >= 9007199254740992.0) {
			show_value(why, v);
			if (fabs(d) < 9223372036854775808.0)
				buf_adds(why, " is not exact with a fraction "
					      "or exponent; write the digits");
			else
				buf_printf(why, " is out of range for %s", tn);
			return -1;
		}
		i = (int64_t)d;
	}
	if (t == CT_INTEGER && (i < INT32_MIN || i > INT32_MAX)) {
		show_value(why, v);
		buf_printf(why, " is out of range for integer");
		return -1;
	}
	*out = i;
	return 0;
}

static int
convert_time(const struct json_value *v, enum evtime_unit unit,
	     struct buf *scratch, int64_t *out, struct buf *why)
{
	const char *err, *s;
	size_t n;

	if (v->type == JSON_NUMBER) {
		if (evtime_parse_epoch(v->ptr, v->len, unit, out, &err) < 0) {
			buf_adds(why, "invalid timestamp ");
			show_value(why, v);
			buf_printf(why, ": %s", err);
			return -1;
		}
	} else if (v->type == JSON_STRING) {
		s = json_string_view(v, scratch, &n);
		if (evtime_parse_rfc3339(s, n, out, &err) < 0) {
			buf_adds(why, "invalid timestamp ");
			buf_add_json_string(why, s,
					    n > SHOW_MAX ? SHOW_MAX : n);
			buf_printf(why, ": %s", err);
			return -1;
		}
	} else {
		return expected(why, "an RFC 3339 string or a number", v);
	}
	if (*out < EVLOAD_TIME_MIN) {
		buf_adds(why, "timestamp ");
		show_value(why, v);
		buf_adds(why, " is before the year 1");
		return -1;
	}
	return 0;
}

int
convert_value(const struct column *c, const struct json_value *v,
	      enum evtime_unit unit, struct buf *scratch, struct cell *out,
	      struct buf *why)
{
	buf_reset(why);
	out->kind = CELL_NULL;
	if (v->type == JSON_MISSING || v->type == JSON_NULL)
		return 0;
	switch (c->type) {
	case CT_TEXT:
		switch (v->type) {
		case JSON_STRING:
			buf_reset(scratch);
			out->p = json_string_view(v, scratch, &out->n);
			if (v->escaped && memchr(out->p, '\0', out->n)) {
				buf_adds(why, "text contains U+0000 (NUL), "
					      "which a database text cannot "
					      "hold");
				return -1;
			}
			break;
		case JSON_NUMBER:
			out->p = v->ptr;
			out->n = v->len;
			break;
		case JSON_TRUE:
			out->p = "true";
			out->n = 4;
			break;
		case JSON_FALSE:
			out->p = "false";
			out->n = 5;
			break;
		default:
			expected(why, "a string", v);
			buf_adds(why, " (type json keeps objects and arrays)");
			return -1;
		}
		out->kind = CELL_TEXT;
		return 0;
	case CT_INTEGER:
	case CT_BIGINT:
		if (v->type != JSON_NUMBER)
			return expected(why, "a number", v);
		if (convert_integer(v, c->type, &out->i, why) < 0)
			return -1;
		out->kind = CELL_INT;
		return 0;
	case CT_DOUBLE:
		if (v->type != JSON_NUMBER)
			return expected(why, "a number", v);
		json_number_double(v, &out->d);
		if (!isfinite(out->d)) {
			show_value(why, v);
			buf_adds(why, " is out of range for double");
			return -1;
		}
		out->kind = CELL_DOUBLE;
		return 0;
	case CT_BOOLEAN:
		if (v->type != JSON_TRUE && v->type != JSON_FALSE)
			return expected(why, "true or false", v);
		out->i = v->type == JSON_TRUE;
		out->kind = CELL_BOOL;
		return 0;
	case CT_TIMESTAMP:
		if (convert_time(v, unit, scratch, &out->i, why) < 0)
			return -1;
		out->kind = CELL_TIME;
		return 0;
	case CT_JSON:
		if (v->escaped || v->type == JSON_OBJECT ||
		    v->type == JSON_ARRAY) {
			if (json_has_nul_escape(v->ptr, v->len)) {
				buf_adds(why, "JSON contains \\u0000 (NUL), "
					      "which a database json cannot "
					      "hold");
				return -1;
			}
		}
		if ((v->type == JSON_NUMBER || v->type == JSON_OBJECT ||
		     v->type == JSON_ARRAY) &&
		    json_fits(v->ptr, v->len, why) < 0)
			return -1;
		out->p = v->ptr;
		out->n = v->len;
		out->kind = CELL_JSON;
		return 0;
	}
	return expected(why, "a value", v);
}

int
convert_row(struct converter *cv, const struct ev_event *ev, struct cell *cells)
{
	const struct schema *sc = cv->sc;
	size_t i;

	for (i = 0; i < sc->ncols; i++) {
		const struct column *c = &sc->cols[i];
		struct json_value whole;
		const struct json_value *v;

		if (c->vidx < 0) {
			whole.ptr = ev->line;
			whole.len = ev->len;
			whole.type = JSON_OBJECT;
			whole.escaped = false;
			if (c->type == CT_TEXT) {
				cells[i].kind = CELL_TEXT;
				cells[i].p = ev->line;
				cells[i].n = ev->len;
				if (json_has_nul_escape(ev->line, ev->len)) {
					buf_reset(&cv->why);
					buf_printf(&cv->why,
						   "column %s (%s): JSON "
						   "contains \\u0000 (NUL), "
						   "which a database text "
						   "cannot hold",
						   c->name, c->path);
					return -1;
				}
				continue;
			}
			v = &whole;
		} else {
			v = &ev->v[c->vidx];
		}
		if (v->type == JSON_MISSING || v->type == JSON_NULL) {
			if (c->has_default) {
				cells[i] = c->def;
				continue;
			}
			if (c->required ||
			    (cv->time_required && (int)i == sc->time_col)) {
				buf_reset(&cv->why);
				buf_printf(&cv->why, "column %s (%s): %s",
					   c->name, c->path,
					   v->type == JSON_NULL
					       ? "required field is null"
					       : "missing required field");
				return -1;
			}
			cells[i].kind = CELL_NULL;
			continue;
		}
		if (convert_value(c, v, cv->unit, &cv->scratch[i], &cells[i],
				  &cv->why) < 0) {
			struct buf msg = BUF_INIT;

			buf_printf(&msg, "column %s (%s): %s", c->name, c->path,
				   buf_str(&cv->why));
			buf_reset(&cv->why);
			buf_add(&cv->why, msg.data, msg.len);
			buf_free(&msg);
			return -1;
		}
	}
	return 0;
}

void
cell_time_text(struct buf *b, int64_t t)
{
	char s[EVTIME_FMT_MAX];
	size_t n = evtime_format_digits(t, 6, s);

	buf_add(b, s, n);
}

void
cell_describe(struct buf *b, const struct cell *c)
{
	char s[EVTIME_FMT_MAX];
	size_t n;

	switch (c->kind) {
	case CELL_NULL:
		buf_adds(b, "null");
		break;
	case CELL_INT:
		buf_add_i64(b, c->i);
		break;
	case CELL_DOUBLE:
		buf_add_double(b, c->d);
		break;
	case CELL_BOOL:
		buf_adds(b, c->i ? "true" : "false");
		break;
	case CELL_TIME:
		n = evtime_format(c->i, s);
		buf_add(b, s, n);
		break;
	case CELL_TEXT:
		buf_add_json_string(b, c->p, c->n > SHOW_MAX ? SHOW_MAX : c->n);
		if (c->n > SHOW_MAX)
			buf_adds(b, "...");
		break;
	case CELL_JSON:
		buf_add(b, c->p, c->n > SHOW_MAX ? SHOW_MAX : c->n);
		if (c->n > SHOW_MAX)
			buf_adds(b, "...");
		break;
	}
}
