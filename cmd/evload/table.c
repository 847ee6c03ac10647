/*
 * table.c - what SQLite and PostgreSQL share: evload's metadata table and
 * the table evolution rules, the ledger of batch loads, the batch key set.
 *
 * The metadata table "_evload_columns" records, per table, each column's
 * evload type and key position.  It is the truth for evolution checks on
 * both databases (SQLite's declared types cannot tell integer from bigint
 * or boolean), and it is written in the same transaction as the table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "evload.h"
#include "hash.h"
#include "util.h"

void
dbrows_free(struct dbrows *r)
{
	size_t i;

	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* "SCHEMA:LINE:COL: " or "table NAME: " for messages about a column. */
static void
where(struct buf *b, const struct schema *sc, const struct column *c)
{
	if (sc->file && c && c->line)
		buf_printf(b, "%s:%u:%u: ", sc->file, c->line, c->col);
	else if (sc->file)
		buf_printf(b, "%s: ", sc->file);
}

static void
key_list(struct buf *b, const struct schema *sc)
{
	size_t i;

	buf_addc(b, '(');
	for (i = 0; i < sc->nkeys; i++)
		buf_printf(b, "%s%s", i ? ", " : "",
			   sc->cols[sc->keys[i]].name);
	buf_addc(b, ')');
}

void
sql_primary_key(struct buf *q, const struct schema *sc)
{
	size_t i;

	buf_adds(q, "PRIMARY KEY (");
	for (i = 0; i < sc->nkeys; i++) {
		if (i)
			buf_adds(q, ", ");
		sql_ident(q, sc->cols[sc->keys[i]].name);
	}
	buf_addc(q, ')');
}

static int
create_table(struct db *db, const struct schema *sc, bool with_key)
{
	struct buf q = BUF_INIT;
	size_t i;
	int r;

	buf_adds(&q, "CREATE TABLE ");
	sql_ident(&q, sc->table);
	buf_adds(&q, " (");
	for (i = 0; i < sc->ncols; i++) {
		if (i)
			buf_adds(&q, ", ");
		sql_ident(&q, sc->cols[i].name);
		buf_printf(&q, " %s", db->ops->type_sql(sc->cols[i].type));
	}
	if (with_key) {
		buf_adds(&q, ", ");
		sql_primary_key(&q, sc);
	}
	buf_addc(&q, ')');
	r = db->ops->exec(db, buf_str(&q));
	buf_free(&q);
	return r;
}

static int
meta_insert(struct db *db, const struct schema *sc, size_t ci, size_t pos)
{
	char spos[24], skey[24];
	const char *params[5];
	size_t k;

	snprintf(spos, sizeof(spos), "%zu", pos);
	params[0] = sc->table;
	params[1] = spos;
	params[2] = sc->cols[ci].name;
	params[3] = coltype_name(sc->cols[ci].type);
	params[4] = NULL;
	for (k = 0; k < sc->nkeys; k++)
		if (sc->keys[k] == ci) {
			snprintf(skey, sizeof(skey), "%zu", k + 1);
			params[4] = skey;
		}
	return db->ops->query(db,
			      "INSERT INTO \"_evload_columns\" (tbl, col_pos, "
			      "col_name, col_type, key_pos) VALUES ($1, $2, "
			      "$3, $4, $5)",
			      5, params, NULL);
}

/* The stored key, "(a, b)", from metadata rows (name, type, key_pos). */
static void
stored_key(struct buf *b, const struct dbrows *m)
{
	size_t k, i, n = 0;

	buf_addc(b, '(');
	for (k = 1; k <= m->nrows; k++)
		for (i = 0; i < m->nrows; i++) {
			const char *kp = m->v[i * 3 + 2];

			if (kp && strtoull(kp, NULL, 10) == k)
				buf_printf(b, "%s%s", n++ ? ", " : "",
					   m->v[i * 3]);
		}
	buf_addc(b, ')');
}

static int
check_and_evolve(struct db *db, const struct schema *sc, const struct dbrows *m,
		 bool quiet)
{
	struct buf msg = BUF_INIT, want = BUF_INIT, have = BUF_INIT;
	size_t i, j, maxpos = m->nrows;
	int r = 0;

	key_list(&want, sc);
	stored_key(&have, m);
	if (strcmp(buf_str(&want), buf_str(&have)) != 0) {
		where(&msg, sc, NULL);
		ev_warn("%stable %s: the key is %s in the database and %s in "
			"the schema; a key cannot change (load into a new "
			"table)",
			buf_str(&msg), sc->table, buf_str(&have),
			buf_str(&want));
		r = EV_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < sc->ncols && r == 0; i++) {
		const struct column *c = &sc->cols[i];
		struct buf q = BUF_INIT;

		for (j = 0; j < m->nrows; j++)
			if (strcasecmp(m->v[j * 3], c->name) == 0)
				break;
		if (j < m->nrows && strcmp(m->v[j * 3], c->name) != 0) {
			buf_reset(&msg);
			where(&msg, sc, c);
			ev_warn("%scolumn %s: table %s has a column %s, which "
				"differs only in case",
				buf_str(&msg), c->name, sc->table, m->v[j * 3]);
			r = EV_EXIT_USAGE;
			break;
		}
		if (j < m->nrows) {
			if (strcmp(m->v[j * 3 + 1], coltype_name(c->type)) !=
			    0) {
				buf_reset(&msg);
				where(&msg, sc, c);
				ev_warn("%scolumn %s: type %s in the schema, "
					"%s in table %s; a column's type "
					"cannot change",
					buf_str(&msg), c->name,
					coltype_name(c->type), m->v[j * 3 + 1],
					sc->table);
				r = EV_EXIT_USAGE;
			}
			continue;
		}
		/* A new column: added, NULL in the rows already there. */
		buf_adds(&q, "ALTER TABLE ");
		sql_ident(&q, sc->table);
		buf_adds(&q, " ADD COLUMN ");
		sql_ident(&q, c->name);
		buf_printf(&q, " %s", db->ops->type_sql(c->type));
		r = db->ops->exec(db, buf_str(&q));
		buf_free(&q);
		if (r == 0)
			r = meta_insert(db, sc, i, ++maxpos);
		if (r == 0 && !quiet)
			ev_warn("table %s: added column %s (%s)", sc->table,
				c->name, coltype_name(c->type));
	}
out:
	buf_free(&msg);
	buf_free(&want);
	buf_free(&have);
	return r;
}

int
table_prepare(struct db *db, const struct schema *sc, bool quiet,
	      bool defer_key, bool *created)
{
	struct dbrows m = {0};
	const char *params[1] = {sc->table};
	bool exists;
	size_t i;
	int r;

	*created = false;
	r = db->ops->exec(db, "CREATE TABLE IF NOT EXISTS \"_evload_columns\" "
			      "(tbl TEXT NOT NULL, col_pos INTEGER NOT NULL, "
			      "col_name TEXT NOT NULL, col_type TEXT NOT "
			      "NULL, key_pos INTEGER, PRIMARY KEY (tbl, "
			      "col_name))");
	if (r == 0)
		r = db->ops->query(db,
				   "SELECT col_name, col_type, key_pos FROM "
				   "\"_evload_columns\" WHERE tbl = $1 ORDER "
				   "BY col_pos",
				   1, params, &m);
	if (r == 0)
		r = db->ops->table_exists(db, sc->table, &exists);
	if (r != 0)
		goto out;
	if (exists && m.nrows == 0) {
		ev_warn("table %s exists but was not created by evload (it "
			"has no entry in _evload_columns); load into another "
			"table",
			sc->table);
		r = EV_EXIT_USAGE;
	} else if (exists) {
		r = check_and_evolve(db, sc, &m, quiet);
	} else {
		/* Metadata of a table dropped by hand is stale. */
		if (m.nrows > 0)
			r = db->ops->query(db,
					   "DELETE FROM \"_evload_columns\" "
					   "WHERE tbl = $1",
					   1, params, NULL);
		if (r == 0)
			r = create_table(db, sc, !defer_key);
		for (i = 0; r == 0 && i < sc->ncols; i++)
			r = meta_insert(db, sc, i, i + 1);
		*created = r == 0;
	}
out:
	dbrows_free(&m);
	return r;
}

/* ---- the ledger ---------------------------------------------------- */

int
ledger_prepare(struct db *db)
{
	return db->ops->exec(
	    db, "CREATE TABLE IF NOT EXISTS \"_evload_ledger\" (tbl TEXT NOT "
		"NULL, input_name TEXT NOT NULL, first_hash TEXT NOT NULL, "
		"last_line BIGINT NOT NULL, line_hash TEXT NOT NULL, nrows "
		"BIGINT NOT NULL, loaded_at TEXT NOT NULL, PRIMARY KEY (tbl, "
		"input_name))");
}

int
ledger_get(struct db *db, const char *table, const char *input,
	   struct ledger_entry *e)
{
	const char *params[2] = {table, input};
	struct dbrows m = {0};
	int r;

	memset(e, 0, sizeof(*e));
	r = db->ops->query(db,
			   "SELECT first_hash, last_line, line_hash, nrows "
			   "FROM \"_evload_ledger\" WHERE tbl = $1 AND "
			   "input_name = $2",
			   2, params, &m);
	if (r == 0 && m.nrows == 1 && m.v[0] && m.v[1] && m.v[2] && m.v[3]) {
		e->found = true;
		e->first_hash = strtoull(m.v[0], NULL, 16);
		e->line = strtoull(m.v[1], NULL, 10);
		e->hash = strtoull(m.v[2], NULL, 16);
		e->rows = strtoull(m.v[3], NULL, 10);
	}
	dbrows_free(&m);
	return r;
}

int
ledger_put(struct db *db, const char *table, const char *input,
	   const struct ledger_entry *e)
{
	char first[24], line[24], hash[24], rows[24], now[EVTIME_FMT_MAX];
	const char *params[7] = {table, input, first, line, hash, rows, now};

	snprintf(first, sizeof(first), "%016" PRIx64, e->first_hash);
	snprintf(line, sizeof(line), "%" PRIu64, e->line);
	snprintf(hash, sizeof(hash), "%016" PRIx64, e->hash);
	snprintf(rows, sizeof(rows), "%" PRIu64, e->rows);
	evtime_format(evtime_now(), now);
	return db->ops->query(
	    db,
	    "INSERT INTO \"_evload_ledger\" (tbl, input_name, first_hash, "
	    "last_line, line_hash, nrows, loaded_at) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7) ON CONFLICT (tbl, input_name) DO UPDATE SET "
	    "first_hash = excluded.first_hash, last_line = "
	    "excluded.last_line, line_hash = excluded.line_hash, nrows = "
	    "excluded.nrows, loaded_at = excluded.loaded_at",
	    7, params, NULL);
}

/* ---- keys ---------------------------------------------------------- */

#define KEYSET_HUGE (2 * 1024 * 1024)

/* The home slot of H: its top bits, so that doubling keeps the order. */
static inline size_t
keyset_home(const struct keyset *ks, uint64_t h)
{
	return (size_t)(h >> ks->shift);
}

/*
 * Slots from memory of their own: large tables on huge pages where the
 * system gives them (madvise), as every probe lands on a random page.
 */
static uint64_t *
keyset_alloc(size_t n)
{
	size_t bytes = n * sizeof(uint64_t);
	uint64_t *p;

	if (bytes < KEYSET_HUGE)
		return ev_calloc(n, sizeof(uint64_t));
	p = aligned_alloc(KEYSET_HUGE, bytes);
	if (p == NULL)
		ev_die(EV_EXIT_IO, "out of memory");
	madvise(p, bytes, MADV_HUGEPAGE);
	memset(p, 0, bytes);
	return p;
}

static void
keyset_grow(struct keyset *ks)
{
	struct keyset n = {0};
	size_t i, j;

	n.cap = ks->cap ? ks->cap * 2 : 1024;
	n.shift = ks->cap ? ks->shift - 1 : 64 - 10;
	n.slots = keyset_alloc(n.cap);
	n.n = ks->n;
	/* In slot order, the new slots are written nearly in order too. */
	for (i = 0; i < ks->cap; i++) {
		uint64_t h = ks->slots[i];

		if (h == 0)
			continue;
		for (j = keyset_home(&n, h); n.slots[j] != 0;
		     j = (j + 1) & (n.cap - 1))
			;
		n.slots[j] = h;
	}
	free(ks->slots);
	*ks = n;
}

bool
keyset_add(struct keyset *ks, uint64_t h)
{
	size_t j;

	if (h == 0)
		h = 1; /* 0 marks an empty slot */
	if ((ks->n + 1) * 2 > ks->cap)
		keyset_grow(ks);
	for (j = keyset_home(ks, h); ks->slots[j] != 0;
	     j = (j + 1) & (ks->cap - 1))
		if (ks->slots[j] == h)
			return true;
	ks->slots[j] = h;
	ks->n++;
	return false;
}

void
keyset_clear(struct keyset *ks)
{
	if (ks->n > 0)
		memset(ks->slots, 0, ks->cap * sizeof(*ks->slots));
	ks->n = 0;
}

void
keyset_free(struct keyset *ks)
{
	free(ks->slots);
	memset(ks, 0, sizeof(*ks));
}

uint64_t
key_hash(const struct schema *sc, const struct cell *cells)
{
	uint64_t h = 0x8f1bbcdcca62c1d6ULL, x;
	size_t k;

	for (k = 0; k < sc->nkeys; k++) {
		const struct cell *c = &cells[sc->keys[k]];

		switch (c->kind) {
		case CELL_TEXT:
		case CELL_JSON:
			x = ev_hash64(c->p, c->n);
			break;
		case CELL_DOUBLE: {
			double d = c->d == 0 ? 0.0 : c->d; /* -0 == 0 */

			memcpy(&x, &d, sizeof(x));
			x = ev_mix64(x);
			break;
		}
		case CELL_NULL:
			x = 0x1234567;
			break;
		default:
			x = ev_mix64((uint64_t)c->i + 0x51ed27);
			break;
		}
		h = ev_mix64(h ^ x) + k;
	}
	return h;
}

void
key_describe(struct buf *b, const struct schema *sc, const struct cell *cells)
{
	size_t k;

	key_list(b, sc);
	buf_adds(b, "=(");
	for (k = 0; k < sc->nkeys; k++) {
		if (k)
			buf_adds(b, ", ");
		cell_describe(b, &cells[sc->keys[k]]);
	}
	buf_addc(b, ')');
}
