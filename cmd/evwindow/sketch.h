/*
 * sketch.h - the numeric building blocks of evwindow's aggregates: an exact
 * accumulator for sums of doubles, a HyperLogLog for distinct counts and a
 * DDSketch for quantiles, plus a fast exact reader of JSON numbers.
 *
 * Every structure here is order-independent: the result depends only on
 * the multiset of values added or merged, never on the order, which is
 * what lets evwindow merge panes, merge sessions and resume from a state
 * file without changing a single output byte.
 */
#ifndef EVW_SKETCH_H
#define EVW_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- exact sums ------------------------------------------------------ */

/*
 * A fixed-point two's complement integer wide enough to hold any sum of
 * up to 2^77 finite doubles exactly: bit 0 is worth 2^-1074 (the smallest
 * subnormal), the top word leaves room for carries and the sign.
 */
#define SACC_WORDS 34
#define SACC_BIAS  1074

struct superacc {
	uint64_t w[SACC_WORDS]; /* little-endian words */
};

/* Adds the finite double X exactly. */
void sacc_add_double(struct superacc *a, double x);

/* Adds the integer V exactly. */
void sacc_add_i128(struct superacc *a, __int128 v);

/* DST += SRC, exactly. */
void sacc_merge(struct superacc *dst, const struct superacc *src);

/*
 * The exact value rounded once to the nearest double (ties to even), as
 * Python's math.fsum; +-infinity when it is beyond the double range.
 */
double sacc_round(const struct superacc *a);

/* Writes the words as 16*SACC_WORDS hex digits, most significant first. */
void sacc_to_hex(const struct superacc *a, char *out);

/* Reads sacc_to_hex's text (exactly that length).  Returns 0 or -1. */
int sacc_from_hex(struct superacc *a, const char *s, size_t n);

/* The nearest double to the int128 V (round to nearest even). */
double i128_to_double(__int128 v);

/*
 * Writes V in decimal into OUT (at least 41 bytes), returns the length.
 * Parses it back: returns 0, or -1 for anything but an optional '-' and
 * 1 to 39 digits within range.
 */
size_t i128_format(__int128 v, char *out);
int i128_parse(const char *s, size_t n, __int128 *out);

/* ---- JSON numbers ---------------------------------------------------- */

enum num_kind {
	NUM_INT,    /* an integer written without fraction or exponent that
		       fits in int64: *i is exact */
	NUM_DOUBLE, /* anything else: *d is the nearest double */
	NUM_RANGE,  /* valid JSON, but beyond the double range (1e999) */
};

/*
 * Reads the JSON number text S (N bytes, already validated as JSON).
 * Integers are exact; other numbers are correctly rounded (a fast exact
 * path for short decimals, strtod otherwise).
 */
enum num_kind num_parse(const char *s, size_t n, int64_t *i, double *d);

/* ---- HyperLogLog ----------------------------------------------------- */

/*
 * Precision p = 14: 16384 one-byte registers, standard error
 * 1.04 / sqrt(16384) = 0.81%.  Estimates use Ertl's improved estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches",
 * 2017), which needs no bias tables and is accurate from 0 up.
 */
#define HLL_P 14
#define HLL_M (1u << HLL_P)

struct hll {
	uint8_t r[HLL_M];
};

/* Adds an element by its 64-bit hash. */
void hll_add(struct hll *h, uint64_t hash);

/* DST = union of DST and SRC. */
void hll_merge(struct hll *dst, const struct hll *src);

/* The estimated number of distinct elements. */
double hll_estimate(const struct hll *h);

/* ---- DDSketch -------------------------------------------------------- */

/*
 * Relative accuracy alpha = 1%: every quantile it returns is within 1% of
 * the exact value of the same rank.  Buckets are log-spaced with ratio
 * gamma = (1 + alpha) / (1 - alpha); each store keeps at most DD_MAX_BINS
 * buckets (a dynamic range of about 6e17), collapsing the lowest ones into
 * one when that is exceeded (only the quantiles nearest zero then lose the
 * guarantee).  Collapsing depends only on the highest bucket ever seen, so
 * the sketch stays a function of the multiset of values.
 */
#define DD_ALPHA    0.01
#define DD_MAX_BINS 2048

struct ddstore {
	int32_t lo;   /* index of c[0] */
	uint32_t n;   /* buckets in use: lo .. lo + n - 1 */
	uint32_t cap; /* allocated */
	uint64_t *c;
};

struct ddsketch {
	struct ddstore pos, neg; /* values > 0, and |values| < 0 */
	uint64_t zero;           /* values == 0 */
	uint64_t count;
	double min, max; /* exact extremes, to clamp estimates */
};

void dd_init(struct ddsketch *s);
void dd_free(struct ddsketch *s);
void dd_add(struct ddsketch *s, double x);
void dd_merge(struct ddsketch *dst, const struct ddsketch *src);

/*
 * The value of rank K (1 <= K <= count) in ascending order, within alpha
 * of the exact value of that rank (clamped to [min, max]).
 */
double dd_rank_value(const struct ddsketch *s, uint64_t k);

/* The bucket index of X > 0 (exposed for tests and state files). */
int32_t dd_index(double x);

/*
 * Sets bucket I of store ST (used when loading a state file); I must stay
 * within DD_MAX_BINS of the store's other buckets.
 */
void dd_store_set(struct ddstore *st, int32_t i, uint64_t count);

/* ---- ranks ----------------------------------------------------------- */

/*
 * The nearest rank (1-based) of the percentile NUM/DEN (in percent, 0 to
 * 100) among N >= 1 values: ceil(NUM * N / (100 * DEN)), at least 1.
 */
uint64_t pctl_rank(uint64_t num, uint64_t den, uint64_t n);

#endif
