/*
 * fuzz_yamlcfg.c - libFuzzer target for the YAML configuration loader
 * (ydoc_load_string and the accessors in common/yamlcfg.c).
 *
 * A failed load leaves no tree and one message "fuzz.yaml:LINE:COL: ..." or
 * "fuzz.yaml: ...".  A loaded tree obeys the documented limits: scalars are
 * NUL-terminated with the stated length, every node has a 1-based position
 * no earlier than its parent's, mappings hold scalar keys in pairs with no
 * key twice, nesting stays within YCFG_MAX_DEPTH.  Every accessor works on
 * every node and fails only with a message about that node.  Any failed
 * check aborts; ASan and LSan catch memory errors and leaks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "yamlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.yaml"

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* ERR holds exactly one message about D's file. */
static void
check_message(const struct buf *err)
{
	fuzz_check(err->len > sizeof(NAME) &&
		   memcmp(err->data, NAME ":", sizeof(NAME)) == 0 &&
		   strlen(err->data) == err->len &&
		   memchr(err->data, '\n', err->len) == NULL);
}

/* MSG reports an unknown key of MAP at that key's position. */
static bool
unknown_key_message(const struct ynode *map, const char *msg)
{
	struct buf want = BUF_INIT;
	bool found = false;
	size_t i;

	for (i = 0; i < map->n && !found; i += 2) {
		const struct ynode *k = map->kids[i];

		buf_reset(&want);
		buf_printf(&want, NAME ":%u:%u: unknown key '", k->line,
			   k->col);
		found = strncmp(msg, buf_str(&want), want.len) == 0;
	}
	buf_free(&want);
	return found;
}

/* Runs one accessor: on failure, its message names node N. */
static void
check_getters(const struct ydoc *d, const struct ynode *n)
{
	static const char *const allowed[] = {"a", "b", NULL};
	struct buf err = BUF_INIT, want = BUF_INIT;
	const char *s;
	double dv;
	int64_t iv;
	bool bv;
	int r;

	buf_printf(&want, NAME ":%u:%u: ", n->line, n->col);
	for (r = 0; r < 5; r++) {
		int got;

		buf_reset(&err);
		switch (r) {
		case 0:
			got = yget_str(d, n, "k", &s, &err);
			if (got == 0)
				fuzz_check(n->kind == YNODE_SCALAR &&
					   s == n->str);
			break;
		case 1:
			got = yget_double(d, n, "k", &dv, &err);
			break;
		case 2:
			got = yget_int(d, n, "k", &iv, &err);
			break;
		case 3:
			got = yget_bool(d, n, "k", &bv, &err);
			if (got == 0)
				fuzz_check(
				    strcmp(n->str, bv ? "true" : "false") == 0);
			break;
		default:
			got = ycheck_keys(d, n, "m", allowed, &err);
			break;
		}
		if (got == 0) {
			fuzz_check(err.len == 0);
			continue;
		}
		fuzz_check(got == -1);
		check_message(&err);
		if (r == 4 && n->kind == YNODE_MAP) {
			/* An unknown key is reported where the key is. */
			fuzz_check(unknown_key_message(n, err.data));
			continue;
		}
		fuzz_check(strncmp(err.data, buf_str(&want), want.len) == 0);
	}
	buf_free(&err);
	buf_free(&want);
}

static void
walk(const struct ydoc *d, const struct ynode *n, const struct ynode *parent,
     int depth, size_t *budget)
{
	size_t i, j;

	fuzz_check(n != NULL && n->line >= 1 && n->col >= 1);
	fuzz_check(depth <= YCFG_MAX_DEPTH);
	if (parent)
		fuzz_check(n->line > parent->line ||
			   (n->line == parent->line && n->col >= parent->col));
	if (*budget > 0) {
		--*budget;
		check_getters(d, n);
	}
	switch (n->kind) {
	case YNODE_SCALAR:
		fuzz_check(n->str != NULL && n->str[n->len] == '\0' &&
			   n->n == 0);
		break;
	case YNODE_MAP:
		fuzz_check(n->n % 2 == 0);
		for (i = 0; i < n->n; i += 2) {
			const struct ynode *k = n->kids[i];

			fuzz_check(k->kind == YNODE_SCALAR);
			for (j = 0; j < i; j += 2)
				fuzz_check(n->kids[j]->len != k->len ||
					   memcmp(n->kids[j]->str, k->str,
						  k->len) != 0);
			/* ymap_get finds the value of every key without NUL. */
			if (strlen(k->str) == k->len)
				fuzz_check(ymap_get(n, k->str) ==
					   n->kids[i + 1]);
		}
		/* fall through */
	case YNODE_SEQ:
		fuzz_check(n->str == NULL);
		for (i = 0; i < n->n; i++)
			walk(d, n->kids[i], n, depth + 1, budget);
		break;
	default:
		fuzz_check(0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ydoc d;
	struct buf err = BUF_INIT;
	size_t budget = 64;

	if (ydoc_load_string(&d, NAME, (const char *)data, size, &err) == 0) {
		fuzz_check(err.len == 0);
		fuzz_check(strcmp(d.path, NAME) == 0);
		if (d.root)
			walk(&d, d.root, NULL, 0, &budget);
	} else {
		fuzz_check(d.root == NULL);
		check_message(&err);
	}
	ydoc_free(&d);
	buf_free(&err);
	return 0;
}
