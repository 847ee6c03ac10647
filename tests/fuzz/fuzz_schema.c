/*
 * fuzz_schema.c - libFuzzer target for evload's schema loader.
 *
 * The input is loaded as a schema file (YAML).  Whatever is accepted must
 * be consistent: a valid table name, every column name valid and unique in
 * any case, every key a column that is required and not json, the time
 * column a timestamp, every default converted to its column's type, and an
 * identifier that quotes and reads back.  Any mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../cmd/evload/convert.c"
#include "../../cmd/evload/schema.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* The identifier back from its quoted form, as SQL reads it. */
static void
check_quoted(const char *name)
{
	struct buf q = BUF_INIT, back = BUF_INIT;
	size_t i;

	sql_ident(&q, name);
	fuzz_check(q.len >= 2 && q.data[0] == '"' && q.data[q.len - 1] == '"');
	for (i = 1; i + 1 < q.len; i++) {
		if (q.data[i] == '"') {
			fuzz_check(q.data[i + 1] == '"' && i + 2 < q.len);
			i++;
		}
		buf_addc(&back, q.data[i]);
	}
	fuzz_check(strcmp(buf_str(&back), name) == 0);
	buf_free(&q);
	buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schema s;
	struct buf err = BUF_INIT;
	const char *why;
	size_t i, j;

	if (schema_load_string(&s, "fuzz.yaml", (const char *)data, size,
			       "time", &err) == 0) {
		fuzz_check(evload_name_check(s.table, strlen(s.table), &why) ==
			   0);
		check_quoted(s.table);
		fuzz_check(s.ncols > 0 && s.nkeys > 0);
		for (i = 0; i < s.ncols; i++) {
			const struct column *c = &s.cols[i];

			fuzz_check(evload_name_check(c->name, strlen(c->name),
						     &why) == 0);
			check_quoted(c->name);
			for (j = 0; j < i; j++)
				fuzz_check(
				    strcasecmp(s.cols[j].name, c->name) != 0);
			if (c->has_default) {
				fuzz_check(c->def.kind != CELL_NULL);
				fuzz_check(!c->required);
				if (c->type == CT_INTEGER)
					fuzz_check(c->def.kind == CELL_INT &&
						   c->def.i >= INT32_MIN &&
						   c->def.i <= INT32_MAX);
				if (c->type == CT_TIMESTAMP)
					fuzz_check(c->def.kind == CELL_TIME &&
						   c->def.i >= EVLOAD_TIME_MIN);
			}
		}
		for (i = 0; i < s.nkeys; i++) {
			const struct column *c = &s.cols[s.keys[i]];

			fuzz_check(s.keys[i] < s.ncols);
			fuzz_check(c->is_key && c->required &&
				   c->type != CT_JSON && !c->has_default);
		}
		if (s.time_col >= 0)
			fuzz_check((size_t)s.time_col < s.ncols &&
				   s.cols[s.time_col].type == CT_TIMESTAMP);
		schema_free(&s);
	} else {
		fuzz_check(err.len > 0);
		fuzz_check(strncmp(buf_str(&err), "fuzz.yaml", 9) == 0);
	}
	buf_free(&err);
	return 0;
}
