/*
 * agg.c - evwindow's aggregate functions (see agg.h).
 */
#include "agg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "sketch.h"
#include "util.h"

/* ---- the fixed-size parts of the state ------------------------------- */

struct st_count {
	uint64_t n;
};

struct st_sum {
	__int128 isum;        /* the integer values, exactly */
	struct superacc *acc; /* the other values, exactly; NULL if none */
	uint64_t n;           /* values summed */
};

struct st_ext {
	double d;
	int64_t i;
	bool set, is_int;
};

struct st_pick {
	evtime_t ts;
	uint64_t seq;
	char *raw; /* the value's JSON text as it was written */
	uint32_t len, cap;
	bool set;
};

/* An exact set of canonical values. */
struct dset {
	uint32_t cap, n; /* cap: a power of two */
	uint64_t *h;
	uint64_t *at; /* 1 + offset of [u32 len][bytes] in arena; 0: empty */
	char *arena;
	size_t alen, acap;
};

struct st_distinct {
	struct dset *set; /* exact, or NULL */
	struct hll *hll;  /* approximate, or NULL */
};

struct st_pctl {
	double *v; /* exact values */
	uint32_t n, cap;
	bool sorted;
	struct ddsketch *sk; /* approximate, or NULL */
};

/* ---- parsing ----------------------------------------------------------- */

static const struct {
	const char *name;
	enum agg_fn fn;
} fn_names[] = {
    {"count", AGG_COUNT}, {"sum", AGG_SUM},           {"avg", AGG_AVG},
    {"min", AGG_MIN},     {"max", AGG_MAX},           {"first", AGG_FIRST},
    {"last", AGG_LAST},   {"distinct", AGG_DISTINCT},
};

/* Parses "NN" or "NN.DDD" (0 to 100) into NUM/DEN; -1 if it is not one. */
static int
parse_percent(const char *s, size_t n, uint64_t *num, uint64_t *den)
{
	uint64_t v = 0, d = 1;
	size_t i = 0, intdigits = 0, fracdigits = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, intdigits++)
		if (intdigits < 4)
			v = v * 10 + (uint64_t)(s[i] - '0');
	if (intdigits == 0 || intdigits > 3)
		return -1;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++fracdigits > 6)
				return -1;
			v = v * 10 + (uint64_t)(s[i] - '0');
			d *= 10;
		}
		if (fracdigits == 0)
			return -1;
	}
	if (i != n || v > 100 * d)
		return -1;
	*num = v;
	*den = d;
	return 0;
}

int
agg_parse(const char *arg, struct agg_spec *a, struct buf *err)
{
	const char *eq = strchr(arg, '='), *colon = strchr(arg, ':');
	const char *fn = arg, *fnend;
	struct buf name = BUF_INIT;
	size_t i, fnlen;
	bool found = false;

	memset(a, 0, sizeof(*a));
	a->vidx = -1;
	a->store = -1;
	buf_reset(err);
	if (eq && (colon == NULL || eq < colon)) {
		if (eq == arg) {
			buf_printf(err, "empty name in '%s'", arg);
			return -1;
		}
		a->name = ev_strndup(arg, (size_t)(eq - arg));
		fn = eq + 1;
	}
	fnend = colon ? colon : fn + strlen(fn);
	fnlen = (size_t)(fnend - fn);
	for (i = 0; i < EV_ARRAY_LEN(fn_names); i++)
		if (strlen(fn_names[i].name) == fnlen &&
		    memcmp(fn_names[i].name, fn, fnlen) == 0) {
			a->fn = fn_names[i].fn;
			found = true;
		}
	if (!found && fnlen > 1 && fn[0] == 'p') {
		if (parse_percent(fn + 1, fnlen - 1, &a->qnum, &a->qden) < 0) {
			buf_printf(err,
				   "invalid percentile '%.*s' (expected p0 "
				   "to p100, such as p99 or p99.9)",
				   (int)fnlen, fn);
			goto fail;
		}
		a->fn = AGG_PCTL;
		found = true;
	}
	if (!found) {
		buf_printf(err,
			   "unknown function '%.*s' (expected count, sum, avg, "
			   "min, max, first, last, distinct or pNN)",
			   (int)fnlen, fn);
		goto fail;
	}
	if (colon) {
		if (colon[1] == '\0') {
			buf_printf(err, "empty field path in '%s'", arg);
			goto fail;
		}
		a->path = ev_strdup(colon + 1);
	} else if (a->fn != AGG_COUNT) {
		buf_printf(err, "%.*s needs a field path (%.*s:PATH)",
			   (int)fnlen, fn, (int)fnlen, fn);
		goto fail;
	}
	if (a->name == NULL) {
		const char *p;

		for (p = fn; p < fnend; p++)
			buf_addc(&name, *p == '.' ? '_' : *p);
		if (a->path) {
			buf_addc(&name, '_');
			for (p = a->path; *p; p++) {
				if (*p == '\\' && p[1]) {
					p++;
					buf_addc(&name, *p == '.' ? '_' : *p);
					continue;
				}
				buf_addc(&name, *p == '.' ? '_' : *p);
			}
		}
		a->name = ev_strdup(buf_str(&name));
	}
	buf_reset(&name);
	buf_printf(&name, "%s=%.*s", a->name, (int)fnlen, fn);
	if (a->path)
		buf_printf(&name, ":%s", a->path);
	a->text = ev_strdup(buf_str(&name));
	buf_free(&name);
	return 0;
fail:
	buf_free(&name);
	free(a->name);
	free(a->path);
	a->name = a->path = NULL;
	return -1;
}

void
agg_spec_free(struct agg_spec *a)
{
	free(a->name);
	free(a->path);
	free(a->text);
	free(a->bad_file);
	a->name = a->path = a->text = a->bad_file = NULL;
}

static size_t
state_size(const struct agg_spec *a)
{
	switch (a->fn) {
	case AGG_COUNT:
		return sizeof(struct st_count);
	case AGG_SUM:
	case AGG_AVG:
		return sizeof(struct st_sum);
	case AGG_MIN:
	case AGG_MAX:
		return sizeof(struct st_ext);
	case AGG_FIRST:
	case AGG_LAST:
		return sizeof(struct st_pick);
	case AGG_DISTINCT:
		return sizeof(struct st_distinct);
	case AGG_PCTL:
		return sizeof(struct st_pctl);
	}
	return 0;
}

size_t
agg_layout(struct agg_spec *a, size_t n)
{
	size_t i, j, off = 0;

	for (i = 0; i < n; i++) {
		a[i].store = (int)i;
		if (a[i].fn == AGG_PCTL)
			for (j = 0; j < i; j++)
				if (a[j].fn == AGG_PCTL &&
				    strcmp(a[j].path, a[i].path) == 0) {
					a[i].store = a[j].store;
					break;
				}
		a[i].off = off;
		if (a[i].store == (int)i)
			off += (state_size(&a[i]) + 15) & ~(size_t)15;
	}
	for (i = 0; i < n; i++)
		if (a[i].store != (int)i)
			a[i].off = a[a[i].store].off;
	return off;
}

/* ---- exact sets --------------------------------------------------------- */

static struct dset *
dset_new(void)
{
	struct dset *s = ev_calloc(1, sizeof(*s));

	s->cap = 16;
	s->h = ev_calloc(s->cap, sizeof(uint64_t));
	s->at = ev_calloc(s->cap, sizeof(uint64_t));
	return s;
}

static void
dset_free(struct dset *s)
{
	if (s == NULL)
		return;
	free(s->h);
	free(s->at);
	free(s->arena);
	free(s);
}

static const char *
dset_value(const struct dset *s, uint32_t slot, uint32_t *len)
{
	const char *p = s->arena + s->at[slot] - 1;

	memcpy(len, p, sizeof(*len));
	return p + sizeof(*len);
}

static void
dset_grow(struct dset *s)
{
	uint32_t ncap = s->cap * 2, i;
	uint64_t *h = ev_calloc(ncap, sizeof(uint64_t));
	uint64_t *at = ev_calloc(ncap, sizeof(uint64_t));

	for (i = 0; i < s->cap; i++) {
		uint32_t j;

		if (s->at[i] == 0)
			continue;
		for (j = (uint32_t)s->h[i] & (ncap - 1); at[j];
		     j = (j + 1) & (ncap - 1))
			;
		h[j] = s->h[i];
		at[j] = s->at[i];
	}
	free(s->h);
	free(s->at);
	s->h = h;
	s->at = at;
	s->cap = ncap;
}

/* Adds the value P (N bytes) with hash H; true when it was new. */
static bool
dset_add(struct dset *s, uint64_t h, const char *p, uint32_t n)
{
	uint32_t j, len;
	size_t need;

	for (j = (uint32_t)h & (s->cap - 1); s->at[j];
	     j = (j + 1) & (s->cap - 1))
		if (s->h[j] == h) {
			const char *q = dset_value(s, j, &len);

			if (len == n && memcmp(q, p, n) == 0)
				return false;
		}
	need = sizeof(uint32_t) + n;
	if (s->acap - s->alen < need) {
		size_t cap = s->acap ? s->acap : 256;

		while (cap - s->alen < need)
			cap *= 2;
		s->arena = ev_realloc(s->arena, cap);
		s->acap = cap;
	}
	memcpy(s->arena + s->alen, &n, sizeof(n));
	memcpy(s->arena + s->alen + sizeof(n), p, n);
	s->h[j] = h;
	s->at[j] = s->alen + 1;
	s->alen += need;
	s->n++;
	if (s->n * 10 > s->cap * 7)
		dset_grow(s);
	return true;
}

static struct hll *
dset_to_hll(const struct dset *s)
{
	struct hll *h = ev_calloc(1, sizeof(*h));
	uint32_t i;

	if (s)
		for (i = 0; i < s->cap; i++)
			if (s->at[i])
				hll_add(h, s->h[i]);
	return h;
}

/* ---- helpers ------------------------------------------------------------ */

void
agg_canonical(const struct json_value *v, struct buf *out, struct buf *scratch)
{
	switch (v->type) {
	case JSON_MISSING:
		buf_add(out, "null", 4);
		return;
	case JSON_STRING:
		if (!v->escaped && memchr(v->ptr, 0x7f, v->len) == NULL) {
			buf_add(out, v->ptr, v->len);
			return;
		}
		buf_reset(scratch);
		json_string_decode(v, scratch);
		buf_add_json_string(out, scratch->data ? scratch->data : "",
				    scratch->len);
		return;
	default:
		buf_add(out, v->ptr, v->len);
		return;
	}
}

static void
note_bad(struct agg_spec *a, const struct agg_ctx *ctx)
{
	if (a->non_numeric++ == 0 && ctx->file) {
		a->bad_file = ev_strdup(ctx->file);
		a->bad_line = ctx->line;
	}
}

/*
 * The number in V, or false (after counting it) when V is not a usable
 * number.  Missing and null values are skipped without counting.
 */
static bool
get_number(struct agg_spec *a, const struct json_value *v,
	   const struct agg_ctx *ctx, bool *is_int, int64_t *i, double *d)
{
	enum num_kind k;

	if (v->type == JSON_MISSING || v->type == JSON_NULL)
		return false;
	if (v->type != JSON_NUMBER) {
		note_bad(a, ctx);
		return false;
	}
	k = num_parse(v->ptr, v->len, i, d);
	if (k == NUM_RANGE) {
		note_bad(a, ctx);
		return false;
	}
	*is_int = k == NUM_INT;
	if (*is_int)
		*d = (double)*i;
	return true;
}

static int
num_cmp(bool ai, int64_t a_i, double a_d, bool bi, int64_t b_i, double b_d)
{
	if (ai && bi)
		return (a_i > b_i) - (a_i < b_i);
	return (a_d > b_d) - (a_d < b_d);
}

static void
pick_set(struct st_pick *p, evtime_t ts, uint64_t seq, const char *raw,
	 size_t len)
{
	if (len > p->cap) {
		uint32_t cap = p->cap ? p->cap : 16;

		while (cap < len)
			cap *= 2;
		p->raw = ev_realloc(p->raw, cap);
		p->cap = cap;
	}
	memcpy(p->raw, raw, len);
	p->len = (uint32_t)len;
	p->ts = ts;
	p->seq = seq;
	p->set = true;
}

/* True when (TS, SEQ) should replace P's pick for FIRST (or last). */
static bool
pick_better(const struct st_pick *p, bool first, evtime_t ts, uint64_t seq)
{
	if (!p->set)
		return true;
	if (first)
		return ts < p->ts || (ts == p->ts && seq < p->seq);
	return ts > p->ts || (ts == p->ts && seq > p->seq);
}

static void
sum_add_double(struct st_sum *s, double d)
{
	if (s->acc == NULL)
		s->acc = ev_calloc(1, sizeof(*s->acc));
	sacc_add_double(s->acc, d);
}

/* The exact sum rounded once to a double. */
static double
sum_value(const struct st_sum *s)
{
	struct superacc t;

	if (s->acc == NULL)
		return i128_to_double(s->isum);
	t = *s->acc;
	sacc_add_i128(&t, s->isum);
	return sacc_round(&t);
}

/*
 * Adds X.  Once the values have been sorted (a result was written), they
 * are kept sorted, so that late updates of a window do not sort again.
 */
static void
pctl_append(struct st_pctl *p, double x)
{
	uint32_t lo = 0, hi = p->n;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = ev_reallocarray(p->v, p->cap, sizeof(double));
	}
	if (!p->sorted || p->n == 0 || x >= p->v[p->n - 1]) {
		p->v[p->n++] = x;
		return;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(p->v + lo + 1, p->v + lo, (p->n - lo) * sizeof(double));
	p->v[lo] = x;
	p->n++;
}

static void
pctl_to_sketch(struct st_pctl *p)
{
	uint32_t i;

	p->sk = ev_malloc(sizeof(*p->sk));
	dd_init(p->sk);
	for (i = 0; i < p->n; i++)
		dd_add(p->sk, p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static void
distinct_to_hll(struct st_distinct *s)
{
	s->hll = dset_to_hll(s->set);
	dset_free(s->set);
	s->set = NULL;
}

/* ---- state life ---------------------------------------------------------- */

void
agg_state_init(const struct agg_spec *a, size_t n, unsigned char *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].store == (int)i)
			memset(st + a[i].off, 0, state_size(&a[i]));
}

void
agg_state_free(const struct agg_spec *a, size_t n, unsigned char *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		void *p = st + a[i].off;

		if (a[i].store != (int)i)
			continue;
		switch (a[i].fn) {
		case AGG_SUM:
		case AGG_AVG:
			free(((struct st_sum *)p)->acc);
			break;
		case AGG_FIRST:
		case AGG_LAST:
			free(((struct st_pick *)p)->raw);
			break;
		case AGG_DISTINCT:
			dset_free(((struct st_distinct *)p)->set);
			free(((struct st_distinct *)p)->hll);
			break;
		case AGG_PCTL:
			free(((struct st_pctl *)p)->v);
			if (((struct st_pctl *)p)->sk) {
				dd_free(((struct st_pctl *)p)->sk);
				free(((struct st_pctl *)p)->sk);
			}
			break;
		default:
			break;
		}
		memset(p, 0, state_size(&a[i]));
	}
}

/* ---- update -------------------------------------------------------------- */

void
agg_update(struct agg_spec *a, size_t n, unsigned char *st,
	   const struct json_value *vals, evtime_t ts, uint64_t seq,
	   const struct agg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct agg_spec *g = &a[i];
		const struct json_value *v =
		    g->vidx >= 0 ? &vals[g->vidx] : NULL;
		void *p = st + g->off;
		bool is_int;
		int64_t iv;
		double dv;

		switch (g->fn) {
		case AGG_COUNT:
			if (v == NULL ||
			    (v->type != JSON_MISSING && v->type != JSON_NULL))
				((struct st_count *)p)->n++;
			break;
		case AGG_SUM:
		case AGG_AVG: {
			struct st_sum *s = p;

			if (!get_number(g, v, ctx, &is_int, &iv, &dv))
				break;
			if (is_int)
				s->isum += iv;
			else
				sum_add_double(s, dv);
			s->n++;
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			struct st_ext *e = p;
			int c;

			if (!get_number(g, v, ctx, &is_int, &iv, &dv))
				break;
			c = e->set
				? num_cmp(is_int, iv, dv, e->is_int, e->i, e->d)
				: 0;
			if (!e->set || (g->fn == AGG_MIN ? c < 0 : c > 0)) {
				e->set = true;
				e->is_int = is_int;
				e->i = iv;
				e->d = dv;
			}
			break;
		}
		case AGG_FIRST:
		case AGG_LAST: {
			struct st_pick *k = p;

			if (v->type == JSON_MISSING || v->type == JSON_NULL)
				break;
			if (pick_better(k, g->fn == AGG_FIRST, ts, seq))
				pick_set(k, ts, seq, v->ptr, v->len);
			break;
		}
		case AGG_DISTINCT: {
			struct st_distinct *d = p;
			struct buf *c = ctx->canon;
			uint64_t h;

			if (v->type == JSON_MISSING || v->type == JSON_NULL)
				break;
			buf_reset(c);
			agg_canonical(v, c, ctx->scratch);
			h = ev_hash64(c->data, c->len);
			if (d->hll) {
				hll_add(d->hll, h);
				break;
			}
			if (d->set == NULL)
				d->set = dset_new();
			dset_add(d->set, h, c->data, (uint32_t)c->len);
			if (!ctx->exact && d->set->n > AGG_EXACT_MAX)
				distinct_to_hll(d);
			break;
		}
		case AGG_PCTL: {
			struct st_pctl *q = p;

			if (!get_number(g, v, ctx, &is_int, &iv, &dv))
				break;
			if (g->store != (int)i)
				break; /* another aggregate keeps the values */
			if (q->sk) {
				dd_add(q->sk, dv);
				break;
			}
			pctl_append(q, dv);
			if (!ctx->exact && q->n > AGG_EXACT_MAX)
				pctl_to_sketch(q);
			break;
		}
		}
	}
}

/* ---- merge --------------------------------------------------------------- */

void
agg_merge(const struct agg_spec *a, size_t n, unsigned char *dst,
	  const unsigned char *src, const struct agg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct agg_spec *g = &a[i];
		void *p = dst + g->off;
		const void *q = src + g->off;

		if (g->store != (int)i)
			continue;
		switch (g->fn) {
		case AGG_COUNT:
			((struct st_count *)p)->n +=
			    ((const struct st_count *)q)->n;
			break;
		case AGG_SUM:
		case AGG_AVG: {
			struct st_sum *s = p;
			const struct st_sum *t = q;

			s->isum += t->isum;
			s->n += t->n;
			if (t->acc) {
				if (s->acc == NULL)
					s->acc = ev_calloc(1, sizeof(*s->acc));
				sacc_merge(s->acc, t->acc);
			}
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			struct st_ext *e = p;
			const struct st_ext *f = q;
			int c;

			if (!f->set)
				break;
			c = e->set ? num_cmp(f->is_int, f->i, f->d, e->is_int,
					     e->i, e->d)
				   : 0;
			if (!e->set || (g->fn == AGG_MIN ? c < 0 : c > 0))
				*e = *f;
			break;
		}
		case AGG_FIRST:
		case AGG_LAST: {
			struct st_pick *k = p;
			const struct st_pick *l = q;

			if (l->set &&
			    pick_better(k, g->fn == AGG_FIRST, l->ts, l->seq))
				pick_set(k, l->ts, l->seq, l->raw, l->len);
			break;
		}
		case AGG_DISTINCT: {
			struct st_distinct *d = p;
			const struct st_distinct *e = q;
			uint32_t j, len;

			if (e->hll) {
				if (d->hll == NULL)
					distinct_to_hll(d);
				hll_merge(d->hll, e->hll);
				break;
			}
			if (e->set == NULL)
				break;
			if (d->hll) {
				for (j = 0; j < e->set->cap; j++)
					if (e->set->at[j])
						hll_add(d->hll, e->set->h[j]);
				break;
			}
			if (d->set == NULL)
				d->set = dset_new();
			for (j = 0; j < e->set->cap; j++)
				if (e->set->at[j]) {
					const char *v =
					    dset_value(e->set, j, &len);

					dset_add(d->set, e->set->h[j], v, len);
				}
			if (!ctx->exact && d->set->n > AGG_EXACT_MAX)
				distinct_to_hll(d);
			break;
		}
		case AGG_PCTL: {
			struct st_pctl *s = p;
			const struct st_pctl *t = q;
			uint32_t j;

			if (t->sk == NULL && t->n == 0)
				break;
			if (s->sk == NULL && t->sk == NULL &&
			    (ctx->exact ||
			     (uint64_t)s->n + t->n <= AGG_EXACT_MAX)) {
				for (j = 0; j < t->n; j++)
					pctl_append(s, t->v[j]);
				break;
			}
			if (s->sk == NULL)
				pctl_to_sketch(s);
			if (t->sk)
				dd_merge(s->sk, t->sk);
			else
				for (j = 0; j < t->n; j++)
					dd_add(s->sk, t->v[j]);
			break;
		}
		}
	}
}

/* ---- output -------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
add_approx(struct buf *approx, const char *name, uint64_t *napprox)
{
	if (approx->len)
		buf_addc(approx, ',');
	buf_add_json_string(approx, name, strlen(name));
	(*napprox)++;
}

void
agg_output(const struct agg_spec *a, size_t n, unsigned char *st,
	   struct buf *line, struct buf *approx, uint64_t *napprox)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct agg_spec *g = &a[i];
		void *p = st + g->off;

		buf_addc(line, ',');
		buf_add_json_string(line, g->name, strlen(g->name));
		buf_addc(line, ':');
		switch (g->fn) {
		case AGG_COUNT:
			buf_add_u64(line, ((struct st_count *)p)->n);
			break;
		case AGG_SUM: {
			struct st_sum *s = p;
			char tmp[48];

			if (s->n == 0)
				buf_adds(line, "null");
			else if (s->acc == NULL)
				buf_add(line, tmp, i128_format(s->isum, tmp));
			else
				buf_add_double(line, sum_value(s));
			break;
		}
		case AGG_AVG: {
			struct st_sum *s = p;

			if (s->n == 0)
				buf_adds(line, "null");
			else
				buf_add_double(line,
					       sum_value(s) / (double)s->n);
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			struct st_ext *e = p;

			if (!e->set)
				buf_adds(line, "null");
			else if (e->is_int)
				buf_add_i64(line, e->i);
			else
				buf_add_double(line, e->d);
			break;
		}
		case AGG_FIRST:
		case AGG_LAST: {
			struct st_pick *k = p;

			if (!k->set)
				buf_adds(line, "null");
			else
				buf_add(line, k->raw, k->len);
			break;
		}
		case AGG_DISTINCT: {
			struct st_distinct *d = p;

			if (d->hll) {
				buf_add_u64(line, (uint64_t)llround(
						      hll_estimate(d->hll)));
				add_approx(approx, g->name, napprox);
			} else {
				buf_add_u64(line, d->set ? d->set->n : 0);
			}
			break;
		}
		case AGG_PCTL: {
			struct st_pctl *q = p;

			if (q->sk) {
				buf_add_double(
				    line, dd_rank_value(
					      q->sk, pctl_rank(g->qnum, g->qden,
							       q->sk->count)));
				add_approx(approx, g->name, napprox);
			} else if (q->n == 0) {
				buf_adds(line, "null");
			} else {
				if (!q->sorted) {
					qsort(q->v, q->n, sizeof(double),
					      cmp_double);
					q->sorted = true;
				}
				buf_add_double(
				    line,
				    q->v[pctl_rank(g->qnum, g->qden, q->n) -
					 1]);
			}
			break;
		}
		}
	}
}

/* ---- state files --------------------------------------------------------- */

yajl_val
jv_get(yajl_val obj, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

int
jv_u64(yajl_val v, uint64_t *out)
{
	const char *err;

	if (!YAJL_IS_NUMBER(v))
		return -1;
	return ev_parse_uint(YAJL_GET_NUMBER(v), 0, UINT64_MAX, out, &err);
}

int
jv_i64(yajl_val v, int64_t *out)
{
	const char *s;
	char *end;
	long long x;

	if (!YAJL_IS_NUMBER(v))
		return -1;
	s = YAJL_GET_NUMBER(v);
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return -1;
	*out = x;
	return 0;
}

int
jv_double(yajl_val v, double *out)
{
	char *end;

	if (!YAJL_IS_NUMBER(v))
		return -1;
	*out = strtod(YAJL_GET_NUMBER(v), &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

const char *
jv_str(yajl_val v)
{
	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

int
base64_decode(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=')
			break;
		else
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

struct sval {
	const char *p;
	uint32_t n;
};

static int
sval_cmp(const void *a, const void *b)
{
	const struct sval *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void
save_ddstore(struct buf *out, const struct ddstore *st)
{
	uint32_t j;

	buf_adds(out, "{\"lo\":");
	buf_add_i64(out, st->lo);
	buf_adds(out, ",\"c\":[");
	for (j = 0; j < st->n; j++) {
		if (j)
			buf_addc(out, ',');
		buf_add_u64(out, st->c[j]);
	}
	buf_adds(out, "]}");
}

void
agg_save(const struct agg_spec *a, size_t n, const unsigned char *st,
	 struct buf *out)
{
	size_t i;

	buf_addc(out, '[');
	for (i = 0; i < n; i++) {
		const struct agg_spec *g = &a[i];
		const void *p = st + g->off;

		if (i)
			buf_addc(out, ',');
		if (g->store != (int)i) {
			buf_adds(out, "null");
			continue;
		}
		switch (g->fn) {
		case AGG_COUNT:
			buf_add_u64(out, ((const struct st_count *)p)->n);
			break;
		case AGG_SUM:
		case AGG_AVG: {
			const struct st_sum *s = p;
			char tmp[16 * SACC_WORDS + 1];

			buf_adds(out, "{\"n\":");
			buf_add_u64(out, s->n);
			buf_adds(out, ",\"i\":\"");
			buf_add(out, tmp, i128_format(s->isum, tmp));
			buf_addc(out, '"');
			if (s->acc) {
				sacc_to_hex(s->acc, tmp);
				buf_adds(out, ",\"acc\":\"");
				buf_adds(out, tmp);
				buf_addc(out, '"');
			}
			buf_addc(out, '}');
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			const struct st_ext *e = p;

			if (!e->set) {
				buf_adds(out, "null");
			} else if (e->is_int) {
				buf_adds(out, "{\"i\":");
				buf_add_i64(out, e->i);
				buf_addc(out, '}');
			} else {
				buf_adds(out, "{\"d\":");
				buf_add_double(out, e->d);
				buf_addc(out, '}');
			}
			break;
		}
		case AGG_FIRST:
		case AGG_LAST: {
			const struct st_pick *k = p;

			if (!k->set) {
				buf_adds(out, "null");
				break;
			}
			buf_adds(out, "{\"t\":");
			buf_add_i64(out, k->ts);
			buf_adds(out, ",\"s\":");
			buf_add_u64(out, k->seq);
			buf_adds(out, ",\"v\":");
			buf_add_json_string(out, k->raw, k->len);
			buf_addc(out, '}');
			break;
		}
		case AGG_DISTINCT: {
			const struct st_distinct *d = p;
			struct sval *sv;
			uint32_t j, m = 0;

			if (d->hll) {
				buf_adds(out, "{\"hll\":\"");
				buf_add_base64(out, d->hll->r, HLL_M);
				buf_adds(out, "\"}");
				break;
			}
			/* Sorted, so that the text depends only on the set. */
			sv = ev_calloc(d->set ? d->set->n + 1 : 1, sizeof(*sv));
			for (j = 0; d->set && j < d->set->cap; j++)
				if (d->set->at[j]) {
					sv[m].p =
					    dset_value(d->set, j, &sv[m].n);
					m++;
				}
			qsort(sv, m, sizeof(*sv), sval_cmp);
			buf_adds(out, "{\"set\":[");
			for (j = 0; j < m; j++) {
				if (j)
					buf_addc(out, ',');
				buf_add_json_string(out, sv[j].p, sv[j].n);
			}
			buf_adds(out, "]}");
			free(sv);
			break;
		}
		case AGG_PCTL: {
			const struct st_pctl *q = p;
			uint32_t j;
			double *v;

			if (q->sk) {
				buf_adds(out, "{\"dd\":{\"count\":");
				buf_add_u64(out, q->sk->count);
				buf_adds(out, ",\"zero\":");
				buf_add_u64(out, q->sk->zero);
				buf_adds(out, ",\"min\":");
				buf_add_double(out, q->sk->min);
				buf_adds(out, ",\"max\":");
				buf_add_double(out, q->sk->max);
				buf_adds(out, ",\"pos\":");
				save_ddstore(out, &q->sk->pos);
				buf_adds(out, ",\"neg\":");
				save_ddstore(out, &q->sk->neg);
				buf_adds(out, "}}");
				break;
			}
			v = ev_calloc(q->n + 1, sizeof(double));
			if (q->n)
				memcpy(v, q->v, q->n * sizeof(double));
			qsort(v, q->n, sizeof(double), cmp_double);
			buf_adds(out, "{\"v\":[");
			for (j = 0; j < q->n; j++) {
				if (j)
					buf_addc(out, ',');
				buf_add_double(out, v[j]);
			}
			buf_adds(out, "]}");
			free(v);
			break;
		}
		}
	}
	buf_addc(out, ']');
}

static int
load_ddstore(struct ddstore *st, yajl_val v)
{
	yajl_val c = jv_get(v, "c");
	int64_t lo;
	size_t j;

	if (jv_i64(jv_get(v, "lo"), &lo) < 0 || !YAJL_IS_ARRAY(c) ||
	    c->u.array.len > DD_MAX_BINS || lo < INT32_MIN ||
	    lo > INT32_MAX - DD_MAX_BINS)
		return -1;
	/* The highest bucket first, as dd_merge does. */
	for (j = c->u.array.len; j-- > 0;) {
		uint64_t k;

		if (jv_u64(c->u.array.values[j], &k) < 0)
			return -1;
		if (k || j == 0 || j == c->u.array.len - 1)
			dd_store_set(st, (int32_t)(lo + (int64_t)j), k);
	}
	return 0;
}

int
agg_load(const struct agg_spec *a, size_t n, unsigned char *st, yajl_val v,
	 struct buf *err)
{
	size_t i;

	if (!YAJL_IS_ARRAY(v) || v->u.array.len != n) {
		buf_printf(err, "expected %zu aggregate states", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct agg_spec *g = &a[i];
		yajl_val x = v->u.array.values[i];
		void *p = st + g->off;

		if (g->store != (int)i)
			continue;
		switch (g->fn) {
		case AGG_COUNT:
			if (jv_u64(x, &((struct st_count *)p)->n) < 0)
				goto bad;
			break;
		case AGG_SUM:
		case AGG_AVG: {
			struct st_sum *s = p;
			const char *is = jv_str(jv_get(x, "i")),
				   *acc = jv_str(jv_get(x, "acc"));

			if (jv_u64(jv_get(x, "n"), &s->n) < 0 || is == NULL ||
			    i128_parse(is, strlen(is), &s->isum) < 0)
				goto bad;
			if (acc) {
				s->acc = ev_calloc(1, sizeof(*s->acc));
				if (sacc_from_hex(s->acc, acc, strlen(acc)) < 0)
					goto bad;
			}
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			struct st_ext *e = p;

			if (YAJL_IS_NULL(x))
				break;
			if (jv_get(x, "i")) {
				if (jv_i64(jv_get(x, "i"), &e->i) < 0)
					goto bad;
				e->is_int = true;
				e->d = (double)e->i;
			} else if (jv_double(jv_get(x, "d"), &e->d) < 0) {
				goto bad;
			}
			e->set = true;
			break;
		}
		case AGG_FIRST:
		case AGG_LAST: {
			struct st_pick *k = p;
			const char *raw;
			int64_t ts;
			uint64_t seq;

			if (YAJL_IS_NULL(x))
				break;
			raw = jv_str(jv_get(x, "v"));
			if (raw == NULL || jv_i64(jv_get(x, "t"), &ts) < 0 ||
			    jv_u64(jv_get(x, "s"), &seq) < 0)
				goto bad;
			pick_set(k, ts, seq, raw, strlen(raw));
			break;
		}
		case AGG_DISTINCT: {
			struct st_distinct *d = p;
			const char *h = jv_str(jv_get(x, "hll"));
			yajl_val set = jv_get(x, "set");
			size_t j;

			if (h) {
				struct buf b = BUF_INIT;

				if (base64_decode(h, strlen(h), &b) < 0 ||
				    b.len != HLL_M) {
					buf_free(&b);
					goto bad;
				}
				d->hll = ev_malloc(sizeof(*d->hll));
				memcpy(d->hll->r, b.data, HLL_M);
				buf_free(&b);
				break;
			}
			if (!YAJL_IS_ARRAY(set))
				goto bad;
			for (j = 0; j < set->u.array.len; j++) {
				const char *s = jv_str(set->u.array.values[j]);

				if (s == NULL)
					goto bad;
				if (d->set == NULL)
					d->set = dset_new();
				dset_add(d->set, ev_hash64(s, strlen(s)), s,
					 (uint32_t)strlen(s));
			}
			break;
		}
		case AGG_PCTL: {
			struct st_pctl *q = p;
			yajl_val vals = jv_get(x, "v"), dd = jv_get(x, "dd");
			size_t j;

			if (dd) {
				q->sk = ev_malloc(sizeof(*q->sk));
				dd_init(q->sk);
				if (jv_u64(jv_get(dd, "count"), &q->sk->count) <
					0 ||
				    jv_u64(jv_get(dd, "zero"), &q->sk->zero) <
					0 ||
				    jv_double(jv_get(dd, "min"), &q->sk->min) <
					0 ||
				    jv_double(jv_get(dd, "max"), &q->sk->max) <
					0 ||
				    load_ddstore(&q->sk->pos,
						 jv_get(dd, "pos")) < 0 ||
				    load_ddstore(&q->sk->neg,
						 jv_get(dd, "neg")) < 0)
					goto bad;
				break;
			}
			if (!YAJL_IS_ARRAY(vals))
				goto bad;
			for (j = 0; j < vals->u.array.len; j++) {
				double d;

				if (jv_double(vals->u.array.values[j], &d) < 0)
					goto bad;
				pctl_append(q, d);
			}
			break;
		}
		}
	}
	return 0;
bad:
	buf_printf(err, "invalid state of aggregate '%s'", a[i].name);
	return -1;
}
