/*
 * netmatch.c - CIDR sets and domain sets (see netmatch.h).
 */
#include "netmatch.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
ipset_init(struct ipset *s)
{
	memset(s, 0, sizeof(*s));
}

void
ipset_free(struct ipset *s)
{
	free(s->v4);
	free(s->v6);
	ipset_init(s);
}

static struct ip6
ip6_from_bytes(const unsigned char b[16])
{
	struct ip6 a = {0, 0};
	int i;

	for (i = 0; i < 8; i++)
		a.hi = a.hi << 8 | b[i];
	for (i = 8; i < 16; i++)
		a.lo = a.lo << 8 | b[i];
	return a;
}

static int
ip6_cmp(struct ip6 a, struct ip6 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* The host-part mask of a /PLEN IPv6 network (bits past the prefix). */
static struct ip6
ip6_hostmask(unsigned plen)
{
	struct ip6 m;

	if (plen == 0) {
		m.hi = m.lo = UINT64_MAX;
	} else if (plen < 64) {
		m.hi = UINT64_MAX >> plen;
		m.lo = UINT64_MAX;
	} else if (plen == 64) {
		m.hi = 0;
		m.lo = UINT64_MAX;
	} else if (plen < 128) {
		m.hi = 0;
		m.lo = UINT64_MAX >> (plen - 64);
	} else {
		m.hi = m.lo = 0;
	}
	return m;
}

static uint32_t
ip4_hostmask(unsigned plen)
{
	return plen == 0 ? UINT32_MAX : plen >= 32 ? 0 : UINT32_MAX >> plen;
}

/*
 * Parses an address of N bytes: 4 or 6 into *family, the address into A4
 * or A6.  inet_pton wants a C string: copy into a bounded buffer.
 */
static bool
addr_parse(const char *p, size_t n, int *family, uint32_t *a4, struct ip6 *a6)
{
	char tmp[64];
	unsigned char b[16];

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (memchr(p, ':', n) == NULL) {
		if (inet_pton(AF_INET, tmp, b) != 1)
			return false;
		*family = 4;
		*a4 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		      (uint32_t)b[2] << 8 | b[3];
		return true;
	}
	if (inet_pton(AF_INET6, tmp, b) != 1)
		return false;
	*family = 6;
	*a6 = ip6_from_bytes(b);
	return true;
}

int
cidr_parse(const char *s, size_t n, struct cidr *out, char *why, size_t whylen)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned plen = 0, max;
	int family;

	memset(out, 0, sizeof(*out));
	if (!addr_parse(s, alen, &family, &out->a4, &out->a6)) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address");
		return -1;
	}
	out->family = family;
	max = family == 4 ? 32 : 128;
	if (slash) {
		const char *d = slash + 1, *end = s + n;

		if (d == end || (*d == '0' && end - d > 1)) {
			snprintf(why, whylen, "invalid prefix length");
			return -1;
		}
		for (; d < end; d++) {
			if (*d < '0' || *d > '9') {
				snprintf(why, whylen, "invalid prefix length");
				return -1;
			}
			if (plen <= max)
				plen = plen * 10 + (unsigned)(*d - '0');
		}
		if (plen > max) {
			snprintf(why, whylen, "prefix length above %u", max);
			return -1;
		}
	} else {
		plen = max;
	}
	out->plen = plen;
	if (family == 4 && (out->a4 & ip4_hostmask(plen)) != 0) {
		snprintf(
		    why, whylen,
		    "host bits set after /%u (the network is %u.%u.%u.%u/%u)",
		    plen, (out->a4 & ~ip4_hostmask(plen)) >> 24,
		    (out->a4 & ~ip4_hostmask(plen)) >> 16 & 255,
		    (out->a4 & ~ip4_hostmask(plen)) >> 8 & 255,
		    out->a4 & ~ip4_hostmask(plen) & 255, plen);
		return -1;
	}
	if (family == 6) {
		struct ip6 m = ip6_hostmask(plen);

		if ((out->a6.hi & m.hi) != 0 || (out->a6.lo & m.lo) != 0) {
			snprintf(why, whylen, "host bits set after /%u", plen);
			return -1;
		}
	}
	return 0;
}

void
ipset_add(struct ipset *s, const struct cidr *c)
{
	s->added++;
	if (c->family == 4) {
		if (s->n4 == s->cap4) {
			s->cap4 = s->cap4 ? s->cap4 * 2 : 8;
			s->v4 = ev_reallocarray(s->v4, s->cap4, sizeof(*s->v4));
		}
		s->v4[s->n4].lo = c->a4;
		s->v4[s->n4].hi = c->a4 | ip4_hostmask(c->plen);
		s->n4++;
	} else {
		struct ip6 m = ip6_hostmask(c->plen);

		if (s->n6 == s->cap6) {
			s->cap6 = s->cap6 ? s->cap6 * 2 : 8;
			s->v6 = ev_reallocarray(s->v6, s->cap6, sizeof(*s->v6));
		}
		s->v6[s->n6].lo = c->a6;
		s->v6[s->n6].hi.hi = c->a6.hi | m.hi;
		s->v6[s->n6].hi.lo = c->a6.lo | m.lo;
		s->n6++;
	}
}

static int
range4_cmp(const void *a, const void *b)
{
	const struct ip4range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int
range6_cmp(const void *a, const void *b)
{
	const struct ip6range *x = a, *y = b;

	return ip6_cmp(x->lo, y->lo);
}

void
ipset_finish(struct ipset *s)
{
	size_t i, k;

	if (s->n4 > 1) {
		qsort(s->v4, s->n4, sizeof(*s->v4), range4_cmp);
		for (i = 1, k = 0; i < s->n4; i++) {
			/* CIDR ranges nest or are disjoint: contained ones go. */
			if (s->v4[i].lo <= s->v4[k].hi) {
				if (s->v4[i].hi > s->v4[k].hi)
					s->v4[k].hi = s->v4[i].hi;
			} else {
				s->v4[++k] = s->v4[i];
			}
		}
		s->n4 = k + 1;
	}
	if (s->n6 > 1) {
		qsort(s->v6, s->n6, sizeof(*s->v6), range6_cmp);
		for (i = 1, k = 0; i < s->n6; i++) {
			if (ip6_cmp(s->v6[i].lo, s->v6[k].hi) <= 0) {
				if (ip6_cmp(s->v6[i].hi, s->v6[k].hi) > 0)
					s->v6[k].hi = s->v6[i].hi;
			} else {
				s->v6[++k] = s->v6[i];
			}
		}
		s->n6 = k + 1;
	}
}

static bool
ipset_has4(const struct ipset *s, uint32_t a)
{
	size_t lo = 0, hi = s->n4;

	/* The last range starting at or below A is the only candidate. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v4[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && a <= s->v4[lo - 1].hi;
}

static bool
ipset_has6(const struct ipset *s, struct ip6 a)
{
	size_t lo = 0, hi = s->n6;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ip6_cmp(s->v6[mid].lo, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && ip6_cmp(a, s->v6[lo - 1].hi) <= 0;
}

bool
ipset_has_text(const struct ipset *s, const char *p, size_t n)
{
	int family;
	uint32_t a4;
	struct ip6 a6;

	if (!addr_parse(p, n, &family, &a4, &a6))
		return false;
	if (family == 4)
		return ipset_has4(s, a4);
	if (ipset_has6(s, a6))
		return true;
	/* ::ffff:a.b.c.d is the IPv4 address a.b.c.d. */
	if (a6.hi == 0 && (a6.lo >> 32) == 0xffff)
		return ipset_has4(s, (uint32_t)a6.lo);
	return false;
}

int
domain_normalise(const char *s, size_t n, char *out, char *why, size_t whylen)
{
	size_t i;
	bool label_start = true;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0) {
		snprintf(why, whylen, "empty domain");
		return -1;
	}
	if (n > 253) {
		snprintf(why, whylen, "domain longer than 253 bytes");
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label_start) {
				snprintf(why, whylen, "empty label in domain");
				return -1;
			}
			label_start = true;
		} else if (c <= ' ' || c == 0x7f || c == '@' || c == '/' ||
			   c == '\\') {
			snprintf(why, whylen,
				 "character not allowed in a domain");
			return -1;
		} else {
			label_start = false;
		}
		out[i] = (char)strset_lower(c);
	}
	return (int)n;
}

bool
domain_set_match(const struct strset *set, const char *s, size_t n)
{
	const char *at = NULL;
	size_t i;

	for (i = n; i > 0; i--)
		if (s[i - 1] == '@') {
			at = s + i;
			break;
		}
	if (at) {
		n -= (size_t)(at - s);
		s = at;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return false;
	/* The name itself, then each parent: "a.b.c", "b.c", "c". */
	for (;;) {
		const char *dot;

		if (strset_has(set, s, n))
			return true;
		dot = memchr(s, '.', n);
		if (dot == NULL)
			return false;
		n -= (size_t)(dot + 1 - s);
		s = dot + 1;
		if (n == 0)
			return false;
	}
}
