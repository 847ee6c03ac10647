/*
 * t_evscore_match.c - unit tests of evscore's matching internals: the
 * string set, CIDR parsing and range sets, domain matching, the regex
 * guard and the member stripping of --overwrite.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../cmd/evscore/emit.h"
#include "../../cmd/evscore/netmatch.h"
#include "../../cmd/evscore/rxsafe.h"
#include "../../cmd/evscore/strset.h"
#include "unit.h"

static void
test_strset(void)
{
	struct strset s, f;
	char key[32];
	int i;

	strset_init(&s, false);
	CHECK(!strset_has(&s, "a", 1));
	CHECK(strset_add(&s, "alpha", 5));
	CHECK(!strset_add(&s, "alpha", 5));
	CHECK(strset_add(&s, "", 0));
	CHECK(strset_has(&s, "", 0));
	CHECK(strset_has(&s, "alpha", 5));
	CHECK(!strset_has(&s, "Alpha", 5));
	CHECK(!strset_has(&s, "alph", 4));
	CHECK(strset_add(&s, "a\0b", 3));
	CHECK(strset_has(&s, "a\0b", 3));
	CHECK(!strset_has(&s, "a\0c", 3));
	/* Growth keeps every entry. */
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		CHECK(strset_add(&s, key, strlen(key)));
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		if (!strset_has(&s, key, strlen(key)))
			break;
	}
	CHECK_INT(i, 5000);
	CHECK(!strset_has(&s, "key-5000", 8));
	CHECK_INT(s.n, 5003);
	strset_free(&s);

	strset_init(&f, true);
	CHECK(strset_add(&f, "PayPal.COM", 10));
	CHECK(!strset_add(&f, "paypal.com", 10));
	CHECK(strset_has(&f, "PAYPAL.com", 10));
	CHECK(!strset_has(&f, "paypa1.com", 10));
	strset_free(&f);
}

static bool
cidr_ok(const char *s)
{
	struct cidr c;
	char why[160];

	return cidr_parse(s, strlen(s), &c, why, sizeof(why)) == 0;
}

static const char *
cidr_why(const char *s)
{
	static char why[160];
	struct cidr c;

	if (cidr_parse(s, strlen(s), &c, why, sizeof(why)) == 0)
		return "(accepted)";
	return why;
}

static void
add(struct ipset *s, const char *text)
{
	struct cidr c;
	char why[160];

	if (cidr_parse(text, strlen(text), &c, why, sizeof(why)) == 0)
		ipset_add(s, &c);
	else
		CHECK_STR(why, "(a valid CIDR)");
}

static bool
has(const struct ipset *s, const char *ip)
{
	return ipset_has_text(s, ip, strlen(ip));
}

static void
test_cidr(void)
{
	struct ipset s;

	CHECK(cidr_ok("192.0.2.0/24"));
	CHECK(cidr_ok("0.0.0.0/0"));
	CHECK(cidr_ok("192.0.2.7"));
	CHECK(cidr_ok("192.0.2.7/32"));
	CHECK(cidr_ok("2001:db8::/32"));
	CHECK(cidr_ok("::/0"));
	CHECK(cidr_ok("::1"));
	CHECK(cidr_ok("2001:db8::1/128"));
	CHECK_STR(cidr_why("10.0.0.1/8"),
		  "host bits set after /8 (the network is 10.0.0.0/8)");
	CHECK_STR(cidr_why("2001:db8::1/32"), "host bits set after /32");
	CHECK_STR(cidr_why("10.0.0.0/33"), "prefix length above 32");
	CHECK_STR(cidr_why("2001:db8::/129"), "prefix length above 128");
	CHECK_STR(cidr_why("10.0.0.0/"), "invalid prefix length");
	CHECK_STR(cidr_why("10.0.0.0/08"), "invalid prefix length");
	CHECK_STR(cidr_why("10.0.0.0/x"), "invalid prefix length");
	CHECK_STR(cidr_why("10.0.0.0/99999999999999999999"),
		  "prefix length above 32");
	CHECK_STR(cidr_why("10.0.0/8"), "not an IPv4 or IPv6 address");
	CHECK_STR(cidr_why("010.0.0.0/8"), "not an IPv4 or IPv6 address");
	CHECK_STR(cidr_why(""), "not an IPv4 or IPv6 address");
	CHECK_STR(cidr_why("/8"), "not an IPv4 or IPv6 address");
	CHECK_STR(cidr_why("example.com"), "not an IPv4 or IPv6 address");

	ipset_init(&s);
	add(&s, "10.0.0.0/8");
	add(&s, "10.1.0.0/16"); /* inside the first: merged away */
	add(&s, "192.0.2.0/24");
	add(&s, "192.0.3.0/24"); /* adjacent ranges stay correct */
	add(&s, "203.0.113.9");
	add(&s, "2001:db8::/32");
	add(&s, "2a00:1450::/32");
	add(&s, "::ffff:198.51.100.0/120");
	ipset_finish(&s);
	CHECK_INT(s.added, 8);
	CHECK(has(&s, "10.0.0.0"));
	CHECK(has(&s, "10.255.255.255"));
	CHECK(has(&s, "10.1.2.3"));
	CHECK(!has(&s, "11.0.0.0"));
	CHECK(!has(&s, "9.255.255.255"));
	CHECK(has(&s, "192.0.2.200"));
	CHECK(has(&s, "192.0.3.1"));
	CHECK(!has(&s, "192.0.4.1"));
	CHECK(has(&s, "203.0.113.9"));
	CHECK(!has(&s, "203.0.113.8"));
	CHECK(!has(&s, "203.0.113.10"));
	CHECK(has(&s, "2001:db8:1234::5"));
	CHECK(has(&s, "2001:DB8::"));
	CHECK(!has(&s, "2001:db9::1"));
	CHECK(has(&s, "2a00:1450:4864:20::1b"));
	/* IPv4-mapped addresses also match IPv4 networks. */
	CHECK(has(&s, "::ffff:10.9.8.7"));
	CHECK(has(&s, "::ffff:198.51.100.4"));
	CHECK(!has(&s, "198.51.100.4")); /* only its mapped form is listed */
	/* Not addresses: no match, no crash. */
	CHECK(!has(&s, ""));
	CHECK(!has(&s, "10.0.0.0/8"));
	CHECK(!has(&s, " 10.0.0.1"));
	CHECK(!has(&s, "10.0.0.1 "));
	CHECK(!has(&s, "fe80::1%eth0"));
	CHECK(!has(&s, "1.2.3.4.5"));
	CHECK(!has(
	    &s,
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	ipset_free(&s);

	/* Everything. */
	ipset_init(&s);
	add(&s, "0.0.0.0/0");
	add(&s, "::/0");
	ipset_finish(&s);
	CHECK(has(&s, "0.0.0.0"));
	CHECK(has(&s, "255.255.255.255"));
	CHECK(has(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	ipset_free(&s);

	/* Nothing. */
	ipset_init(&s);
	ipset_finish(&s);
	CHECK(!has(&s, "10.0.0.1"));
	CHECK(!has(&s, "::1"));
	ipset_free(&s);
}

static const char *
dnorm(const char *s)
{
	static char out[300];
	char why[160];
	int n = domain_normalise(s, strlen(s), out, why, sizeof(why));

	if (n < 0) {
		snprintf(out, sizeof(out), "error: %s", why);
		return out;
	}
	out[n] = '\0';
	return out;
}

static bool
dmatch(const struct strset *set, const char *s)
{
	return domain_set_match(set, s, strlen(s));
}

static void
test_domain(void)
{
	struct strset set;
	const char *d;

	CHECK_STR(dnorm("Example.COM."), "example.com");
	CHECK_STR(dnorm("com"), "com");
	CHECK_STR(dnorm(""), "error: empty domain");
	CHECK_STR(dnorm("."), "error: empty domain");
	CHECK_STR(dnorm("a..b"), "error: empty label in domain");
	CHECK_STR(dnorm(".a"), "error: empty label in domain");
	CHECK_STR(dnorm("a b"), "error: character not allowed in a domain");
	CHECK_STR(dnorm("x@y"), "error: character not allowed in a domain");
	CHECK_STR(dnorm("x/y"), "error: character not allowed in a domain");

	strset_init(&set, true);
	d = "paypal.com";
	strset_add(&set, d, strlen(d));
	d = "example";
	strset_add(&set, d, strlen(d));
	CHECK(dmatch(&set, "paypal.com"));
	CHECK(dmatch(&set, "PayPal.Com"));
	CHECK(dmatch(&set, "paypal.com."));
	CHECK(dmatch(&set, "www.paypal.com"));
	CHECK(dmatch(&set, "a.b.c.paypal.com"));
	CHECK(!dmatch(&set, "notpaypal.com"));
	CHECK(!dmatch(&set, "paypal.com.evil.net"));
	CHECK(!dmatch(&set, "paypal.co"));
	CHECK(!dmatch(&set, "com"));
	CHECK(dmatch(&set, "acme.example"));
	CHECK(dmatch(&set, "user@mail.paypal.com"));
	CHECK(dmatch(&set, "odd@name@paypal.com"));
	CHECK(!dmatch(&set, "paypal.com@evil.net"));
	CHECK(!dmatch(&set, "user@"));
	CHECK(!dmatch(&set, ""));
	CHECK(!dmatch(&set, "."));
	CHECK(!dmatch(&set, "paypal.com.."));
	CHECK(dmatch(&set, "x..paypal.com"));
	strset_free(&set);
}

static const char *
rx(const char *p)
{
	static char why[256];

	if (rxsafe_check(p, strlen(p), why, sizeof(why)) == 0)
		return "ok";
	return why;
}

static void
test_rxsafe(void)
{
	char big[RXSAFE_MAX_LEN + 2];

	CHECK_STR(rx("abc"), "ok");
	CHECK_STR(rx("(^|\\.)xn--"), "ok");
	CHECK_STR(rx("a+b*c?"), "ok");
	CHECK_STR(rx("(ab)+"), "ok");
	CHECK_STR(rx("(a|b)*c"), "ok");
	CHECK_STR(rx("[(+*]+"), "ok");
	CHECK_STR(rx("[]a]+"), "ok");
	CHECK_STR(rx("[^]a]+x"), "ok");
	CHECK_STR(rx("[[:alpha:]]+[[:digit:]]*"), "ok");
	CHECK_STR(rx("a{2,5}"), "ok");
	CHECK_STR(rx("(a{1,10}){1,10}"), "ok");
	CHECK_STR(rx("a{100}"), "ok");
	CHECK_STR(rx("x{"), "ok");        /* not an interval: regcomp decides */
	CHECK_STR(rx("\\(a+\\)+"), "ok"); /* escaped parentheses are atoms */
	CHECK_STR(rx("(a+)?"), "ok");
	CHECK_STR(rx("(a+){2}"), "ok");
	CHECK_STR(rx(""), "empty pattern");
	CHECK_STR(rx("(a+)+"),
		  "nested unbounded repetition at offset 4, as in (a+)+ or "
		  "(a*)*, is not allowed (it can take exponential time)");
	CHECK_STR(rx("(a*)*"),
		  "nested unbounded repetition at offset 4, as in (a+)+ or "
		  "(a*)*, is not allowed (it can take exponential time)");
	CHECK_STR(rx("a+*"),
		  "nested unbounded repetition at offset 2, as in (a+)+ or "
		  "(a*)*, is not allowed (it can take exponential time)");
	CHECK_STR(rx("((x|y+)z)+"),
		  "nested unbounded repetition at offset 9, as in (a+)+ or "
		  "(a*)*, is not allowed (it can take exponential time)");
	CHECK_STR(rx("(a+){2,}"),
		  "nested unbounded repetition at offset 4, as in (a+)+ or "
		  "(a*)*, is not allowed (it can take exponential time)");
	CHECK_STR(rx("(a)\\1"), "back-reference '\\1' is not allowed (it needs "
				"backtracking)");
	CHECK_STR(rx("a{101}"), "repetition count 101 above the limit of 100");
	CHECK_STR(rx("a{1,1000}"),
		  "repetition count 1000 above the limit of 100");
	CHECK_STR(rx("((a{100}){100})"),
		  "counted repetition expands the pattern beyond 10000 atoms");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_STR(rx(big), "pattern longer than 1024 bytes");
	CHECK(rxsafe_check("a\0b", 3, big, sizeof(big)) == -1);
	CHECK_STR(big, "NUL byte in pattern");
}

static const char *
strip(const char *line, const char *key, size_t *removed)
{
	static struct buf out = BUF_INIT, scratch = BUF_INIT;

	*removed = emit_strip_member(&out, &scratch, line, strlen(line), key,
				     strlen(key));
	return buf_str(&out);
}

static void
test_strip(void)
{
	size_t n;

	CHECK_STR(strip("{\"a\":1,\"score\":2,\"b\":3}", "score", &n),
		  "{\"a\":1,\"b\":3}");
	CHECK_INT(n, 1);
	CHECK_STR(strip("{\"score\":{\"x\":[1,\"}\"]}}", "score", &n), "{}");
	CHECK_INT(n, 1);
	CHECK_STR(
	    strip("{\"score\":1,\"score\":2,\"a\":\"s\\\"core\"}", "score", &n),
	    "{\"a\":\"s\\\"core\"}");
	CHECK_INT(n, 2);
	CHECK_STR(strip("{\"sc\\u006fre\":1}", "score", &n), "{}");
	CHECK_INT(n, 1);
	CHECK_STR(
	    strip("  { \"a\" : [ 1 , 2 ] , \"score\" : null }  ", "score", &n),
	    "  {\"a\" : [ 1 , 2 ]}  ");
	CHECK_INT(n, 1);
	CHECK_STR(strip("{\"a\":{\"score\":1}}", "score", &n),
		  "{\"a\":{\"score\":1}}");
	CHECK_INT(n, 0);
	CHECK_STR(strip("{}", "score", &n), "{}");
	CHECK_INT(n, 0);
}

int
main(void)
{
	test_strset();
	test_cidr();
	test_domain();
	test_rxsafe();
	test_strip();
	return unit_report("t_evscore_match");
}
