/*
 * unit.h - the smallest harness for C unit tests of common/.
 *
 * Each tests/unit/t_NAME.c is one program; tests/unit.bats runs them all.
 * A failed check prints "FILE:LINE: CHECK failed: EXPR" and the program exits
 * 1 at the end, after running every check.
 */
#ifndef EV_UNIT_H
#define EV_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failures;

#define CHECK(expr)                                                            \
	do {                                                                   \
		unit_checks++;                                                 \
		if (!(expr)) {                                                 \
			unit_failures++;                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #expr);                              \
		}                                                              \
	} while (0)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		unit_checks++;                                                 \
		if (g_ != w_) {                                                \
			unit_failures++;                                       \
			fprintf(stderr, "%s:%d: %s = %lld, want %lld\n",       \
				__FILE__, __LINE__, #got, g_, w_);             \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		unit_checks++;                                                 \
		if (g_ == NULL || strcmp(g_, w_) != 0) {                       \
			unit_failures++;                                       \
			fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n",   \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)",  \
				w_);                                           \
		}                                                              \
	} while (0)

/* Call at the end of main: prints the tally and gives the exit status. */
static inline int
unit_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

#endif
