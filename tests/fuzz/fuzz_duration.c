/*
 * fuzz_duration.c - libFuzzer target for duration_parse and
 * duration_format (common/duration.c).
 *
 * The input, as a C string, goes to duration_parse and, after "now+", to
 * evtime_parse_arg.  An accepted duration must be >= 0, format to text that
 * parses back to the same value, and that text must be canonical (a fixed
 * point of parse-then-format).  The first 8 bytes, read as a non-negative
 * int64, must survive format-then-parse.  Any mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "evtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* V formats to canonical text that parses back to V. */
static void
fuzz_round_trip(int64_t v)
{
	char buf[DURATION_FMT_MAX], again[DURATION_FMT_MAX];
	const char *err;
	int64_t v2;
	size_t n;

	n = duration_format(v, buf);
	fuzz_check(n == strlen(buf) && n < DURATION_FMT_MAX);
	fuzz_check(duration_parse(buf, &v2, &err) == 0 && v2 == v);
	fuzz_check(duration_format(v2, again) == n && strcmp(buf, again) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err;
	char *z;
	int64_t v;
	evtime_t t;

	z = malloc(size + 5);
	if (z == NULL)
		return 0;
	memcpy(z, "now+", 4);
	memcpy(z + 4, data, size);
	z[size + 4] = '\0';
	if (duration_parse(z + 4, &v, &err) == 0) {
		fuzz_check(v >= 0);
		fuzz_round_trip(v);
		/* evtime_parse_arg adds the same duration to NOW. */
		if (evtime_parse_arg(z, 0, &t, &err) == 0)
			fuzz_check(t == v);
		else
			fuzz_check(strcmp(err, "out of range") == 0);
	} else {
		fuzz_check(err != NULL && *err != '\0');
		fuzz_check(evtime_parse_arg(z, 0, &t, &err) == -1);
	}
	free(z);

	if (size >= 8) {
		memcpy(&v, data, 8);
		if (v < 0)
			v = v == INT64_MIN ? 0 : -v;
		fuzz_round_trip(v);
	}
	return 0;
}
