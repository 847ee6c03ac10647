/*
 * model.c - loading, validating and describing an evscore model (the
 * format is evscore-model(5)).
 *
 * Every check names the file, line and column of the offending node.  The
 * checks are strict on purpose: a misspelt key, a group nobody uses or a
 * threshold that can never be reached is an error, not a silent no-op
 * (the complaint behind rspamd's "max_score silently ignored").
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "quote.h"
#include "util.h"

bool
model_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MODEL_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* A scalar name (rule, group, verdict) into *OUT (a copy). */
static int
model_get_name(struct mload *L, const struct ynode *n, const char *key,
	       char **out)
{
	const char *s;
	char q[400];

	if (yget_str(L->d, n, key, &s, L->err) < 0)
		return -1;
	if (!model_name_ok(s, n->len))
		return yerr(L->err, L->d, n,
			    "%s: '%s' is not a valid name (1 to %d letters, "
			    "digits, '_', '-' or '.')",
			    key, quote_text(s, n->len, q, sizeof(q)),
			    MODEL_NAME_MAX);
	*out = ev_strdup(s);
	return 0;
}

/* An optional description: any string. */
static int
model_get_description(struct mload *L, const struct ynode *map, char **out)
{
	const struct ynode *n = ymap_get(map, "description");
	const char *s;

	if (n == NULL)
		return 0;
	if (yget_str(L->d, n, "description", &s, L->err) < 0)
		return -1;
	*out = ev_strndup(s, n->len);
	return 0;
}

/* "missing 'KEY'" at the mapping MAP (which has a position). */
static int
model_missing(struct mload *L, const struct ynode *map, const char *what,
	      const char *key)
{
	return yerr(L->err, L->d, map, "%s: missing '%s'", what, key);
}

/* ---- slots and lists -------------------------------------------------- */

static void
model_split_key(const char *key, size_t n, void *arg)
{
	struct slot *s = arg;

	s->keys = ev_reallocarray(s->keys, s->nkeys + 1, sizeof(*s->keys));
	s->klens = ev_reallocarray(s->klens, s->nkeys + 1, sizeof(*s->klens));
	s->keys[s->nkeys] = ev_strndup(key, n);
	s->klens[s->nkeys] = n;
	s->nkeys++;
}

int
model_slot(struct mload *L, const struct ynode *field, int *slot)
{
	struct model *m = L->m;
	struct slot s;
	const char *path, *why;
	char q[400];
	size_t i;

	if (yget_str(L->d, field, "field", &path, L->err) < 0)
		return -1;
	if (strlen(path) != field->len)
		return yerr(L->err, L->d, field, "field: NUL byte in the path");
	for (i = 0; i < m->nslots; i++)
		if (strcmp(m->slots[i].path, path) == 0) {
			*slot = (int)i;
			return 0;
		}
	memset(&s, 0, sizeof(s));
	if (json_path_split(path, model_split_key, &s, &why) < 0) {
		for (i = 0; i < s.nkeys; i++)
			free(s.keys[i]);
		free(s.keys);
		free(s.klens);
		return yerr(L->err, L->d, field, "field: invalid path '%s': %s",
			    quote_text(path, field->len, q, sizeof(q)), why);
	}
	s.path = ev_strdup(path);
	s.ridx = -1;
	m->slots = ev_reallocarray(m->slots, m->nslots + 1, sizeof(*m->slots));
	m->slots[m->nslots] = s;
	*slot = (int)m->nslots++;
	return 0;
}

/* FILE resolved against the model's directory (absolute paths kept). */
static char *
model_resolve(const struct model *m, const char *file)
{
	struct buf b = BUF_INIT;

	if (file[0] == '/' || m->dir == NULL || strcmp(m->dir, ".") == 0)
		return ev_strdup(file);
	buf_printf(&b, "%s/%s", m->dir, file);
	return (char *)buf_str(&b);
}

int
model_list(struct mload *L, const struct ynode *spec, bool nocase,
	   const struct list **out)
{
	static const char *const keys[] = {"file", "kind", NULL};
	struct model *m = L->m;
	const struct ynode *fn, *kn;
	const char *file, *kind;
	enum list_kind k;
	struct list *l;
	char why[512], q[400];
	size_t i;

	if (spec->kind != YNODE_MAP)
		return yerr(L->err, L->d, spec,
			    "in_list: expected {file: PATH, kind: value | "
			    "domain | cidr}");
	if (ycheck_keys(L->d, spec, "in_list", keys, L->err) < 0)
		return -1;
	fn = ymap_get(spec, "file");
	kn = ymap_get(spec, "kind");
	if (fn == NULL)
		return model_missing(L, spec, "in_list", "file");
	if (kn == NULL)
		return yerr(L->err, L->d, spec,
			    "in_list: missing 'kind' (value, domain or cidr)");
	if (yget_str(L->d, fn, "file", &file, L->err) < 0 ||
	    yget_str(L->d, kn, "kind", &kind, L->err) < 0)
		return -1;
	if (strlen(file) != fn->len || fn->len == 0)
		return yerr(L->err, L->d, fn, "file: invalid file name");
	if (strcmp(kind, "value") == 0)
		k = LIST_VALUE;
	else if (strcmp(kind, "domain") == 0)
		k = LIST_DOMAIN;
	else if (strcmp(kind, "cidr") == 0)
		k = LIST_CIDR;
	else
		return yerr(L->err, L->d, kn,
			    "kind: expected value, domain or cidr, got '%s'",
			    quote_text(kind, kn->len, q, sizeof(q)));
	if (nocase && k != LIST_VALUE)
		return yerr(L->err, L->d, kn,
			    "'nocase' applies to value lists only (a %s list "
			    "ignores case already or has none)",
			    kind);
	for (i = 0; i < m->nlists; i++) {
		l = m->lists[i];
		if (strcmp(l->name, file) == 0 && l->kind == k &&
		    l->nocase == nocase) {
			*out = l;
			return 0;
		}
	}
	l = ev_calloc(1, sizeof(*l));
	l->name = ev_strdup(file);
	l->path = model_resolve(m, file);
	l->kind = k;
	l->nocase = nocase;
	m->lists = ev_reallocarray(m->lists, m->nlists + 1, sizeof(*m->lists));
	m->lists[m->nlists++] = l;
	if (list_load(l, why, sizeof(why)) < 0)
		return yerr(L->err, L->d, fn, "in_list: list '%s': %s",
			    quote_text(file, fn->len, q, sizeof(q)), why);
	*out = l;
	return 0;
}

/* ---- top level --------------------------------------------------------- */

static int
model_parse_types(struct mload *L, const struct ynode *n)
{
	struct model *m = L->m;
	size_t i, count = n->kind == YNODE_SEQ ? n->n : 1;

	if (n->kind == YNODE_MAP || (n->kind == YNODE_SEQ && n->n == 0))
		return yerr(L->err, L->d, n,
			    "types: expected an event type or a non-empty "
			    "list of them");
	m->types = ev_calloc(count, sizeof(*m->types));
	for (i = 0; i < count; i++) {
		const struct ynode *t = n->kind == YNODE_SEQ ? n->kids[i] : n;
		const char *s;

		if (yget_str(L->d, t, "types", &s, L->err) < 0)
			return -1;
		if (t->len == 0 || strlen(s) != t->len)
			return yerr(L->err, L->d, t,
				    "types: invalid event type");
		m->types[i].pat = ev_strdup(s);
		m->types[i].len = t->len;
		m->types[i].glob = strpbrk(s, "*?[") != NULL;
		m->ntypes++;
	}
	return 0;
}

static int
model_parse_groups(struct mload *L, const struct ynode *n)
{
	static const char *const keys[] = {"max", "min", "description", NULL};
	struct model *m = L->m;
	size_t i;

	if (n->kind != YNODE_MAP)
		return yerr(L->err, L->d, n,
			    "groups: expected a mapping of group names to "
			    "{max, min}");
	m->groups = ev_calloc(n->n / 2 + 1, sizeof(*m->groups));
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		struct group *g = &m->groups[m->ngroups];
		char q[400];

		if (!model_name_ok(k->str, k->len))
			return yerr(L->err, L->d, k,
				    "groups: '%s' is not a valid name (1 to "
				    "%d letters, digits, '_', '-' or '.')",
				    quote_text(k->str, k->len, q, sizeof(q)),
				    MODEL_NAME_MAX);
		g->name = ev_strdup(k->str);
		g->line = k->line;
		g->col = k->col;
		m->ngroups++;
		if (ynode_is_null(v))
			continue; /* a group without caps */
		if (ycheck_keys(L->d, v, "group", keys, L->err) < 0 ||
		    model_get_description(L, v, &g->description) < 0)
			return -1;
		if (ymap_get(v, "max")) {
			if (yget_double(L->d, ymap_get(v, "max"), "max",
					&g->max, L->err) < 0)
				return -1;
			if (g->max < 0)
				return yerr(L->err, L->d, ymap_get(v, "max"),
					    "max: a group's cap must be 0 or "
					    "more");
			g->has_max = true;
		}
		if (ymap_get(v, "min")) {
			if (yget_double(L->d, ymap_get(v, "min"), "min",
					&g->min, L->err) < 0)
				return -1;
			if (g->min > 0)
				return yerr(L->err, L->d, ymap_get(v, "min"),
					    "min: a group's floor must be 0 or "
					    "less");
			g->has_min = true;
		}
	}
	return 0;
}

static int
model_parse_verdicts(struct mload *L, const struct ynode *n)
{
	static const char *const keys[] = {"verdict", "min", "description",
					   NULL};
	struct model *m = L->m;
	size_t i, j;

	if (n->kind != YNODE_SEQ || n->n == 0)
		return yerr(L->err, L->d, n,
			    "verdicts: expected a non-empty list of {verdict, "
			    "min}");
	m->verdicts = ev_calloc(n->n, sizeof(*m->verdicts));
	for (i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *name, *min;
		struct verdict *vd = &m->verdicts[i];

		if (ycheck_keys(L->d, v, "verdict", keys, L->err) < 0)
			return -1;
		name = ymap_get(v, "verdict");
		if (name == NULL)
			return model_missing(L, v, "verdicts", "verdict");
		if (model_get_name(L, name, "verdict", &vd->name) < 0)
			return -1;
		m->nverdicts++;
		if (model_get_description(L, v, &vd->description) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(m->verdicts[j].name, vd->name) == 0)
				return yerr(L->err, L->d, name,
					    "verdicts: duplicate verdict '%s'",
					    vd->name);
		min = ymap_get(v, "min");
		if (min == NULL) {
			if (i + 1 < n->n)
				return yerr(L->err, L->d, v,
					    "verdicts: '%s' has no 'min'; only "
					    "the last verdict may omit it",
					    vd->name);
			continue;
		}
		if (i + 1 == n->n)
			return yerr(L->err, L->d, min,
				    "verdicts: the last verdict ('%s') must "
				    "have no 'min': it takes every score "
				    "below the others",
				    vd->name);
		if (yget_double(L->d, min, "min", &vd->min, L->err) < 0)
			return -1;
		vd->has_min = true;
		if (m->link == LINK_LOGISTIC && (vd->min < 0 || vd->min > 1))
			return yerr(L->err, L->d, min,
				    "min: %s is not a probability (link "
				    "logistic scores lie between 0 and 1)",
				    min->str);
		if (i > 0 && !(vd->min < m->verdicts[i - 1].min))
			return yerr(L->err, L->d, min,
				    "verdicts: thresholds must decrease: '%s' "
				    "min %s is not below '%s' min %s",
				    vd->name, min->str, m->verdicts[i - 1].name,
				    ymap_get(n->kids[i - 1], "min")->str);
	}
	return 0;
}

/* The name of a rule or override, unique among both. */
static int
model_rule_name(struct mload *L, const struct ynode *map, const char *what,
		char **out)
{
	const struct ynode *n = ymap_get(map, "name");
	const struct model *m = L->m;
	size_t i;

	if (n == NULL)
		return model_missing(L, map, what, "name");
	if (model_get_name(L, n, "name", out) < 0)
		return -1;
	for (i = 0; i < m->nrules + m->novr; i++) {
		const char *other = i < m->nrules ? m->rules[i].name
						  : m->ovr[i - m->nrules].name;
		unsigned line = i < m->nrules ? m->rules[i].line
					      : m->ovr[i - m->nrules].line;
		unsigned col =
		    i < m->nrules ? m->rules[i].col : m->ovr[i - m->nrules].col;

		if (strcmp(other, *out) == 0) {
			yerr(L->err, L->d, n,
			     "duplicate rule name '%s' (first at line %u, "
			     "column %u)",
			     *out, line, col);
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

static int
model_parse_term(struct mload *L, struct rule *r, const struct ynode *t)
{
	static const char *const keys[] = {"field", "log1p", "clip", "default",
					   NULL};
	const struct ynode *n;

	if (ycheck_keys(L->d, t, "term", keys, L->err) < 0)
		return -1;
	if ((n = ymap_get(t, "field")) == NULL)
		return model_missing(L, t, "term", "field");
	if (model_slot(L, n, &r->slot) < 0)
		return -1;
	if ((n = ymap_get(t, "log1p")) != NULL &&
	    yget_bool(L->d, n, "log1p", &r->log1p, L->err) < 0)
		return -1;
	if ((n = ymap_get(t, "clip")) != NULL) {
		if (n->kind != YNODE_SEQ || n->n != 2)
			return yerr(L->err, L->d, n,
				    "clip: expected [low, high]");
		if (yget_double(L->d, n->kids[0], "clip", &r->clip_lo, L->err) <
			0 ||
		    yget_double(L->d, n->kids[1], "clip", &r->clip_hi, L->err) <
			0)
			return -1;
		if (r->clip_lo > r->clip_hi)
			return yerr(L->err, L->d, n,
				    "clip: low %s is above high %s",
				    n->kids[0]->str, n->kids[1]->str);
		if (r->log1p && r->clip_lo <= -1)
			return yerr(L->err, L->d, n->kids[0],
				    "clip: low must be above -1 with log1p");
		r->has_clip = true;
	}
	if ((n = ymap_get(t, "default")) != NULL) {
		double x;

		if (yget_double(L->d, n, "default", &r->def, L->err) < 0)
			return -1;
		x = r->has_clip ? fmin(fmax(r->def, r->clip_lo), r->clip_hi)
				: r->def;
		if (r->log1p && x <= -1)
			return yerr(L->err, L->d, n,
				    "default: must be above -1 with log1p");
		r->has_default = true;
	}
	return 0;
}

static int
model_parse_rule(struct mload *L, const struct ynode *map)
{
	static const char *const keys[] = {
	    "name", "description", "group", "weight", "when", "term", NULL};
	struct model *m = L->m;
	struct rule *r;
	const struct ynode *n, *when, *term;
	char *name = NULL;
	size_t i;

	if (ycheck_keys(L->d, map, "rule", keys, L->err) < 0)
		return -1;
	if (model_rule_name(L, map, "rule", &name) < 0)
		return -1;
	r = &m->rules[m->nrules++];
	r->name = name;
	r->line = ymap_get(map, "name")->line;
	r->col = ymap_get(map, "name")->col;
	r->group = -1;
	r->slot = -1;
	if (model_get_description(L, map, &r->description) < 0)
		return -1;
	if ((n = ymap_get(map, "weight")) == NULL)
		return yerr(L->err, L->d, map, "rule '%s': missing 'weight'",
			    name);
	if (yget_double(L->d, n, "weight", &r->weight, L->err) < 0)
		return -1;
	if ((n = ymap_get(map, "group")) != NULL) {
		const char *g;
		char q[400];

		if (yget_str(L->d, n, "group", &g, L->err) < 0)
			return -1;
		for (i = 0; i < m->ngroups; i++)
			if (strcmp(m->groups[i].name, g) == 0)
				break;
		if (i == m->ngroups)
			return yerr(L->err, L->d, n,
				    "group: '%s' is not declared in 'groups'",
				    quote_text(g, n->len, q, sizeof(q)));
		r->group = (int)i;
		m->groups[i].nrules++;
	}
	when = ymap_get(map, "when");
	term = ymap_get(map, "term");
	if (when && term)
		return yerr(L->err, L->d, term,
			    "rule '%s': 'when' and 'term' exclude each other",
			    name);
	if (when == NULL && term == NULL)
		return yerr(L->err, L->d, map,
			    "rule '%s': needs 'when' (a condition) or 'term' "
			    "(a numeric field)",
			    name);
	if (term) {
		m->nterms++;
		return model_parse_term(L, r, term);
	}
	return cond_compile(L, when, "when", &r->when);
}

static int
model_parse_override(struct mload *L, const struct ynode *map)
{
	static const char *const keys[] = {"name", "description", "when",
					   "verdict", NULL};
	struct model *m = L->m;
	struct override *o;
	const struct ynode *n;
	const char *v;
	char *name = NULL, q[400];

	if (ycheck_keys(L->d, map, "override", keys, L->err) < 0)
		return -1;
	if (model_rule_name(L, map, "override", &name) < 0)
		return -1;
	o = &m->ovr[m->novr++];
	o->name = name;
	o->line = ymap_get(map, "name")->line;
	o->col = ymap_get(map, "name")->col;
	if (model_get_description(L, map, &o->description) < 0)
		return -1;
	if ((n = ymap_get(map, "verdict")) == NULL)
		return yerr(L->err, L->d, map,
			    "override '%s': missing 'verdict'", name);
	if (yget_str(L->d, n, "verdict", &v, L->err) < 0)
		return -1;
	o->verdict = model_verdict(m, v);
	if (o->verdict < 0)
		return yerr(L->err, L->d, n,
			    "verdict: '%s' is not one of the model's verdicts",
			    quote_text(v, n->len, q, sizeof(q)));
	if ((n = ymap_get(map, "when")) == NULL)
		return yerr(L->err, L->d, map, "override '%s': missing 'when'",
			    name);
	return cond_compile(L, n, "when", &o->when);
}

static int
model_parse_version(struct mload *L, const struct ynode *n)
{
	size_t i;
	char q[400];

	if (n->kind != YNODE_SCALAR || ynode_is_null(n))
		return yerr(L->err, L->d, n, "version: expected a string");
	if (n->len > MODEL_NAME_MAX)
		return yerr(L->err, L->d, n, "version: longer than %d bytes",
			    MODEL_NAME_MAX);
	for (i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->str[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
			return yerr(L->err, L->d, n,
				    "version: '%s' may hold printable ASCII "
				    "only, without blanks, quotes or "
				    "backslashes",
				    quote_text(n->str, n->len, q, sizeof(q)));
	}
	L->m->version = ev_strdup(n->str);
	return 0;
}

static int
model_parse(struct mload *L)
{
	static const char *const keys[] = {
	    "name",   "version", "description", "link",     "bias", "types",
	    "groups", "rules",   "overrides",   "verdicts", NULL};
	const struct ynode *root = L->d->root, *n;
	struct model *m = L->m;
	const char *s;
	char q[400];
	size_t i;

	if (root == NULL) {
		struct ynode at = {.line = 1, .col = 1};

		return yerr(L->err, L->d, &at, "empty model");
	}
	if (root->kind != YNODE_MAP)
		return yerr(L->err, L->d, root,
			    "model: expected a mapping (name, version, link, "
			    "rules, verdicts, ...)");
	if (ycheck_keys(L->d, root, "model", keys, L->err) < 0)
		return -1;
	if ((n = ymap_get(root, "name")) == NULL)
		return model_missing(L, root, "model", "name");
	if (model_get_name(L, n, "name", &m->name) < 0)
		return -1;
	if ((n = ymap_get(root, "version")) == NULL)
		return model_missing(L, root, "model", "version");
	if (model_parse_version(L, n) < 0)
		return -1;
	if (model_get_description(L, root, &m->description) < 0)
		return -1;
	if ((n = ymap_get(root, "link")) == NULL)
		return yerr(L->err, L->d, root,
			    "model: missing 'link' (logistic or points)");
	if (yget_str(L->d, n, "link", &s, L->err) < 0)
		return -1;
	if (strcmp(s, "logistic") == 0)
		m->link = LINK_LOGISTIC;
	else if (strcmp(s, "points") == 0)
		m->link = LINK_POINTS;
	else
		return yerr(L->err, L->d, n,
			    "link: expected logistic or points, got '%s'",
			    quote_text(s, n->len, q, sizeof(q)));
	if ((n = ymap_get(root, "bias")) != NULL &&
	    yget_double(L->d, n, "bias", &m->bias, L->err) < 0)
		return -1;
	if ((n = ymap_get(root, "types")) != NULL &&
	    model_parse_types(L, n) < 0)
		return -1;
	if ((n = ymap_get(root, "groups")) != NULL &&
	    model_parse_groups(L, n) < 0)
		return -1;
	if ((n = ymap_get(root, "verdicts")) == NULL)
		return model_missing(L, root, "model", "verdicts");
	if (model_parse_verdicts(L, n) < 0)
		return -1;
	if ((n = ymap_get(root, "rules")) == NULL)
		return model_missing(L, root, "model", "rules");
	if (n->kind != YNODE_SEQ || n->n == 0)
		return yerr(L->err, L->d, n,
			    "rules: expected a non-empty list of rules");
	if (n->n > MODEL_MAX_RULES)
		return yerr(L->err, L->d, n, "rules: more than %d",
			    MODEL_MAX_RULES);
	{
		const struct ynode *o = ymap_get(root, "overrides");
		size_t no = 0;

		if (o && !ynode_is_null(o)) {
			if (o->kind != YNODE_SEQ)
				return yerr(L->err, L->d, o,
					    "overrides: expected a list of "
					    "{name, when, verdict}");
			no = o->n;
		}
		if (n->n + no > MODEL_MAX_RULES)
			return yerr(L->err, L->d, n,
				    "rules and overrides: more than %d",
				    MODEL_MAX_RULES);
		m->rules = ev_calloc(n->n, sizeof(*m->rules));
		m->ovr = ev_calloc(no ? no : 1, sizeof(*m->ovr));
		for (i = 0; i < n->n; i++)
			if (model_parse_rule(L, n->kids[i]) < 0)
				return -1;
		for (i = 0; i < no; i++)
			if (model_parse_override(L, o->kids[i]) < 0)
				return -1;
	}
	for (i = 0; i < m->ngroups; i++)
		if (m->groups[i].nrules == 0) {
			struct ynode at = {.line = m->groups[i].line,
					   .col = m->groups[i].col};

			return yerr(L->err, L->d, &at,
				    "group '%s' has no rules",
				    m->groups[i].name);
		}
	return 0;
}

/* Working memory and output fragments, once the model is complete. */
static void
model_prepare(struct model *m)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_printf(&b, "%s@%s", m->name, m->version);
	m->id = ev_strdup(buf_str(&b));
	buf_free(&b);
	/* The constant parts of the output, written once. */
	for (i = 0; i < m->nrules; i++) {
		struct rule *r = &m->rules[i];

		buf_init(&b);
		buf_adds(&b, "{\"rule\":");
		buf_add_json_string(&b, r->name, strlen(r->name));
		buf_addc(&b, ',');
		if (r->when) {
			buf_adds(&b, "\"contribution\":");
			buf_add_double(&b, r->weight);
			buf_addc(&b, '}');
		}
		r->json_head_len = b.len;
		r->json_head = (char *)buf_str(&b);
	}
	for (i = 0; i < m->novr; i++) {
		struct override *o = &m->ovr[i];
		const char *v = m->verdicts[o->verdict].name;

		buf_init(&b);
		buf_adds(&b, "{\"rule\":");
		buf_add_json_string(&b, o->name, strlen(o->name));
		buf_adds(&b, ",\"verdict\":");
		buf_add_json_string(&b, v, strlen(v));
		buf_adds(&b, ",\"contribution\":0}");
		o->json = (char *)buf_str(&b);
	}
	for (i = 0; i < m->nverdicts; i++) {
		struct verdict *v = &m->verdicts[i];

		buf_init(&b);
		buf_adds(&b, ",\"verdict\":");
		buf_add_json_string(&b, v->name, strlen(v->name));
		buf_adds(&b, ",\"reasons\":[");
		v->json = (char *)buf_str(&b);
	}
	buf_init(&b);
	buf_adds(&b, "],\"model\":");
	buf_add_json_string(&b, m->id, strlen(m->id));
	buf_addc(&b, '}');
	m->json_tail = (char *)buf_str(&b);
	m->ev.n = m->nslots;
	m->ev.st = ev_calloc(m->nslots ? m->nslots : 1, sizeof(*m->ev.st));
	m->hits = ev_calloc(m->nrules, sizeof(*m->hits));
	m->caps = ev_calloc(m->ngroups ? m->ngroups : 1, sizeof(*m->caps));
	m->gsum = ev_calloc(m->ngroups ? m->ngroups : 1, sizeof(*m->gsum));
	m->gfired = ev_calloc(m->ngroups ? m->ngroups : 1, sizeof(*m->gfired));
}

struct model *
model_load_string(const char *name, const char *dir, const char *text,
		  size_t len, struct buf *err)
{
	struct model *m = ev_calloc(1, sizeof(*m));
	struct ydoc d;
	struct mload L;

	m->file = ev_strdup(name);
	m->dir = ev_strdup(dir ? dir : ".");
	if (ydoc_load_string(&d, name, text, len, err) < 0) {
		ydoc_free(&d);
		model_free(m);
		return NULL;
	}
	L.d = &d;
	L.err = err;
	L.m = m;
	if (model_parse(&L) < 0) {
		ydoc_free(&d);
		model_free(m);
		return NULL;
	}
	ydoc_free(&d);
	model_prepare(m);
	return m;
}

struct model *
model_load(const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	struct model *m;
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (buf_read_fd(&text, fd, YCFG_MAX_BYTES) < 0) {
		if (errno == EFBIG)
			buf_printf(err, "%s: larger than %u bytes", path,
				   YCFG_MAX_BYTES);
		else
			buf_printf(err, "%s: %s", path, strerror(errno));
		close(fd);
		buf_free(&text);
		return NULL;
	}
	close(fd);
	if (slash == NULL)
		dir = ev_strdup(".");
	else if (slash == path)
		dir = ev_strdup("/");
	else
		dir = ev_strndup(path, (size_t)(slash - path));
	m = model_load_string(path, dir, text.data ? text.data : "", text.len,
			      err);
	free(dir);
	buf_free(&text);
	return m;
}

void
model_free(struct model *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrules; i++) {
		free(m->rules[i].name);
		free(m->rules[i].description);
		free(m->rules[i].json_head);
		cond_free(m->rules[i].when);
	}
	free(m->rules);
	for (i = 0; i < m->novr; i++) {
		free(m->ovr[i].name);
		free(m->ovr[i].description);
		free(m->ovr[i].json);
		cond_free(m->ovr[i].when);
	}
	free(m->ovr);
	for (i = 0; i < m->ngroups; i++) {
		free(m->groups[i].name);
		free(m->groups[i].description);
	}
	free(m->groups);
	for (i = 0; i < m->nverdicts; i++) {
		free(m->verdicts[i].name);
		free(m->verdicts[i].description);
		free(m->verdicts[i].json);
	}
	free(m->verdicts);
	for (i = 0; i < m->nslots; i++) {
		for (j = 0; j < m->slots[i].nkeys; j++)
			free(m->slots[i].keys[j]);
		free(m->slots[i].keys);
		free(m->slots[i].klens);
		free(m->slots[i].path);
		if (m->ev.st)
			buf_free(&m->ev.st[i].dec);
	}
	free(m->slots);
	for (i = 0; i < m->ntypes; i++)
		free(m->types[i].pat);
	free(m->types);
	for (i = 0; i < m->nlists; i++)
		list_free(m->lists[i]);
	free(m->lists);
	free(m->ev.st);
	buf_free(&m->ev.rx);
	free(m->hits);
	free(m->caps);
	free(m->gsum);
	free(m->gfired);
	buf_free(&m->typebuf);
	free(m->file);
	free(m->dir);
	free(m->name);
	free(m->version);
	free(m->description);
	free(m->id);
	free(m->json_tail);
	free(m);
}

void
model_bind(struct model *m, int (*lookup)(void *arg, const char *path),
	   void *arg)
{
	size_t i;

	for (i = 0; i < m->nslots; i++)
		m->slots[i].ridx = lookup(arg, m->slots[i].path);
}

int
model_verdict(const struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nverdicts; i++)
		if (strcmp(m->verdicts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- --check ---------------------------------------------------------- */

static void
model_summary_count(struct buf *out, size_t n, const char *one,
		    const char *many)
{
	buf_printf(out, " (%zu %s)", n, n == 1 ? one : many);
}

static void
model_summary_lit(struct buf *out, const struct cond_lit *l)
{
	switch (l->type) {
	case JSON_STRING:
		buf_add_json_string(out, l->str, l->len);
		break;
	case JSON_NUMBER:
		buf_add_double(out, l->num);
		break;
	default:
		buf_adds(out, json_type_name(l->type));
		break;
	}
}

/* One line's worth of a condition: "data.spf eq \"fail\"". */
static void
model_summary_cond(const struct model *m, const struct cond *c, struct buf *out)
{
	char q[400];
	size_t i;

	if (c->op == COND_ALL || c->op == COND_ANY || c->op == COND_NOT) {
		buf_printf(out, "%s(", cond_op_name(c->op));
		for (i = 0; i < c->nkids; i++) {
			if (i)
				buf_adds(out, ", ");
			model_summary_cond(m, c->kids[i], out);
		}
		buf_addc(out, ')');
		return;
	}
	buf_printf(out, "%s %s", m->slots[c->slot].path, cond_op_name(c->op));
	switch (c->op) {
	case COND_EQ:
	case COND_NE:
		buf_addc(out, ' ');
		model_summary_lit(out, &c->lit);
		break;
	case COND_IN:
	case COND_NOT_IN:
		model_summary_count(out,
				    c->vs.strs.n + c->vs.nnums +
					c->vs.has_true + c->vs.has_false +
					c->vs.has_null,
				    "value", "values");
		break;
	case COND_EXISTS:
	case COND_MISSING:
		if (!c->flag)
			buf_adds(out, " false");
		break;
	case COND_BETWEEN:
		buf_adds(out, " [");
		buf_add_double(out, c->lo);
		buf_adds(out, ", ");
		buf_add_double(out, c->hi);
		buf_addc(out, ']');
		break;
	case COND_PREFIX:
	case COND_SUFFIX:
	case COND_CONTAINS:
		if (c->nstrs == 1) {
			buf_addc(out, ' ');
			model_summary_lit(out, &c->strs[0]);
		} else {
			model_summary_count(out, c->nstrs, "string", "strings");
		}
		break;
	case COND_REGEX:
		buf_printf(out, " '%s'",
			   quote_text(c->lit.str, c->lit.len, q, sizeof(q)));
		break;
	case COND_CIDR:
		model_summary_count(out, c->ips.added, "network", "networks");
		break;
	case COND_DOMAIN:
		model_summary_count(out, c->doms.n, "domain", "domains");
		break;
	case COND_IN_LIST:
		buf_printf(out, " %s",
			   quote_text(c->list->name, strlen(c->list->name), q,
				      sizeof(q)));
		break;
	default:
		buf_addc(out, ' ');
		buf_add_double(out, c->lo);
		break;
	}
	if (c->nocase)
		buf_adds(out, " nocase");
}

void
model_summary(const struct model *m, struct buf *out)
{
	size_t i, w = 4, lw = 4;

	buf_printf(out, "model %s (%s)\n", m->id, m->file);
	if (m->description)
		buf_printf(out, "  %s\n", m->description);
	buf_printf(out, "link %s, bias ",
		   m->link == LINK_LOGISTIC ? "logistic" : "points");
	buf_add_double(out, m->bias);
	buf_addc(out, '\n');
	buf_adds(out, "types ");
	if (m->ntypes == 0)
		buf_adds(out, "(every event)");
	for (i = 0; i < m->ntypes; i++)
		buf_printf(out, "%s%s", i ? ", " : "", m->types[i].pat);
	buf_addc(out, '\n');
	buf_printf(out, "fields %zu:", m->nslots);
	for (i = 0; i < m->nslots; i++)
		buf_printf(out, " %s", m->slots[i].path);
	buf_addc(out, '\n');
	for (i = 0; i < m->nrules; i++)
		if (strlen(m->rules[i].name) > w)
			w = strlen(m->rules[i].name);
	for (i = 0; i < m->novr; i++)
		if (strlen(m->ovr[i].name) > w)
			w = strlen(m->ovr[i].name);
	for (i = 0; i < m->ngroups; i++)
		if (strlen(m->groups[i].name) > w)
			w = strlen(m->groups[i].name);
	for (i = 0; i < m->nverdicts; i++)
		if (strlen(m->verdicts[i].name) > w)
			w = strlen(m->verdicts[i].name);
	for (i = 0; i < m->nlists; i++)
		if (strlen(m->lists[i]->name) > lw)
			lw = strlen(m->lists[i]->name);
	buf_printf(out, "rules %zu (%zu term%s)\n", m->nrules, m->nterms,
		   m->nterms == 1 ? "" : "s");
	for (i = 0; i < m->nrules; i++) {
		const struct rule *r = &m->rules[i];

		buf_printf(out, "  %-*s  weight ", (int)w, r->name);
		buf_add_double(out, r->weight);
		if (r->group >= 0)
			buf_printf(out, "  group %s", m->groups[r->group].name);
		buf_adds(out, "  ");
		if (r->when) {
			model_summary_cond(m, r->when, out);
		} else {
			buf_printf(out, "term %s", m->slots[r->slot].path);
			if (r->has_clip) {
				buf_adds(out, " clip [");
				buf_add_double(out, r->clip_lo);
				buf_adds(out, ", ");
				buf_add_double(out, r->clip_hi);
				buf_addc(out, ']');
			}
			if (r->log1p)
				buf_adds(out, " log1p");
			if (r->has_default) {
				buf_adds(out, " default ");
				buf_add_double(out, r->def);
			}
		}
		buf_addc(out, '\n');
	}
	buf_printf(out, "groups %zu\n", m->ngroups);
	for (i = 0; i < m->ngroups; i++) {
		const struct group *g = &m->groups[i];

		buf_printf(out, "  %-*s  %zu rule%s", (int)w, g->name,
			   g->nrules, g->nrules == 1 ? "" : "s");
		if (g->has_min) {
			buf_adds(out, "  min ");
			buf_add_double(out, g->min);
		}
		if (g->has_max) {
			buf_adds(out, "  max ");
			buf_add_double(out, g->max);
		}
		buf_addc(out, '\n');
	}
	buf_printf(out, "overrides %zu\n", m->novr);
	for (i = 0; i < m->novr; i++) {
		buf_printf(out, "  %-*s  -> %s  ", (int)w, m->ovr[i].name,
			   m->verdicts[m->ovr[i].verdict].name);
		model_summary_cond(m, m->ovr[i].when, out);
		buf_addc(out, '\n');
	}
	buf_printf(out, "lists %zu\n", m->nlists);
	for (i = 0; i < m->nlists; i++) {
		const struct list *l = m->lists[i];

		buf_printf(out, "  %-*s  %-6s  %zu entr%s%s\n", (int)lw,
			   l->name, list_kind_name(l->kind), l->entries,
			   l->entries == 1 ? "y" : "ies",
			   l->nocase ? " (nocase)" : "");
	}
	buf_printf(out, "verdicts %zu\n", m->nverdicts);
	for (i = 0; i < m->nverdicts; i++) {
		const struct verdict *v = &m->verdicts[i];

		buf_printf(out, "  %-*s  ", (int)w, v->name);
		if (v->has_min) {
			buf_printf(out, "%s >= ",
				   m->link == LINK_LOGISTIC ? "probability"
							    : "points");
			buf_add_double(out, v->min);
		} else {
			buf_adds(out, "otherwise");
		}
		buf_addc(out, '\n');
	}
}
