/*
 * fmtnum.h - numbers in evscore's output, fast.
 *
 * buf_add_double (buf.h) finds the shortest text that reads back to the
 * same double by trying 1, 2, ... 17 significant digits, each try an
 * snprintf and a strtod: up to 17 of each per number, which was two
 * thirds of evscore's time.  fmtnum_add writes exactly the same text,
 * byte for byte, with far fewer tries:
 *
 *   - the number of digits that round-trips is monotonic (if p digits
 *     read back to V, the nearest decimal with p + 1 digits is at least as
 *     close to V), except possibly for powers of two, whose rounding
 *     interval is lopsided; so a search probing 15, then 16, or bisecting
 *     below 15, finds the same shortest length in 2 to 5 tries, and powers
 *     of two take buf_add_double's own path;
 *   - a small direct-mapped memo, keyed by the double's bits, remembers
 *     recent results: scores repeat (the same rules fire, the same counts
 *     come back).
 *
 * tests/unit/t_evscore_fmtnum.c checks the equivalence on millions of
 * doubles.
 */
#ifndef EVSCORE_FMTNUM_H
#define EVSCORE_FMTNUM_H

#include "buf.h"

/* Appends V exactly as buf_add_double(B, V) would. */
void fmtnum_add(struct buf *b, double v);

#endif
