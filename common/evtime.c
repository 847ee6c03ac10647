/*
 * evtime.c - event time: RFC 3339 and epoch parsing, formatting, civil-date
 * arithmetic.
 *
 * Nothing here consults the TZ environment, the C library's time zone
 * database or timegm/mktime: the civil calendar is computed directly
 * (proleptic Gregorian, days counted from 1970-01-01), so the same input
 * gives the same instant on every machine.
 */
#include "evtime.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "duration.h"

/* Days from 0000-03-01 (the start of a 400-year era) to 1970-01-01. */
#define EVTIME_EPOCH_SHIFT 719468

/*
 * The most fraction digits an RFC 3339 time may carry.  RFC 3339 sets no
 * limit; evtools stops at nanoseconds (DESIGN.md section 2, evtime.h), so
 * that a runaway string of digits is reported rather than silently cut.
 */
#define EVTIME_FRAC_MAX 9

/*
 * Digit positions in "YYYY-MM-DDTHH:MM:SS": the date is 10 bytes, up to the
 * hour 13, the minute 16, the second 19.
 */
#define EVTIME_LEN_DATE 10
#define EVTIME_LEN_HOUR 13
#define EVTIME_LEN_MIN  16
#define EVTIME_LEN_SEC  19

/* What evtime_parse_dt accepts beyond strict RFC 3339. */
enum evtime_dt_mode {
	EVTIME_DT_STRICT,  /* the RFC 3339 date-time, offset required */
	EVTIME_DT_PARTIAL, /* command-line forms: offset optional, UTC */
};

int
evtime_unit_parse(const char *s, enum evtime_unit *out)
{
	static const struct {
		const char *name;
		enum evtime_unit unit;
	} units[] = {
	    {"auto", EVTIME_UNIT_AUTO}, {"s", EVTIME_UNIT_S},
	    {"ms", EVTIME_UNIT_MS},     {"us", EVTIME_UNIT_US},
	    {"ns", EVTIME_UNIT_NS},
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].name) == 0) {
			*out = units[i].unit;
			return 0;
		}
	}
	return -1;
}

static bool
evtime_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
evtime_month_days(int64_t y, int m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31};

	if (m == 2 && evtime_is_leap(y))
		return 29;
	return days[m - 1];
}

/* Floor division and modulo for a positive divisor. */
static int64_t
evtime_fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

static int64_t
evtime_fmod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	if (r < 0)
		r += b;
	return r;
}

/*
 * The calendar is counted in 400-year eras of 146097 days that start on
 * March 1, so that the leap day is the last day of its year and the month
 * lengths from March on follow the fixed pattern (153 * mp + 2) / 5.
 */
int64_t
evtime_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;
	unsigned mp;

	if (m <= 2)
		y--;
	era = evtime_fdiv(y, 400);
	yoe = y - era * 400;              /* 0..399 */
	mp = m > 2 ? m - 3 : m + 9;       /* March = 0 */
	doy = (153 * mp + 2) / 5 + d - 1; /* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - EVTIME_EPOCH_SHIFT;
}

/*
 * The inverse of evtime_days_from_civil.  Within an era: doe is the day
 * (0..146096), yoe the year (0..399, corrected for the leap days before
 * it), doy the day of a March-based year (0..365), mp the month (March = 0).
 */
static void
evtime_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z, era, doe, yoe, doy, mp, yy;

	z = days + EVTIME_EPOCH_SHIFT;
	era = evtime_fdiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	yy = yoe + era * 400;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(*m <= 2 ? yy + 1 : yy);
}

static evtime_t
evtime_clamp(evtime_t t)
{
	if (t < EVTIME_LOWEST)
		return EVTIME_LOWEST;
	if (t > EVTIME_HIGHEST)
		return EVTIME_HIGHEST;
	return t;
}

void
evtime_to_civil(evtime_t t, struct evtime_civil *c)
{
	int64_t days, rem;

	t = evtime_clamp(t);
	days = evtime_fdiv(t, EVTIME_DAY);
	rem = t - days * EVTIME_DAY;
	evtime_civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(rem / EVTIME_HOUR);
	c->min = (int)(rem / EVTIME_MIN % 60);
	c->sec = (int)(rem / EVTIME_SEC % 60);
	c->usec = (int)(rem % EVTIME_SEC);
	c->wday = (int)evtime_fmod(days + 4, 7); /* 1970-01-01 was a Thursday */
	c->yday = (int)(days - evtime_days_from_civil(c->year, 1, 1));
}

int
evtime_from_civil(const struct evtime_civil *c, evtime_t *out)
{
	if (c->year < 0 || c->year > 9999 || c->month < 1 || c->month > 12 ||
	    c->day < 1 || c->day > evtime_month_days(c->year, c->month) ||
	    c->hour < 0 || c->hour > 23 || c->min < 0 || c->min > 59 ||
	    c->sec < 0 || c->sec > 59 || c->usec < 0 || c->usec > 999999)
		return -1;
	*out = evtime_days_from_civil(c->year, (unsigned)c->month,
				      (unsigned)c->day) *
		   EVTIME_DAY +
	       c->hour * EVTIME_HOUR + c->min * EVTIME_MIN +
	       c->sec * EVTIME_SEC + c->usec;
	return 0;
}

/*
 * Reads exactly N ASCII digits at S into *out.  Bytes outside '0'..'9'
 * (including the bytes of non-ASCII digits) fail.
 */
static bool
evtime_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
evtime_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The one date-time parser behind evtime_parse_rfc3339 and the
 * command-line forms of evtime_parse_arg.  In EVTIME_DT_PARTIAL mode the
 * text may stop after the date, the hour, the minute, the second or the
 * fraction, and is then read as UTC; an offset is still accepted.
 */
static int
evtime_parse_dt(const char *s, size_t n, enum evtime_dt_mode mode,
		evtime_t *out, const char **errstr)
{
	bool partial = mode == EVTIME_DT_PARTIAL;
	int year, month, day, hour = 0, min = 0, sec = 0, usec = 0;
	int ohour, omin, off = 0, nfrac, d;
	size_t i;
	int64_t days, mod;
	evtime_t t;

	if (n == 0) {
		*errstr = "empty time";
		return -1;
	}
	/* Date: YYYY-MM-DD, each field exactly that many ASCII digits. */
	if (n < 4 || !evtime_digits(s, 4, &year)) {
		*errstr = "invalid year";
		return -1;
	}
	if (n < 5 || s[4] != '-') {
		for (i = 4; i < n && evtime_isdigit(s[i]); i++)
			;
		if (i > 4 && i < n && s[i] == '-')
			*errstr = "year must have 4 digits";
		else
			*errstr = "expected '-' after the year";
		return -1;
	}
	if (n < 7 || !evtime_digits(s + 5, 2, &month) || month < 1 ||
	    month > 12) {
		*errstr = "invalid month";
		return -1;
	}
	if (n < 8 || s[7] != '-') {
		*errstr = "expected '-' after the month";
		return -1;
	}
	if (n < EVTIME_LEN_DATE || !evtime_digits(s + 8, 2, &day) || day < 1 ||
	    day > evtime_month_days(year, month)) {
		*errstr = "invalid day of month";
		return -1;
	}
	if (n == EVTIME_LEN_DATE && partial)
		goto utc;
	if (n == EVTIME_LEN_DATE || (s[10] != 'T' && s[10] != 't')) {
		*errstr = "expected 'T' after the date";
		return -1;
	}

	/* Time: HH:MM:SS; a second of 60 is checked once the offset is known. */
	if (n < EVTIME_LEN_HOUR || !evtime_digits(s + 11, 2, &hour) ||
	    hour > 23) {
		*errstr = "invalid hour";
		return -1;
	}
	if (n == EVTIME_LEN_HOUR && partial)
		goto utc;
	if (n == EVTIME_LEN_HOUR || s[13] != ':') {
		*errstr = "expected ':' after the hour";
		return -1;
	}
	if (n < EVTIME_LEN_MIN || !evtime_digits(s + 14, 2, &min) || min > 59) {
		*errstr = "invalid minute";
		return -1;
	}
	if (n == EVTIME_LEN_MIN && partial)
		goto utc;
	if (n == EVTIME_LEN_MIN || s[16] != ':') {
		*errstr = "expected ':' after the minute";
		return -1;
	}
	if (n < EVTIME_LEN_SEC || !evtime_digits(s + 17, 2, &sec) || sec > 60) {
		*errstr = "invalid second";
		return -1;
	}
	i = EVTIME_LEN_SEC;

	/* Fraction: 1 to 9 digits, kept to the microsecond (floor). */
	if (i < n && s[i] == '.') {
		i++;
		for (nfrac = 0; i < n && evtime_isdigit(s[i]); i++, nfrac++) {
			if (nfrac < 6)
				usec = usec * 10 + (s[i] - '0');
		}
		if (nfrac == 0) {
			*errstr = "missing digits after '.'";
			return -1;
		}
		if (nfrac > EVTIME_FRAC_MAX) {
			*errstr = "too many fraction digits";
			return -1;
		}
		for (d = nfrac; d < 6; d++)
			usec *= 10;
	}

	/* Offset: Z, or +HH:MM / -HH:MM with HH <= 23 and MM <= 59. */
	if (i == n) {
		if (partial)
			goto utc;
		*errstr = "missing time zone offset";
		return -1;
	}
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (n - i < 6 || !evtime_digits(s + i + 1, 2, &ohour) ||
		    s[i + 3] != ':' || !evtime_digits(s + i + 4, 2, &omin)) {
			*errstr = "invalid time zone offset";
			return -1;
		}
		if (ohour > 23) {
			*errstr = "invalid offset hour";
			return -1;
		}
		if (omin > 59) {
			*errstr = "invalid offset minute";
			return -1;
		}
		off = ohour * 60 + omin;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else {
		*errstr = "invalid time zone offset";
		return -1;
	}
	if (i != n) {
		*errstr = "trailing characters";
		return -1;
	}

utc:
	/*
	 * A leap second is only real at 23:59:60 UTC.  POSIX time has no
	 * room for it, so it becomes the last microsecond of the UTC day it
	 * ends: 23:59:59.999999.  Its fraction is dropped; it cannot be
	 * represented.  This keeps it in the hour, day and partition it
	 * names, and keeps the order with the seconds before it.
	 */
	if (sec == 60) {
		mod = evtime_fmod((int64_t)hour * 60 + min - off, 24 * 60);
		if (mod != 23 * 60 + 59) {
			*errstr = "invalid leap second";
			return -1;
		}
		sec = 59;
		usec = 999999;
	}
	days = evtime_days_from_civil(year, (unsigned)month, (unsigned)day);
	t = days * EVTIME_DAY + hour * EVTIME_HOUR + min * EVTIME_MIN +
	    sec * EVTIME_SEC + usec - off * EVTIME_MIN;
	if (t < EVTIME_LOWEST || t > EVTIME_HIGHEST) {
		/* Only an offset can push a 0000-9999 date out of range. */
		*errstr = "out of range";
		return -1;
	}
	*out = t;
	return 0;
}

int
evtime_parse_rfc3339(const char *s, size_t n, evtime_t *out,
		     const char **errstr)
{
	return evtime_parse_dt(s, n, EVTIME_DT_STRICT, out, errstr);
}

/* Saturation bound for the digit accumulator: above any in-range value. */
#define EVTIME_ACC_CAP 1000000000000000000ULL /* 1e18 */
/* Exponents are clamped here; anything beyond is out of range or zero. */
#define EVTIME_EXP_CAP 1000000000LL

/*
 * Digit J of an epoch number's digit string: the integer digits
 * s[int0..int1) followed by the fraction digits from s[frac0].
 */
static int
evtime_epoch_digit(const char *s, size_t int0, size_t int1, size_t frac0,
		   size_t j)
{
	if (j < int1 - int0)
		return s[int0 + j] - '0';
	return s[frac0 + j - (int1 - int0)] - '0';
}

/*
 * Epoch numbers are converted from their decimal digits, never through a
 * double: the value is the digit string D (integer and fraction digits
 * together) times 10^E, where E accounts for the fraction length, the
 * exponent and the unit.  The integer part in microseconds is the first
 * (integer digits + exponent + unit shift) digits of D; the remaining digits
 * only tell whether there is a remainder, which matters for the floor of a
 * negative number.
 */
int
evtime_parse_epoch(const char *s, size_t n, enum evtime_unit unit,
		   evtime_t *out, const char **errstr)
{
	size_t i = 0, int0, int1, frac0 = 0, frac1 = 0, j, lz;
	bool neg = false, expneg = false, rem = false, allzero = true;
	int64_t e10 = 0, point, ndigits, mag, shift;
	uint64_t acc = 0;
	int dig;

	/* JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	int0 = i;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && evtime_isdigit(s[i]))
			i++;
	} else {
		goto nan;
	}
	int1 = i;
	if (i < n && s[i] == '.') {
		frac0 = ++i;
		while (i < n && evtime_isdigit(s[i]))
			i++;
		frac1 = i;
		if (frac1 == frac0)
			goto nan;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			expneg = s[i++] == '-';
		if (i == n || !evtime_isdigit(s[i]))
			goto nan;
		for (; i < n && evtime_isdigit(s[i]); i++) {
			if (e10 < EVTIME_EXP_CAP)
				e10 = e10 * 10 + (s[i] - '0');
		}
		if (expneg)
			e10 = -e10;
	}
	if (i != n)
		goto nan;

	/*
	 * D has ndigits digits (leading zeros included) and the decimal
	 * point of the value sits after `point` of them: v = 0.D * 10^point.
	 */
	ndigits = (int64_t)(int1 - int0) + (int64_t)(frac1 - frac0);
	point = (int64_t)(int1 - int0) + e10;

	/* Leading zeros of D, to find the magnitude for EVTIME_UNIT_AUTO. */
	lz = 0;
	for (j = 0; j < (size_t)ndigits; j++) {
		if (evtime_epoch_digit(s, int0, int1, frac0, j) != 0) {
			allzero = false;
			break;
		}
		lz++;
	}
	if (unit == EVTIME_UNIT_AUTO) {
		/* |v| < 10^k exactly when its integer part has <= k digits. */
		mag = point - (int64_t)lz;
		if (allzero || mag <= 11)
			unit = EVTIME_UNIT_S;
		else if (mag <= 14)
			unit = EVTIME_UNIT_MS;
		else if (mag <= 17)
			unit = EVTIME_UNIT_US;
		else
			unit = EVTIME_UNIT_NS;
	}
	switch (unit) {
	case EVTIME_UNIT_S:
		shift = 6;
		break;
	case EVTIME_UNIT_MS:
		shift = 3;
		break;
	case EVTIME_UNIT_US:
		shift = 0;
		break;
	default:
		shift = -3;
		break;
	}
	point += shift;

	for (j = 0; j < (size_t)ndigits; j++) {
		dig = evtime_epoch_digit(s, int0, int1, frac0, j);
		if ((int64_t)j < point) {
			acc = acc * 10 + (uint64_t)dig;
			if (acc > EVTIME_ACC_CAP)
				acc = EVTIME_ACC_CAP + 1;
		} else if (dig != 0) {
			rem = true;
			break;
		}
	}
	for (; point > ndigits && acc != 0; point--) {
		acc *= 10;
		if (acc > EVTIME_ACC_CAP) {
			acc = EVTIME_ACC_CAP + 1;
			break;
		}
	}

	if (neg) {
		/* Floor: a discarded remainder moves a negative time down. */
		if (rem)
			acc++;
		if (acc > (uint64_t)-EVTIME_LOWEST)
			goto range;
		*out = -(evtime_t)acc;
	} else {
		if (acc > (uint64_t)EVTIME_HIGHEST)
			goto range;
		*out = (evtime_t)acc;
	}
	return 0;

nan:
	*errstr = "not a number";
	return -1;
range:
	*errstr = "out of range";
	return -1;
}

/* Adds an optional "+DURATION" / "-DURATION" suffix to BASE. */
static int
evtime_apply_suffix(evtime_t base, const char *suffix, evtime_t *out,
		    const char **errstr)
{
	int64_t d;

	if (*suffix != '\0') {
		if (*suffix != '+' && *suffix != '-') {
			*errstr = "expected +DURATION or -DURATION";
			return -1;
		}
		if (duration_parse(suffix + 1, &d, errstr) == -1)
			return -1;
		/* BASE is in range: bound D so that BASE +- D cannot overflow. */
		if (d > EVTIME_HIGHEST - EVTIME_LOWEST) {
			*errstr = "out of range";
			return -1;
		}
		base = *suffix == '+' ? base + d : base - d;
	}
	if (base < EVTIME_LOWEST || base > EVTIME_HIGHEST) {
		*errstr = "out of range";
		return -1;
	}
	*out = base;
	return 0;
}

int
evtime_parse_arg(const char *s, evtime_t now, evtime_t *out,
		 const char **errstr)
{
	static const char *const words[] = {"now", "today", "yesterday"};
	evtime_t base;
	size_t i, len;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		len = strlen(words[i]);
		if (strncmp(s, words[i], len) != 0)
			continue;
		if (now < EVTIME_LOWEST || now > EVTIME_HIGHEST) {
			*errstr = "out of range";
			return -1;
		}
		base = now;
		if (i >= 1)
			base = evtime_floor(now, EVTIME_DAY, 0);
		if (i == 2)
			base -= EVTIME_DAY;
		return evtime_apply_suffix(base, s + len, out, errstr);
	}
	if (s[0] == '@')
		return evtime_parse_epoch(s + 1, strlen(s + 1), EVTIME_UNIT_S,
					  out, errstr);
	return evtime_parse_dt(s, strlen(s), EVTIME_DT_PARTIAL, out, errstr);
}

/* Writes V as exactly N decimal digits, most significant first. */
static char *
evtime_put(char *p, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

size_t
evtime_format_digits(evtime_t t, int digits, char *out)
{
	struct evtime_civil c;
	unsigned frac;
	char *p = out;
	int i;

	if (digits < 0)
		digits = 0;
	if (digits > 9)
		digits = 9;
	evtime_to_civil(t, &c);
	p = evtime_put(p, (unsigned)c.year, 4);
	*p++ = '-';
	p = evtime_put(p, (unsigned)c.month, 2);
	*p++ = '-';
	p = evtime_put(p, (unsigned)c.day, 2);
	*p++ = 'T';
	p = evtime_put(p, (unsigned)c.hour, 2);
	*p++ = ':';
	p = evtime_put(p, (unsigned)c.min, 2);
	*p++ = ':';
	p = evtime_put(p, (unsigned)c.sec, 2);
	if (digits > 0) {
		/* Truncate (the time is already floored to the microsecond). */
		*p++ = '.';
		frac = (unsigned)c.usec;
		if (digits >= 6) {
			p = evtime_put(p, frac, 6);
			for (i = 6; i < digits; i++)
				*p++ = '0';
		} else {
			for (i = digits; i < 6; i++)
				frac /= 10;
			p = evtime_put(p, frac, digits);
		}
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - out);
}

size_t
evtime_format(evtime_t t, char *out)
{
	int64_t usec = evtime_fmod(evtime_clamp(t), EVTIME_SEC);

	if (usec == 0)
		return evtime_format_digits(t, 0, out);
	if (usec % 1000 == 0)
		return evtime_format_digits(t, 3, out);
	return evtime_format_digits(t, 6, out);
}

/*
 * OFFSET is reduced modulo SIZE first, so any offset works; the result never
 * overflows for T in the supported range.  SIZE <= 0 breaks the contract and
 * returns T unchanged rather than dividing by zero.
 */
evtime_t
evtime_floor(evtime_t t, int64_t size, int64_t offset)
{
	int64_t r;

	if (size <= 0)
		return t;
	r = evtime_fmod(t, size) - evtime_fmod(offset, size);
	if (r < 0)
		r += size;
	if (t < INT64_MIN + r)
		return INT64_MIN; /* the bucket starts below int64 */
	return t - r;
}

evtime_t
evtime_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (evtime_t)ts.tv_sec * EVTIME_SEC + ts.tv_nsec / 1000;
}

size_t
evtime_strftime(char *out, size_t n, const char *fmt, evtime_t t)
{
	struct evtime_civil c;
	struct tm tm;
	size_t len;

	evtime_to_civil(t, &c);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c.year - 1900;
	tm.tm_mon = c.month - 1;
	tm.tm_mday = c.day;
	tm.tm_hour = c.hour;
	tm.tm_min = c.min;
	tm.tm_sec = c.sec;
	tm.tm_wday = c.wday;
	tm.tm_yday = c.yday;
	tm.tm_isdst = 0;
#if defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__) ||        \
    defined(__OpenBSD__) || defined(__NetBSD__)
	/* So that %z and %Z say UTC whatever TZ is. */
	tm.tm_gmtoff = 0;
	tm.tm_zone = "UTC";
#endif
	if (n == 0)
		return 0;
		/*
	 * FMT comes from the caller (a partition template); strftime itself
	 * bounds the output.  An empty result and an overflow both give 0.
	 */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
	len = strftime(out, n, fmt, &tm);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
	return len;
}
