/*
 * strset.c - hash set of byte strings (see strset.h).
 */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

/* FNV-1a folded to lower case when FOLD, then mixed; never 0. */
static uint64_t
strset_hash(const char *p, size_t n, bool fold)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	if (fold)
		for (i = 0; i < n; i++) {
			h ^= strset_lower((unsigned char)p[i]);
			h *= 0x100000001b3ULL;
		}
	else
		for (i = 0; i < n; i++) {
			h ^= (unsigned char)p[i];
			h *= 0x100000001b3ULL;
		}
	h = ev_mix64(h);
	return h ? h : 1;
}

bool
strset_bytes_eq(const char *a, const char *b, size_t n, bool fold)
{
	size_t i;

	if (!fold)
		return n == 0 || memcmp(a, b, n) == 0;
	for (i = 0; i < n; i++)
		if (strset_lower((unsigned char)a[i]) !=
		    strset_lower((unsigned char)b[i]))
			return false;
	return true;
}

void
strset_init(struct strset *s, bool fold)
{
	memset(s, 0, sizeof(*s));
	s->fold = fold;
}

void
strset_free(struct strset *s)
{
	free(s->hash);
	free(s->ent);
	free(s->pool);
	free(s->off);
	free(s->len);
	strset_init(s, s->fold);
}

/* The slot holding P, or the empty slot where it would go. */
static size_t
strset_find(const struct strset *s, const char *p, size_t n, uint64_t h)
{
	size_t i = (size_t)h & s->mask;

	for (;;) {
		uint64_t sh = s->hash[i];

		if (sh == 0)
			return i;
		if (sh == h) {
			uint32_t e = s->ent[i];

			if (s->len[e] == n &&
			    strset_bytes_eq(s->pool + s->off[e], p, n, s->fold))
				return i;
		}
		i = (i + 1) & s->mask;
	}
}

static void
strset_rehash(struct strset *s, size_t slots)
{
	uint64_t *oh = s->hash;
	uint32_t *oe = s->ent;
	size_t omask = s->mask, i;

	s->hash = ev_calloc(slots, sizeof(*s->hash));
	s->ent = ev_calloc(slots, sizeof(*s->ent));
	s->mask = slots - 1;
	if (oh == NULL)
		return;
	for (i = 0; i <= omask; i++) {
		size_t j;

		if (oh[i] == 0)
			continue;
		for (j = (size_t)oh[i] & s->mask; s->hash[j] != 0;
		     j = (j + 1) & s->mask)
			;
		s->hash[j] = oh[i];
		s->ent[j] = oe[i];
	}
	free(oh);
	free(oe);
}

bool
strset_add(struct strset *s, const char *p, size_t n)
{
	uint64_t h = strset_hash(p, n, s->fold);
	size_t slot, i;
	char *dst;

	if (n > UINT32_MAX || s->n >= UINT32_MAX)
		ev_die(EV_EXIT_IO, "out of memory");
	if (s->hash == NULL)
		strset_rehash(s, 16);
	else if ((s->n + 1) * 2 > s->mask + 1)
		strset_rehash(s, (s->mask + 1) * 2);
	slot = strset_find(s, p, n, h);
	if (s->hash[slot] != 0)
		return false;
	if (s->n == s->entcap) {
		s->entcap = s->entcap ? s->entcap * 2 : 16;
		s->off = ev_reallocarray(s->off, s->entcap, sizeof(*s->off));
		s->len = ev_reallocarray(s->len, s->entcap, sizeof(*s->len));
	}
	if (s->poolcap - s->poollen < n + 1) {
		while (s->poolcap - s->poollen < n + 1)
			s->poolcap = s->poolcap ? s->poolcap * 2 : 256;
		s->pool = ev_realloc(s->pool, s->poolcap);
	}
	dst = s->pool + s->poollen;
	for (i = 0; i < n; i++)
		dst[i] =
		    s->fold ? (char)strset_lower((unsigned char)p[i]) : p[i];
	s->off[s->n] = s->poollen;
	s->len[s->n] = (uint32_t)n;
	s->poollen += n;
	s->hash[slot] = h;
	s->ent[slot] = (uint32_t)s->n++;
	return true;
}

bool
strset_has(const struct strset *s, const char *p, size_t n)
{
	uint64_t h;

	if (s->n == 0)
		return false;
	h = strset_hash(p, n, s->fold);
	return s->hash[strset_find(s, p, n, h)] != 0;
}
