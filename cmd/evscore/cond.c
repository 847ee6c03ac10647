/*
 * cond.c - evscore's conditions: compiling them from the model and
 * evaluating them on an event.
 *
 * The semantics on missing and wrong-typed values (evscore-model(5)):
 * a field that is missing makes every operator false except `missing`
 * (true) and `exists: false`; only `not` can turn that false into a match.
 * A value of another JSON type than the operator takes makes it false,
 * except for `ne` and `not_in`, which are true for any present value that
 * is not equal (a number is not equal to a string), and `exists`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "quote.h"
#include "rxsafe.h"
#include "util.h"

static const char *const cond_names[COND_NOPS] = {
    [COND_EQ] = "eq",           [COND_NE] = "ne",
    [COND_IN] = "in",           [COND_NOT_IN] = "not_in",
    [COND_EXISTS] = "exists",   [COND_MISSING] = "missing",
    [COND_GT] = "gt",           [COND_GTE] = "gte",
    [COND_LT] = "lt",           [COND_LTE] = "lte",
    [COND_BETWEEN] = "between", [COND_PREFIX] = "prefix",
    [COND_SUFFIX] = "suffix",   [COND_CONTAINS] = "contains",
    [COND_REGEX] = "regex",     [COND_CIDR] = "cidr",
    [COND_DOMAIN] = "domain",   [COND_IN_LIST] = "in_list",
    [COND_ALL] = "all",         [COND_ANY] = "any",
    [COND_NOT] = "not",
};

#define COND_OPS_TEXT                                                          \
	"eq, ne, in, not_in, exists, missing, gt, gte, lt, lte, between, "     \
	"prefix, suffix, contains, regex, cidr, domain, in_list, all, any, "   \
	"not"

const char *
cond_op_name(enum cond_op op)
{
	return op < COND_NOPS ? cond_names[op] : "?";
}

static int
cond_op_lookup(const char *s)
{
	int i;

	for (i = 0; i < COND_NOPS; i++)
		if (strcmp(s, cond_names[i]) == 0)
			return i;
	return -1;
}

static bool
cond_takes_nocase(enum cond_op op)
{
	switch (op) {
	case COND_EQ:
	case COND_NE:
	case COND_IN:
	case COND_NOT_IN:
	case COND_PREFIX:
	case COND_SUFFIX:
	case COND_CONTAINS:
	case COND_REGEX:
	case COND_IN_LIST:
		return true;
	default:
		return false;
	}
}

/* ---- compiling ------------------------------------------------------- */

static bool
cond_is_number_text(const char *s)
{
	char *end;

	if (*s == '\0' || strpbrk(s, "xXnNiI") != NULL)
		return false;
	(void)strtod(s, &end);
	return *end == '\0';
}

/*
 * A literal from scalar N, typed as YAML's core schema does for plain
 * scalars: null, ~ or empty is null, true and false are booleans, a number
 * is a number, anything else (and every quoted scalar) is a string.
 */
static int
cond_lit_parse(struct mload *L, const struct ynode *n, const char *what,
	       bool nocase, struct cond_lit *out)
{
	memset(out, 0, sizeof(*out));
	if (n->kind != YNODE_SCALAR)
		return yerr(L->err, L->d, n,
			    "%s: expected a string, number, true, false or "
			    "null",
			    what);
	if (ynode_is_null(n)) {
		out->type = JSON_NULL;
	} else if (n->plain && strcmp(n->str, "true") == 0) {
		out->type = JSON_TRUE;
	} else if (n->plain && strcmp(n->str, "false") == 0) {
		out->type = JSON_FALSE;
	} else if (n->plain && cond_is_number_text(n->str)) {
		if (yget_double(L->d, n, what, &out->num, L->err) < 0)
			return -1;
		out->type = JSON_NUMBER;
	} else {
		size_t i;

		out->type = JSON_STRING;
		out->len = n->len;
		out->str = ev_malloc(n->len + 1);
		for (i = 0; i < n->len; i++)
			out->str[i] =
			    nocase
				? (char)strset_lower((unsigned char)n->str[i])
				: n->str[i];
		out->str[n->len] = '\0';
	}
	return 0;
}

/* A string operand: any scalar but null, taken as its text. */
static int
cond_str_parse(struct mload *L, const struct ynode *n, const char *what,
	       bool nocase, struct cond_lit *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n->kind != YNODE_SCALAR || ynode_is_null(n))
		return yerr(L->err, L->d, n, "%s: expected a string", what);
	if (n->len == 0)
		return yerr(L->err, L->d, n, "%s: empty string", what);
	out->type = JSON_STRING;
	out->len = n->len;
	out->str = ev_malloc(n->len + 1);
	for (i = 0; i < n->len; i++)
		out->str[i] = nocase
				  ? (char)strset_lower((unsigned char)n->str[i])
				  : n->str[i];
	out->str[n->len] = '\0';
	return 0;
}

/*
 * The items of an operand that is one scalar or a non-empty list of them:
 * sets *items and *n.
 */
static int
cond_items(struct mload *L, const struct ynode *n, const char *what,
	   const char *expect, struct ynode *const **items, size_t *count)
{
	if (n->kind == YNODE_SCALAR) {
		static struct ynode *one[1];

		/* Callers use the item before the next call. */
		one[0] = (struct ynode *)n;
		*items = one;
		*count = 1;
		return 0;
	}
	if (n->kind != YNODE_SEQ)
		return yerr(L->err, L->d, n, "%s: expected %s", what, expect);
	if (n->n == 0)
		return yerr(L->err, L->d, n, "%s: empty list", what);
	*items = n->kids;
	*count = n->n;
	return 0;
}

static int
cond_compile_in(struct mload *L, struct cond *c, const struct ynode *v,
		const char *what)
{
	size_t i;

	if (v->kind != YNODE_SEQ)
		return yerr(L->err, L->d, v, "%s: expected a list of values",
			    what);
	if (v->n == 0)
		return yerr(L->err, L->d, v, "%s: empty list", what);
	strset_init(&c->vs.strs, c->nocase);
	for (i = 0; i < v->n; i++) {
		struct cond_lit lit;

		if (cond_lit_parse(L, v->kids[i], what, false, &lit) < 0)
			return -1;
		switch (lit.type) {
		case JSON_STRING:
			strset_add(&c->vs.strs, lit.str, lit.len);
			free(lit.str);
			break;
		case JSON_NUMBER:
			c->vs.nums = ev_reallocarray(
			    c->vs.nums, c->vs.nnums + 1, sizeof(double));
			c->vs.nums[c->vs.nnums++] = lit.num;
			break;
		case JSON_TRUE:
			c->vs.has_true = true;
			break;
		case JSON_FALSE:
			c->vs.has_false = true;
			break;
		default:
			c->vs.has_null = true;
			break;
		}
	}
	return 0;
}

static int
cond_compile_regex(struct mload *L, struct cond *c, const struct ynode *v)
{
	char why[256];
	int rc;

	if (v->kind != YNODE_SCALAR || ynode_is_null(v))
		return yerr(L->err, L->d, v, "regex: expected a string");
	if (rxsafe_check(v->str, v->len, why, sizeof(why)) < 0)
		return yerr(L->err, L->d, v, "regex: %s", why);
	rc = regcomp(&c->re, v->str,
		     REG_EXTENDED | REG_NOSUB | (c->nocase ? REG_ICASE : 0));
	if (rc != 0) {
		regerror(rc, &c->re, why, sizeof(why));
		return yerr(L->err, L->d, v, "regex: invalid pattern: %s", why);
	}
	c->have_re = true;
	c->lit.type = JSON_STRING; /* the pattern, for --check */
	c->lit.str = ev_strndup(v->str, v->len);
	c->lit.len = v->len;
	return 0;
}

static int
cond_compile_cidr(struct mload *L, struct cond *c, const struct ynode *v)
{
	struct ynode *const *items;
	size_t n, i;

	ipset_init(&c->ips);
	if (cond_items(L, v, "cidr", "a CIDR or a list of CIDRs", &items, &n) <
	    0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct ynode *it = items[i];
		struct cidr net;
		char why[160], q[400];

		if (it->kind != YNODE_SCALAR || ynode_is_null(it))
			return yerr(L->err, L->d, it, "cidr: expected a CIDR");
		if (cidr_parse(it->str, it->len, &net, why, sizeof(why)) < 0)
			return yerr(
			    L->err, L->d, it, "cidr: invalid CIDR '%s': %s",
			    quote_text(it->str, it->len, q, sizeof(q)), why);
		ipset_add(&c->ips, &net);
	}
	ipset_finish(&c->ips);
	return 0;
}

static int
cond_compile_domain(struct mload *L, struct cond *c, const struct ynode *v)
{
	struct ynode *const *items;
	size_t n, i;

	strset_init(&c->doms, true);
	if (cond_items(L, v, "domain", "a domain or a list of domains", &items,
		       &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct ynode *it = items[i];
		char d[256], why[160], q[400];
		int dn;

		if (it->kind != YNODE_SCALAR || ynode_is_null(it))
			return yerr(L->err, L->d, it,
				    "domain: expected a domain");
		if (it->len > 254) {
			return yerr(L->err, L->d, it,
				    "domain: invalid domain: longer than 253 "
				    "bytes");
		}
		dn = domain_normalise(it->str, it->len, d, why, sizeof(why));
		if (dn < 0)
			return yerr(
			    L->err, L->d, it, "domain: invalid domain '%s': %s",
			    quote_text(it->str, it->len, q, sizeof(q)), why);
		strset_add(&c->doms, d, (size_t)dn);
	}
	return 0;
}

static int
cond_compile_strs(struct mload *L, struct cond *c, const struct ynode *v,
		  const char *what)
{
	struct ynode *const *items;
	size_t n, i;

	if (cond_items(L, v, what, "a string or a list of strings", &items,
		       &n) < 0)
		return -1;
	c->strs = ev_calloc(n, sizeof(*c->strs));
	for (i = 0; i < n; i++) {
		if (cond_str_parse(L, items[i], what, c->nocase, &c->strs[i]) <
		    0)
			return -1;
		c->nstrs++;
	}
	return 0;
}

static int
cond_compile_kids(struct mload *L, struct cond *c, const struct ynode *v)
{
	size_t i;

	if (c->op == COND_NOT) {
		c->kids = ev_calloc(1, sizeof(*c->kids));
		c->nkids = 1;
		return cond_compile(L, v, "not", &c->kids[0]);
	}
	if (v->kind != YNODE_SEQ || v->n == 0)
		return yerr(L->err, L->d, v,
			    "%s: expected a non-empty list of conditions",
			    cond_names[c->op]);
	c->kids = ev_calloc(v->n, sizeof(*c->kids));
	for (i = 0; i < v->n; i++) {
		c->nkids++; /* owns what a failed compile leaves */
		if (cond_compile(L, v->kids[i], cond_names[c->op],
				 &c->kids[i]) < 0)
			return -1;
	}
	return 0;
}

static int
cond_compile_op(struct mload *L, struct cond *c, const struct ynode *v)
{
	const char *what = cond_names[c->op];

	switch (c->op) {
	case COND_EQ:
	case COND_NE:
		return cond_lit_parse(L, v, what, c->nocase, &c->lit);
	case COND_IN:
	case COND_NOT_IN:
		return cond_compile_in(L, c, v, what);
	case COND_EXISTS:
	case COND_MISSING:
		return yget_bool(L->d, v, what, &c->flag, L->err);
	case COND_GT:
	case COND_GTE:
	case COND_LT:
	case COND_LTE:
		return yget_double(L->d, v, what, &c->lo, L->err);
	case COND_BETWEEN:
		if (v->kind != YNODE_SEQ || v->n != 2)
			return yerr(L->err, L->d, v,
				    "between: expected [low, high]");
		if (yget_double(L->d, v->kids[0], what, &c->lo, L->err) < 0 ||
		    yget_double(L->d, v->kids[1], what, &c->hi, L->err) < 0)
			return -1;
		if (c->lo > c->hi)
			return yerr(L->err, L->d, v,
				    "between: low %s is above high %s",
				    v->kids[0]->str, v->kids[1]->str);
		return 0;
	case COND_PREFIX:
	case COND_SUFFIX:
	case COND_CONTAINS:
		return cond_compile_strs(L, c, v, what);
	case COND_REGEX:
		return cond_compile_regex(L, c, v);
	case COND_CIDR:
		return cond_compile_cidr(L, c, v);
	case COND_DOMAIN:
		return cond_compile_domain(L, c, v);
	case COND_IN_LIST:
		return model_list(L, v, c->nocase, &c->list);
	default:
		return cond_compile_kids(L, c, v);
	}
}

int
cond_compile(struct mload *L, const struct ynode *n, const char *what,
	     struct cond **out)
{
	const struct ynode *field = NULL, *nocase = NULL, *opkey = NULL,
			   *opval = NULL;
	struct cond *c;
	size_t i;
	int op = -1;

	*out = NULL;
	if (n == NULL || n->kind != YNODE_MAP)
		return yerr(L->err, L->d, n,
			    "%s: expected a condition (a mapping such as "
			    "{field: data.spf, eq: fail})",
			    what);
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i];
		char q[400];
		int o;

		if (strcmp(k->str, "field") == 0) {
			field = n->kids[i + 1];
			continue;
		}
		if (strcmp(k->str, "nocase") == 0) {
			nocase = k;
			continue;
		}
		o = cond_op_lookup(k->str);
		if (o < 0)
			return yerr(L->err, L->d, k,
				    "unknown operator '%s' (expected one of: "
				    "%s)",
				    quote_text(k->str, k->len, q, sizeof(q)),
				    COND_OPS_TEXT);
		if (opkey)
			return yerr(L->err, L->d, k,
				    "a condition takes one operator, not both "
				    "'%s' and '%s' (combine conditions with "
				    "all or any)",
				    opkey->str, k->str);
		opkey = k;
		opval = n->kids[i + 1];
		op = o;
	}
	if (opkey == NULL)
		return yerr(L->err, L->d, n,
			    "%s: condition without an operator (expected one "
			    "of: %s)",
			    what, COND_OPS_TEXT);
	c = ev_calloc(1, sizeof(*c));
	*out = c;
	c->op = (enum cond_op)op;
	c->slot = -1;
	if (c->op == COND_ALL || c->op == COND_ANY || c->op == COND_NOT) {
		if (field)
			return yerr(L->err, L->d, opkey,
				    "'%s' does not take a 'field'", opkey->str);
		if (nocase)
			return yerr(L->err, L->d, nocase,
				    "'%s' does not take 'nocase'", opkey->str);
		return cond_compile_op(L, c, opval);
	}
	if (field == NULL)
		return yerr(L->err, L->d, opkey, "'%s' needs a 'field'",
			    opkey->str);
	if (model_slot(L, field, &c->slot) < 0)
		return -1;
	if (nocase) {
		if (!cond_takes_nocase(c->op))
			return yerr(L->err, L->d, nocase,
				    "'nocase' does not apply to '%s' (only to "
				    "eq, ne, in, not_in, prefix, suffix, "
				    "contains, regex and in_list)",
				    opkey->str);
		if (yget_bool(L->d, ymap_get(n, "nocase"), "nocase", &c->nocase,
			      L->err) < 0)
			return -1;
	}
	return cond_compile_op(L, c, opval);
}

void
cond_free(struct cond *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->lit.str);
	strset_free(&c->vs.strs);
	free(c->vs.nums);
	for (i = 0; i < c->nstrs; i++)
		free(c->strs[i].str);
	free(c->strs);
	if (c->have_re)
		regfree(&c->re);
	ipset_free(&c->ips);
	strset_free(&c->doms);
	for (i = 0; i < c->nkids; i++)
		cond_free(c->kids[i]);
	free(c->kids);
	free(c);
}

/* ---- evaluating -------------------------------------------------------- */

bool
eval_str(struct eval *e, int slot, const char **s, size_t *n)
{
	struct slot_state *st = &e->st[slot];

	if (st->str == 0) {
		if (st->v->type == JSON_STRING) {
			st->s = json_string_view(st->v, &st->dec, &st->n);
			st->str = 1;
		} else {
			st->str = -1;
		}
	}
	*s = st->s;
	*n = st->n;
	return st->str > 0;
}

bool
eval_num(struct eval *e, int slot, double *d)
{
	struct slot_state *st = &e->st[slot];

	if (st->num == 0) {
		const struct json_value *v = st->v;

		st->num = -1;
		if (v->type == JSON_NUMBER) {
			char tmp[64];

			/* strtod stops at the delimiter after the number. */
			if (v->len < sizeof(tmp)) {
				memcpy(tmp, v->ptr, v->len);
				tmp[v->len] = '\0';
				st->d = strtod(tmp, NULL);
			} else {
				st->d = strtod(v->ptr, NULL);
			}
			st->num = 1;
		}
	}
	*d = st->d;
	return st->num > 0;
}

/* Case-insensitive (ASCII) search for NEEDLE in HAY. */
static bool
cond_contains_fold(const char *hay, size_t hn, const char *needle, size_t nn)
{
	size_t i;

	if (nn > hn)
		return false;
	for (i = 0; i + nn <= hn; i++)
		if (strset_lower((unsigned char)hay[i]) ==
			(unsigned char)needle[0] &&
		    strset_bytes_eq(hay + i, needle, nn, true))
			return true;
	return false;
}

static bool
cond_eq(const struct cond *c, struct eval *e, const struct cond_lit *lit)
{
	const struct json_value *v = e->st[c->slot].v;
	const char *s;
	size_t n;
	double d;

	switch (lit->type) {
	case JSON_STRING:
		return eval_str(e, c->slot, &s, &n) && n == lit->len &&
		       strset_bytes_eq(s, lit->str, n, c->nocase);
	case JSON_NUMBER:
		return eval_num(e, c->slot, &d) && d == lit->num;
	default:
		return v->type == lit->type;
	}
}

static bool
cond_in(const struct cond *c, struct eval *e)
{
	const struct json_value *v = e->st[c->slot].v;
	const char *s;
	size_t n, i;
	double d;

	switch (v->type) {
	case JSON_STRING:
		eval_str(e, c->slot, &s, &n);
		return strset_has(&c->vs.strs, s, n);
	case JSON_NUMBER:
		eval_num(e, c->slot, &d);
		for (i = 0; i < c->vs.nnums; i++)
			if (c->vs.nums[i] == d)
				return true;
		return false;
	case JSON_TRUE:
		return c->vs.has_true;
	case JSON_FALSE:
		return c->vs.has_false;
	case JSON_NULL:
		return c->vs.has_null;
	default:
		return false;
	}
}

static bool
cond_strs(const struct cond *c, struct eval *e)
{
	const char *s;
	size_t n, i;

	if (!eval_str(e, c->slot, &s, &n))
		return false;
	for (i = 0; i < c->nstrs; i++) {
		const struct cond_lit *l = &c->strs[i];

		if (l->len > n)
			continue;
		switch (c->op) {
		case COND_PREFIX:
			if (strset_bytes_eq(s, l->str, l->len, c->nocase))
				return true;
			break;
		case COND_SUFFIX:
			if (strset_bytes_eq(s + n - l->len, l->str, l->len,
					    c->nocase))
				return true;
			break;
		default:
			if (c->nocase ? cond_contains_fold(s, n, l->str, l->len)
				      : memmem(s, n, l->str, l->len) != NULL)
				return true;
			break;
		}
	}
	return false;
}

static bool
cond_regex(const struct cond *c, struct eval *e)
{
	regmatch_t m[1];
	const char *s;
	size_t n;

	if (!eval_str(e, c->slot, &s, &n))
		return false;
	/*
	 * regexec wants a C string (and sanitizers check that it is one):
	 * match a NUL-terminated copy, and all N bytes of it, NULs
	 * included, with REG_STARTEND.
	 */
	buf_reset(&e->rx);
	buf_add(&e->rx, s, n);
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)n;
	return regexec(&c->re, buf_str(&e->rx), 1, m, REG_STARTEND) == 0;
}

static bool
cond_in_list(const struct cond *c, struct eval *e)
{
	const struct list *l = c->list;
	const struct json_value *v = e->st[c->slot].v;
	const char *s;
	size_t n;

	if (v->type == JSON_NUMBER && l->kind == LIST_VALUE)
		return strset_has(&l->set, v->ptr, v->len);
	if (!eval_str(e, c->slot, &s, &n))
		return false;
	switch (l->kind) {
	case LIST_DOMAIN:
		return domain_set_match(&l->set, s, n);
	case LIST_CIDR:
		return ipset_has_text(&l->ips, s, n);
	default:
		return strset_has(&l->set, s, n);
	}
}

bool
cond_eval(const struct cond *c, struct eval *e)
{
	const char *s;
	size_t n, i;
	double d;

	switch (c->op) {
	case COND_ALL:
		for (i = 0; i < c->nkids; i++)
			if (!cond_eval(c->kids[i], e))
				return false;
		return true;
	case COND_ANY:
		for (i = 0; i < c->nkids; i++)
			if (cond_eval(c->kids[i], e))
				return true;
		return false;
	case COND_NOT:
		return !cond_eval(c->kids[0], e);
	default:
		break;
	}
	if (e->st[c->slot].v->type == JSON_MISSING)
		return (c->op == COND_MISSING && c->flag) ||
		       (c->op == COND_EXISTS && !c->flag);
	switch (c->op) {
	case COND_EXISTS:
		return c->flag;
	case COND_MISSING:
		return !c->flag;
	case COND_EQ:
		return cond_eq(c, e, &c->lit);
	case COND_NE:
		return !cond_eq(c, e, &c->lit);
	case COND_IN:
		return cond_in(c, e);
	case COND_NOT_IN:
		return !cond_in(c, e);
	case COND_GT:
		return eval_num(e, c->slot, &d) && d > c->lo;
	case COND_GTE:
		return eval_num(e, c->slot, &d) && d >= c->lo;
	case COND_LT:
		return eval_num(e, c->slot, &d) && d < c->lo;
	case COND_LTE:
		return eval_num(e, c->slot, &d) && d <= c->lo;
	case COND_BETWEEN:
		return eval_num(e, c->slot, &d) && d >= c->lo && d <= c->hi;
	case COND_PREFIX:
	case COND_SUFFIX:
	case COND_CONTAINS:
		return cond_strs(c, e);
	case COND_REGEX:
		return cond_regex(c, e);
	case COND_CIDR:
		return eval_str(e, c->slot, &s, &n) &&
		       ipset_has_text(&c->ips, s, n);
	case COND_DOMAIN:
		return eval_str(e, c->slot, &s, &n) &&
		       domain_set_match(&c->doms, s, n);
	case COND_IN_LIST:
		return cond_in_list(c, e);
	default:
		return false;
	}
}
