/*
 * json.c - one-pass JSON object validator and dotted-path extractor.
 *
 * The scanner is an explicit state machine (value, key, after-value) over
 * a stack of container kinds, so nesting depth costs one byte per level and
 * never recursion.  Paths are a trie: while the scanner is inside objects
 * that lie on some path ("tracked" levels, always a prefix of the stack),
 * each key is matched against the trie node of its level; everywhere else it
 * only validates.  Strings, the bulk of every event, are scanned sixteen
 * bytes at a time with SSE2 where available.
 */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "utf8.h"
#include "util.h"

/* ---- paths ---------------------------------------------------------- */

struct jp_node {
	char *key;
	size_t keylen;
	int index;               /* path index when a path ends here, else -1 */
	struct jp_node *child;   /* first child */
	struct jp_node *sibling; /* next sibling */
	int *subtree;            /* indices of every path at or below */
	size_t nsubtree;
};

struct json_paths {
	struct jp_node root;
	char **names;
	size_t count;
	size_t maxdepth; /* keys in the longest path */
};

struct json_paths *
json_paths_new(void)
{
	struct json_paths *ps = ev_calloc(1, sizeof(*ps));

	ps->root.index = -1;
	return ps;
}

static void
node_free(struct jp_node *n)
{
	struct jp_node *c, *next;

	for (c = n->child; c; c = next) {
		next = c->sibling;
		node_free(c);
		free(c->key);
		free(c);
	}
	free(n->subtree);
}

void
json_paths_free(struct json_paths *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	node_free(&ps->root);
	for (i = 0; i < ps->count; i++)
		free(ps->names[i]);
	free(ps->names);
	free(ps);
}

int
json_path_split(const char *path,
		void (*fn)(const char *key, size_t n, void *arg), void *arg,
		const char **errstr)
{
	struct buf key = BUF_INIT;
	const char *p;
	size_t klen = 0;

	if (*path == '\0') {
		*errstr = "empty field path";
		return -1;
	}
	/*
	 * First pass: syntax only, so FN never sees a prefix of a bad path.
	 * KLEN counts the characters of the current key, escaped ones too, so
	 * "a\..b" (keys "a." and "b") is fine and "a..b" is not.
	 */
	for (p = path;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			klen++;
			continue;
		}
		if (*p == '\\') {
			*errstr = "field path ends in a backslash";
			return -1;
		}
		if (*p == '.' || *p == '\0') {
			if (klen == 0) {
				*errstr = "empty key in field path";
				return -1;
			}
			if (*p == '\0')
				break;
			klen = 0;
			continue;
		}
		klen++;
	}
	for (p = path;; p++) {
		if (*p == '\\') {
			buf_addc(&key, *++p);
			continue;
		}
		if (*p == '.' || *p == '\0') {
			fn(key.data ? key.data : "", key.len, arg);
			buf_reset(&key);
			if (*p == '\0')
				break;
			continue;
		}
		buf_addc(&key, *p);
	}
	buf_free(&key);
	return 0;
}

struct add_ctx {
	struct json_paths *ps;
	struct jp_node *node;
	struct jp_node *trail[64];
	size_t depth;
	size_t overflow;
};

static void
add_key(const char *key, size_t n, void *arg)
{
	struct add_ctx *c = arg;
	struct jp_node *ch;

	for (ch = c->node->child; ch; ch = ch->sibling)
		if (ch->keylen == n && memcmp(ch->key, key, n) == 0)
			break;
	if (ch == NULL) {
		ch = ev_calloc(1, sizeof(*ch));
		ch->key = ev_strndup(key, n);
		ch->keylen = n;
		ch->index = -1;
		ch->sibling = c->node->child;
		c->node->child = ch;
	}
	c->node = ch;
	if (c->depth < EV_ARRAY_LEN(c->trail))
		c->trail[c->depth] = ch;
	else
		c->overflow = 1;
	c->depth++;
}

int
json_paths_add(struct json_paths *ps, const char *path, const char **errstr)
{
	struct add_ctx c = {.ps = ps, .node = &ps->root};
	size_t i;
	int idx;

	for (i = 0; i < ps->count; i++)
		if (strcmp(ps->names[i], path) == 0)
			return (int)i;
	if (json_path_split(path, add_key, &c, errstr))
		return -1;
	if (c.overflow) {
		*errstr = "field path has more than 64 keys";
		return -1;
	}
	if (c.node->index >= 0) /* same keys, other spelling ("a\b" vs "ab") */
		return c.node->index;
	idx = (int)ps->count;
	c.node->index = idx;
	ps->names = ev_reallocarray(ps->names, ps->count + 1, sizeof(char *));
	ps->names[ps->count++] = ev_strdup(path);
	if (c.depth > ps->maxdepth)
		ps->maxdepth = c.depth;
	/* Each node on the way remembers the paths below it (see json_scan). */
	for (i = 0; i < c.depth; i++) {
		struct jp_node *t = c.trail[i];

		t->subtree =
		    ev_reallocarray(t->subtree, t->nsubtree + 1, sizeof(int));
		t->subtree[t->nsubtree++] = idx;
	}
	return idx;
}

size_t
json_paths_count(const struct json_paths *ps)
{
	return ps ? ps->count : 0;
}

const char *
json_paths_name(const struct json_paths *ps, size_t i)
{
	return ps->names[i];
}

/* ---- scanner -------------------------------------------------------- */

/* One tracked object level: which trie node its keys are matched against. */
struct jlevel {
	const struct jp_node *node;
	const char *start; /* where the object began */
	int rec;           /* path index the whole object is the value of */
};

struct json_scanner {
	unsigned char *stack; /* '{' or '[' per depth */
	size_t cap;
	struct jlevel *levels;
	size_t levcap;
	struct buf keybuf; /* decoded escaped keys, reused from line to line */
};

struct json_scanner *
json_scanner_new(void)
{
	struct json_scanner *s = ev_calloc(1, sizeof(*s));

	s->cap = 256;
	s->stack = ev_malloc(s->cap);
	s->levcap = 8;
	s->levels = ev_malloc(s->levcap * sizeof(*s->levels));
	return s;
}

void
json_scanner_free(struct json_scanner *s)
{
	if (s == NULL)
		return;
	free(s->stack);
	free(s->levels);
	buf_free(&s->keybuf);
	free(s);
}

static const char *const type_names[] = {
    "missing", "null", "false", "true", "number", "string", "array", "object",
};

const char *
json_type_name(enum json_type t)
{
	return (unsigned)t < EV_ARRAY_LEN(type_names) ? type_names[t] : "?";
}

static int
fail(struct json_error *err, enum json_error_kind kind, const char *line,
     const char *at, const char *msg)
{
	err->kind = kind;
	err->offset = (size_t)(at - line);
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return -1;
}

static int
fail_char(struct json_error *err, const char *line, const char *at,
	  const char *end, const char *expected)
{
	unsigned char c;

	err->kind = JSON_E_SYNTAX;
	err->offset = (size_t)(at - line);
	if (at >= end) {
		snprintf(err->msg, sizeof(err->msg),
			 "unexpected end of line, expected %s", expected);
		return -1;
	}
	c = (unsigned char)*at;
	if (c > 0x20 && c < 0x7f)
		snprintf(err->msg, sizeof(err->msg),
			 "unexpected '%c', expected %s", c, expected);
	else
		snprintf(err->msg, sizeof(err->msg),
			 "unexpected byte 0x%02x, expected %s", c, expected);
	return -1;
}

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws((unsigned char)*p))
		p++;
	return p;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Reads 4 hex digits at P (at least 4 bytes available); -1 if not hex. */
static long
hex4(const char *p)
{
	int a = hexval((unsigned char)p[0]), b = hexval((unsigned char)p[1]),
	    c = hexval((unsigned char)p[2]), d = hexval((unsigned char)p[3]);

	if ((a | b | c | d) < 0)
		return -1;
	return (long)(a << 12 | b << 8 | c << 4 | d);
}

/*
 * Scans a string whose opening quote is at P.  Returns the position after
 * the closing quote, or NULL with *err filled.
 */
static const char *
scan_string(const char *line, const char *p, const char *end, bool *escaped,
	    struct json_error *err)
{
	const char *q = p + 1;

	*escaped = false;
	for (;;) {
		unsigned char c;

#if defined(__SSE2__)
		{
			const __m128i quote = _mm_set1_epi8('"');
			const __m128i bslash = _mm_set1_epi8('\\');
			const __m128i space = _mm_set1_epi8(0x20);

			/*
			 * Signed compare: bytes >= 0x80 are negative, so one
			 * "less than 0x20" catches controls and non-ASCII.
			 */
			while (end - q >= 16) {
				__m128i v = _mm_loadu_si128((const __m128i *)q);
				__m128i m = _mm_or_si128(
				    _mm_or_si128(_mm_cmpeq_epi8(v, quote),
						 _mm_cmpeq_epi8(v, bslash)),
				    _mm_cmplt_epi8(v, space));
				int mask = _mm_movemask_epi8(m);

				if (mask != 0) {
					q += __builtin_ctz((unsigned)mask);
					goto special;
				}
				q += 16;
			}
		}
#endif
		while (q < end) {
			c = (unsigned char)*q;
			if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
				goto special;
			q++;
		}
		fail(err, JSON_E_SYNTAX, line, q, "unterminated string");
		return NULL;
	special:
		c = (unsigned char)*q;
		if (c == '"')
			return q + 1;
		if (c == '\\') {
			*escaped = true;
			if (end - q < 2) {
				fail(err, JSON_E_SYNTAX, line, q,
				     "unterminated string");
				return NULL;
			}
			switch (q[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				q += 2;
				continue;
			case 'u': {
				long cp, lo;

				if (end - q < 6 || (cp = hex4(q + 2)) < 0) {
					fail(err, JSON_E_SYNTAX, line, q,
					     "invalid \\u escape");
					return NULL;
				}
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					fail(err, JSON_E_SYNTAX, line, q,
					     "lone surrogate in \\u escape");
					return NULL;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (end - q < 12 || q[6] != '\\' ||
					    q[7] != 'u' ||
					    (lo = hex4(q + 8)) < 0xdc00 ||
					    lo > 0xdfff) {
						fail(
						    err, JSON_E_SYNTAX, line, q,
						    "lone surrogate in \\u escape");
						return NULL;
					}
					q += 12;
				} else {
					q += 6;
				}
				continue;
			}
			default:
				fail(err, JSON_E_SYNTAX, line, q,
				     "invalid escape in string");
				return NULL;
			}
		}
		if (c < 0x20) {
			fail(err, JSON_E_SYNTAX, line, q,
			     "control character in string");
			return NULL;
		}
		{
			size_t k = utf8_valid_seq((const unsigned char *)q,
						  (size_t)(end - q));

			if (k == 0) {
				fail(err, JSON_E_UTF8, line, q,
				     "invalid UTF-8 in string");
				return NULL;
			}
			q += k;
		}
	}
}

static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_word_char(unsigned char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       c == '_';
}

/* Scans a number at P per RFC 8259; returns the end or NULL. */
static const char *
scan_number(const char *line, const char *p, const char *end,
	    struct json_error *err)
{
	const char *q = p;

	if (q < end && *q == '-')
		q++;
	if (q < end && *q == '0') {
		q++;
	} else if (q < end && is_digit((unsigned char)*q)) {
		while (q < end && is_digit((unsigned char)*q))
			q++;
	} else {
		fail(err, JSON_E_SYNTAX, line, p, "invalid number");
		return NULL;
	}
	if (q < end && *q == '.') {
		q++;
		if (q >= end || !is_digit((unsigned char)*q)) {
			fail(err, JSON_E_SYNTAX, line, p, "invalid number");
			return NULL;
		}
		while (q < end && is_digit((unsigned char)*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || !is_digit((unsigned char)*q)) {
			fail(err, JSON_E_SYNTAX, line, p, "invalid number");
			return NULL;
		}
		while (q < end && is_digit((unsigned char)*q))
			q++;
	}
	/* "01", "1.5.2", "1e5e": more number characters cannot follow. */
	if (q < end && (is_digit((unsigned char)*q) || *q == '.' || *q == 'e' ||
			*q == 'E' || *q == '+' || *q == '-')) {
		fail(err, JSON_E_SYNTAX, line, p, "invalid number");
		return NULL;
	}
	return q;
}

static const struct jp_node *
match_key(const struct jp_node *node, const char *k, size_t n, bool escaped,
	  struct buf *scratch)
{
	const struct jp_node *c;

	if (escaped) {
		struct json_value v = {k - 1, n + 2, JSON_STRING, true};

		buf_reset(scratch);
		json_string_decode(&v, scratch);
		k = scratch->data ? scratch->data : "";
		n = scratch->len;
	}
	for (c = node->child; c; c = c->sibling)
		if (c->keylen == n && memcmp(c->key, k, n) == 0)
			return c;
	return NULL;
}

static void
clear_subtree(const struct jp_node *n, struct json_value *vals)
{
	size_t i;

	for (i = 0; i < n->nsubtree; i++)
		vals[n->subtree[i]].type = JSON_MISSING;
}

static inline void
record(struct json_value *vals, int idx, const char *start, const char *end,
       enum json_type t, bool escaped)
{
	vals[idx].ptr = start;
	vals[idx].len = (size_t)(end - start);
	vals[idx].type = t;
	vals[idx].escaped = escaped;
}

int
json_scan(struct json_scanner *s, const char *line, size_t n,
	  const struct json_paths *paths, struct json_value *vals,
	  struct json_error *err)
{
	const char *p = line, *end = line + n, *vstart;
	size_t depth = 0;   /* open containers */
	size_t tracked = 0; /* open containers that are tracked objects */
	const struct jp_node *pending = NULL; /* trie node of the next value */
	/* One recorded container that is not tracked (its depth, index). */
	size_t rec_depth = 0;
	int rec_idx = -1;
	const char *rec_start = NULL;
	enum json_type top = JSON_MISSING;
	bool esc;
	size_t i;

	if (paths) {
		for (i = 0; i < paths->count; i++)
			vals[i].type = JSON_MISSING;
		if (paths->count == 0)
			paths = NULL;
	}
	if (n >= 3 && (unsigned char)line[0] == 0xef &&
	    (unsigned char)line[1] == 0xbb && (unsigned char)line[2] == 0xbf)
		return fail(err, JSON_E_SYNTAX, line, line,
			    "byte order mark at start of line");

value:
	p = skip_ws(p, end);
	if (p >= end)
		return fail_char(err, line, p, end, "a value");
	vstart = p;
	switch (*p) {
	case '"':
		p = scan_string(line, p, end, &esc, err);
		if (p == NULL)
			goto error;
		if (pending && pending->index >= 0)
			record(vals, pending->index, vstart, p, JSON_STRING,
			       esc);
		if (depth == 0)
			top = JSON_STRING;
		goto after_value;
	case '{':
	case '[':
		if (depth == s->cap) {
			s->cap *= 2;
			s->stack = ev_realloc(s->stack, s->cap);
		}
		s->stack[depth] = (unsigned char)*p;
		if (depth == 0)
			top = *p == '{' ? JSON_OBJECT : JSON_ARRAY;
		if (pending) {
			if (*p == '{' && pending->child && tracked == depth) {
				if (tracked == s->levcap) {
					s->levcap *= 2;
					s->levels = ev_reallocarray(
					    s->levels, s->levcap,
					    sizeof(*s->levels));
				}
				s->levels[tracked].node = pending;
				s->levels[tracked].start = p;
				s->levels[tracked].rec = pending->index;
				tracked++;
			} else if (pending->index >= 0) {
				rec_depth = depth + 1;
				rec_idx = pending->index;
				rec_start = p;
			}
			pending = NULL;
		} else if (depth == 0 && paths && *p == '{') {
			s->levels[0].node = &paths->root;
			s->levels[0].start = p;
			s->levels[0].rec = -1;
			tracked = 1;
		}
		depth++;
		p = skip_ws(p + 1, end);
		if (s->stack[depth - 1] == '{') {
			if (p < end && *p == '}')
				goto close;
			goto key;
		}
		if (p < end && *p == ']')
			goto close;
		goto value;
	case 't':
		if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
			p += 4;
			if (pending && pending->index >= 0)
				record(vals, pending->index, vstart, p,
				       JSON_TRUE, false);
			top = depth ? top : JSON_TRUE;
			goto after_literal;
		}
		break;
	case 'f':
		if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
			p += 5;
			if (pending && pending->index >= 0)
				record(vals, pending->index, vstart, p,
				       JSON_FALSE, false);
			top = depth ? top : JSON_FALSE;
			goto after_literal;
		}
		break;
	case 'n':
		if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
			p += 4;
			if (pending && pending->index >= 0)
				record(vals, pending->index, vstart, p,
				       JSON_NULL, false);
			top = depth ? top : JSON_NULL;
			goto after_literal;
		}
		break;
	default:
		if (*p == '-' || is_digit((unsigned char)*p)) {
			p = scan_number(line, p, end, err);
			if (p == NULL)
				goto error;
			if (pending && pending->index >= 0)
				record(vals, pending->index, vstart, p,
				       JSON_NUMBER, false);
			top = depth ? top : JSON_NUMBER;
			goto after_value;
		}
		fail_char(err, line, p, end, "a value");
		goto error;
	}
	fail(err, JSON_E_SYNTAX, line, p, "invalid literal");
	goto error;

after_literal:
	/*
	 * "truex", "nullnull": a literal running into more letters or digits
	 * is one bad word.  Other bytes ("true\"", "null{") are reported
	 * where they stand, by the after-value checks.
	 */
	if (p < end && is_word_char((unsigned char)*p)) {
		fail(err, JSON_E_SYNTAX, line, vstart, "invalid literal");
		goto error;
	}
after_value:
	pending = NULL;
	if (depth == 0)
		goto done;
	p = skip_ws(p, end);
	if (p < end && *p == ',') {
		p++;
		if (s->stack[depth - 1] == '{')
			goto key;
		goto value;
	}
	if (p < end && *p == (s->stack[depth - 1] == '{' ? '}' : ']'))
		goto close;
	fail_char(err, line, p, end,
		  s->stack[depth - 1] == '{' ? "',' or '}'" : "',' or ']'");
	goto error;

close:
	/* P is at the closing bracket of the container at DEPTH - 1. */
	p++;
	if (tracked == depth) {
		tracked--;
		if (s->levels[tracked].rec >= 0)
			record(vals, s->levels[tracked].rec,
			       s->levels[tracked].start, p, JSON_OBJECT, false);
	} else if (rec_idx >= 0 && rec_depth == depth) {
		record(vals, rec_idx, rec_start, p,
		       *rec_start == '{' ? JSON_OBJECT : JSON_ARRAY, false);
		rec_idx = -1;
	}
	depth--;
	goto after_value;

key:
	p = skip_ws(p, end);
	if (p >= end || *p != '"') {
		fail_char(err, line, p, end, "a string key");
		goto error;
	}
	vstart = p;
	p = scan_string(line, p, end, &esc, err);
	if (p == NULL)
		goto error;
	if (tracked == depth) {
		pending = match_key(s->levels[tracked - 1].node, vstart + 1,
				    (size_t)(p - vstart - 2), esc, &s->keybuf);
		/* A repeated key: forget what its earlier value gave. */
		if (pending)
			clear_subtree(pending, vals);
	}
	p = skip_ws(p, end);
	if (p >= end || *p != ':') {
		fail_char(err, line, p, end, "':'");
		goto error;
	}
	p++;
	goto value;

done:
	p = skip_ws(p, end);
	if (p < end) {
		fail(err, JSON_E_SYNTAX, line, p,
		     "unexpected data after the JSON value");
		goto error;
	}
	if (top != JSON_OBJECT) {
		err->kind = JSON_E_NOT_OBJECT;
		err->offset = 0;
		snprintf(err->msg, sizeof(err->msg), "not an object (%s)",
			 json_type_name(top));
		return -1;
	}
	err->kind = JSON_OK;
	return 0;

error:
	return -1;
}

/* ---- value helpers ------------------------------------------------- */

void
json_string_decode(const struct json_value *v, struct buf *out)
{
	const char *p = v->ptr + 1, *end = v->ptr + v->len - 1;

	while (p < end) {
		const char *run = p;
		unsigned char u8[4];
		long cp;

		while (p < end && *p != '\\')
			p++;
		if (p > run)
			buf_add(out, run, (size_t)(p - run));
		if (p >= end)
			break;
		switch (p[1]) {
		case 'b':
			buf_addc(out, '\b');
			break;
		case 'f':
			buf_addc(out, '\f');
			break;
		case 'n':
			buf_addc(out, '\n');
			break;
		case 'r':
			buf_addc(out, '\r');
			break;
		case 't':
			buf_addc(out, '\t');
			break;
		case 'u':
			cp = hex4(p + 2);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (hex4(p + 8) - 0xdc00);
				p += 6;
			}
			buf_add(out, u8, utf8_encode((uint32_t)cp, u8));
			p += 6;
			continue;
		default: /* '"', '\\', '/' */
			buf_addc(out, p[1]);
			break;
		}
		p += 2;
	}
}

const char *
json_string_view(const struct json_value *v, struct buf *scratch, size_t *len)
{
	if (!v->escaped) {
		*len = v->len - 2;
		return v->ptr + 1;
	}
	buf_reset(scratch);
	json_string_decode(v, scratch);
	*len = scratch->len;
	return buf_str(scratch);
}

bool
json_string_eq(const struct json_value *v, const char *s, size_t n)
{
	struct buf tmp = BUF_INIT;
	bool eq;

	if (v->type != JSON_STRING)
		return false;
	if (!v->escaped)
		return v->len - 2 == n && memcmp(v->ptr + 1, s, n) == 0;
	json_string_decode(v, &tmp);
	eq = tmp.len == n && (n == 0 || memcmp(tmp.data, s, n) == 0);
	buf_free(&tmp);
	return eq;
}

int
json_number_double(const struct json_value *v, double *out)
{
	char tmp[64];
	char *heap = NULL, *s = tmp;

	if (v->type != JSON_NUMBER)
		return -1;
	if (v->len >= sizeof(tmp))
		s = heap = ev_malloc(v->len + 1);
	memcpy(s, v->ptr, v->len);
	s[v->len] = '\0';
	*out = strtod(s, NULL);
	free(heap);
	/* 1e400 is valid JSON but no double: it does not qualify. */
	return isfinite(*out) ? 0 : -1;
}

int
json_number_i64(const struct json_value *v, int64_t *out)
{
	const char *p = v->ptr, *end = v->ptr + v->len;
	bool neg = false;
	uint64_t acc = 0;

	if (v->type != JSON_NUMBER)
		return -1;
	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; p < end; p++) {
		unsigned d;

		if (!is_digit((unsigned char)*p))
			return -1; /* fraction or exponent */
		d = (unsigned)(*p - '0');
		if (acc > (UINT64_MAX - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (neg) {
		if (acc > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = (int64_t)(0 - acc);
	} else {
		if (acc > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)acc;
	}
	return 0;
}

/*
 * Skips one validated value at P and returns its end, setting *type.  No
 * checks: the text was validated by json_scan.
 */
static const char *
skip_value(const char *p, const char *end, enum json_type *type)
{
	size_t depth = 0;

	switch (*p) {
	case '"':
		*type = JSON_STRING;
		for (p++; *p != '"'; p++)
			if (*p == '\\')
				p++;
		return p + 1;
	case 't':
		*type = JSON_TRUE;
		return p + 4;
	case 'f':
		*type = JSON_FALSE;
		return p + 5;
	case 'n':
		*type = JSON_NULL;
		return p + 4;
	case '{':
	case '[':
		*type = *p == '{' ? JSON_OBJECT : JSON_ARRAY;
		for (; p < end; p++) {
			if (*p == '"') {
				for (p++; *p != '"'; p++)
					if (*p == '\\')
						p++;
			} else if (*p == '{' || *p == '[') {
				depth++;
			} else if (*p == '}' || *p == ']') {
				if (--depth == 0)
					return p + 1;
			}
		}
		return end;
	default:
		*type = JSON_NUMBER;
		while (p < end && !is_ws((unsigned char)*p) && *p != ',' &&
		       *p != '}' && *p != ']')
			p++;
		return p;
	}
}

bool
json_object_get(const struct json_value *obj, const char *key, size_t keylen,
		struct json_value *out)
{
	const char *p, *end;
	bool found = false;

	if (obj->type != JSON_OBJECT)
		return false;
	p = obj->ptr + 1;
	end = obj->ptr + obj->len - 1;
	for (;;) {
		struct json_value k;
		const char *vs;
		enum json_type t;

		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			break;
		k.ptr = p;
		p = skip_value(p, end, &t);
		k.len = (size_t)(p - k.ptr);
		k.type = JSON_STRING;
		k.escaped = memchr(k.ptr, '\\', k.len) != NULL;
		p = skip_ws(p, end) + 1; /* ':' */
		p = skip_ws(p, end);
		vs = p;
		p = skip_value(p, end, &t);
		if (json_string_eq(&k, key, keylen)) {
			out->ptr = vs;
			out->len = (size_t)(p - vs);
			out->type = t;
			out->escaped = t == JSON_STRING &&
				       memchr(vs, '\\', out->len) != NULL;
			found = true;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p++;
	}
	return found;
}

void
json_append_member(struct buf *out, const char *line, size_t len,
		   const char *key, size_t keylen, const char *value,
		   size_t vlen)
{
	size_t end = len, open;

	/* The last non-blank byte of a validated object is its '}'. */
	while (end > 0 && line[end - 1] != '}')
		end--;
	end--;
	open = end;
	while (open > 0 && is_ws((unsigned char)line[open - 1]))
		open--;
	buf_reset(out);
	buf_add(out, line, end);
	if (!(open > 0 && line[open - 1] == '{'))
		buf_addc(out, ',');
	buf_add_json_string(out, key, keylen);
	buf_addc(out, ':');
	buf_add(out, value, vlen);
	buf_add(out, line + end, len - end);
}

bool
json_array_next(const struct json_value *arr, size_t *pos,
		struct json_value *out)
{
	const char *p, *end;
	enum json_type t;

	if (arr->type != JSON_ARRAY)
		return false;
	end = arr->ptr + arr->len - 1;
	p = arr->ptr + (*pos ? *pos : 1);
	p = skip_ws(p, end);
	if (p < end && *p == ',')
		p = skip_ws(p + 1, end);
	if (p >= end)
		return false;
	out->ptr = p;
	p = skip_value(p, end, &t);
	out->len = (size_t)(p - out->ptr);
	out->type = t;
	out->escaped = t == JSON_STRING && memchr(out->ptr, '\\', out->len);
	*pos = (size_t)(p - arr->ptr);
	return true;
}
