/*
 * strset.h - a set of byte strings with O(1) lookups, for evscore's `in`
 * operator, value lists and domain lists.
 *
 * Open addressing with linear probing over 64-bit hashes, at most half
 * full; the strings live in one pool.  A set made with FOLD compares
 * ASCII letters without regard to case: entries are stored folded and
 * lookups fold on the fly, so a lookup never copies the key.  Lookups do
 * not allocate.
 */
#ifndef EVSCORE_STRSET_H
#define EVSCORE_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strset {
	uint64_t *hash; /* per slot; 0 marks an empty slot */
	uint32_t *ent;  /* per slot: index into off/len */
	size_t mask;    /* slots - 1 (0 while nothing was added) */
	char *pool;     /* the entries' bytes, one after another */
	size_t poollen, poolcap;
	size_t *off;      /* per entry: where its bytes start in pool */
	uint32_t *len;    /* per entry: its length */
	size_t n, entcap; /* entries */
	bool fold;        /* ASCII case-insensitive */
};

void strset_init(struct strset *s, bool fold);
void strset_free(struct strset *s);

/*
 * Adds the N bytes at P (at most UINT32_MAX).  Returns true when they were
 * new, false when the set already held them.  Dies on exhaustion.
 */
bool strset_add(struct strset *s, const char *p, size_t n);

/* True when the set holds the N bytes at P. */
bool strset_has(const struct strset *s, const char *p, size_t n);

/* ASCII lower case of C. */
static inline unsigned char
strset_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Compares N bytes, folding ASCII case when FOLD. */
bool strset_bytes_eq(const char *a, const char *b, size_t n, bool fold);

#endif
