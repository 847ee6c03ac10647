/*
 * duration.h - durations such as "250ms", "30s", "1h30m", "1d", "1w".
 */
#ifndef EV_DURATION_H
#define EV_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest text duration_format writes, with the NUL. */
#define DURATION_FMT_MAX 48

/*
 * Parses a duration into microseconds.  Grammar: one or more NUMBER UNIT
 * components, units in strictly decreasing order, each at most once, no
 * spaces, no sign:
 *
 *     w (7 days)  d (86400 s)  h  m  s  ms  us
 *
 * "0" alone is zero.  A number is decimal digits; only the last component
 * may have a fraction ("1.5h", "0.25s"), which must come out a whole number
 * of microseconds.  Overflow of int64 is an error.
 *
 * Returns 0 and sets *out, or -1 and sets *errstr to a static message
 * ("missing unit", "unknown unit 'x'", "units out of order", ...).
 */
int duration_parse(const char *s, int64_t *out, const char **errstr);

/*
 * Writes US (>= 0) in the canonical form duration_parse reads back:
 * "1h30m", "250ms", "1d", "1w2d", "0".  Returns the length.
 */
size_t duration_format(int64_t us, char *out);

#endif
