/*
 * chunk.c - rows kept in memory to be loaded in key order.
 *
 * A B-tree that receives keys in random order splits a page at random for
 * nearly every row and keeps its whole height busy; keys that come sorted
 * walk along its leaves, and into a new table they append.  So both
 * backends keep up to CHUNK_ROWS rows (or CHUNK_BYTES of their text),
 * sort them by key, with the rows of one key in the order they were read,
 * and load them in that order.  The cells are copied; their text goes to
 * blocks that never move while the chunk lives, and that are reused by the
 * next chunk, so a chunk takes about CHUNK_BYTES (cells and text) plus one
 * block at most.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evload.h"
#include "util.h"

#define CHUNK_BLOCK (1024 * 1024)

void
chunk_init(struct chunk *ch, size_t ncols, bool keep_raw)
{
	memset(ch, 0, sizeof(*ch));
	ch->ncols = ncols;
	ch->keep_raw = keep_raw;
}

void
chunk_reset(struct chunk *ch)
{
	size_t i;

	for (i = 0; i < ch->nblocks; i++)
		ch->blocks[i].used = 0;
	ch->cur = 0;
	ch->rows = 0;
	ch->bytes = 0;
}

void
chunk_free(struct chunk *ch)
{
	size_t i;

	for (i = 0; i < ch->nblocks; i++)
		free(ch->blocks[i].p);
	free(ch->blocks);
	free(ch->cells);
	free(ch->meta);
	free(ch->order);
	memset(ch, 0, sizeof(*ch));
}

/* A copy of P[0..N) that stays where it is until chunk_reset. */
static const char *
chunk_copy(struct chunk *ch, const char *p, size_t n)
{
	struct chunk_block *b;
	char *d;

	if (n == 0)
		return "";
	while (ch->cur < ch->nblocks &&
	       ch->blocks[ch->cur].cap - ch->blocks[ch->cur].used < n)
		ch->cur++;
	if (ch->cur == ch->nblocks) {
		ch->blocks = ev_reallocarray(ch->blocks, ch->nblocks + 1,
					     sizeof(*ch->blocks));
		b = &ch->blocks[ch->nblocks++];
		b->cap = n > CHUNK_BLOCK ? n : CHUNK_BLOCK;
		b->p = ev_malloc(b->cap);
		b->used = 0;
	}
	b = &ch->blocks[ch->cur];
	d = b->p + b->used;
	memcpy(d, p, n);
	b->used += n;
	ch->bytes += n;
	return d;
}

void
chunk_add(struct chunk *ch, const struct cell *cells, const struct ev_event *ev,
	  uint64_t ord, bool again)
{
	uintptr_t lo = (uintptr_t)ev->line, hi = lo + ev->len;
	const char *line = NULL;
	struct chunk_meta *m;
	struct cell *d;
	size_t i;

	if (ch->rows == ch->cap) {
		ch->cap = ch->cap ? ch->cap * 2 : 1024;
		ch->cells =
		    ev_reallocarray(ch->cells, ch->cap * ch->ncols, sizeof(*d));
		ch->meta =
		    ev_reallocarray(ch->meta, ch->cap, sizeof(*ch->meta));
		ch->order =
		    ev_reallocarray(ch->order, ch->cap, sizeof(*ch->order));
	}
	d = &ch->cells[ch->rows * ch->ncols];
	for (i = 0; i < ch->ncols; i++) {
		const struct cell *c = &cells[i];

		d[i] = *c;
		if (c->kind != CELL_TEXT && c->kind != CELL_JSON)
			continue;
		/* Text from the line: the line is copied once. */
		if (c->n > 0 && (uintptr_t)c->p >= lo &&
		    (uintptr_t)c->p + c->n <= hi) {
			if (line == NULL)
				line = chunk_copy(ch, ev->line, ev->len);
			d[i].p = line + ((uintptr_t)c->p - lo);
		} else {
			d[i].p = chunk_copy(ch, c->p, c->n);
		}
	}
	/* The cells count too: a schema may have a thousand columns. */
	ch->bytes += ch->ncols * sizeof(*d) + sizeof(*m);
	m = &ch->meta[ch->rows];
	m->ord = ord;
	m->again = again;
	if (ch->keep_raw) {
		if (line == NULL)
			line = chunk_copy(ch, ev->line, ev->len);
		m->file = ev->file;
		m->line = ev->lineno;
		m->raw = line;
		m->rawlen = ev->len;
	}
	ch->rows++;
}

bool
chunk_full(const struct chunk *ch)
{
	return ch->rows >= CHUNK_ROWS || ch->bytes >= CHUNK_BYTES;
}

/*
 * The first 8 bytes of a key cell as a number that orders as the cell
 * does; cells of one key column are all of one kind (keys are never NULL).
 */
static uint64_t
cell_prefix(const struct cell *c)
{
	unsigned char b[8] = {0};
	uint64_t x;
	size_t i;

	switch (c->kind) {
	case CELL_TEXT:
	case CELL_JSON:
		/* Text holds no NUL: zero padding sorts shorter first. */
		memcpy(b, c->p, c->n < 8 ? c->n : 8);
		for (x = 0, i = 0; i < 8; i++)
			x = x << 8 | b[i];
		return x;
	case CELL_DOUBLE: {
		double d = c->d == 0 ? 0.0 : c->d; /* -0 == 0 */

		memcpy(&x, &d, sizeof(x));
		return x >> 63 ? ~x : x | 1ULL << 63;
	}
	case CELL_NULL:
		return 0;
	default: /* int, bool, time */
		return (uint64_t)c->i ^ 1ULL << 63;
	}
}

/*
 * Orders two cells of one key column as the database's index does (byte
 * order for text): equal here exactly when equal there, which keeps the
 * rows of one key together.
 */
static int
cell_cmp(const struct cell *a, const struct cell *b)
{
	int r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case CELL_NULL:
		return 0;
	case CELL_DOUBLE:
		return a->d < b->d ? -1 : a->d > b->d;
	case CELL_TEXT:
	case CELL_JSON:
		r = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
		if (r != 0)
			return r;
		return a->n < b->n ? -1 : a->n > b->n;
	default: /* int, bool, time */
		return a->i < b->i ? -1 : a->i > b->i;
	}
}

static int
order_cmp(const void *x, const void *y, void *arg)
{
	const struct chunk_order *a = x, *b = y;
	const struct chunk *ch = arg;
	const struct cell *ca, *cb;
	size_t k;
	int r;

	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	ca = &ch->cells[a->row * ch->ncols];
	cb = &ch->cells[b->row * ch->ncols];
	for (k = 0; k < ch->sc->nkeys; k++) {
		size_t c = ch->sc->keys[k];

		if ((r = cell_cmp(&ca[c], &cb[c])) != 0)
			return r;
	}
	/* Of one key, the row read first comes first. */
	return a->row < b->row ? -1 : a->row > b->row;
}

void
chunk_sort(struct chunk *ch, const struct schema *sc)
{
	size_t i, k0 = sc->keys[0];

	ch->sc = sc;
	for (i = 0; i < ch->rows; i++) {
		ch->order[i].pfx = cell_prefix(&ch->cells[i * ch->ncols + k0]);
		ch->order[i].row = (uint32_t)i;
	}
	qsort_r(ch->order, ch->rows, sizeof(*ch->order), order_cmp, ch);
}

void
chunk_prefetch(const struct chunk *ch, size_t i)
{
	const struct cell *c;
	size_t k;

	/* The cells of a row ahead, and the text of a nearer one. */
	if (i + 16 < ch->rows)
		__builtin_prefetch(
		    &ch->cells[ch->order[i + 16].row * ch->ncols]);
	if (i + 8 < ch->rows) {
		c = &ch->cells[ch->order[i + 8].row * ch->ncols];
		for (k = 0; k < ch->ncols; k++)
			if (c[k].kind == CELL_TEXT || c[k].kind == CELL_JSON)
				__builtin_prefetch(c[k].p);
	}
}
