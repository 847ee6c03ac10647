/*
 * model.h - evscore's trust model: what the YAML file compiles to, and the
 * per-event working memory that scoring reuses.
 *
 * The model format is documented in evscore-model(5).  Loading turns the
 * located YAML tree (yamlcfg.h) into flat arrays: the dotted paths the
 * model reads ("slots"), conditions compiled once (regexes, CIDR range
 * sets, hash sets), rules, groups, overrides and verdicts.  Every error
 * names the model file, line and column.  Scoring an event then touches
 * only memory allocated here: no allocation per event.
 */
#ifndef EVSCORE_MODEL_H
#define EVSCORE_MODEL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "lists.h"
#include "netmatch.h"
#include "strset.h"
#include "yamlcfg.h"

#define MODEL_NAME_MAX  64    /* rule, group, verdict, model names */
#define MODEL_MAX_RULES 10000 /* rules plus overrides */

/* ---- conditions (cond.c) ---------------------------------------------- */

enum cond_op {
	COND_EQ,
	COND_NE,
	COND_IN,
	COND_NOT_IN,
	COND_EXISTS,
	COND_MISSING,
	COND_GT,
	COND_GTE,
	COND_LT,
	COND_LTE,
	COND_BETWEEN,
	COND_PREFIX,
	COND_SUFFIX,
	COND_CONTAINS,
	COND_REGEX,
	COND_CIDR,
	COND_DOMAIN,
	COND_IN_LIST,
	COND_ALL,
	COND_ANY,
	COND_NOT,
	COND_NOPS
};

/* A literal from the model: a string, number, true, false or null. */
struct cond_lit {
	enum json_type type; /* JSON_STRING, JSON_NUMBER, JSON_TRUE, ... */
	double num;
	char *str; /* JSON_STRING: the bytes (folded when nocase) */
	size_t len;
};

/* The values of `in` / `not_in`. */
struct cond_valset {
	struct strset strs;
	double *nums;
	size_t nnums;
	bool has_true, has_false, has_null;
};

struct cond {
	enum cond_op op;
	int slot;              /* the field's slot, -1 for all/any/not */
	bool nocase;           /* ASCII case-insensitive string comparison */
	bool flag;             /* exists / missing: the boolean given */
	struct cond_lit lit;   /* eq, ne */
	struct cond_valset vs; /* in, not_in */
	double lo, hi;         /* gt..lte: lo; between: lo, hi */
	struct cond_lit *strs; /* prefix, suffix, contains: alternatives */
	size_t nstrs;
	regex_t re; /* regex */
	bool have_re;
	struct ipset ips;        /* cidr */
	struct strset doms;      /* domain */
	const struct list *list; /* in_list (owned by the model) */
	struct cond **kids;      /* all, any: the conditions; not: one */
	size_t nkids;
};

/* ---- per-event working memory ------------------------------------------ */

/* One dotted path the model reads. */
struct slot {
	char *path;
	char **keys; /* the path split into keys, for lookups by hand */
	size_t *klens;
	size_t nkeys;
	int ridx; /* index into the event's extracted values, or -1 */
};

/* What is known about a slot's value in the current event. */
struct slot_state {
	const struct json_value *v;
	struct json_value own; /* the value when looked up by hand */
	signed char str;       /* 0 not yet looked at, 1 a string, -1 not */
	signed char num;       /* likewise for a finite-or-not number */
	const char *s;         /* decoded string contents */
	size_t n;
	double d;
	struct buf dec; /* decoding space for strings with escapes */
};

struct eval {
	struct slot_state *st;
	size_t n;
	struct buf rx; /* a NUL-terminated copy for regexec */
};

/* ---- the model ---------------------------------------------------------- */

enum model_link { LINK_LOGISTIC, LINK_POINTS };

struct rule {
	char *name, *description;
	unsigned line, col;
	int group; /* index into groups, or -1 */
	double weight;
	struct cond *when; /* a condition rule; NULL for a numeric term */
	int slot;          /* term: the field */
	bool log1p, has_clip, has_default;
	double clip_lo, clip_hi, def;
	char *json_head; /* {"rule":"NAME", (terms) or the whole reason */
	size_t json_head_len;
};

struct group {
	char *name, *description;
	unsigned line, col;
	bool has_max, has_min;
	double max, min;
	size_t nrules;
};

struct override {
	char *name, *description;
	unsigned line, col;
	struct cond *when;
	int verdict;
	char *json; /* its reason: {"rule":..,"verdict":..,"contribution":0} */
};

struct verdict {
	char *name, *description;
	bool has_min;
	double min;
	int counter; /* the tool's counter for it (see evscore.c) */
	char *json;  /* ,"verdict":"NAME","reasons":[ */
};

struct type_pat {
	char *pat;
	size_t len;
	bool glob; /* has *, ? or [: matched with fnmatch(3) */
};

/* A rule that fired in the current event. */
struct hit {
	int rule;
	double input; /* terms: the value after clip and log1p */
	double contribution;
	bool defaulted; /* terms: the default stood in for the value */
};

/* A group total brought back to its cap in the current event. */
struct capped {
	int group;
	double cap, adjust;
};

struct model {
	char *file; /* as given */
	char *dir;  /* where lists are looked up */
	char *name, *version, *description;
	char *id;        /* name@version */
	char *json_tail; /* ],"model":"name@version"} */
	enum model_link link;
	double bias;
	struct type_pat *types;
	size_t ntypes;
	struct slot *slots;
	size_t nslots;
	struct rule *rules;
	size_t nrules, nterms;
	struct group *groups;
	size_t ngroups;
	struct override *ovr;
	size_t novr;
	struct verdict *verdicts;
	size_t nverdicts;
	struct list **lists;
	size_t nlists;

	/* Working memory for one event (score.c). */
	struct eval ev;
	struct hit *hits;
	size_t nhits;
	struct capped *caps;
	size_t ncaps;
	double *gsum;
	bool *gfired;
	struct buf typebuf;
};

/* Loading state shared by model.c and cond.c. */
struct mload {
	const struct ydoc *d;
	struct buf *err;
	struct model *m;
};

/*
 * Loads the model file PATH (lists relative to its directory).  Returns the
 * model, or NULL with "PATH:LINE:COLUMN: reason" in ERR.
 */
struct model *model_load(const char *path, struct buf *err);

/*
 * As model_load from the LEN bytes at TEXT; NAME is used in messages and
 * DIR is where lists are looked up.
 */
struct model *model_load_string(const char *name, const char *dir,
				const char *text, size_t len, struct buf *err);

void model_free(struct model *m);

/*
 * Resolves each slot to an index into the values the event reader
 * extracts: LOOKUP returns the index of a path registered with the
 * reader, or -1 for a path the reader does not extract (the slot is then
 * looked up in the line by hand, see score.c).
 */
void model_bind(struct model *m, int (*lookup)(void *arg, const char *path),
		void *arg);

/* The index of verdict NAME, or -1. */
int model_verdict(const struct model *m, const char *name);

/* Appends the --check summary of M to OUT. */
void model_summary(const struct model *m, struct buf *out);

/* The slot for the path in the scalar FIELD, added on first use. */
int model_slot(struct mload *L, const struct ynode *field, int *slot);

/*
 * The list for the in_list specification SPEC ({file, kind}), loaded on
 * first use; NOCASE folds value lists.
 */
int model_list(struct mload *L, const struct ynode *spec, bool nocase,
	       const struct list **out);

/* True when N is a valid name: 1..MODEL_NAME_MAX of [A-Za-z0-9_.-]. */
bool model_name_ok(const char *s, size_t n);

/* ---- conditions ------------------------------------------------------- */

/*
 * Compiles the condition at N; WHAT names it in messages ("when").
 * Returns 0 with *OUT, or -1 with the error in L->err.
 */
int cond_compile(struct mload *L, const struct ynode *n, const char *what,
		 struct cond **out);
void cond_free(struct cond *c);

/* Evaluates C on the current event. */
bool cond_eval(const struct cond *c, struct eval *e);

/* The name of operator OP ("eq", "all"). */
const char *cond_op_name(enum cond_op op);

/* A slot's value as a decoded string or a number; false if it is not. */
bool eval_str(struct eval *e, int slot, const char **s, size_t *n);
bool eval_num(struct eval *e, int slot, double *d);

#endif
