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
 * "0" alone is zero.  A number is decimal digits, leading zeros allowed
 * ("01h" is 1h: no other reading is plausible, and every number parser
 * users know accepts them); only the last component may have a fraction
 * ("1.5h", "0.25s"), which must come out a whole number of microseconds
 * ("1.5us" is an error).  Units are case-sensitive ASCII.  Overflow of
 * int64 is an error.
 *
 * Returns 0 and sets *out, or -1 and sets *errstr to a static message
 * ("empty duration", "sign not allowed", "expected a number", "missing
 * unit", "unknown unit", "unit repeated", "units out of order", "duration
 * too large", ...).
 */
int duration_parse(const char *s, int64_t *out, const char **errstr);

/*
 * Writes US (>= 0) in the canonical form duration_parse reads back:
 * "1h30m", "250ms", "1d", "1w2d", "0": largest units first, each component
 * below the next larger unit, no fraction.  OUT has DURATION_FMT_MAX bytes.
 * Returns the length.
 */
size_t duration_format(int64_t us, char *out);

#endif
