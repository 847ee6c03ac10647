/*
 * hash.c - FNV-1a, bounded random integers, SHA-1 and name-based UUIDs.
 */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

uint64_t
ev_fnv1a64(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
ev_rng_below(struct ev_rng *r, uint64_t n)
{
	/* Reject the top partial range so every result is equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;

	do
		v = ev_rng_next(r);
	while (v >= limit);
	return v % n;
}

static uint32_t
rol32(uint32_t x, unsigned k)
{
	return x << k | x >> (32 - k);
}

static void
sha1_block(uint32_t h[5], const unsigned char *blk)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 |
		       (uint32_t)blk[4 * i + 1] << 16 |
		       (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void
ev_sha1(const void *data, size_t n, unsigned char out[20])
{
	uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
			 0xc3d2e1f0};
	const unsigned char *p = data;
	unsigned char tail[128];
	size_t rest, tl, i;
	uint64_t bits = (uint64_t)n * 8;

	for (; n >= 64; n -= 64, p += 64)
		sha1_block(h, p);
	rest = n;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_block(h, tail);
	if (tl == 128)
		sha1_block(h, tail + 64);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

static void
uuid_format(const unsigned char u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

void
ev_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[37])
{
	/* SHA-1 over namespace || name, streamed through a small buffer. */
	unsigned char digest[20], u[16];
	unsigned char stackbuf[512];
	unsigned char *tmp = stackbuf;

	if (n + 16 > sizeof(stackbuf))
		tmp = ev_malloc(n + 16); /* rare: long names */
	memcpy(tmp, ns, 16);
	memcpy(tmp + 16, name, n);
	ev_sha1(tmp, n + 16, digest);
	if (tmp != stackbuf)
		free(tmp);
	memcpy(u, digest, 16);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x50);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	uuid_format(u, out);
}

void
ev_uuid4_rng(struct ev_rng *r, char out[37])
{
	unsigned char u[16];
	uint64_t a = ev_rng_next(r), b = ev_rng_next(r);
	int i;

	for (i = 0; i < 8; i++) {
		u[i] = (unsigned char)(a >> (8 * i));
		u[8 + i] = (unsigned char)(b >> (8 * i));
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	uuid_format(u, out);
}
