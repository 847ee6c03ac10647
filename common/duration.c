/*
 * duration.c - durations such as "250ms", "30s", "1h30m", "1d", "1w".
 */
#include "duration.h"

#include <stdbool.h>
#include <string.h>

/* The units, largest first: the order a duration must list them in. */
static const struct {
	const char *name;
	int64_t us;
} duration_units[] = {
    {"w", 7 * 86400 * 1000000LL},
    {"d", 86400 * 1000000LL},
    {"h", 3600 * 1000000LL},
    {"m", 60 * 1000000LL},
    {"s", 1000000LL},
    {"ms", 1000LL},
    {"us", 1LL},
};

#define DURATION_NUNITS (sizeof(duration_units) / sizeof(duration_units[0]))

/*
 * Fraction digits beyond this (after dropping trailing zeros) can never
 * give whole microseconds: the largest unit, a week, is 2^13 * 5^8 * 189
 * microseconds, so a fraction needs at most 13 significant digits.  The cap
 * keeps 10^digits inside uint64.
 */
#define DURATION_FRAC_MAX 18

static bool
duration_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static uint64_t
duration_gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * The microseconds in 0.F units, where F is the NF digits at S, or -1 if
 * that is not a whole number.  With g = gcd(unit, 10^k) (k significant
 * digits), F * unit / 10^k is whole exactly when 10^k / g divides F, and
 * is then (F / (10^k / g)) * (unit / g), which is below UNIT: no overflow.
 */
static int64_t
duration_fraction(const char *s, size_t nf, int64_t unit)
{
	uint64_t f = 0, pow = 1, g, q;
	size_t k, i;

	for (k = nf; k > 0 && s[k - 1] == '0'; k--)
		;
	if (k > DURATION_FRAC_MAX)
		return -1;
	for (i = 0; i < k; i++) {
		f = f * 10 + (uint64_t)(s[i] - '0');
		pow *= 10;
	}
	g = duration_gcd((uint64_t)unit, pow);
	q = pow / g;
	if (f % q != 0)
		return -1;
	return (int64_t)(f / q * ((uint64_t)unit / g));
}

/*
 * Decision: leading zeros are accepted ("01h" is 1h, "007s" is 7s), as
 * every number parser a user knows accepts them, and no reading of "01h"
 * other than one hour is plausible.
 */
int
duration_parse(const char *s, int64_t *out, const char **errstr)
{
	const char *p = s, *frac, *name;
	size_t nfrac, namelen, u;
	int64_t total = 0, v, part;
	int last = -1;

	if (*s == '\0') {
		*errstr = "empty duration";
		return -1;
	}
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	while (*p != '\0') {
		if (*p == '+' || *p == '-') {
			*errstr = "sign not allowed";
			return -1;
		}
		if (!duration_isdigit(*p)) {
			*errstr = "expected a number";
			return -1;
		}
		for (v = 0; duration_isdigit(*p); p++) {
			if (v > (INT64_MAX - (*p - '0')) / 10) {
				*errstr = "duration too large";
				return -1;
			}
			v = v * 10 + (*p - '0');
		}
		frac = NULL;
		nfrac = 0;
		if (*p == '.') {
			frac = ++p;
			while (duration_isdigit(*p))
				p++;
			nfrac = (size_t)(p - frac);
			if (nfrac == 0) {
				*errstr = "missing digits after '.'";
				return -1;
			}
		}
		/* The unit is the run of ASCII letters after the number. */
		name = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		namelen = (size_t)(p - name);
		if (namelen == 0) {
			*errstr = "missing unit";
			return -1;
		}
		for (u = 0; u < DURATION_NUNITS; u++) {
			if (strlen(duration_units[u].name) == namelen &&
			    memcmp(duration_units[u].name, name, namelen) == 0)
				break;
		}
		if (u == DURATION_NUNITS) {
			*errstr = "unknown unit";
			return -1;
		}
		if ((int)u == last) {
			*errstr = "unit repeated";
			return -1;
		}
		if ((int)u < last) {
			*errstr = "units out of order";
			return -1;
		}
		last = (int)u;
		if (frac != NULL && *p != '\0') {
			*errstr = "fraction only allowed in the last component";
			return -1;
		}
		if (v > INT64_MAX / duration_units[u].us) {
			*errstr = "duration too large";
			return -1;
		}
		part = v * duration_units[u].us;
		if (frac != NULL) {
			int64_t f = duration_fraction(frac, nfrac,
						      duration_units[u].us);

			if (f < 0) {
				*errstr = "not a whole number of microseconds";
				return -1;
			}
			if (part > INT64_MAX - f) {
				*errstr = "duration too large";
				return -1;
			}
			part += f;
		}
		if (total > INT64_MAX - part) {
			*errstr = "duration too large";
			return -1;
		}
		total += part;
	}
	*out = total;
	return 0;
}

/*
 * Greedy from the largest unit, so the text is the unique form with every
 * component below the next larger unit.  A negative US (outside the
 * contract) is written with a leading '-', which duration_parse rejects.
 */
size_t
duration_format(int64_t us, char *out)
{
	uint64_t left, n;
	char digits[24], *p = out;
	size_t u, k;

	if (us == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	if (us < 0) {
		*p++ = '-';
		left = (uint64_t)0 - (uint64_t)us;
	} else {
		left = (uint64_t)us;
	}
	for (u = 0; u < DURATION_NUNITS; u++) {
		n = left / (uint64_t)duration_units[u].us;
		if (n == 0)
			continue;
		left -= n * (uint64_t)duration_units[u].us;
		k = 0;
		do {
			digits[k++] = (char)('0' + n % 10);
			n /= 10;
		} while (n != 0);
		while (k > 0)
			*p++ = digits[--k];
		k = strlen(duration_units[u].name);
		memcpy(p, duration_units[u].name, k);
		p += k;
	}
	*p = '\0';
	return (size_t)(p - out);
}
