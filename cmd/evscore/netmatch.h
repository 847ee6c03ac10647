/*
 * netmatch.h - CIDR sets and domain sets for evscore's `cidr`, `domain`
 * and `in_list` operators.
 *
 * An ipset holds IPv4 and IPv6 networks as sorted, merged, disjoint
 * address ranges, so a lookup is a binary search: O(log n) for a list of
 * any size, no allocation.  A domain set is a case-folding strset of
 * normalised domains; a value matches when it or any parent domain is in
 * the set (one probe per label).
 */
#ifndef EVSCORE_NETMATCH_H
#define EVSCORE_NETMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strset.h"

/* A 128-bit address, most significant half first. */
struct ip6 {
	uint64_t hi, lo;
};

struct ip4range {
	uint32_t lo, hi;
};

struct ip6range {
	struct ip6 lo, hi;
};

struct ipset {
	struct ip4range *v4;
	size_t n4, cap4;
	struct ip6range *v6;
	size_t n6, cap6;
	size_t added; /* networks added (before merging) */
};

/* A parsed network: FAMILY 4 or 6, the address and the prefix length. */
struct cidr {
	int family;
	uint32_t a4;
	struct ip6 a6;
	unsigned plen;
};

void ipset_init(struct ipset *s);
void ipset_free(struct ipset *s);

/*
 * Parses the N bytes at S as a network: "192.0.2.0/24", "2001:db8::/32",
 * or a single address ("192.0.2.7" is 192.0.2.7/32).  The prefix length is
 * decimal without leading zeros; bits of the address past it must be zero.
 * Returns 0, or -1 with a reason in WHY (WHYLEN bytes).
 */
int cidr_parse(const char *s, size_t n, struct cidr *out, char *why,
	       size_t whylen);

void ipset_add(struct ipset *s, const struct cidr *c);

/* Sorts and merges the ranges; call once after the last ipset_add. */
void ipset_finish(struct ipset *s);

/*
 * True when the N bytes at S are an IPv4 or IPv6 address (inet_pton
 * syntax, nothing else) inside one of the networks.  An IPv4-mapped IPv6
 * address (::ffff:192.0.2.7) is also looked up as the IPv4 address.
 */
bool ipset_has_text(const struct ipset *s, const char *p, size_t n);

/*
 * Normalises a domain given in a model or list: the N bytes at S, without
 * one trailing dot, folded to lower case into OUT (at least N bytes).
 * Returns the length, or -1 with a reason in WHY when it is not a domain
 * name (empty, an empty label, white space, control characters, '@', '/',
 * longer than 253 bytes).
 */
int domain_normalise(const char *s, size_t n, char *out, char *why,
		     size_t whylen);

/*
 * True when the domain in the N bytes at S, or a parent domain of it, is in
 * SET (a folding strset of normalised domains).  An e-mail address counts
 * by the part after its last '@'; one trailing dot is ignored.
 */
bool domain_set_match(const struct strset *set, const char *s, size_t n);

#endif
