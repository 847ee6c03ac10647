/*
 * t_hash.c - unit tests of common/hash.c: FNV-1a and the shard hash, the
 * SplitMix64 generator, bounded random integers, SHA-1 and UUIDs.
 *
 * The expected values were computed independently (Python's hashlib and
 * uuid modules, and the published FNV, SplitMix64 and FIPS 180 vectors).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "unit.h"

#define CHECK_U64(got, want)                                                   \
	do {                                                                   \
		uint64_t g_ = (got), w_ = (want);                              \
		unit_checks++;                                                 \
		if (g_ != w_) {                                                \
			unit_failures++;                                       \
			fprintf(stderr,                                        \
				"%s:%d: %s = 0x%016" PRIx64                    \
				", want 0x%016" PRIx64 "\n",                   \
				__FILE__, __LINE__, #got, g_, w_);             \
		}                                                              \
	} while (0)

static void
test_fnv(void)
{
	CHECK_U64(ev_fnv1a64("", 0), 0xcbf29ce484222325ULL);
	CHECK_U64(ev_fnv1a64("a", 1), 0xaf63dc4c8601ec8cULL);
	CHECK_U64(ev_fnv1a64("foobar", 6), 0x85944171f73967e8ULL);
	/* The shard hash is part of the interface: it must never change. */
	CHECK_U64(ev_mix64(0), 0);
	CHECK_U64(ev_hash64("foobar", 6), 0x2c22194922d1672bULL);
	CHECK_U64(ev_hash64("foobar", 6), ev_mix64(ev_fnv1a64("foobar", 6)));
	CHECK_U64(ev_shard_of("foobar", 6, 7), 3);
	CHECK_U64(ev_shard_of("foobar", 6, 1), 0);
}

static void
test_shards(void)
{
	unsigned counts[8] = {0};
	char id[32];
	int i, k;
	bool ok = true;

	for (i = 0; i < 80000; i++) {
		uint64_t s;

		snprintf(id, sizeof(id), "event-%d", i);
		s = ev_shard_of(id, strlen(id), 8);
		if (s >= 8)
			ok = false;
		else
			counts[s]++;
	}
	CHECK(ok);
	/* Sequential ids spread evenly: each shard within 5% of 10000. */
	for (k = 0; k < 8; k++)
		CHECK(counts[k] > 9500 && counts[k] < 10500);
}

static void
test_rng(void)
{
	struct ev_rng r, r2;
	uint64_t counts[10] = {0};
	uint64_t big = (UINT64_C(1) << 63) + 1;
	double min = 1, max = 0;
	bool ok = true;
	int i, k;

	/* SplitMix64 reference outputs. */
	ev_rng_seed(&r, 0);
	CHECK_U64(ev_rng_next(&r), 0xe220a8397b1dcdafULL);
	CHECK_U64(ev_rng_next(&r), 0x6e789e6aa1b965f4ULL);
	CHECK_U64(ev_rng_next(&r), 0x06c45d188009454fULL);
	ev_rng_seed(&r, 42);
	CHECK_U64(ev_rng_next(&r), 0xbdd732262feb6e95ULL);
	CHECK_U64(ev_rng_next(&r), 0x28efe333b266f103ULL);

	/* Same seed, same sequence. */
	ev_rng_seed(&r, 7);
	ev_rng_seed(&r2, 7);
	for (i = 0; i < 1000; i++)
		if (ev_rng_below(&r, 1000) != ev_rng_below(&r2, 1000))
			ok = false;
	CHECK(ok);

	/* Uniform over [0, 10): each bucket within 3% of 10000. */
	ev_rng_seed(&r, 12345);
	ok = true;
	for (i = 0; i < 100000; i++) {
		uint64_t v = ev_rng_below(&r, 10);

		if (v >= 10)
			ok = false;
		else
			counts[v]++;
	}
	CHECK(ok);
	for (k = 0; k < 10; k++)
		CHECK(counts[k] > 9700 && counts[k] < 10300);

	ok = true;
	for (i = 0; i < 1000; i++)
		if (ev_rng_below(&r, 1) != 0)
			ok = false;
	CHECK(ok);
	/*
	 * Just above 2^63 nearly half of all draws are rejected: the results
	 * stay below N, and both halves of the range occur.
	 */
	ok = true;
	{
		bool low = false, high = false;

		for (i = 0; i < 1000; i++) {
			uint64_t v = ev_rng_below(&r, big);

			if (v >= big)
				ok = false;
			if (v < big / 2)
				low = true;
			else
				high = true;
		}
		CHECK(ok && low && high);
	}
	ok = true;
	for (i = 0; i < 100000; i++) {
		double u = ev_rng_unit(&r);

		if (u < 0 || u >= 1)
			ok = false;
		if (u < min)
			min = u;
		if (u > max)
			max = u;
	}
	CHECK(ok && min < 0.001 && max > 0.999);
}

/* SHA-1 of P as 40 hex digits. */
static const char *
sha1_hex(const void *p, size_t n)
{
	static char out[41];
	unsigned char d[20];
	int i;

	ev_sha1(p, n, d);
	for (i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return out;
}

static void
test_sha1(void)
{
	static const struct {
		size_t n;
		const char *hex;
	} lens[] = {
	    {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},
	    {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
	    {57, "11a02dcf95859677a62e75024067c22b165d890f"},
	    {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
	    {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},
	    {65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
	    {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
	    {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
	};
	static const char m448[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	unsigned char pat[128];
	char *million;
	size_t i;

	CHECK_STR(sha1_hex("abc", 3),
		  "a9993e364706816aba3e25717850c26c9cd0d89d");
	CHECK_STR(sha1_hex("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	CHECK_STR(sha1_hex(m448, sizeof(m448) - 1),
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	million = malloc(1000000);
	memset(million, 'a', 1000000);
	CHECK_STR(sha1_hex(million, 1000000),
		  "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(million);
	/* Lengths around the padding boundaries: bytes (7i+3) mod 256. */
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		CHECK_STR(sha1_hex(pat, lens[i].n), lens[i].hex);
}

static const unsigned char ns_dns[16] = {
    0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};
static const unsigned char ns_url[16] = {
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};
static const unsigned char ns_oid[16] = {
    0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1,
    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

static bool
is_uuid(const char *u, char version)
{
	int i;

	if (strlen(u) != 36 || u[14] != version ||
	    strchr("89ab", u[19]) == NULL)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return false;
		} else if (strchr("0123456789abcdef", u[i]) == NULL) {
			return false;
		}
	}
	return true;
}

static void
test_uuid(void)
{
	char out[37], again[37], name[700];
	const char *line = "{\"type\":\"a\"}";
	struct ev_rng r;
	int i;
	bool ok = true;

	ev_uuid5(ns_dns, "www.example.com", 15, out);
	CHECK_STR(out, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
	ev_uuid5(ns_oid, "", 0, out);
	CHECK_STR(out, "0a68eb57-c88a-5f34-9e9d-27f85e68af4f");
	ev_uuid5(ns_url, line, strlen(line), out);
	CHECK_STR(out, "3054d419-1e9b-5f85-852c-9d6a8aeb2a56");
	/* A name longer than the stack buffer. */
	snprintf(name, sizeof(name), "https://example.com/");
	memset(name + 20, 'x', 600);
	name[620] = '\0';
	ev_uuid5(ns_url, name, 620, out);
	CHECK_STR(out, "d430d22a-7100-5348-9cd2-0c28294569d2");
	CHECK(is_uuid(out, '5'));

	ev_rng_seed(&r, 1);
	ev_uuid4_rng(&r, out);
	ev_rng_seed(&r, 1);
	ev_uuid4_rng(&r, again);
	CHECK_STR(out, again);
	for (i = 0; i < 1000; i++) {
		ev_uuid4_rng(&r, out);
		if (!is_uuid(out, '4') || strcmp(out, again) == 0)
			ok = false;
	}
	CHECK(ok);
}

int
main(void)
{
	test_fnv();
	test_shards();
	test_rng();
	test_sha1();
	test_uuid();
	return unit_report("t_hash");
}
