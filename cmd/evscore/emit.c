/*
 * emit.c - rewriting an event line without one member (see emit.h).
 */
#include "emit.h"

#include <stdbool.h>
#include <string.h>

#include "json.h"

static bool
emit_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The end of the validated string starting at P (its opening quote). */
static size_t
emit_skip_string(const char *s, size_t p)
{
	for (p++; s[p] != '"'; p++)
		if (s[p] == '\\')
			p++;
	return p + 1;
}

/* The end of the validated value starting at P, before END. */
static size_t
emit_skip_value(const char *s, size_t p, size_t end)
{
	size_t depth = 0;

	if (s[p] == '"')
		return emit_skip_string(s, p);
	if (s[p] != '{' && s[p] != '[') {
		while (p < end && !emit_ws(s[p]) && s[p] != ',' &&
		       s[p] != '}' && s[p] != ']')
			p++;
		return p;
	}
	while (p < end) {
		char c = s[p];

		if (c == '"') {
			p = emit_skip_string(s, p);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

size_t
emit_strip_member(struct buf *out, struct buf *scratch, const char *line,
		  size_t len, const char *key, size_t keylen)
{
	size_t open = 0, close = len, p, removed = 0;
	bool wrote = false;

	while (open < len && line[open] != '{')
		open++;
	while (close > open && line[close - 1] != '}')
		close--;
	close--; /* the closing brace */
	buf_reset(out);
	buf_add(out, line, open + 1);
	p = open + 1;
	for (;;) {
		size_t kstart, vend;
		struct json_value k;
		const char *kv;
		size_t kn;

		while (p < close && emit_ws(line[p]))
			p++;
		if (p >= close || line[p] != '"')
			break;
		kstart = p;
		p = emit_skip_string(line, p);
		k.ptr = line + kstart;
		k.len = p - kstart;
		k.type = JSON_STRING;
		k.escaped = memchr(k.ptr, '\\', k.len) != NULL;
		while (p < close && emit_ws(line[p]))
			p++;
		p++; /* ':' */
		while (p < close && emit_ws(line[p]))
			p++;
		vend = emit_skip_value(line, p, close);
		kv = json_string_view(&k, scratch, &kn);
		if (kn == keylen && memcmp(kv, key, kn) == 0) {
			removed++;
		} else {
			if (wrote)
				buf_addc(out, ',');
			buf_add(out, line + kstart, vend - kstart);
			wrote = true;
		}
		p = vend;
		while (p < close && emit_ws(line[p]))
			p++;
		if (p < close && line[p] == ',')
			p++;
	}
	buf_add(out, line + close, len - close);
	return removed;
}
