/*
 * hash.h - the stable hashes and the pseudo-random generator evtools uses.
 *
 * The shard hash is part of the documented interface (evtools(7)): it must
 * never change, or shards of old and new runs stop lining up.
 */
#ifndef EV_HASH_H
#define EV_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a of P. */
uint64_t ev_fnv1a64(const void *p, size_t n);

/* The 64-bit finaliser of MurmurHash3 (fmix64): spreads every input bit. */
static inline uint64_t
ev_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* A well-mixed 64-bit hash: ev_mix64(ev_fnv1a64(p)). */
static inline uint64_t
ev_hash64(const void *p, size_t n)
{
	return ev_mix64(ev_fnv1a64(p, n));
}

/*
 * The shard of an event id (the id's bytes after JSON unescaping) among N:
 * ev_hash64(id) mod N, in 0..N-1.
 */
static inline uint64_t
ev_shard_of(const void *id, size_t n, uint64_t nshards)
{
	return ev_hash64(id, n) % nshards;
}

/* SplitMix64 generator: small, fast, identical on every platform. */
struct ev_rng {
	uint64_t s;
};

static inline void
ev_rng_seed(struct ev_rng *r, uint64_t seed)
{
	r->s = seed;
}

static inline uint64_t
ev_rng_next(struct ev_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform integer in [0, n) (n > 0), without modulo bias. */
uint64_t ev_rng_below(struct ev_rng *r, uint64_t n);

/* Uniform double in [0, 1). */
static inline double
ev_rng_unit(struct ev_rng *r)
{
	return (double)(ev_rng_next(r) >> 11) * 0x1.0p-53;
}

/*
 * SHA-1 of P into OUT (20 bytes).  Used only for name-based UUIDs; not for
 * anything that needs collision resistance against an attacker.
 */
void ev_sha1(const void *p, size_t n, unsigned char out[20]);

/*
 * Writes the RFC 4122 version 5 (name-based, SHA-1) UUID of NAME in the
 * namespace NS (16 bytes) as 36 lower-case characters plus NUL into OUT.
 */
void ev_uuid5(const unsigned char ns[16], const void *name, size_t n,
	      char out[37]);

/* Writes a version 4 layout UUID built from two RNG draws into OUT. */
void ev_uuid4_rng(struct ev_rng *r, char out[37]);

#endif
