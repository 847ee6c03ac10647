/*
 * rxsafe.c - structural checks of a POSIX ERE before regcomp (rxsafe.h).
 *
 * One pass over the pattern with a stack of open groups.  Each level keeps
 * the size of what it holds so far and whether that contains an unbounded
 * repetition, plus the last item (atom or closed group), which is what a
 * following quantifier applies to.
 */
#include "rxsafe.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct rx_item {
	double size; /* atoms after expanding counted repetition */
	bool unb;    /* contains an unbounded repetition */
	bool set;    /* there is an item */
};

struct rx_level {
	double size; /* committed items */
	bool unb;
	struct rx_item last;
};

static void
rx_commit(struct rx_level *l)
{
	if (l->last.set) {
		l->size += l->last.size;
		l->unb = l->unb || l->last.unb;
		l->last.set = false;
	}
}

static void
rx_atom(struct rx_level *l)
{
	rx_commit(l);
	l->last.size = 1;
	l->last.unb = false;
	l->last.set = true;
}

/* Skips a bracket expression starting at P[I] == '['; returns the index
 * after it, or N when it is not closed (regcomp will say so). */
static size_t
rx_skip_bracket(const char *p, size_t n, size_t i)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;
	while (i < n && p[i] != ']') {
		if (p[i] == '[' && i + 1 < n &&
		    (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '.')) {
			char close = p[i + 1];

			i += 2;
			while (i + 1 < n && !(p[i] == close && p[i + 1] == ']'))
				i++;
			i += 2;
			continue;
		}
		i++;
	}
	return i < n ? i + 1 : n;
}

/* Reads a decimal count at P[*I]; false when there is none. */
static bool
rx_count(const char *p, size_t n, size_t *i, unsigned long *out)
{
	unsigned long v = 0;
	size_t start = *i;

	while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
		if (v < 1000000)
			v = v * 10 + (unsigned long)(p[*i] - '0');
		(*i)++;
	}
	*out = v;
	return *i > start;
}

/*
 * Parses an interval "{m}", "{m,}", "{m,n}" or "{,n}" at P[I] == '{'.
 * Returns the index after it, or 0 when it is not an interval (then '{'
 * is an ordinary character to regcomp, or an error it reports).
 */
static size_t
rx_interval(const char *p, size_t n, size_t i, unsigned long *lo,
	    unsigned long *hi, bool *unbounded)
{
	bool have_lo, have_hi = false;

	i++;
	have_lo = rx_count(p, n, &i, lo);
	if (!have_lo)
		*lo = 0;
	*unbounded = false;
	if (i < n && p[i] == ',') {
		i++;
		have_hi = rx_count(p, n, &i, hi);
		if (!have_hi) {
			if (!have_lo)
				return 0;
			*unbounded = true;
			*hi = *lo;
		}
	} else {
		if (!have_lo)
			return 0;
		*hi = *lo;
	}
	if (i >= n || p[i] != '}')
		return 0;
	return i + 1;
}

int
rxsafe_check(const char *p, size_t n, char *why, size_t whylen)
{
	struct rx_level stack[RXSAFE_MAX_LEN + 1];
	size_t depth = 0, i = 0;
	struct rx_level *l;

	if (n == 0) {
		snprintf(why, whylen, "empty pattern");
		return -1;
	}
	if (n > RXSAFE_MAX_LEN) {
		snprintf(why, whylen, "pattern longer than %d bytes",
			 RXSAFE_MAX_LEN);
		return -1;
	}
	if (memchr(p, '\0', n) != NULL) {
		snprintf(why, whylen, "NUL byte in pattern");
		return -1;
	}
	memset(&stack[0], 0, sizeof(stack[0]));
	l = &stack[0];
	while (i < n) {
		char c = p[i];
		unsigned long lo, hi;
		bool unbounded;
		size_t next;

		switch (c) {
		case '\\':
			if (i + 1 < n && p[i + 1] >= '1' && p[i + 1] <= '9') {
				snprintf(why, whylen,
					 "back-reference '\\%c' is not allowed "
					 "(it needs backtracking)",
					 p[i + 1]);
				return -1;
			}
			rx_atom(l);
			i += 2;
			continue;
		case '[':
			rx_atom(l);
			i = rx_skip_bracket(p, n, i);
			continue;
		case '(':
			rx_commit(l);
			memset(&stack[++depth], 0, sizeof(stack[0]));
			l = &stack[depth];
			i++;
			continue;
		case ')':
			if (depth == 0) {
				rx_atom(l); /* regcomp decides */
				i++;
				continue;
			}
			rx_commit(l);
			{
				struct rx_item g = {l->size + 1, l->unb, true};

				l = &stack[--depth];
				rx_commit(l);
				l->last = g;
			}
			i++;
			continue;
		case '|':
			rx_commit(l);
			i++;
			continue;
		case '*':
		case '+':
		case '?':
			lo = c == '+' ? 1 : 0;
			hi = 1;
			unbounded = c != '?';
			next = i + 1;
			break;
		case '{':
			next = rx_interval(p, n, i, &lo, &hi, &unbounded);
			if (next == 0) {
				rx_atom(l);
				i++;
				continue;
			}
			if (lo > RXSAFE_MAX_COUNT || hi > RXSAFE_MAX_COUNT) {
				snprintf(why, whylen,
					 "repetition count %lu above the limit "
					 "of %d",
					 lo > hi ? lo : hi, RXSAFE_MAX_COUNT);
				return -1;
			}
			break;
		default:
			rx_atom(l);
			i++;
			continue;
		}
		/* A quantifier: applies to the last item. */
		if (l->last.set) {
			if (unbounded && l->last.unb) {
				snprintf(why, whylen,
					 "nested unbounded repetition at "
					 "offset %zu, as in (a+)+ or (a*)*, is "
					 "not allowed (it can take exponential "
					 "time)",
					 i);
				return -1;
			}
			if (c == '{') {
				/* regcomp copies the operand max(m,n)(+1) times. */
				double copies =
				    (double)hi + (unbounded ? 1 : 0);

				l->last.size *= copies > 1 ? copies : 1;
			}
			l->last.unb = l->last.unb || unbounded;
		}
		i = next;
		{
			double total = 0;
			size_t k;

			for (k = 0; k <= depth; k++)
				total += stack[k].size +
					 (stack[k].last.set ? stack[k].last.size
							    : 0);
			if (total > RXSAFE_MAX_ATOMS) {
				snprintf(why, whylen,
					 "counted repetition expands the "
					 "pattern beyond %d atoms",
					 RXSAFE_MAX_ATOMS);
				return -1;
			}
		}
	}
	return 0;
}
