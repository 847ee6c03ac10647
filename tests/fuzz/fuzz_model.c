/*
 * fuzz_model.c - libFuzzer target for evscore's model loader
 * (cmd/evscore/model.c, cond.c, rxsafe.c, lists.c, netmatch.c) and, for
 * every model that loads, the scorer (score.c) on a fixed set of events.
 *
 * The input is the model's YAML text.  A model either loads or fails with
 * "fuzz.yaml:LINE:COLUMN: reason"; one that loads must describe itself
 * (--check), and score every event below to a result that is one valid
 * JSON object with a verdict in range and a finite value.  Lists come from
 * memory, chosen by the first letter of the file name (c: CIDRs, d:
 * domains, x: unreadable, anything else: values), so the fuzzer never
 * touches the file system.  Any violation aborts.
 *
 * `make fuzz` links the common library but no tool objects, so the
 * evscore sources are included here.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/evscore/cond.c"
#include "../../cmd/evscore/emit.c"
#include "../../cmd/evscore/fmtnum.c"
#include "../../cmd/evscore/lists.c"
#include "../../cmd/evscore/model.c"
#include "../../cmd/evscore/netmatch.c"
#include "../../cmd/evscore/quote.c"
#include "../../cmd/evscore/rxsafe.c"
#include "../../cmd/evscore/score.c"
#include "../../cmd/evscore/strset.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static int
fuzz_list(const char *path, struct buf *out, char *why, size_t whylen)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	switch (base[0]) {
	case 'c':
		buf_adds(out, "# networks\n192.0.2.0/24\n\n  2001:db8::/32  "
			      "# doc\n10.0.0.7\n");
		return 0;
	case 'd':
		buf_adds(out,
			 "example.com\nPayPa1.com.\n# x\nxn--pypal-4ve.com "
			 "# idn\n");
		return 0;
	case 'x':
		snprintf(why, whylen, "cannot read '%s': fuzzed", path);
		return -1;
	default:
		buf_adds(out, "fail\nsoftfail\n42\n  spaced value  \n#c\n");
		return 0;
	}
}

static const char *const fuzz_events[] = {
    "{}",
    "{\"type\":\"email.received\",\"data\":{\"spf\":\"fail\",\"dkim\":"
    "\"pass\",\"dmarc\":\"none\",\"from_domain\":\"paypa1.com\","
    "\"sender_ip\":\"192.0.2.9\",\"recipients\":12,\"subject\":\"Urgent: "
    "verify your account\",\"to\":\"finance@acme.example\"}}",
    "{\"type\":\"x\",\"a\":1,\"b\":\"B\",\"c\":true,\"d\":null,\"e\":[1,2],"
    "\"f\":{\"g\":1.5e300},\"h\":-1e400,\"i\":\"2001:db8::1\",\"j\":"
    "\"\\u00e9t\\u00e9\\n\",\"k\":\"a\\u0000b\",\"score\":{\"old\":1}}",
    "{\"a\":\"1\",\"b\":1,\"c\":\"true\",\"d\":\"null\",\"e\":{},\"f\":[],"
    "\"a\\\\.b\":2,\"x\":{\"y\":{\"z\":\"deep.example.com.\"}}}",
    "{\"n\":-0.5,\"m\":1e-320,\"l\":123456789012345678901234567890,\"o\":"
    "\"::ffff:10.0.0.7\",\"p\":\"USER@Mail.Example.COM\"}",
};

static int
fuzz_lookup(void *arg, const char *path)
{
	const char *err;

	return json_paths_add(arg, path, &err);
}

static void
fuzz_score(struct model *m)
{
	struct json_paths *ps = json_paths_new();
	struct json_scanner *js = json_scanner_new();
	struct buf out = BUF_INIT, stripped = BUF_INIT, scratch = BUF_INIT;
	int type_idx;
	size_t i;

	type_idx = json_paths_add(ps, "type", NULL);
	model_bind(m, fuzz_lookup, ps);
	for (i = 0; i < sizeof(fuzz_events) / sizeof(fuzz_events[0]); i++) {
		const char *line = fuzz_events[i];
		size_t n = json_paths_count(ps);
		struct json_value *vals = calloc(n ? n : 1, sizeof(*vals));
		struct json_error jerr;
		struct score sc;
		enum score_status st;

		fuzz_check(vals != NULL);
		fuzz_check(json_scan(js, line, strlen(line), ps, vals, &jerr) ==
			   0);
		st = score_event(m, line, strlen(line), vals, &vals[type_idx],
				 &sc);
		if (st == SCORE_OK) {
			fuzz_check(sc.verdict >= 0 &&
				   (size_t)sc.verdict < m->nverdicts);
			fuzz_check(isfinite(sc.value) && isfinite(sc.z));
			fuzz_check(sc.override < (int)m->novr);
			buf_reset(&out);
			score_format(m, &sc, &out);
			fuzz_check(json_scan(js, out.data, out.len, NULL, NULL,
					     &jerr) == 0);
			emit_strip_member(&stripped, &scratch, line,
					  strlen(line), "score", 5);
			fuzz_check(json_scan(js, stripped.data, stripped.len,
					     NULL, NULL, &jerr) == 0);
		} else {
			fuzz_check(st == SCORE_UNSCORED ? m->ntypes > 0 : 1);
		}
		free(vals);
	}
	buf_free(&out);
	buf_free(&stripped);
	buf_free(&scratch);
	json_scanner_free(js);
	json_paths_free(ps);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT, sum = BUF_INIT;
	struct model *m;

	list_read_file = fuzz_list;
	m = model_load_string("fuzz.yaml", "lists", (const char *)data, size,
			      &err);
	if (m == NULL) {
		unsigned line, col;
		int end = 0;

		/* Every error is "fuzz.yaml:LINE:COLUMN: reason". */
		fuzz_check(sscanf(err.data, "fuzz.yaml:%u:%u: %n", &line, &col,
				  &end) == 2 &&
			   end > 0 && (size_t)end < err.len && line > 0 &&
			   col > 0);
		buf_free(&err);
		return 0;
	}
	fuzz_check(err.len == 0);
	fuzz_check(m->nrules > 0 && m->nverdicts > 0);
	model_summary(m, &sum);
	fuzz_check(sum.len > 0);
	fuzz_score(m);
	model_free(m);
	buf_free(&sum);
	buf_free(&err);
	return 0;
}
