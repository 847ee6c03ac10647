/*
 * score.c - one event through the model (see score.h).
 */
#include "score.h"

#include <fnmatch.h>
#include <math.h>
#include <string.h>

#include "fmtnum.h"

/* Does the event's type match one of the model's types? */
static bool
score_type_ok(struct model *m, const struct json_value *type)
{
	const char *s = NULL;
	size_t n = 0, i;
	bool decoded = false;

	if (type == NULL || type->type != JSON_STRING)
		return false;
	for (i = 0; i < m->ntypes; i++) {
		const struct type_pat *t = &m->types[i];

		if (!decoded) {
			s = json_string_view(type, &m->typebuf, &n);
			decoded = true;
		}
		if (!t->glob) {
			if (n == t->len && memcmp(s, t->pat, n) == 0)
				return true;
			continue;
		}
		/* fnmatch needs a C string without NUL bytes. */
		if (memchr(s, '\0', n) != NULL)
			continue;
		if (s != m->typebuf.data) {
			buf_reset(&m->typebuf);
			buf_add(&m->typebuf, s, n);
			s = m->typebuf.data;
		}
		if (fnmatch(t->pat, s, 0) == 0)
			return true;
	}
	return false;
}

/* Finds a slot's value in the line by hand (a path the reader skips). */
static void
score_lookup(const struct slot *sl, struct slot_state *st, const char *line,
	     size_t len)
{
	struct json_value cur;
	size_t i, a = 0, b = len;

	while (a < b && line[a] != '{')
		a++;
	while (b > a && line[b - 1] != '}')
		b--;
	cur.ptr = line + a;
	cur.len = b - a;
	cur.type = JSON_OBJECT;
	cur.escaped = false;
	st->own.type = JSON_MISSING;
	for (i = 0; i < sl->nkeys; i++) {
		struct json_value next;

		if (!json_object_get(&cur, sl->keys[i], sl->klens[i], &next))
			return;
		cur = next;
	}
	st->own = cur;
}

/*
 * The input of term R: the field's value, or the default; clipped, then
 * log1p.  False when the term does not fire.
 */
static bool
score_term(struct model *m, const struct rule *r, double *input,
	   double *contribution, bool *defaulted)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		double x;

		if (attempt == 0) {
			if (!eval_num(&m->ev, r->slot, &x) || !isfinite(x))
				continue;
		} else {
			if (!r->has_default)
				return false;
			x = r->def;
		}
		if (r->has_clip)
			x = fmin(fmax(x, r->clip_lo), r->clip_hi);
		if (r->log1p) {
			if (!(x > -1))
				continue;
			x = log1p(x);
		}
		if (!isfinite(r->weight * x))
			continue;
		*input = x;
		*contribution = r->weight * x;
		*defaulted = attempt == 1;
		return true;
	}
	return false;
}

enum score_status
score_event(struct model *m, const char *line, size_t len,
	    const struct json_value *vals, const struct json_value *type,
	    struct score *sc)
{
	size_t i;
	double z;

	if (m->ntypes > 0 && !score_type_ok(m, type))
		return SCORE_UNSCORED;
	for (i = 0; i < m->nslots; i++) {
		struct slot_state *st = &m->ev.st[i];
		const struct slot *sl = &m->slots[i];

		if (sl->ridx >= 0) {
			st->v = &vals[sl->ridx];
		} else {
			score_lookup(sl, st, line, len);
			st->v = &st->own;
		}
		st->str = 0;
		st->num = 0;
	}
	sc->override = -1;
	for (i = 0; i < m->novr; i++)
		if (cond_eval(m->ovr[i].when, &m->ev)) {
			sc->override = (int)i;
			break;
		}
	m->nhits = 0;
	m->ncaps = 0;
	for (i = 0; i < m->ngroups; i++) {
		m->gsum[i] = 0;
		m->gfired[i] = false;
	}
	for (i = 0; i < m->nrules; i++) {
		const struct rule *r = &m->rules[i];
		struct hit *h = &m->hits[m->nhits];

		if (r->when) {
			if (!cond_eval(r->when, &m->ev))
				continue;
			h->input = 1;
			h->contribution = r->weight;
			h->defaulted = false;
		} else if (!score_term(m, r, &h->input, &h->contribution,
				       &h->defaulted)) {
			continue;
		}
		h->rule = (int)i;
		m->nhits++;
		if (r->group >= 0) {
			m->gsum[r->group] += h->contribution;
			m->gfired[r->group] = true;
		}
	}
	/* The sum exactly as a reader adds up the printed reasons. */
	z = m->bias;
	for (i = 0; i < m->nhits; i++)
		z += m->hits[i].contribution;
	for (i = 0; i < m->ngroups; i++) {
		const struct group *g = &m->groups[i];
		struct capped *c = &m->caps[m->ncaps];

		if (!m->gfired[i])
			continue;
		if (g->has_max && m->gsum[i] > g->max)
			c->cap = g->max;
		else if (g->has_min && m->gsum[i] < g->min)
			c->cap = g->min;
		else
			continue;
		c->group = (int)i;
		c->adjust = c->cap - m->gsum[i];
		z += c->adjust;
		m->ncaps++;
	}
	if (!isfinite(z))
		return SCORE_NONFINITE;
	sc->z = z;
	sc->value = m->link == LINK_LOGISTIC ? 1 / (1 + exp(-z)) : z;
	if (sc->override >= 0) {
		sc->verdict = m->ovr[sc->override].verdict;
	} else {
		for (i = 0; i + 1 < m->nverdicts; i++)
			if (sc->value >= m->verdicts[i].min)
				break;
		sc->verdict = (int)i;
	}
	return SCORE_OK;
}

void
score_format(const struct model *m, const struct score *sc, struct buf *out)
{
	size_t i;
	bool first = true;

	buf_adds(out, "{\"value\":");
	fmtnum_add(out, sc->value);
	if (m->link == LINK_LOGISTIC) {
		buf_adds(out, ",\"logit\":");
		fmtnum_add(out, sc->z);
	}
	buf_adds(out, m->verdicts[sc->verdict].json);
	if (sc->override >= 0) {
		buf_adds(out, m->ovr[sc->override].json);
		first = false;
	}
	for (i = 0; i < m->nhits; i++) {
		const struct hit *h = &m->hits[i];
		const struct rule *r = &m->rules[h->rule];

		if (!first)
			buf_addc(out, ',');
		first = false;
		buf_add(out, r->json_head, r->json_head_len);
		if (r->when)
			continue; /* the whole reason was written once */
		buf_adds(out, "\"input\":");
		fmtnum_add(out, h->input);
		if (h->defaulted)
			buf_adds(out, ",\"default\":true");
		buf_adds(out, ",\"contribution\":");
		fmtnum_add(out, h->contribution);
		buf_addc(out, '}');
	}
	for (i = 0; i < m->ncaps; i++) {
		const struct capped *c = &m->caps[i];
		const struct group *g = &m->groups[c->group];

		if (!first)
			buf_addc(out, ',');
		first = false;
		buf_adds(out, "{\"group\":");
		buf_add_json_string(out, g->name, strlen(g->name));
		buf_adds(out, ",\"cap\":");
		fmtnum_add(out, c->cap);
		buf_adds(out, ",\"contribution\":");
		fmtnum_add(out, c->adjust);
		buf_addc(out, '}');
	}
	buf_adds(out, m->json_tail);
}
