/*
 * evgen - write a realistic, deterministic stream of synthetic events.
 *
 * The demo, the tests and the benchmarks of every other tool read what this
 * program writes, so its output is part of the project's contract:
 *
 *   - The same arguments give the same bytes on every machine.  Only the
 *     SplitMix64 generator of hash.h and integer arithmetic decide what is
 *     written; no floating point, locale or clock is involved (except with
 *     --start now, which asks for it).
 *   - Three independent random streams are drawn from: one for the content
 *     of each event, one for the --disorder jitter and one for the
 *     --bad-rate faults.  So --disorder changes only the "time" values, a
 *     broken line replaces the event that would have been written there,
 *     and "evgen -n 10" is the first 10 lines of "evgen -n 20" (unless
 *     --span ties the times to the count).
 *
 * Output is built one line at a time in a reused struct buf and written
 * through a 256 KiB buffer with write(2): no allocation per event.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "duration.h"
#include "evtime.h"
#include "hash.h"
#include "util.h"

#ifndef EV_VERSION
#define EV_VERSION "unknown"
#endif

/* 2015-08-18T00:00:00Z, the documented default --start. */
#define DEFAULT_START (1439856000LL * EVTIME_SEC)
/* The default --rate, events per second of event time. */
#define DEFAULT_RATE_MICRO (10 * 1000000ULL)

/* --rate has 6 decimals: it is held in events per 10^6 seconds. */
#define RATE_DECIMALS  6
#define RATE_SCALE     1000000ULL
#define RATE_MAX_MICRO (1000000ULL * RATE_SCALE) /* one event per us */
/* --bad-rate has 9 decimals: it is held in parts per 10^9. */
#define BAD_DECIMALS 9
#define BAD_SCALE    1000000000ULL

/* Users that exist before the stream starts: u-000001 .. u-020000. */
#define INITIAL_USERS 20000
/* Signed-up users remembered as waiting for their user.verified. */
#define PENDING_MAX 4096

/* The "overlong" broken line carries a string field of this many bytes. */
#define OVERLONG_BYTES 70000
/* The unparseable time of the "bad-time" broken line. */
#define BAD_TIME "2015-13-45T99:00:00Z"

#define OUT_CAP (256 * 1024)

/* Appends a string literal without strlen. */
#define ADD_LIT(b, s) buf_add((b), (s), sizeof(s) - 1)

/* ------------------------------------------------------------------ */
/* Weighted choices                                                    */

/* One choice of a weighted table: S is picked with weight W. */
struct wstr {
	const char *s;
	unsigned w;
};

/* A table and the sum of its weights (computed on first use). */
struct wtable {
	const struct wstr *v;
	size_t n;
	uint64_t total;
};

/* Kept on one line: clang-format would spread it over four. */
/* clang-format off */
#define WTABLE(a) {.v = (a), .n = EV_ARRAY_LEN(a), .total = 0}
/* clang-format on */

static uint64_t
wtable_total(struct wtable *t)
{
	size_t i;

	if (t->total == 0)
		for (i = 0; i < t->n; i++)
			t->total += t->v[i].w;
	return t->total;
}

/* The entry that V (any value; reduced modulo the total) falls on. */
static size_t
wtable_index(struct wtable *t, uint64_t v)
{
	size_t i;

	v %= wtable_total(t);
	for (i = 0; v >= t->v[i].w; i++)
		v -= t->v[i].w;
	return i;
}

static const char *
wpick(struct ev_rng *r, struct wtable *t)
{
	return t->v[wtable_index(t, ev_rng_below(r, wtable_total(t)))].s;
}

/* ------------------------------------------------------------------ */
/* The vocabulary of the generated world                               */

/*
 * Event types and their share of the stream (weights out of 100).  The
 * order is the order of the man page.
 */
enum evtype {
	T_PAGE_VIEWED,
	T_EMAIL_RECEIVED,
	T_PAYMENT_SENT,
	T_USER_CREATED,
	T_USER_VERIFIED,
	NTYPES
};

static const struct {
	const char *name;
	unsigned weight;
} evtypes[NTYPES] = {
    [T_PAGE_VIEWED] = {"page.viewed", 66},
    [T_EMAIL_RECEIVED] = {"email.received", 15},
    [T_PAYMENT_SENT] = {"payment.sent", 7},
    [T_USER_CREATED] = {"user.created", 7},
    [T_USER_VERIFIED] = {"user.verified", 5},
};

static const char *const first_names[32] = {
    "anna",  "ben",   "carla", "david", "elena", "felix", "greta", "hiro",
    "ines",  "jonas", "kim",   "lars",  "maria", "noah",  "olga",  "pablo",
    "quinn", "rosa",  "sam",   "tanja", "umar",  "vera",  "wei",   "xenia",
    "yusuf", "zoe",   "li",    "emma",  "lukas", "sofia", "omar",  "aisha",
};

static const char *const last_names[32] = {
    "schmidt",  "mueller",  "smith",   "jones",  "garcia", "rossi",  "dubois",
    "kowalski", "nakamura", "kim",     "chen",   "novak",  "silva",  "jensen",
    "nielsen",  "ivanova",  "oconnor", "haddad", "patel",  "singh",  "brown",
    "wilson",   "moreau",   "fischer", "weber",  "meyer",  "wagner", "becker",
    "hoffmann", "schulz",   "lopez",   "tanaka",
};

/* Where users' addresses live; a few disposable ones for trust models. */
static const struct wstr user_domains_v[] = {
    {"gmail.com", 30},     {"outlook.com", 12},    {"yahoo.com", 8},
    {"icloud.com", 6},     {"hotmail.com", 6},     {"gmx.de", 6},
    {"web.de", 4},         {"proton.me", 3},       {"orange.fr", 3},
    {"yahoo.co.jp", 2},    {"mail.ru", 2},         {"acme.example", 6},
    {"globex.example", 4}, {"initech.example", 3}, {"umbrella.example", 2},
    {"hooli.example", 2},  {"mailinator.com", 1},  {"guerrillamail.com", 1},
};
static struct wtable user_domains = WTABLE(user_domains_v);

static const struct wstr workflows_v[] = {
    {"signup", 75},
    {"invite", 15},
    {"import", 5},
    {"sso", 5},
};
static struct wtable workflows = WTABLE(workflows_v);

/* Users of an enterprise domain arrive through its identity provider. */
static const struct wstr enterprise_workflows_v[] = {
    {"sso", 70},
    {"invite", 30},
};
static struct wtable enterprise_workflows = WTABLE(enterprise_workflows_v);

/* The enterprises whose mailboxes receive email.received events. */
static const struct wstr enterprises_v[] = {
    {"acme", 35},     {"globex", 25}, {"initech", 18},
    {"umbrella", 12}, {"hooli", 10},
};
static struct wtable enterprises = WTABLE(enterprises_v);

static const struct wstr role_mailboxes_v[] = {
    {"info", 3}, {"finance", 3}, {"hr", 2},    {"it-support", 2},
    {"ceo", 1},  {"payroll", 1}, {"sales", 2},
};
static struct wtable role_mailboxes = WTABLE(role_mailboxes_v);

/* Domains legitimate mail comes from. */
static const struct wstr legit_domains_v[] = {
    {"gmail.com", 14},      {"outlook.com", 8},   {"yahoo.com", 4},
    {"github.com", 5},      {"linkedin.com", 5},  {"amazon.com", 6},
    {"paypal.com", 5},      {"microsoft.com", 6}, {"google.com", 5},
    {"apple.com", 3},       {"dropbox.com", 2},   {"docusign.net", 2},
    {"salesforce.com", 3},  {"slack.com", 3},     {"zoom.us", 2},
    {"atlassian.net", 3},   {"stripe.com", 2},    {"mailchimp.com", 2},
    {"sendgrid.net", 2},    {"dhl.com", 2},       {"fedex.com", 1},
    {"chase.com", 1},       {"booking.com", 2},   {"gmx.de", 2},
    {"web.de", 1},          {"orange.fr", 1},     {"globex.example", 3},
    {"initech.example", 2}, {"acme.example", 2},
};
static struct wtable legit_domains = WTABLE(legit_domains_v);

/*
 * Lookalike domains: typosquats, digit-for-letter swaps, brand + keyword,
 * an IDN homograph (Cyrillic a in "paypal") and one imitating a customer.
 */
static const struct wstr lookalike_domains_v[] = {
    {"paypa1.com", 6},
    {"micros0ft-support.com", 5},
    {"arnazon.co", 5},
    {"rnicrosoft.com", 3},
    {"app1e-id.com", 3},
    {"g00gle-security.com", 3},
    {"linkedln.com", 3},
    {"dhl-parcel-tracking.xyz", 3},
    {"dropbox-share.net", 2},
    {"docusign-secure.info", 2},
    {"chase-verify.online", 2},
    {"xn--pypal-4ve.com", 2},
    {"paypal-resolution.center", 2},
    {"0ffice365-login.com", 2},
    {"acrne.example", 2},
    {"githuh.com", 1},
};
static struct wtable lookalike_domains = WTABLE(lookalike_domains_v);

/*
 * Subjects.  "{n}" is replaced by a number.  Some need JSON escapes
 * (quotes, backslashes, a tab) and some are not ASCII, so every consumer
 * meets them.
 */
static const struct wstr legit_subjects_v[] = {
    {"Your order #{n} has shipped", 8},
    {"Invoice {n} for August", 6},
    {"Meeting notes: Q3 planning", 5},
    {"Re: \"Q3 forecast\" draft v{n}", 4},
    {"Share: \\\\fs01\\finance\\Q3-forecast.xlsx", 3},
    {"Rechnung Nr. {n} – fällig am 31.08.", 4},
    {"Votre relevé de compte d'août est disponible", 3},
    {"請求書のお知らせ (No. {n})", 2},
    {"Ваш заказ №{n} отправлен", 2},
    {"🎉 Welcome to the team!", 2},
    {"Weekly digest: {n} new notifications", 6},
    {"[JIRA] (OPS-{n}) Disk usage above 90%", 5},
    {"Your password was changed", 3},
    {"Report\tQ3\t(final)", 2},
    {"Lunch on Friday?", 3},
    {"Re: Re: Fwd: contract 'final' v{n}", 3},
    {"Your receipt from Stripe #{n}", 4},
    {"Build #{n} passed on main", 5},
    {"Zoom meeting invitation: weekly sync", 3},
};
static struct wtable legit_subjects = WTABLE(legit_subjects_v);

static const struct wstr phish_subjects_v[] = {
    {"Urgent: verify your account within 24 hours", 5},
    {"Your PayPal account has been limited", 4},
    {"Action required: your password expires today", 4},
    {"Invoice #{n} overdue – immediate payment required", 4},
    {"Unusual sign-in activity detected", 4},
    {"You have ({n}) undelivered messages", 3},
    {"DHL: your parcel is on hold, confirm the delivery fee", 3},
    {"Wire transfer request – confidential", 2},
    {"Ihr Konto wurde gesperrt", 2},
    {"Document shared with you: \"Payroll 2015.pdf\"", 3},
};
static struct wtable phish_subjects = WTABLE(phish_subjects_v);

/* Authentication results, for mail from genuine and lookalike domains. */
static const struct wstr spf_legit_v[] = {
    {"pass", 920}, {"softfail", 30}, {"neutral", 20},
    {"none", 20},  {"fail", 8},      {"temperror", 2},
};
static struct wtable spf_legit = WTABLE(spf_legit_v);

static const struct wstr spf_lookalike_v[] = {
    {"fail", 40}, {"softfail", 25}, {"none", 15},
    {"pass", 15}, {"neutral", 4},   {"permerror", 1},
};
static struct wtable spf_lookalike = WTABLE(spf_lookalike_v);

static const struct wstr dkim_legit_v[] = {
    {"pass", 900},
    {"none", 70},
    {"fail", 28},
    {"temperror", 2},
};
static struct wtable dkim_legit = WTABLE(dkim_legit_v);

static const struct wstr dkim_lookalike_v[] = {
    {"none", 45},
    {"fail", 35},
    {"pass", 20},
};
static struct wtable dkim_lookalike = WTABLE(dkim_lookalike_v);

/* Sending networks of large mail providers: first two octets. */
static const struct {
	unsigned char a, b;
	unsigned w;
} legit_nets[] = {
    {209, 85, 20}, {40, 92, 14}, {52, 100, 8}, {54, 240, 8},  {198, 2, 6},
    {167, 89, 6},  {17, 58, 4},  {66, 163, 4}, {212, 227, 4}, {185, 12, 2},
};

/* IPv6 prefixes of senders (Google, Microsoft, a hosting provider). */
static const char *const legit_nets6[] = {
    "2a00:1450:4864:20::",
    "2a01:111:f400:fe1e::",
    "2a01:4f8:c0c:1::",
};

/*
 * The "bad" sender ranges a trust model can list.  They are the
 * documentation networks (RFC 5737, RFC 3849), so no real network is named.
 */
static const char *const bad_nets[] = {"192.0.2.", "198.51.100.", "203.0.113."};

static const struct wstr currencies_v[] = {
    {"EUR", 45}, {"USD", 30}, {"GBP", 10}, {"CHF", 4},
    {"JPY", 4},  {"SEK", 3},  {"PLN", 2},  {"BRL", 2},
};
static struct wtable currencies = WTABLE(currencies_v);

static const struct wstr pay_methods_v[] = {
    {"card", 60}, {"sepa", 15}, {"paypal", 15}, {"apple_pay", 6}, {"wire", 4},
};
static struct wtable pay_methods = WTABLE(pay_methods_v);

static const struct wstr hosts_v[] = {
    {"https://example.com", 40},
    {"https://shop.example.com", 40},
    {"https://help.example.com", 10},
    {"https://m.example.com", 10},
};
static struct wtable hosts = WTABLE(hosts_v);

/*
 * Paths.  A path ending in '/' or '=' is followed by an item: a number
 * for '/', a search term for '='.
 */
static const struct wstr paths_v[] = {
    {"/", 14},       {"/products/", 24},       {"/search?q=", 9},
    {"/cart", 6},    {"/checkout", 3},         {"/login", 8},
    {"/signup", 3},  {"/account/settings", 3}, {"/help/articles/", 5},
    {"/pricing", 5}, {"/api/v1/orders/", 8},   {"/blog/2015/08/", 2},
};
static struct wtable paths = WTABLE(paths_v);

static const struct wstr search_terms_v[] = {
    {"running+shoes", 4}, {"caf%C3%A9", 2},  {"usb-c+cable", 3},
    {"gift+card", 3},     {"iphone+6", 3},   {"%22red+dress%22", 1},
    {"refund", 2},        {"m%C3%BCsli", 1}, {"laptop+bag", 2},
};
static struct wtable search_terms = WTABLE(search_terms_v);

static const struct wstr countries_v[] = {
    {"US", 30}, {"DE", 12}, {"GB", 8}, {"FR", 7}, {"IN", 6}, {"BR", 5},
    {"JP", 4},  {"NL", 3},  {"CA", 3}, {"ES", 3}, {"IT", 3}, {"PL", 2},
    {"SE", 2},  {"AU", 2},  {"MX", 2}, {"RU", 2}, {"CN", 2}, {"CH", 1},
    {"KR", 1},  {"NG", 1},  {"ZA", 1}, {"AT", 1}, {"TR", 1}, {"ID", 1},
};
static struct wtable countries = WTABLE(countries_v);

/* Lines of a service log that leaked into the stream ("text" fault). */
static const char *const log_lines[] = {
    " ERROR mx-2: connection reset by peer",
    " WARN web-3: upstream timed out after 30000 ms",
    " INFO worker 7 started (pid 4711)",
    " ERROR billing: deadlock detected, retrying",
};

/* ------------------------------------------------------------------ */
/* Broken lines                                                        */

/*
 * The kinds of broken line --bad-rate writes, in the order they cycle
 * through (the k-th broken line of a run is kind k mod NFAULTS).  The man
 * page lists them in this order.
 */
enum fault {
	FAULT_NONE = -1,
	FAULT_TRUNCATED,      /* invalid JSON: the event cut short */
	FAULT_TRAILING_COMMA, /* invalid JSON: ",}" at the end */
	FAULT_TEXT,           /* invalid JSON: a log line */
	FAULT_ARRAY,          /* not an object: ["id","type","time"] */
	FAULT_STRING,         /* not an object: the event as a JSON string */
	FAULT_NUMBER,         /* not an object: epoch milliseconds */
	FAULT_BAD_UTF8,       /* Latin-1 bytes inside a string */
	FAULT_NO_TIME,        /* an event without "time" */
	FAULT_BAD_TIME,       /* "time": BAD_TIME */
	FAULT_BLANK,          /* an empty line */
	FAULT_OVERLONG,       /* an event over OVERLONG_BYTES long */
	NFAULTS
};

/* ------------------------------------------------------------------ */
/* Generator state                                                     */

struct gen {
	struct ev_rng content; /* what each event says */
	struct ev_rng jitter;  /* how far --disorder moves each event back */
	struct ev_rng fault;   /* which lines --bad-rate breaks, and where */
	uint64_t user_salt;    /* keys each user's address and workflow */
	uint64_t next_user;    /* the number the next user.created gets */
	uint64_t pending[PENDING_MAX]; /* created, not yet verified */
	size_t npending;
	unsigned type_weight[NTYPES]; /* 0 when --types excludes the type */
	unsigned type_total;
	uint64_t nbad; /* broken lines written so far */
	struct buf scratch;
	char attachment[OVERLONG_BYTES]; /* the overlong field's content */
};

/* What a broken line may reuse of the event it replaces. */
struct head {
	char id[37];
	const char *type;
	char time[EVTIME_FMT_MAX];
	size_t time_len;
};

static void
gen_init(struct gen *g, uint64_t seed)
{
	struct ev_rng r;
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	/*
	 * Each stream starts from a different mix of the seed, so their
	 * sequences never overlap in practice.
	 */
	ev_rng_seed(&g->content, ev_mix64(seed ^ 0x636f6e74656e7431ULL));
	ev_rng_seed(&g->jitter, ev_mix64(seed ^ 0x6a69747465723232ULL));
	ev_rng_seed(&g->fault, ev_mix64(seed ^ 0x6661756c74333333ULL));
	g->user_salt = ev_mix64(seed ^ 0x7573657273343434ULL);
	g->next_user = INITIAL_USERS + 1;
	g->npending = 0;
	g->nbad = 0;
	buf_init(&g->scratch);
	ev_rng_seed(&r, 0x6174746163686d74ULL);
	for (i = 0; i < OVERLONG_BYTES; i++)
		g->attachment[i] = b64[ev_rng_next(&r) >> 58];
}

/* ------------------------------------------------------------------ */
/* Small writers                                                       */

/* Appends V with at least WIDTH digits, zero-padded. */
static void
add_padded(struct buf *b, uint64_t v, int width)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
		width--;
	} while (v != 0 || width > 0);
	buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

static void
add_user_id(struct buf *b, uint64_t user)
{
	ADD_LIT(b, "u-");
	add_padded(b, user, 6);
}

static void
add_hex(struct buf *b, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[8];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = hex[v & 15];
		v >>= 4;
	} while (v != 0);
	buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

/*
 * Appends an amount given in cents as a JSON number in its shortest form,
 * as a JavaScript or Python serializer would: 1250 -> 12.5, 1200 -> 12.
 */
static void
add_cents(struct buf *b, uint64_t cents)
{
	unsigned frac = (unsigned)(cents % 100);

	buf_add_u64(b, cents / 100);
	if (frac == 0)
		return;
	buf_addc(b, '.');
	buf_addc(b, (char)('0' + frac / 10));
	if (frac % 10 != 0)
		buf_addc(b, (char)('0' + frac % 10));
}

/*
 * Appends TPL to B with "{n}" replaced by N (the template is raw text; the
 * caller JSON-escapes the result).
 */
static void
add_template(struct buf *b, const char *tpl, uint64_t n)
{
	const char *hole = strstr(tpl, "{n}");

	if (hole == NULL) {
		buf_adds(b, tpl);
		return;
	}
	buf_add(b, tpl, (size_t)(hole - tpl));
	buf_add_u64(b, n);
	buf_adds(b, hole + 3);
}

/* ------------------------------------------------------------------ */
/* Users                                                               */

/*
 * A user's address and sign-up workflow are a function of the user number
 * (and the seed), so user.created and user.verified of one user agree
 * without remembering anything.
 */
static void
add_user_email(struct gen *g, struct buf *b, uint64_t user)
{
	uint64_t h = ev_mix64(user ^ g->user_salt);
	const char *first = first_names[h & 31];
	const char *last = last_names[(h >> 5) & 31];
	unsigned style = (unsigned)((h >> 10) % 6);
	unsigned num = (unsigned)((h >> 16) % 90 + 10);

	switch (style) {
	case 0:
		buf_adds(b, first);
		buf_addc(b, '.');
		buf_adds(b, last);
		break;
	case 1:
		buf_addc(b, first[0]);
		buf_adds(b, last);
		break;
	case 2:
		buf_adds(b, first);
		buf_addc(b, '_');
		buf_adds(b, last);
		break;
	case 3:
		buf_adds(b, first);
		buf_add_u64(b, num);
		break;
	case 4:
		buf_adds(b, first);
		buf_addc(b, '.');
		buf_adds(b, last);
		buf_add_u64(b, 1900 + num);
		break;
	default:
		buf_adds(b, first);
		buf_addc(b, '.');
		buf_adds(b, last);
		ADD_LIT(b, "+shop");
		break;
	}
	buf_addc(b, '@');
	buf_adds(b, user_domains.v[wtable_index(&user_domains, h >> 32)].s);
}

static const char *
user_workflow(struct gen *g, uint64_t user)
{
	uint64_t h = ev_mix64(user ^ g->user_salt);
	const char *domain =
	    user_domains.v[wtable_index(&user_domains, h >> 32)].s;
	size_t n = strlen(domain);

	if (n > 8 && strcmp(domain + n - 8, ".example") == 0)
		return enterprise_workflows
		    .v[wtable_index(&enterprise_workflows, h >> 48)]
		    .s;
	return workflows.v[wtable_index(&workflows, h >> 48)].s;
}

/* An existing user; half the traffic comes from the oldest 2%. */
static uint64_t
pick_user(struct gen *g)
{
	uint64_t n = g->next_user - 1;

	if (ev_rng_below(&g->content, 2) == 0)
		return 1 + ev_rng_below(&g->content, n / 50);
	return 1 + ev_rng_below(&g->content, n);
}

static void
add_user_data(struct gen *g, struct buf *b, uint64_t user)
{
	ADD_LIT(b, "\"user\":\"");
	add_user_id(b, user);
	ADD_LIT(b, "\",\"email\":\"");
	add_user_email(g, b, user);
	ADD_LIT(b, "\",\"workflow\":\"");
	buf_adds(b, user_workflow(g, user));
	buf_addc(b, '"');
}

static void
gen_user_created(struct gen *g, struct buf *b)
{
	uint64_t user = g->next_user++;

	/* When the list is full a random waiting user never verifies. */
	if (g->npending < PENDING_MAX)
		g->pending[g->npending++] = user;
	else
		g->pending[ev_rng_below(&g->content, PENDING_MAX)] = user;
	add_user_data(g, b, user);
}

static void
gen_user_verified(struct gen *g, struct buf *b)
{
	uint64_t user;
	size_t i;

	/* Mostly a recent sign-up; sometimes one from before the stream. */
	if (g->npending > 0 && ev_rng_below(&g->content, 10) < 9) {
		i = (size_t)ev_rng_below(&g->content, g->npending);
		user = g->pending[i];
		g->pending[i] = g->pending[--g->npending];
	} else {
		user = 1 + ev_rng_below(&g->content, INITIAL_USERS);
	}
	add_user_data(g, b, user);
}

/* ------------------------------------------------------------------ */
/* The other event types                                               */

static void
gen_page_viewed(struct gen *g, struct buf *b)
{
	struct ev_rng *r = &g->content;
	const char *path;
	uint64_t u, base, ms;
	size_t n;

	ADD_LIT(b, "\"url\":\"");
	buf_adds(b, wpick(r, &hosts));
	path = wpick(r, &paths);
	buf_adds(b, path);
	n = strlen(path);
	if (path[n - 1] == '=')
		buf_adds(b, wpick(r, &search_terms));
	else if (n > 1 && path[n - 1] == '/')
		buf_add_u64(b, 1 + ev_rng_below(r, 5000));
	ADD_LIT(b, "\",\"country\":\"");
	buf_adds(b, wpick(r, &countries));
	/* Latency with a heavy tail: most fast, a few slow, rare timeouts. */
	base = 15 + ev_rng_below(r, 60);
	u = ev_rng_below(r, 1000);
	if (u < 600)
		ms = base;
	else if (u < 850)
		ms = 2 * base + ev_rng_below(r, 100);
	else if (u < 960)
		ms = 5 * base + ev_rng_below(r, 500);
	else if (u < 995)
		ms = 1000 + ev_rng_below(r, 4000);
	else
		ms = 5000 + ev_rng_below(r, 25001);
	ADD_LIT(b, "\",\"ms\":");
	buf_add_u64(b, ms);
}

/* Recipients of one message: mostly 1, sometimes a mass mailing. */
static uint64_t
pick_recipients(struct ev_rng *r, bool lookalike)
{
	uint64_t u = ev_rng_below(r, 1000);

	/* Phishing goes to more mailboxes: shift the mass toward the tail. */
	if (lookalike)
		u = u < 150 ? u + 850 : u - 150;
	if (u < 700)
		return 1;
	if (u < 820)
		return 2;
	if (u < 920)
		return 3 + ev_rng_below(r, 3);
	if (u < 980)
		return 6 + ev_rng_below(r, 15);
	return 21 + ev_rng_below(r, 480);
}

static void
add_sender_ip(struct ev_rng *r, struct buf *b, bool lookalike)
{
	uint64_t u = ev_rng_below(r, 1000);
	bool bad = lookalike ? u < 550 : u < 5;
	bool v6 = ev_rng_below(r, 100) < 8;
	size_t i;
	uint64_t v;

	if (bad && v6) {
		ADD_LIT(b, "2001:db8:");
		add_hex(b, (unsigned)(1 + ev_rng_below(r, 0xfffe)));
		ADD_LIT(b, "::");
		add_hex(b, (unsigned)(1 + ev_rng_below(r, 0xfffe)));
	} else if (bad) {
		buf_adds(b, bad_nets[ev_rng_below(r, EV_ARRAY_LEN(bad_nets))]);
		buf_add_u64(b, 1 + ev_rng_below(r, 254));
	} else if (v6) {
		buf_adds(
		    b, legit_nets6[ev_rng_below(r, EV_ARRAY_LEN(legit_nets6))]);
		add_hex(b, (unsigned)(1 + ev_rng_below(r, 0xfffe)));
	} else {
		v = 0;
		for (i = 0; i < EV_ARRAY_LEN(legit_nets); i++)
			v += legit_nets[i].w;
		v = ev_rng_below(r, v);
		for (i = 0; v >= legit_nets[i].w; i++)
			v -= legit_nets[i].w;
		buf_add_u64(b, legit_nets[i].a);
		buf_addc(b, '.');
		buf_add_u64(b, legit_nets[i].b);
		buf_addc(b, '.');
		buf_add_u64(b, ev_rng_below(r, 256));
		buf_addc(b, '.');
		buf_add_u64(b, 1 + ev_rng_below(r, 254));
	}
}

/* A mailbox at the enterprise: a person, or a role address. */
static void
add_enterprise_address(struct ev_rng *r, struct buf *b, const char *ent)
{
	const char *first, *last;

	if (ev_rng_below(r, 10) == 0) {
		buf_adds(b, wpick(r, &role_mailboxes));
	} else {
		first = first_names[ev_rng_below(r, EV_ARRAY_LEN(first_names))];
		last = last_names[ev_rng_below(r, EV_ARRAY_LEN(last_names))];
		if (ev_rng_below(r, 2) == 0) {
			buf_adds(b, first);
			buf_addc(b, '.');
		} else {
			buf_addc(b, first[0]);
		}
		buf_adds(b, last);
	}
	buf_addc(b, '@');
	buf_adds(b, ent);
	ADD_LIT(b, ".example");
}

static void
gen_email_received(struct gen *g, struct buf *b)
{
	struct ev_rng *r = &g->content;
	bool lookalike = ev_rng_below(r, 100) < 8;
	bool aligned;
	const char *ent, *spf, *dkim, *dmarc, *subject;
	uint64_t n;

	ent = wpick(r, &enterprises);
	ADD_LIT(b, "\"enterprise\":\"");
	buf_adds(b, ent);
	ADD_LIT(b, "\",\"to\":\"");
	add_enterprise_address(r, b, ent);
	ADD_LIT(b, "\",\"from_domain\":\"");
	buf_adds(b, wpick(r, lookalike ? &lookalike_domains : &legit_domains));
	ADD_LIT(b, "\",\"sender_ip\":\"");
	add_sender_ip(r, b, lookalike);
	spf = wpick(r, lookalike ? &spf_lookalike : &spf_legit);
	dkim = wpick(r, lookalike ? &dkim_lookalike : &dkim_legit);
	/*
	 * DMARC passes through an aligned SPF or DKIM pass; a lookalike's
	 * passes are often not aligned, and many domains publish no policy.
	 */
	aligned = ev_rng_below(r, 100) < (lookalike ? 60 : 98);
	if (ev_rng_below(r, 100) < (lookalike ? 30 : 6))
		dmarc = "none";
	else if (aligned &&
		 (strcmp(spf, "pass") == 0 || strcmp(dkim, "pass") == 0))
		dmarc = "pass";
	else
		dmarc = "fail";
	ADD_LIT(b, "\",\"spf\":\"");
	buf_adds(b, spf);
	ADD_LIT(b, "\",\"dkim\":\"");
	buf_adds(b, dkim);
	ADD_LIT(b, "\",\"dmarc\":\"");
	buf_adds(b, dmarc);
	ADD_LIT(b, "\",\"recipients\":");
	buf_add_u64(b, pick_recipients(r, lookalike));
	if (ev_rng_below(r, 100) < (lookalike ? 85 : 2))
		subject = wpick(r, &phish_subjects);
	else
		subject = wpick(r, &legit_subjects);
	n = ev_rng_below(r, 2) == 0 ? 2 + ev_rng_below(r, 20)
				    : 1000 + ev_rng_below(r, 99000);
	buf_reset(&g->scratch);
	add_template(&g->scratch, subject, n);
	ADD_LIT(b, ",\"subject\":");
	buf_add_json_string(b, g->scratch.data, g->scratch.len);
}

/* Round amounts people pay, in currency units. */
static const unsigned round_amounts[] = {5,   10,  20,  25,  50,
					 100, 200, 250, 500, 1000};

static void
gen_payment_sent(struct gen *g, struct buf *b)
{
	struct ev_rng *r = &g->content;
	const char *currency;
	uint64_t u, cents;

	ADD_LIT(b, "\"user\":\"");
	add_user_id(b, pick_user(g));
	currency = wpick(r, &currencies);
	u = ev_rng_below(r, 1000);
	if (u < 150)
		cents =
		    100ULL *
		    round_amounts[ev_rng_below(r, EV_ARRAY_LEN(round_amounts))];
	else if (u < 450)
		cents = 500 + ev_rng_below(r, 1500);
	else if (u < 850)
		cents = 2000 + ev_rng_below(r, 8000);
	else if (u < 990)
		cents = 10000 + ev_rng_below(r, 90000);
	else if (u < 998)
		cents = 100000 + ev_rng_below(r, 900000);
	else
		cents = 1000000 + ev_rng_below(r, 4000000);
	ADD_LIT(b, "\",\"amount\":");
	if (strcmp(currency, "JPY") == 0) /* no minor unit; ~130 yen/euro */
		buf_add_u64(b, u < 150 ? cents : cents * 13 / 10);
	else
		add_cents(b, cents);
	ADD_LIT(b, ",\"currency\":\"");
	buf_adds(b, currency);
	ADD_LIT(b, "\",\"method\":\"");
	buf_adds(b, wpick(r, &pay_methods));
	buf_addc(b, '"');
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

static enum evtype
pick_type(struct gen *g)
{
	uint64_t v = ev_rng_below(&g->content, g->type_total);
	int i;

	/* Types excluded by --types have weight 0 and are never chosen. */
	for (i = 0; v >= g->type_weight[i]; i++)
		v -= g->type_weight[i];
	return (enum evtype)i;
}

/*
 * Writes into B (empty) the event at time T, with the in-envelope faults
 * FAULT_BAD_UTF8, FAULT_NO_TIME, FAULT_BAD_TIME and FAULT_OVERLONG applied;
 * other values of F are ignored here.  H receives what a broken line may
 * reuse.  The content stream is drawn from identically whatever F is.
 */
static void
gen_line(struct gen *g, struct buf *b, evtime_t t, enum fault f, struct head *h)
{
	struct ev_rng *r = &g->content;
	enum evtype type = pick_type(g);

	ev_uuid4_rng(r, h->id);
	h->type = evtypes[type].name;
	h->time_len = evtime_format_digits(t, 3, h->time);

	ADD_LIT(b, "{\"id\":\"");
	buf_add(b, h->id, 36);
	ADD_LIT(b, "\",\"type\":\"");
	buf_adds(b, h->type);
	ADD_LIT(b, "\",");
	if (f == FAULT_BAD_TIME) {
		ADD_LIT(b, "\"time\":\"" BAD_TIME "\",");
	} else if (f != FAULT_NO_TIME) {
		ADD_LIT(b, "\"time\":\"");
		buf_add(b, h->time, h->time_len);
		ADD_LIT(b, "\",");
	}
	ADD_LIT(b, "\"source\":\"/evgen/");
	switch (type) {
	case T_PAGE_VIEWED:
		ADD_LIT(b, "web-");
		buf_add_u64(b, 1 + ev_rng_below(r, 4));
		ADD_LIT(b, "\",\"data\":{");
		gen_page_viewed(g, b);
		break;
	case T_EMAIL_RECEIVED:
		ADD_LIT(b, "mx-");
		buf_add_u64(b, 1 + ev_rng_below(r, 3));
		ADD_LIT(b, "\",\"data\":{");
		gen_email_received(g, b);
		break;
	case T_PAYMENT_SENT:
		ADD_LIT(b, "billing\",\"data\":{");
		gen_payment_sent(g, b);
		break;
	case T_USER_CREATED:
		ADD_LIT(b, "auth\",\"data\":{");
		gen_user_created(g, b);
		break;
	default:
		ADD_LIT(b, "auth\",\"data\":{");
		gen_user_verified(g, b);
		break;
	}
	if (f == FAULT_BAD_UTF8) {
		/* "Grüße aus Köln" in Latin-1, as a misconfigured client sends. */
		ADD_LIT(b, ",\"comment\":\"Gr\xfc\xdf"
			   "e aus K\xf6ln\"");
	} else if (f == FAULT_OVERLONG) {
		ADD_LIT(b, ",\"attachment\":\"");
		buf_add(b, g->attachment, OVERLONG_BYTES);
		buf_addc(b, '"');
	}
	ADD_LIT(b, "}}");
}

/* Floor division of T (microseconds) into whole milliseconds. */
static int64_t
floor_ms(evtime_t t)
{
	return t / 1000 - (t % 1000 < 0);
}

/*
 * Replaces the event in B (as gen_line wrote it, with H) by the broken
 * line of kind F.  Draws only from the fault stream.
 */
static void
break_line(struct gen *g, struct buf *b, enum fault f, const struct head *h,
	   evtime_t t)
{
	size_t n;

	switch (f) {
	case FAULT_TRUNCATED:
		/* Cut on a character boundary: the line stays valid UTF-8. */
		n = 1 + (size_t)ev_rng_below(&g->fault, b->len - 1);
		while (n > 1 && ((unsigned char)b->data[n] & 0xc0) == 0x80)
			n--;
		b->len = n;
		b->data[n] = '\0';
		break;
	case FAULT_TRAILING_COMMA:
		b->len--; /* the final '}' */
		ADD_LIT(b, ",}");
		break;
	case FAULT_TEXT:
		buf_reset(b);
		buf_add(b, h->time, h->time_len);
		buf_adds(b, log_lines[ev_rng_below(&g->fault,
						   EV_ARRAY_LEN(log_lines))]);
		break;
	case FAULT_ARRAY:
		buf_reset(b);
		ADD_LIT(b, "[\"");
		buf_add(b, h->id, 36);
		ADD_LIT(b, "\",\"");
		buf_adds(b, h->type);
		ADD_LIT(b, "\",\"");
		buf_add(b, h->time, h->time_len);
		ADD_LIT(b, "\"]");
		break;
	case FAULT_STRING:
		buf_reset(&g->scratch);
		buf_add(&g->scratch, b->data, b->len);
		buf_reset(b);
		buf_add_json_string(b, g->scratch.data, g->scratch.len);
		break;
	case FAULT_NUMBER:
		buf_reset(b);
		buf_add_i64(b, floor_ms(t));
		break;
	case FAULT_BLANK:
		buf_reset(b);
		break;
	default:
		break; /* applied by gen_line */
	}
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static char out_buf[OUT_CAP];
static size_t out_len;

static void
out_flush(void)
{
	if (out_len > 0 && ev_write_all(1, out_buf, out_len) == -1)
		ev_die(EV_EXIT_IO, "write error:");
	out_len = 0;
}

static void
out_write(const char *p, size_t n)
{
	if (n > OUT_CAP - out_len) {
		out_flush();
		if (n > OUT_CAP) {
			if (ev_write_all(1, p, n) == -1)
				ev_die(EV_EXIT_IO, "write error:");
			return;
		}
	}
	memcpy(out_buf + out_len, p, n);
	out_len += n;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

static const char usage_text[] =
    "usage: evgen -n count [-s seed] [-S start] [-r rate | --span duration]\n"
    "             [-d duration] [-b fraction] [-T types]\n"
    "       evgen -h | -V\n";

static const char help_text[] =
    "\n"
    "Write count synthetic events, one JSON object per line, on standard\n"
    "output.  The same arguments always give the same bytes.\n"
    "\n"
    "  -n, --count count        number of lines to write (required)\n"
    "  -s, --seed seed          random seed, 0 to 2^64-1 (default 1)\n"
    "  -S, --start start        time of the first event\n"
    "                           (default 2015-08-18T00:00:00Z)\n"
    "  -r, --rate rate          events per second of event time (default 10)\n"
    "      --span duration      spread the events evenly over duration\n"
    "  -d, --disorder duration  move each event back by up to duration\n"
    "  -b, --bad-rate fraction  share of broken lines, 0 to 1 (default 0)\n"
    "  -T, --types types        comma-separated event types or globs\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the version and exit\n"
    "\n"
    "Event types: page.viewed, email.received, payment.sent, user.created,\n"
    "user.verified.  See evgen(1).\n";

struct options {
	uint64_t count;
	bool have_count;
	uint64_t seed;
	evtime_t start;
	uint64_t rate_micro; /* events per 10^6 s */
	bool have_rate;
	int64_t span; /* microseconds; 0 unless --span */
	int64_t disorder;
	uint64_t bad_ppb; /* broken lines per 10^9 */
	unsigned type_weight[NTYPES];
};

static _Noreturn void
usage_error(void)
{
	fputs(usage_text, stderr);
	exit(EV_EXIT_USAGE);
}

static _Noreturn void
bad_value(const char *opt, const char *val, const char *why)
{
	ev_die(EV_EXIT_USAGE, "%s: invalid value '%s': %s", opt, val, why);
}

/*
 * Parses a non-negative decimal "DIGITS[.DIGITS]" with at most DECIMALS
 * fraction digits into *out, scaled by 10^DECIMALS ("2.5" with 3 decimals
 * is 2500).  Nothing may precede or follow.  Returns 0, or -1 when S is
 * malformed or the scaled value exceeds UINT64_MAX.
 */
static int
parse_fixed(const char *s, int decimals, uint64_t *out)
{
	uint64_t v = 0;
	int frac = -1; /* fraction digits read; -1 before the point */
	const char *p;
	unsigned d;

	if (*s < '0' || *s > '9')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -1;
		if (frac >= 0 && ++frac > decimals)
			return -1;
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (frac == 0)
		return -1; /* "5." */
	for (frac = frac < 0 ? 0 : frac; frac < decimals; frac++) {
		if (v > UINT64_MAX / 10)
			return -1;
		v *= 10;
	}
	*out = v;
	return 0;
}

static void
parse_uint_opt(const char *opt, const char *val, uint64_t *out)
{
	const char *errstr;

	if (ev_parse_uint(val, 0, UINT64_MAX, out, &errstr) == -1)
		bad_value(opt, val,
			  strcmp(errstr, "invalid") == 0
			      ? "expected a non-negative integer"
			      : errstr);
}

static void
parse_duration_opt(const char *opt, const char *val, int64_t *out)
{
	const char *errstr;

	if (duration_parse(val, out, &errstr) == -1)
		bad_value(opt, val, errstr);
}

/*
 * --types: a comma-separated list of type names or fnmatch(3) globs
 * ("user.*").  Every element must match at least one type.
 */
static void
parse_types(const char *val, unsigned weight[NTYPES])
{
	char *list = ev_strdup(val), *item, *next;
	bool matched;
	int i;

	memset(weight, 0, NTYPES * sizeof(weight[0]));
	for (item = list; item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*item == '\0')
			bad_value("--types", val, "empty type name");
		matched = false;
		for (i = 0; i < NTYPES; i++) {
			if (fnmatch(item, evtypes[i].name, 0) == 0) {
				weight[i] = evtypes[i].weight;
				matched = true;
			}
		}
		if (!matched)
			ev_die(EV_EXIT_USAGE,
			       "--types: invalid value '%s': no event type "
			       "matches '%s'",
			       val, item);
	}
	free(list);
}

/* Prints A and B on stdout and exits 0, or 3 if they cannot be written. */
static _Noreturn void
print_and_exit(const char *a, const char *b)
{
	fputs(a, stdout);
	fputs(b, stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		ev_die(EV_EXIT_IO, "write error:");
	exit(EV_EXIT_OK);
}

enum { OPT_SPAN = 256 };

/* How many long options ARG ("--name" or "--name=value") abbreviates. */
static int
long_matches(const struct option *opts, const char *arg)
{
	size_t n = strcspn(arg + 2, "=");
	int count = 0;

	for (; opts->name != NULL; opts++)
		if (strncmp(opts->name, arg + 2, n) == 0)
			count++;
	return count;
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
	    {"count", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},
	    {"start", required_argument, NULL, 'S'},
	    {"rate", required_argument, NULL, 'r'},
	    {"span", required_argument, NULL, OPT_SPAN},
	    {"disorder", required_argument, NULL, 'd'},
	    {"bad-rate", required_argument, NULL, 'b'},
	    {"types", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *errstr, *arg;
	int c, i;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->start = DEFAULT_START;
	o->rate_micro = DEFAULT_RATE_MICRO;
	for (i = 0; i < NTYPES; i++)
		o->type_weight[i] = evtypes[i].weight;

	/* Our own messages: getopt's would carry argv[0] as given. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:s:S:r:d:b:T:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			parse_uint_opt("--count", optarg, &o->count);
			o->have_count = true;
			break;
		case 's':
			parse_uint_opt("--seed", optarg, &o->seed);
			break;
		case 'S':
			if (evtime_parse_arg(optarg, evtime_now(), &o->start,
					     &errstr) == -1)
				bad_value("--start", optarg, errstr);
			break;
		case 'r':
			if (parse_fixed(optarg, RATE_DECIMALS,
					&o->rate_micro) == -1 ||
			    o->rate_micro == 0 ||
			    o->rate_micro > RATE_MAX_MICRO)
				bad_value("--rate", optarg,
					  "expected a number above 0 and at "
					  "most 1000000 (at most 6 decimals)");
			o->have_rate = true;
			break;
		case OPT_SPAN:
			parse_duration_opt("--span", optarg, &o->span);
			if (o->span == 0)
				bad_value("--span", optarg,
					  "must be longer than 0");
			break;
		case 'd':
			parse_duration_opt("--disorder", optarg, &o->disorder);
			break;
		case 'b':
			if (parse_fixed(optarg, BAD_DECIMALS, &o->bad_ppb) ==
				-1 ||
			    o->bad_ppb > BAD_SCALE)
				bad_value("--bad-rate", optarg,
					  "expected a number from 0 to 1 (at "
					  "most 9 decimals)");
			break;
		case 'T':
			parse_types(optarg, o->type_weight);
			break;
		case 'h':
			print_and_exit(usage_text, help_text);
			break;
		case 'V':
			print_and_exit("evgen " EV_VERSION "\n", "");
			break;
		case ':':
			arg = argv[optind - 1];
			if (strncmp(arg, "--", 2) == 0)
				ev_warn("option '%s' requires a value", arg);
			else
				ev_warn("option '-%c' requires a value",
					optopt);
			usage_error();
		default:
			arg = argv[optind - 1];
			if (strncmp(arg, "--", 2) == 0 && optopt != 0)
				ev_warn("option '%.*s' takes no value",
					(int)strcspn(arg, "="), arg);
			else if (strncmp(arg, "--", 2) == 0 &&
				 long_matches(longopts, arg) > 1)
				ev_warn("option '%s' is ambiguous", arg);
			else if (strncmp(arg, "--", 2) == 0)
				ev_warn("unknown option '%s'", arg);
			else
				ev_warn("unknown option '-%c'", optopt);
			usage_error();
		}
	}
	if (optind < argc) {
		ev_warn("unexpected argument '%s'", argv[optind]);
		usage_error();
	}
	if (!o->have_count) {
		ev_warn("missing -n count");
		usage_error();
	}
	if (o->have_rate && o->span != 0)
		ev_die(EV_EXIT_USAGE, "--rate and --span cannot be combined");
}

/* ------------------------------------------------------------------ */

int
main(int argc, char *argv[])
{
	static struct gen g; /* 100 KiB: not on the stack */
	struct options o;
	struct buf line = BUF_INIT;
	struct head h;
	uint64_t num, den, step_q, step_r, q, r, i;
	unsigned __int128 last;
	enum fault f;
	evtime_t t;
	int k;

	ev_setprogname(argv[0]);
	ev_default_sigpipe();
	parse_options(argc, argv, &o);

	/*
	 * Event I is due at start + floor(I * num / den) microseconds: with
	 * --rate, num / den is 10^12 / (events per 10^6 s); with --span, it
	 * is span / count.  The loop keeps quotient and remainder instead of
	 * multiplying, so nothing overflows and no rounding accumulates.
	 */
	if (o.span != 0) {
		num = (uint64_t)o.span;
		den = o.count != 0 ? o.count : 1;
	} else {
		num = RATE_SCALE * RATE_SCALE;
		den = o.rate_micro;
	}
	/* In 128 bits: (count - 1) * num may not fit in 64. */
	if (o.count > 0) {
		last = (unsigned __int128)(o.count - 1) * num / den;
		if (last > (unsigned __int128)(EVTIME_HIGHEST - o.start))
			ev_die(EV_EXIT_USAGE,
			       "the events would run past "
			       "9999-12-31T23:59:59Z; use an earlier --start "
			       "or %s",
			       o.span != 0 ? "a shorter --span"
					   : "a higher --rate");
	}
	if (o.disorder > o.start - EVTIME_LOWEST)
		ev_die(EV_EXIT_USAGE, "--disorder: would move events before "
				      "0000-01-01T00:00:00Z");

	gen_init(&g, o.seed);
	g.type_total = 0;
	for (k = 0; k < NTYPES; k++) {
		g.type_weight[k] = o.type_weight[k];
		g.type_total += o.type_weight[k];
	}

	step_q = num / den;
	step_r = num % den;
	q = r = 0;
	for (i = 0; i < o.count; i++) {
		t = o.start + (int64_t)q;
		if (o.disorder > 0)
			t -= (int64_t)ev_rng_below(&g.jitter,
						   (uint64_t)o.disorder + 1);
		f = FAULT_NONE;
		if (o.bad_ppb > 0 &&
		    ev_rng_below(&g.fault, BAD_SCALE) < o.bad_ppb)
			f = (enum fault)(g.nbad++ % NFAULTS);
		buf_reset(&line);
		gen_line(&g, &line, t, f, &h);
		if (f != FAULT_NONE)
			break_line(&g, &line, f, &h, t);
		buf_addc(&line, '\n');
		out_write(line.data, line.len);

		q += step_q;
		if (r >= den - step_r) {
			r -= den - step_r;
			q++;
		} else {
			r += step_r;
		}
	}
	out_flush();
	buf_free(&line);
	buf_free(&g.scratch);
	return EV_EXIT_OK;
}
