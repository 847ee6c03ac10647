/*
 * evtime.h - event time: parsing RFC 3339 and epoch numbers, formatting,
 * civil-date arithmetic.
 *
 * Every event time inside evtools is an int64 count of microseconds since
 * 1970-01-01T00:00:00Z (UTC, leap seconds not counted, as POSIX time).
 * The supported range is years 0000 through 9999.
 */
#ifndef EV_EVTIME_H
#define EV_EVTIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t evtime_t;

#define EVTIME_USEC 1LL
#define EVTIME_MSEC 1000LL
#define EVTIME_SEC  1000000LL
#define EVTIME_MIN  (60 * EVTIME_SEC)
#define EVTIME_HOUR (60 * EVTIME_MIN)
#define EVTIME_DAY  (24 * EVTIME_HOUR)

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z */
#define EVTIME_LOWEST  (-62167219200LL * EVTIME_SEC)
#define EVTIME_HIGHEST (253402300800LL * EVTIME_SEC - 1)

/* Longest text evtime_format writes, with the NUL. */
#define EVTIME_FMT_MAX 32

/* The unit of a numeric (epoch) time value. */
enum evtime_unit {
	EVTIME_UNIT_AUTO = 0, /* decided by magnitude, see evtime_parse_epoch */
	EVTIME_UNIT_S,
	EVTIME_UNIT_MS,
	EVTIME_UNIT_US,
	EVTIME_UNIT_NS,
};

/*
 * Parses "s", "ms", "us", "ns" or "auto" into *out.  Returns 0, or -1 for
 * any other word.
 */
int evtime_unit_parse(const char *s, enum evtime_unit *out);

/*
 * Parses an RFC 3339 date-time of exactly N bytes (S need not be
 * NUL-terminated):
 *
 *     YYYY-MM-DD "T" HH:MM:SS [ "." 1*9DIGIT ] ( "Z" / ("+" / "-") HH:MM )
 *
 * 'T' and 'Z' may be lower case (RFC 3339 section 5.6).  The offset is
 * subtracted, so the result is UTC.  Fractions beyond microseconds are
 * truncated toward the past (floor), so an instant never moves into the next
 * microsecond.  Day-of-month is checked against the month and leap years.
 * A leap second (SS = 60) is accepted only where the time is 23:59:60 in UTC
 * after applying the offset, and is read as 23:59:59.999999 of that day, so
 * that it stays in the hour and day it names.  Nothing may precede or follow
 * the date-time.
 *
 * Returns 0 and sets *out, or returns -1 and sets *errstr to a static
 * message such as "invalid month" or "expected 'T' after the date".
 */
int evtime_parse_rfc3339(const char *s, size_t n, evtime_t *out,
			 const char **errstr);

/*
 * Parses a JSON number of exactly N bytes as an epoch time in UNIT.
 * Fractions are allowed ("1439879800.25") and truncated toward the past at
 * microseconds.  EVTIME_UNIT_AUTO chooses by magnitude of the integer part:
 *
 *     |v| <  1e11        seconds       (until the year 5138)
 *     |v| <  1e14        milliseconds
 *     |v| <  1e17        microseconds
 *     otherwise          nanoseconds
 *
 * Returns 0, or -1 with *errstr ("not a number", "out of range").
 */
int evtime_parse_epoch(const char *s, size_t n, enum evtime_unit unit,
		       evtime_t *out, const char **errstr);

/*
 * Parses a time given on a command line (--since, --until, --start):
 *   an RFC 3339 date-time;
 *   YYYY-MM-DD, or YYYY-MM-DDTHH[:MM[:SS[.FRACTION]]] without offset (read
 *   as UTC; 't' may be lower case);
 *   @EPOCH (seconds, never auto-detected; the JSON number grammar, so
 *   fraction and exponent allowed);
 *   "now", "today", "yesterday" (UTC midnights), each optionally followed by
 *   "+DURATION" or "-DURATION" ("now-2h", "today-1d").
 * Keywords are lower case.  NOW is the current time, passed in so callers
 * and tests control it; a result outside the supported range is an error.
 * Returns 0, or -1 with *errstr (the parser's message, or duration_parse's
 * for the suffix).
 */
int evtime_parse_arg(const char *s, evtime_t now, evtime_t *out,
		     const char **errstr);

/*
 * Writes T as RFC 3339 UTC with 'Z' and a NUL into OUT (EVTIME_FMT_MAX
 * bytes) and returns the length.  The fraction is omitted when T is a whole
 * second, else written with 3 digits when T is a whole millisecond, else with
 * 6 digits.  T is clamped to [EVTIME_LOWEST, EVTIME_HIGHEST].
 */
size_t evtime_format(evtime_t t, char *out);

/*
 * As evtime_format with exactly DIGITS (0, 3, 6 or 9) fraction digits,
 * truncated (floor); digits beyond the sixth are zeros.  Any DIGITS in 0..9
 * works; values outside are clamped to it.
 */
size_t evtime_format_digits(evtime_t t, int digits, char *out);

/* Broken-down UTC time. */
struct evtime_civil {
	int year;  /* 0..9999 */
	int month; /* 1..12 */
	int day;   /* 1..31 */
	int hour;  /* 0..23 */
	int min;   /* 0..59 */
	int sec;   /* 0..59 */
	int usec;  /* 0..999999 */
	int wday;  /* 0 = Sunday */
	int yday;  /* 0..365 */
};

/* Splits T (clamped to the supported range) into its UTC fields. */
void evtime_to_civil(evtime_t t, struct evtime_civil *c);

/*
 * The inverse of evtime_to_civil for year, month, day, hour, min, sec and
 * usec (wday and yday are ignored).  Fields must be in range (day checked
 * against the month).  Returns 0, or -1 if any field is out of range.
 */
int evtime_from_civil(const struct evtime_civil *c, evtime_t *out);

/* Days since 1970-01-01 of a proleptic Gregorian date; no range checks. */
int64_t evtime_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * The start of the SIZE-long bucket containing T, buckets being aligned so
 * that one starts at OFFSET (mod SIZE) after the epoch.  Correct for
 * negative T (floor, not truncation); OFFSET may be negative or larger than
 * SIZE.  SIZE must be > 0 (otherwise T is returned unchanged).  Where the
 * bucket would start below INT64_MIN (never for T in the supported range
 * and SIZE <= EVTIME_HIGHEST - EVTIME_LOWEST) the result is INT64_MIN.
 */
evtime_t evtime_floor(evtime_t t, int64_t size, int64_t offset);

/* The current wall-clock time. */
evtime_t evtime_now(void);

/*
 * strftime(3) of T in UTC into OUT (at most N bytes with the NUL).  Returns
 * the length, or 0 if it did not fit.  %z and %Z give "+0000" and "UTC"
 * whatever TZ says; %s (a GNU extension that calls mktime) does depend on
 * TZ and must not be used.
 */
size_t evtime_strftime(char *out, size_t n, const char *fmt, evtime_t t);

#endif
