/*
 * rxsafe.h - the guard in front of regcomp(3) for evscore's `regex`
 * operator.
 *
 * A model is configuration that may come from many hands, and a regular
 * expression is the one part of it whose cost is not obvious from reading
 * it.  Before a pattern is compiled (POSIX ERE, REG_EXTENDED | REG_NOSUB)
 * it must pass these rules, documented in evscore-model(5):
 *
 *   - at most RXSAFE_MAX_LEN bytes, not empty, no NUL byte;
 *   - no back-references (\1 to \9): they need backtracking, which can
 *     take exponential time;
 *   - no unbounded repetition (*, +, {n,}) of something that already
 *     contains an unbounded repetition, as in (a+)+, (a*)* or a+*: the
 *     classic catastrophic-backtracking shape, and a large automaton;
 *   - counts in {m}, {m,}, {m,n} at most RXSAFE_MAX_COUNT;
 *   - counted repetition expands the pattern (regcomp copies the repeated
 *     part): the estimated size after expansion, in atoms, at most
 *     RXSAFE_MAX_ATOMS, which bounds compile time and memory.
 */
#ifndef EVSCORE_RXSAFE_H
#define EVSCORE_RXSAFE_H

#include <stddef.h>

#define RXSAFE_MAX_LEN   1024
#define RXSAFE_MAX_COUNT 100
#define RXSAFE_MAX_ATOMS 10000

/*
 * Checks the N-byte pattern P.  Returns 0 when it may be compiled, or -1
 * with the reason in WHY (WHYLEN bytes).  Syntax errors other than these
 * are left to regcomp.
 */
int rxsafe_check(const char *p, size_t n, char *why, size_t whylen);

#endif
