/*
 * sketch.c - exact sums, HyperLogLog, DDSketch and JSON number reading
 * for evwindow (see sketch.h).
 */
#include "sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- exact sums ------------------------------------------------------ */

/* Adds the three-word value C at word I (unsigned), propagating carries. */
static void
sacc_add_words(uint64_t *w, int i, const uint64_t *c, int nc)
{
	unsigned __int128 s;
	uint64_t carry = 0;
	int k;

	for (k = 0; k < nc && i + k < SACC_WORDS; k++) {
		s = (unsigned __int128)w[i + k] + c[k] + carry;
		w[i + k] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	for (i += k; carry && i < SACC_WORDS; i++) {
		w[i]++;
		carry = w[i] == 0;
	}
}

/* Subtracts the value C at word I, propagating borrows. */
static void
sacc_sub_words(uint64_t *w, int i, const uint64_t *c, int nc)
{
	uint64_t borrow = 0;
	int k;

	for (k = 0; k < nc && i + k < SACC_WORDS; k++) {
		uint64_t a = w[i + k], b = c[k];
		uint64_t d = a - b - borrow;

		borrow = (a < b) || (a - b < borrow);
		w[i + k] = d;
	}
	for (i += k; borrow && i < SACC_WORDS; i++) {
		borrow = w[i] == 0;
		w[i]--;
	}
}

/* The 192-bit value M shifted left by SH (< 64) bits, as three words. */
static void
shift_words(unsigned __int128 m, int sh, uint64_t *c)
{
	uint64_t lo = (uint64_t)m, hi = (uint64_t)(m >> 64);

	if (sh == 0) {
		c[0] = lo;
		c[1] = hi;
		c[2] = 0;
		return;
	}
	c[0] = lo << sh;
	c[1] = (hi << sh) | (lo >> (64 - sh));
	c[2] = hi >> (64 - sh);
}

void
sacc_add_double(struct superacc *a, double x)
{
	uint64_t bits, m, c[3];
	int ex, pos;

	memcpy(&bits, &x, sizeof(bits));
	ex = (int)((bits >> 52) & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (ex == 0x7ff)
		return; /* not finite: callers never pass one */
	if (ex == 0) {
		if (m == 0)
			return;
		pos = 0; /* subnormal: m * 2^-1074 */
	} else {
		m |= UINT64_C(1) << 52;
		pos = ex - 1; /* m * 2^(ex - 1075) = m * 2^(ex - 1) units */
	}
	shift_words(m, pos & 63, c);
	if (bits >> 63)
		sacc_sub_words(a->w, pos >> 6, c, 3);
	else
		sacc_add_words(a->w, pos >> 6, c, 3);
}

void
sacc_add_i128(struct superacc *a, __int128 v)
{
	unsigned __int128 mag;
	uint64_t c[3];

	if (v == 0)
		return;
	mag = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v
		    : (unsigned __int128)v;
	shift_words(mag, SACC_BIAS & 63, c);
	if (v < 0)
		sacc_sub_words(a->w, SACC_BIAS >> 6, c, 3);
	else
		sacc_add_words(a->w, SACC_BIAS >> 6, c, 3);
}

void
sacc_merge(struct superacc *dst, const struct superacc *src)
{
	sacc_add_words(dst->w, 0, src->w, SACC_WORDS);
}

double
sacc_round(const struct superacc *a)
{
	uint64_t t[SACC_WORDS], top, mant, rem;
	bool neg, sticky = false;
	int k, h, b, wi, sh, j;
	double v;

	memcpy(t, a->w, sizeof(t));
	neg = t[SACC_WORDS - 1] >> 63;
	if (neg) {
		uint64_t carry = 1;

		for (k = 0; k < SACC_WORDS; k++) {
			t[k] = ~t[k] + carry;
			carry = carry && t[k] == 0;
		}
	}
	for (k = SACC_WORDS - 1; k >= 0 && t[k] == 0; k--)
		;
	if (k < 0)
		return 0.0;
	h = k * 64 + 63 - __builtin_clzll(t[k]); /* highest set bit */
	if (h < 53) {
		/* Fewer than 54 bits: exact (normal or subnormal). */
		v = ldexp((double)t[0], -SACC_BIAS);
		return neg ? -v : v;
	}
	if (h < 63) {
		top = t[0] << (63 - h);
	} else {
		b = h - 63;
		wi = b >> 6;
		sh = b & 63;
		top = t[wi] >> sh;
		if (sh)
			top |= t[wi + 1] << (64 - sh);
		if (sh && (t[wi] & ((UINT64_C(1) << sh) - 1)))
			sticky = true;
		for (j = 0; j < wi && !sticky; j++)
			if (t[j])
				sticky = true;
	}
	mant = top >> 11;
	rem = top & 0x7ff;
	if (rem > 0x400 || (rem == 0x400 && (sticky || (mant & 1))))
		mant++;
	if (mant == UINT64_C(1) << 53) {
		mant >>= 1;
		h++;
	}
	v = ldexp((double)mant, h - 52 - SACC_BIAS);
	return neg ? -v : v;
}

void
sacc_to_hex(const struct superacc *a, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int k, j;

	for (k = SACC_WORDS - 1; k >= 0; k--)
		for (j = 60; j >= 0; j -= 4)
			*out++ = hex[(a->w[k] >> j) & 15];
	*out = '\0';
}

int
sacc_from_hex(struct superacc *a, const char *s, size_t n)
{
	int k, j;

	if (n != 16 * SACC_WORDS)
		return -1;
	for (k = SACC_WORDS - 1; k >= 0; k--) {
		uint64_t v = 0;

		for (j = 0; j < 16; j++) {
			char c = *s++;
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				return -1;
			v = v << 4 | d;
		}
		a->w[k] = v;
	}
	return 0;
}

double
i128_to_double(__int128 v)
{
	struct superacc a;

	if (v >= -((__int128)1 << 53) && v <= ((__int128)1 << 53))
		return (double)(int64_t)v;
	memset(&a, 0, sizeof(a));
	sacc_add_i128(&a, v);
	return sacc_round(&a);
}

size_t
i128_format(__int128 v, char *out)
{
	char tmp[48];
	size_t i = sizeof(tmp), n = 0;
	unsigned __int128 m = v < 0
				  ? (unsigned __int128)0 - (unsigned __int128)v
				  : (unsigned __int128)v;

	do {
		tmp[--i] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m);
	if (v < 0)
		out[n++] = '-';
	memcpy(out + n, tmp + i, sizeof(tmp) - i);
	n += sizeof(tmp) - i;
	out[n] = '\0';
	return n;
}

int
i128_parse(const char *s, size_t n, __int128 *out)
{
	unsigned __int128 m = 0, lim;
	bool neg = false;
	size_t i = 0;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n || n - i > 39)
		return -1;
	lim = ((unsigned __int128)1 << 127) - (neg ? 0 : 1);
	for (; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (m > (lim - d) / 10)
			return -1;
		m = m * 10 + d;
	}
	*out = neg ? (__int128)((unsigned __int128)0 - m) : (__int128)m;
	return 0;
}

/* ---- JSON numbers ---------------------------------------------------- */

static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static enum num_kind
num_slow(const char *s, size_t n, double *d)
{
	char tmp[64];
	char *heap = NULL, *z = tmp;

	if (n >= sizeof(tmp))
		z = heap = ev_malloc(n + 1);
	memcpy(z, s, n);
	z[n] = '\0';
	*d = strtod(z, NULL);
	free(heap);
	return isfinite(*d) ? NUM_DOUBLE : NUM_RANGE;
}

enum num_kind
num_parse(const char *s, size_t n, int64_t *i, double *d)
{
	const char *p = s, *end = s + n;
	bool neg = false, exact = true;
	uint64_t m = 0;
	int digits = 0, scale = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (digits < 19)
			m = m * 10 + (uint64_t)(*p - '0');
		else
			exact = false;
		digits++;
	}
	if (p == end) {
		/* An integer: exact when it fits in int64. */
		if (exact && !neg && m <= (uint64_t)INT64_MAX) {
			*i = (int64_t)m;
			return NUM_INT;
		}
		if (exact && neg && m <= (uint64_t)INT64_MAX + 1) {
			*i = (int64_t)(0 - m);
			return NUM_INT;
		}
		return num_slow(s, n, d);
	}
	if (*p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			if (digits < 19)
				m = m * 10 + (uint64_t)(*p - '0');
			else
				exact = false;
			digits++;
			scale++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;
		int e = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (e < 10000)
				e = e * 10 + (*p - '0');
		scale += eneg ? e : -e;
	}
	if (exact && m <= (UINT64_C(1) << 53) && scale >= -22 && scale <= 22) {
		double v = (double)m;

		v = scale >= 0 ? v / pow10_exact[scale]
			       : v * pow10_exact[-scale];
		*d = neg ? -v : v;
		return NUM_DOUBLE;
	}
	return num_slow(s, n, d);
}

/* ---- HyperLogLog ----------------------------------------------------- */

#define HLL_Q (64 - HLL_P) /* hash bits left for the rank */

void
hll_add(struct hll *h, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> HLL_Q);
	uint64_t w = (hash << HLL_P) | (UINT64_C(1) << (HLL_P - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);

	if (rank > h->r[idx])
		h->r[idx] = rank;
}

void
hll_merge(struct hll *dst, const struct hll *src)
{
	uint32_t i;

	for (i = 0; i < HLL_M; i++)
		if (src->r[i] > dst->r[i])
			dst->r[i] = src->r[i];
}

static double
hll_sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double
hll_tau(double x)
{
	double y = 1, z, zp;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

double
hll_estimate(const struct hll *h)
{
	uint32_t c[HLL_Q + 2];
	double m = HLL_M, z;
	uint32_t i;
	int k;

	memset(c, 0, sizeof(c));
	for (i = 0; i < HLL_M; i++)
		c[h->r[i]]++;
	if (c[0] == HLL_M)
		return 0;
	z = m * hll_tau(1 - c[HLL_Q + 1] / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return m * m / (2 * log(2)) / z;
}

/* ---- DDSketch -------------------------------------------------------- */

static double dd_gamma, dd_inv_log_gamma;

static void
dd_constants(void)
{
	if (dd_gamma == 0) {
		dd_gamma = (1 + DD_ALPHA) / (1 - DD_ALPHA);
		dd_inv_log_gamma = 1 / log(dd_gamma);
	}
}

int32_t
dd_index(double x)
{
	dd_constants();
	return (int32_t)ceil(log(x) * dd_inv_log_gamma);
}

/* The value reported for bucket I: within alpha of all of (g^(i-1), g^i]. */
static double
dd_value(int32_t i)
{
	dd_constants();
	return 2 * pow(dd_gamma, i) / (dd_gamma + 1);
}

void
dd_init(struct ddsketch *s)
{
	memset(s, 0, sizeof(*s));
}

void
dd_free(struct ddsketch *s)
{
	free(s->pos.c);
	free(s->neg.c);
	memset(s, 0, sizeof(*s));
}

/* Makes room for N buckets in ST. */
static void
dd_store_reserve(struct ddstore *st, uint32_t n)
{
	uint32_t cap = st->cap ? st->cap : 32;

	if (n <= st->cap)
		return;
	while (cap < n)
		cap *= 2;
	if (cap > DD_MAX_BINS)
		cap = DD_MAX_BINS;
	st->c = ev_reallocarray(st->c, cap, sizeof(uint64_t));
	memset(st->c + st->cap, 0, (cap - st->cap) * sizeof(uint64_t));
	st->cap = cap;
}

/*
 * Makes ST cover index I and returns the index to count I under: I
 * itself, or the collapsed floor when I lies more than DD_MAX_BINS below
 * the highest bucket.  Raising the highest bucket collapses the buckets
 * that fall below the new floor into it.
 */
static int32_t
dd_store_cover(struct ddstore *st, int32_t i)
{
	int32_t hi, floor_i;
	uint32_t k, drop;

	if (st->n == 0) {
		dd_store_reserve(st, 1);
		st->lo = i;
		st->n = 1;
		return i;
	}
	hi = st->lo + (int32_t)st->n - 1;
	if (i >= st->lo && i <= hi)
		return i;
	if (i < st->lo) {
		floor_i = hi - DD_MAX_BINS + 1;
		if (i < floor_i)
			i = floor_i;
		if (i >= st->lo)
			return i;
		drop = (uint32_t)(st->lo - i); /* buckets to add below */
		dd_store_reserve(st, st->n + drop);
		memmove(st->c + drop, st->c, st->n * sizeof(uint64_t));
		memset(st->c, 0, drop * sizeof(uint64_t));
		st->lo = i;
		st->n += drop;
		return i;
	}
	/* i > hi */
	floor_i = i - DD_MAX_BINS + 1;
	if (floor_i > st->lo) {
		uint64_t sum = 0;

		drop = (uint32_t)(floor_i - st->lo);
		if (drop >= st->n) {
			for (k = 0; k < st->n; k++)
				sum += st->c[k];
			memset(st->c, 0, st->n * sizeof(uint64_t));
			st->n = 1;
		} else {
			for (k = 0; k <= drop; k++)
				sum += st->c[k];
			memmove(st->c, st->c + drop,
				(st->n - drop) * sizeof(uint64_t));
			memset(st->c + (st->n - drop), 0,
			       drop * sizeof(uint64_t));
			st->n -= drop;
		}
		st->c[0] = sum;
		st->lo = floor_i;
	}
	dd_store_reserve(st, (uint32_t)(i - st->lo + 1));
	st->n = (uint32_t)(i - st->lo + 1);
	return i;
}

static void
dd_store_add(struct ddstore *st, int32_t i, uint64_t count)
{
	i = dd_store_cover(st, i);
	st->c[i - st->lo] += count;
}

void
dd_store_set(struct ddstore *st, int32_t i, uint64_t count)
{
	dd_store_add(st, i, count);
}

void
dd_add(struct ddsketch *s, double x)
{
	if (s->count == 0 || x < s->min)
		s->min = x;
	if (s->count == 0 || x > s->max)
		s->max = x;
	s->count++;
	if (x > 0)
		dd_store_add(&s->pos, dd_index(x), 1);
	else if (x < 0)
		dd_store_add(&s->neg, dd_index(-x), 1);
	else
		s->zero++;
}

static void
dd_store_merge(struct ddstore *dst, const struct ddstore *src)
{
	uint32_t k;

	if (src->n == 0)
		return;
	/* The highest bucket first, so that collapsing happens once. */
	dd_store_cover(dst, src->lo + (int32_t)src->n - 1);
	for (k = src->n; k-- > 0;)
		if (src->c[k])
			dd_store_add(dst, src->lo + (int32_t)k, src->c[k]);
}

void
dd_merge(struct ddsketch *dst, const struct ddsketch *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->zero += src->zero;
	dd_store_merge(&dst->pos, &src->pos);
	dd_store_merge(&dst->neg, &src->neg);
}

static double
dd_clamp(const struct ddsketch *s, double v)
{
	if (v < s->min)
		return s->min;
	if (v > s->max)
		return s->max;
	return v;
}

double
dd_rank_value(const struct ddsketch *s, uint64_t k)
{
	uint64_t seen = 0;
	uint32_t j;

	if (k == 1)
		return s->min;
	if (k >= s->count)
		return s->max;
	/* Negative values: the largest magnitudes come first. */
	for (j = s->neg.n; j-- > 0;) {
		seen += s->neg.c[j];
		if (seen >= k)
			return dd_clamp(s, -dd_value(s->neg.lo + (int32_t)j));
	}
	seen += s->zero;
	if (seen >= k)
		return 0;
	for (j = 0; j < s->pos.n; j++) {
		seen += s->pos.c[j];
		if (seen >= k)
			return dd_clamp(s, dd_value(s->pos.lo + (int32_t)j));
	}
	return s->max;
}

/* ---- ranks ----------------------------------------------------------- */

uint64_t
pctl_rank(uint64_t num, uint64_t den, uint64_t n)
{
	unsigned __int128 a = (unsigned __int128)num * n;
	unsigned __int128 b = (unsigned __int128)den * 100;
	unsigned __int128 r = (a + b - 1) / b;

	if (r < 1)
		return 1;
	if (r > n)
		return n;
	return (uint64_t)r;
}
