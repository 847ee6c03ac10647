/*
 * layout.c - render and prune partition directories from one template.
 */
#include "layout.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "atomicfile.h"
#include "hash.h"
#include "utf8.h"
#include "util.h"

#define DEFAULT_TEMPLATE "{type}/{time:%Y-%m-%d}/{time:%H}"
#define HIVE_TEMPLATE    "type={type}/dt={time:%Y-%m-%d}/hr={time:%H}"

enum part_kind { PART_LIT, PART_TYPE, PART_TIME, PART_FIELD };

struct part {
	enum part_kind kind;
	char *text; /* literal, or the strftime format */
	size_t field;
};

struct segment {
	struct part *parts;
	size_t n;
};

struct layout {
	char *tmpl;
	char *type_field, *time_field;
	struct segment *segs;
	size_t nsegs;
	char **fields;
	size_t nfields;
	bool uses_type, uses_time;
	int64_t granularity; /* see layout_time_granularity */
};

static struct segment *
new_segment(struct layout *l)
{
	l->segs = ev_reallocarray(l->segs, l->nsegs + 1, sizeof(*l->segs));
	memset(&l->segs[l->nsegs], 0, sizeof(l->segs[0]));
	return &l->segs[l->nsegs++];
}

static struct part *
add_part(struct segment *s, enum part_kind kind, const char *text, size_t n)
{
	struct part *p;

	/* Adjacent literals merge, which keeps pruning simple. */
	if (kind == PART_LIT && s->n > 0 &&
	    s->parts[s->n - 1].kind == PART_LIT) {
		struct part *q = &s->parts[s->n - 1];
		size_t m = strlen(q->text);

		q->text = ev_realloc(q->text, m + n + 1);
		memcpy(q->text + m, text, n);
		q->text[m + n] = '\0';
		return q;
	}
	s->parts = ev_reallocarray(s->parts, s->n + 1, sizeof(*s->parts));
	p = &s->parts[s->n++];
	p->kind = kind;
	p->text = ev_strndup(text, n);
	p->field = 0;
	return p;
}

static size_t
field_index(struct layout *l, const char *path, size_t n)
{
	size_t i;

	for (i = 0; i < l->nfields; i++)
		if (strlen(l->fields[i]) == n &&
		    memcmp(l->fields[i], path, n) == 0)
			return i;
	l->fields = ev_reallocarray(l->fields, l->nfields + 1, sizeof(char *));
	l->fields[l->nfields] = ev_strndup(path, n);
	return l->nfields++;
}

static void
ignore_key(const char *k, size_t n, void *arg)
{
}

/*
 * Checks a {time:FORMAT} piece and lowers *GRAN to the longest interval
 * over which its output cannot change.  Only conversions whose text
 * depends on nothing but the UTC date and time (not the locale, not TZ)
 * and can hold no '/' or control character are allowed: %D, %x, %c and
 * %r write '/' or depend on the locale, %s depends on TZ, %n and %t are
 * control characters, and the E and O modifiers are the locale's.
 */
static int
check_time_format(const char *f, size_t n, int64_t *gran, const char **errstr)
{
	static char msg[96];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c;

		if (f[i] != '%')
			continue;
		if (++i == n) {
			*errstr = "{time:...} format ends in '%'";
			return -1;
		}
		c = (unsigned char)f[i];
		if (strchr("YCyGgmbhBdejaAuwUWVF", c)) {
			if (*gran > EVTIME_DAY)
				*gran = EVTIME_DAY;
		} else if (strchr("HkIlpP", c)) {
			if (*gran > EVTIME_HOUR)
				*gran = EVTIME_HOUR;
		} else if (strchr("MR", c)) {
			if (*gran > EVTIME_MIN)
				*gran = EVTIME_MIN;
		} else if (strchr("ST", c)) {
			if (*gran > EVTIME_SEC)
				*gran = EVTIME_SEC;
		} else if (strchr("zZ%", c) == NULL) {
			snprintf(msg, sizeof(msg),
				 "unsupported conversion '%%%c' in {time:...}",
				 c >= 0x21 && c < 0x7f ? c : '?');
			*errstr = msg;
			return -1;
		}
	}
	return 0;
}

static int
check_segments(const struct layout *l, const char **errstr)
{
	size_t i;

	for (i = 0; i < l->nsegs; i++) {
		const struct segment *s = &l->segs[i];

		if (s->n == 0) {
			*errstr = "empty path segment in layout";
			return -1;
		}
		if (s->parts[0].kind == PART_LIT ||
		    s->parts[0].kind == PART_TIME) {
			const char *t = s->parts[0].text;

			if (s->n == 1 && s->parts[0].kind == PART_LIT &&
			    (strcmp(t, ".") == 0 || strcmp(t, "..") == 0)) {
				*errstr = "layout segment '.' or '..'";
				return -1;
			}
			if (t[0] == '.' || t[0] == '_') {
				*errstr = "layout segment starts with '.' or "
					  "'_' (hidden from readers)";
				return -1;
			}
		}
	}
	return 0;
}

struct layout *
layout_new(const char *spec, const char *type_field, const char *time_field,
	   const char **errstr)
{
	struct layout *l = ev_calloc(1, sizeof(*l));
	struct segment *seg;
	const char *p;

	if (strcmp(spec, "default") == 0)
		spec = DEFAULT_TEMPLATE;
	else if (strcmp(spec, "hive") == 0)
		spec = HIVE_TEMPLATE;
	l->tmpl = ev_strdup(spec);
	l->type_field = ev_strdup(type_field);
	l->time_field = ev_strdup(time_field);
	l->granularity = EVTIME_DAY;
	if (*spec == '/') {
		*errstr = "layout must be relative (starts with '/')";
		goto fail;
	}
	seg = new_segment(l);
	for (p = spec; *p;) {
		if (*p == '/') {
			seg = new_segment(l);
			p++;
		} else if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *in = p + 1;
			size_t n;

			if (close == NULL) {
				*errstr = "unclosed '{' in layout";
				goto fail;
			}
			n = (size_t)(close - in);
			if (n == 4 && memcmp(in, "type", 4) == 0) {
				add_part(seg, PART_TYPE, "", 0);
				l->uses_type = true;
			} else if (n >= 5 && memcmp(in, "time:", 5) == 0) {
				const char *f = in + 5, *fe = close;

				if (f == fe) {
					*errstr =
					    "empty {time:} format in layout";
					goto fail;
				}
				if (check_time_format(f, (size_t)(fe - f),
						      &l->granularity,
						      errstr) < 0)
					goto fail;
				/* A '/' in the format opens the next level. */
				while (f < fe) {
					const char *sl =
					    memchr(f, '/', (size_t)(fe - f));
					const char *e = sl ? sl : fe;

					if (e > f)
						add_part(seg, PART_TIME, f,
							 (size_t)(e - f));
					if (sl == NULL)
						break;
					seg = new_segment(l);
					f = sl + 1;
				}
				l->uses_time = true;
			} else if (n == 4 && memcmp(in, "time", 4) == 0) {
				*errstr = "{time} needs a format, e.g. "
					  "{time:%Y-%m-%d}";
				goto fail;
			} else {
				char *path = ev_strndup(in, n);
				struct part *pt;
				const char *perr;

				if (n == 0 || strchr(path, '{') ||
				    json_path_split(path, ignore_key, NULL,
						    &perr) < 0) {
					free(path);
					*errstr =
					    "invalid field path in layout "
					    "placeholder";
					goto fail;
				}
				pt = add_part(seg, PART_FIELD, "", 0);
				pt->field = field_index(l, path, n);
				free(path);
			}
			p = close + 1;
		} else if (*p == '}') {
			*errstr = "unmatched '}' in layout";
			goto fail;
		} else {
			const char *e = p;

			while (*e && *e != '/' && *e != '{' && *e != '}') {
				if ((unsigned char)*e < 0x20 || *e == 0x7f ||
				    *e == '\\') {
					*errstr = "control character or '\\' "
						  "in layout";
					goto fail;
				}
				e++;
			}
			add_part(seg, PART_LIT, p, (size_t)(e - p));
			p = e;
		}
	}
	if (check_segments(l, errstr) < 0)
		goto fail;
	return l;
fail:
	layout_free(l);
	return NULL;
}

void
layout_free(struct layout *l)
{
	size_t i, j;

	if (l == NULL)
		return;
	for (i = 0; i < l->nsegs; i++) {
		for (j = 0; j < l->segs[i].n; j++)
			free(l->segs[i].parts[j].text);
		free(l->segs[i].parts);
	}
	for (i = 0; i < l->nfields; i++)
		free(l->fields[i]);
	free(l->fields);
	free(l->segs);
	free(l->tmpl);
	free(l->type_field);
	free(l->time_field);
	free(l);
}

const char *
layout_template(const struct layout *l)
{
	return l->tmpl;
}

bool
layout_uses_type(const struct layout *l)
{
	return l->uses_type;
}

bool
layout_uses_time(const struct layout *l)
{
	return l->uses_time;
}

size_t
layout_nfields(const struct layout *l)
{
	return l->nfields;
}

const char *
layout_field(const struct layout *l, size_t i)
{
	return l->fields[i];
}

const char *
layout_type_field(const struct layout *l)
{
	return l->type_field;
}

const char *
layout_time_field(const struct layout *l)
{
	return l->time_field;
}

int64_t
layout_time_granularity(const struct layout *l)
{
	return l->granularity;
}

static bool
needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^~", c) != NULL;
}

/*
 * layout_escape_value, where LEADING says whether the value begins its
 * path segment (only then can a leading '.' or '_' hide it).
 */
static void
escape_value(const char *s, size_t n, bool leading, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = out->len, i, cut = out->len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (needs_escape(c) ||
		    (i == 0 && leading && (c == '.' || c == '_'))) {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			buf_add(out, e, 3);
		} else if (c >= 0x80) {
			size_t k =
			    utf8_valid_seq((const unsigned char *)s + i, n - i);

			if (k == 0) {
				char e[3] = {'%', hex[c >> 4], hex[c & 15]};

				buf_add(out, e, 3);
			} else {
				buf_add(out, s + i, k);
				i += k - 1;
			}
		} else {
			buf_addc(out, (char)c);
		}
		/* Remember the last character boundary that still fits. */
		if (out->len - start <= LAYOUT_SEGMENT_MAX - 17)
			cut = out->len;
	}
	if (out->len - start > LAYOUT_SEGMENT_MAX) {
		char h[18];

		out->len = cut;
		snprintf(h, sizeof(h), "~%016llx",
			 (unsigned long long)ev_hash64(s, n));
		buf_adds(out, h);
	}
}

void
layout_escape_value(const char *s, size_t n, struct buf *out)
{
	escape_value(s, n, true, out);
}

bool
layout_unescape_value(const char *s, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '~')
			return false;
		if (s[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char h[3] = {s[i + 1], s[i + 2], 0};

			buf_addc(out, (char)strtol(h, NULL, 16));
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
	return true;
}

/* The text a value contributes to a path, or NULL when not usable. */
static const char *
value_text(const struct json_value *v, struct buf *scratch, size_t *n)
{
	if (v == NULL)
		return NULL;
	switch (v->type) {
	case JSON_STRING: {
		const char *s = json_string_view(v, scratch, n);

		return *n ? s : NULL;
	}
	case JSON_NUMBER:
	case JSON_TRUE:
	case JSON_FALSE:
		*n = v->len;
		return v->ptr;
	default:
		return NULL;
	}
}

int
layout_render(const struct layout *l, const struct json_value *type, evtime_t t,
	      bool have_time, const struct json_value *fields,
	      const char *default_partition, struct buf *out, struct buf *why)
{
	struct buf scratch = BUF_INIT;
	size_t i, j;
	int r = 0;

	for (i = 0; i < l->nsegs && r == 0; i++) {
		const struct segment *s = &l->segs[i];
		size_t segstart;

		if (i > 0)
			buf_addc(out, '/');
		segstart = out->len;
		for (j = 0; j < s->n; j++) {
			const struct part *p = &s->parts[j];
			const struct json_value *v = NULL;
			const char *txt, *name = NULL;
			size_t n = 0;
			char tb[256];

			switch (p->kind) {
			case PART_LIT:
				buf_adds(out, p->text);
				continue;
			case PART_TIME:
				if (have_time) {
					n = evtime_strftime(tb, sizeof(tb),
							    p->text, t);
					buf_add(out, tb, n);
					continue;
				}
				if (default_partition) {
					escape_value(default_partition,
						     strlen(default_partition),
						     out->len == segstart, out);
					continue;
				}
				buf_printf(why, "no usable time field '%s'",
					   l->time_field);
				r = -1;
				break;
			case PART_TYPE:
				v = type;
				name = l->type_field;
				break;
			case PART_FIELD:
				v = &fields[p->field];
				name = l->fields[p->field];
				break;
			}
			if (r < 0)
				break;
			txt = value_text(v, &scratch, &n);
			if (txt == NULL && default_partition) {
				txt = default_partition;
				n = strlen(txt);
			}
			if (txt == NULL) {
				if (v == NULL || v->type == JSON_MISSING)
					buf_printf(why, "missing field '%s'",
						   name);
				else if (v->type == JSON_STRING)
					buf_printf(why, "empty field '%s'",
						   name);
				else
					buf_printf(why,
						   "field '%s' is %s, not a "
						   "partition value",
						   name,
						   json_type_name(v->type));
				r = -1;
				break;
			}
			escape_value(txt, n, out->len == segstart, out);
		}
		if (r == 0 && out->len - segstart > LAYOUT_NAME_MAX) {
			buf_printf(why,
				   "partition directory name longer than "
				   "%d bytes",
				   LAYOUT_NAME_MAX);
			r = -1;
		}
		if (r == 0 && (out->len == segstart ||
			       (out->len - segstart <= 2 &&
				memcmp(out->data + segstart, "..",
				       out->len - segstart) == 0))) {
			buf_adds(why, "layout renders an empty, '.' or '..' "
				      "path segment");
			r = -1;
		}
	}
	buf_free(&scratch);
	return r;
}

bool
layout_filter_type(const struct layout_filter *f, const char *type)
{
	size_t i;

	if (f->ntypes == 0)
		return true;
	for (i = 0; i < f->ntypes; i++)
		if (fnmatch(f->types[i], type, 0) == 0)
			return true;
	return false;
}

/* Time fields known from the directory names seen so far. */
struct known_time {
	int y, m, d, h, min; /* -1 when unknown */
};

static bool
digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * Reads the strftime FORMAT back from S[*pos..].  Returns false when S
 * does not match; conversions it cannot read back stop the reading
 * (*unknown set) without failing the match.
 */
static bool
scan_time(const char *fmt, const char *s, size_t len, size_t *pos,
	  struct known_time *kt, bool *unknown)
{
	const char *f;

	for (f = fmt; *f; f++) {
		int *slot = NULL, width = 2, v;

		if (*f != '%') {
			if (*pos >= len || s[*pos] != *f)
				return false;
			(*pos)++;
			continue;
		}
		f++;
		switch (*f) {
		case 'Y':
			slot = &kt->y;
			width = 4;
			break;
		case 'm':
			slot = &kt->m;
			break;
		case 'd':
			slot = &kt->d;
			break;
		case 'H':
			slot = &kt->h;
			break;
		case 'M':
			slot = &kt->min;
			break;
		case '%':
			if (*pos >= len || s[*pos] != '%')
				return false;
			(*pos)++;
			continue;
		default:
			*unknown = true;
			return true;
		}
		if (*pos + (size_t)width > len ||
		    !digits(s + *pos, (size_t)width, &v))
			return false;
		*slot = v;
		*pos += (size_t)width;
	}
	return true;
}

/* The interval a directory's known time fields cover; false if none. */
static bool
known_interval(const struct known_time *kt, evtime_t *start, evtime_t *end)
{
	struct evtime_civil c = {.month = 1, .day = 1};
	evtime_t s;

	if (kt->y < 0)
		return false;
	c.year = kt->y;
	if (kt->m >= 1 && kt->m <= 12) {
		c.month = kt->m;
		if (kt->d >= 1 && kt->d <= 31) {
			c.day = kt->d;
			if (kt->h >= 0 && kt->h <= 23) {
				c.hour = kt->h;
				if (kt->min >= 0 && kt->min <= 59)
					c.min = kt->min;
			}
		}
	}
	if (evtime_from_civil(&c, &s) < 0)
		return false;
	*start = s;
	if (kt->m < 1 || kt->m > 12) {
		c.year++;
		if (evtime_from_civil(&c, end) < 0)
			*end = EVTIME_HIGHEST;
	} else if (kt->d < 1 || kt->d > 31) {
		if (++c.month > 12) {
			c.month = 1;
			c.year++;
		}
		if (evtime_from_civil(&c, end) < 0)
			*end = EVTIME_HIGHEST;
	} else if (kt->h < 0 || kt->h > 23) {
		*end = s + EVTIME_DAY;
	} else if (kt->min < 0 || kt->min > 59) {
		*end = s + EVTIME_HOUR;
	} else {
		*end = s + EVTIME_MIN;
	}
	return true;
}

static bool
time_outside(const struct known_time *kt, const struct layout_filter *f)
{
	evtime_t s, e;

	if (!known_interval(kt, &s, &e))
		return false;
	return (f->has_since && e <= f->since) ||
	       (f->has_until && s >= f->until);
}

static bool
type_excluded(const char *v, size_t n, const struct layout_filter *f)
{
	struct buf t = BUF_INIT;
	bool excluded = false;

	if (f->ntypes > 0 && layout_unescape_value(v, n, &t))
		excluded = !layout_filter_type(f, buf_str(&t));
	buf_free(&t);
	return excluded;
}

/* Matches one directory name against a template segment. */
static bool
segment_excludes(const struct segment *seg, const char *comp,
		 struct known_time *kt, const struct layout_filter *f,
		 bool use_type, bool use_time)
{
	size_t len = strlen(comp), pos = 0, j;
	struct known_time trial = *kt;
	bool unknown = false, excluded = false;

	for (j = 0; j < seg->n && !unknown; j++) {
		const struct part *p = &seg->parts[j];
		size_t vend;

		switch (p->kind) {
		case PART_LIT:
			if (strncmp(comp + pos, p->text, strlen(p->text)) != 0)
				return false; /* not a partition directory */
			pos += strlen(p->text);
			break;
		case PART_TIME:
			if (!scan_time(p->text, comp, len, &pos, &trial,
				       &unknown))
				return false;
			break;
		case PART_TYPE:
		case PART_FIELD:
			if (j + 1 == seg->n) {
				vend = len;
			} else if (seg->parts[j + 1].kind == PART_LIT) {
				const char *hit =
				    strstr(comp + pos, seg->parts[j + 1].text);

				if (hit == NULL)
					return false;
				vend = (size_t)(hit - comp);
			} else {
				unknown = true; /* two values run together */
				break;
			}
			if (p->kind == PART_TYPE && use_type &&
			    type_excluded(comp + pos, vend - pos, f))
				excluded = true;
			pos = vend;
			break;
		}
	}
	if (!unknown && pos != len)
		return false;
	if (use_time)
		*kt = trial;
	return excluded;
}

static bool
hive_excludes(const char *comp, struct known_time *kt,
	      const struct layout_filter *f)
{
	size_t len = strlen(comp);
	int y, m, d, h;

	if (strncmp(comp, "type=", 5) == 0)
		return type_excluded(comp + 5, len - 5, f);
	if (strncmp(comp, "dt=", 3) == 0 && len == 13 && comp[7] == '-' &&
	    comp[10] == '-' && digits(comp + 3, 4, &y) &&
	    digits(comp + 8, 2, &m) && digits(comp + 11, 2, &d)) {
		kt->y = y;
		kt->m = m;
		kt->d = d;
	} else if (strncmp(comp, "hr=", 3) == 0 && len == 5 &&
		   digits(comp + 3, 2, &h) && kt->d >= 0) {
		kt->h = h;
	}
	return false;
}

bool
layout_may_contain(const struct layout *l, const char *const *comps, size_t n,
		   const struct layout_filter *f)
{
	struct known_time kt = {-1, -1, -1, -1, -1};
	bool use_type, use_time;
	size_t i;

	if (f->ntypes == 0 && !f->has_since && !f->has_until)
		return true;
	if (l == NULL) {
		for (i = 0; i < n; i++)
			if (hive_excludes(comps[i], &kt, f))
				return false;
		return !time_outside(&kt, f);
	}
	/* A lake partitioned by other fields says nothing about ours. */
	use_type =
	    f->type_field == NULL || strcmp(f->type_field, l->type_field) == 0;
	use_time =
	    f->time_field == NULL || strcmp(f->time_field, l->time_field) == 0;
	for (i = 0; i < n && i < l->nsegs; i++)
		if (segment_excludes(&l->segs[i], comps[i], &kt, f, use_type,
				     use_time))
			return false;
	return !time_outside(&kt, f);
}

int
layout_marker_write(const char *root, const struct layout *l)
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	int r;

	buf_printf(&path, "%s/%s", root, LAYOUT_MARKER);
	buf_adds(&b, "{\"version\":1,\"layout\":");
	buf_add_json_string(&b, l->tmpl, strlen(l->tmpl));
	buf_adds(&b, ",\"type_field\":");
	buf_add_json_string(&b, l->type_field, strlen(l->type_field));
	buf_adds(&b, ",\"time_field\":");
	buf_add_json_string(&b, l->time_field, strlen(l->time_field));
	buf_adds(&b, "}\n");
	r = atomic_write_file(buf_str(&path), b.data, b.len, 0666);
	buf_free(&path);
	buf_free(&b);
	return r;
}

struct layout *
layout_marker_read(const char *root, const char **errstr)
{
	static const char *k_layout[] = {"layout", NULL},
			  *k_type[] = {"type_field", NULL},
			  *k_time[] = {"time_field", NULL};
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct layout *l = NULL;
	yajl_val root_v, lv, tv, mv;
	int fd;

	*errstr = NULL;
	buf_printf(&path, "%s/%s", root, LAYOUT_MARKER);
	fd = open(buf_str(&path), O_RDONLY | O_CLOEXEC);
	buf_free(&path);
	if (fd < 0) {
		if (errno != ENOENT)
			*errstr = strerror(errno);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		buf_grow(&text, 4096);
		r = read(fd, text.data + text.len, text.cap - text.len - 1);
		if (r <= 0)
			break;
		text.len += (size_t)r;
	}
	close(fd);
	root_v = yajl_tree_parse(buf_str(&text), NULL, 0);
	buf_free(&text);
	lv = yajl_tree_get(root_v, k_layout, yajl_t_string);
	tv = yajl_tree_get(root_v, k_type, yajl_t_string);
	mv = yajl_tree_get(root_v, k_time, yajl_t_string);
	if (lv && tv && mv)
		l = layout_new(YAJL_GET_STRING(lv), YAJL_GET_STRING(tv),
			       YAJL_GET_STRING(mv), errstr);
	else
		*errstr = "not an evtools layout marker";
	yajl_tree_free(root_v);
	return l;
}
