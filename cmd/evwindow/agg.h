/*
 * agg.h - evwindow's aggregate functions: parsing "-a [NAME=]FN[:PATH]",
 * the per window-and-key state block, updating it with an event, merging
 * two states (panes of a sliding window, sessions), writing the results
 * and saving/loading the state exactly.
 *
 * A state block holds one fixed-size part per aggregate at the offset
 * agg_layout assigns; variable parts (exact value sets, sketches, raw
 * first/last values) hang off it and are freed by agg_state_free.
 */
#ifndef EVW_AGG_H
#define EVW_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "buf.h"
#include "evtime.h"
#include "json.h"

/* Exact distinct values / percentile values kept per window and key. */
#define AGG_EXACT_MAX 10000

enum agg_fn {
	AGG_COUNT,
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
	AGG_FIRST,
	AGG_LAST,
	AGG_DISTINCT,
	AGG_PCTL,
};

struct agg_spec {
	enum agg_fn fn;
	char *name;          /* output field name */
	char *path;          /* field path, NULL for a plain count */
	char *text;          /* canonical "NAME=FN[:PATH]", for state files */
	int vidx;            /* reader path index, -1 without a path */
	uint64_t qnum, qden; /* percentile = qnum/qden percent */
	size_t off;          /* offset of the state in the block */
	int store;           /* percentiles: the agg owning the value store */
	/* Values of the wrong type, and where the first one was. */
	uint64_t non_numeric;
	char *bad_file;
	uint64_t bad_line;
};

/* Per-run settings the aggregates need. */
struct agg_ctx {
	bool exact;          /* --exact: never switch to sketches */
	struct buf *scratch; /* for decoding strings */
	struct buf *canon;   /* for canonical values */
	const char *file;    /* the current event's location */
	uint64_t line;
};

/*
 * Parses one -a argument into *A (strings malloc'd).  Returns 0, or -1
 * with a message in ERR (e.g. "unknown function 'median'").
 */
int agg_parse(const char *arg, struct agg_spec *a, struct buf *err);

/* Frees the strings of A. */
void agg_spec_free(struct agg_spec *a);

/*
 * Assigns state offsets to the N aggregates (percentiles of one path share
 * a value store) and returns the size of a state block (a multiple of 16).
 */
size_t agg_layout(struct agg_spec *a, size_t n);

void agg_state_init(const struct agg_spec *a, size_t n, unsigned char *st);
void agg_state_free(const struct agg_spec *a, size_t n, unsigned char *st);

/*
 * Adds one event: VALS are the reader's values (indexed by vidx), TS and
 * SEQ its time and input sequence number.  Counts values of the wrong type
 * in the specs.
 */
void agg_update(struct agg_spec *a, size_t n, unsigned char *st,
		const struct json_value *vals, evtime_t ts, uint64_t seq,
		const struct agg_ctx *ctx);

/* DST += SRC (SRC unchanged). */
void agg_merge(const struct agg_spec *a, size_t n, unsigned char *dst,
	       const unsigned char *src, const struct agg_ctx *ctx);

/*
 * Appends ,"NAME":VALUE for every aggregate to LINE.  Approximate results
 * add their name to APPROX (a list being built: "\"a\",\"b\"") and count
 * in *NAPPROX.  ST may be reordered (values sorted), never changed in
 * meaning.
 */
void agg_output(const struct agg_spec *a, size_t n, unsigned char *st,
		struct buf *line, struct buf *approx, uint64_t *napprox);

/* Appends the state as a JSON array, one element per aggregate. */
void agg_save(const struct agg_spec *a, size_t n, const unsigned char *st,
	      struct buf *out);

/*
 * Loads a state saved by agg_save into ST (initialised).  Returns 0, or -1
 * with a message in ERR.
 */
int agg_load(const struct agg_spec *a, size_t n, unsigned char *st, yajl_val v,
	     struct buf *err);

/*
 * Appends the canonical JSON text of V for grouping and distinct
 * counting: strings decoded and re-encoded (so "\u0041" equals "A"),
 * anything else as it was written.
 */
void agg_canonical(const struct json_value *v, struct buf *out,
		   struct buf *scratch);

/* Small readers of yajl values (state files).  Return 0, or -1. */
yajl_val jv_get(yajl_val obj, const char *key);
int jv_u64(yajl_val v, uint64_t *out);
int jv_i64(yajl_val v, int64_t *out);
int jv_double(yajl_val v, double *out);
const char *jv_str(yajl_val v);

/* Appends the RFC 4648 decoding of base64 text S; returns 0 or -1. */
int base64_decode(const char *s, size_t n, struct buf *out);

#endif
