/*
 * sqlite.c - the SQLite backend.
 *
 * The database runs in WAL mode with synchronous=FULL: the rows of a
 * transaction go to the WAL without syncing, and the one COMMIT syncs it,
 * so a committed load survives a power loss at the price of one fsync per
 * transaction.  A writer waits up to EVLOAD_BUSY_MS for another writer,
 * then evload exits with EV_EXIT_LOCKED.
 *
 * --mode ignore keeps the rows of a chunk (chunk.c) and binds them into
 * one prepared INSERT ... ON CONFLICT DO NOTHING in key order, so the key
 * index grows along its pages; the page cache can then stay small
 * (SQ_CACHE_SMALL): a large one only costs fresh memory.  --mode insert
 * binds each row as it is read (a key violation is the row's reject, in
 * input order), with a page cache that holds the key index
 * (SQ_CACHE_LARGE).  upsert and replace stage the batch in a TEMP table and
 * apply it with one INSERT ... SELECT ... ON CONFLICT DO UPDATE, the same
 * plan as on PostgreSQL, so both count rows the same way.
 *
 * A database file that evload creates gets SQ_PAGE_SIZE pages: fewer pages
 * to allocate, split and write for a table of events.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "evload.h"
#include "util.h"

#define EVLOAD_BUSY_MS 5000
#define STAGE          "temp.\"_evload_stage\""
#define SQ_PAGE_SIZE   "65536"
/* Page cache sizes, in KiB. */
#define SQ_CACHE_SMALL 8192
#define SQ_CACHE_LARGE 262144

struct sq {
	struct db base;
	sqlite3 *h;
	char *path;
	sqlite3_stmt *ins; /* the row statement of the current batch */
	uint64_t changes;
	uint64_t pend_inserted, pend_skipped;
	char (*ts)[EVTIME_FMT_MAX]; /* timestamp text, per column */
	size_t nts;
	struct chunk ch; /* --mode ignore: rows to insert in key order */
	int cache_kib;   /* the page cache size set */
};

static int
sq_fail(struct sq *s, int rc, const char *what)
{
	int prim = rc & 0xff;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
		ev_warn("%s: database is locked by another process (waited "
			"%d s)",
			s->path, EVLOAD_BUSY_MS / 1000);
		return EV_EXIT_LOCKED;
	}
	ev_warn("%s: SQLite: %s%s%s", s->path, what ? what : "",
		what ? ": " : "", sqlite3_errmsg(s->h));
	return EV_EXIT_IO;
}

static const char *
sq_type_sql(enum col_type t)
{
	switch (t) {
	case CT_INTEGER:
	case CT_BIGINT:
	case CT_BOOLEAN:
		return "INTEGER";
	case CT_DOUBLE:
		return "REAL";
	default:
		return "TEXT"; /* text, timestamp (RFC 3339), json */
	}
}

static int
sq_exec(struct db *db, const char *sql)
{
	struct sq *s = (struct sq *)db;
	int rc = sqlite3_exec(s->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return sq_fail(s, rc, NULL);
	s->changes = (uint64_t)sqlite3_changes64(s->h);
	return 0;
}

static int
sq_prepare(struct sq *s, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->h, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return sq_fail(s, rc, NULL);
	return 0;
}

static int
sq_query(struct db *db, const char *sql, size_t nparams,
	 const char *const *params, struct dbrows *out)
{
	struct sq *s = (struct sq *)db;
	sqlite3_stmt *st;
	size_t i;
	int rc, r;

	if ((r = sq_prepare(s, sql, &st)) != 0)
		return r;
	for (i = 0; i < nparams; i++) {
		char name[32];
		int idx;

		snprintf(name, sizeof(name), "$%zu", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		if (params[i])
			sqlite3_bind_text(st, idx, params[i], -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(st, idx);
	}
	if (out)
		memset(out, 0, sizeof(*out));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t nc = (size_t)sqlite3_column_count(st);

		if (out == NULL)
			continue;
		out->ncols = nc;
		out->v = ev_reallocarray(out->v, (out->nrows + 1) * nc,
					 sizeof(char *));
		for (i = 0; i < nc; i++) {
			const unsigned char *t =
			    sqlite3_column_text(st, (int)i);

			out->v[out->nrows * nc + i] =
			    t ? ev_strdup((const char *)t) : NULL;
		}
		out->nrows++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(s, rc, NULL);
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_finalize(st);
	s->changes = (uint64_t)sqlite3_changes64(s->h);
	return 0;
}

static uint64_t
sq_changes(struct db *db)
{
	return ((struct sq *)db)->changes;
}

static int
sq_table_exists(struct db *db, const char *table, bool *exists)
{
	struct dbrows m;
	const char *params[1] = {table};
	int r;

	/* SQLite names are case-insensitive (for ASCII letters). */
	r = sq_query(db,
		     "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND "
		     "name = $1 COLLATE NOCASE",
		     1, params, &m);
	*exists = r == 0 && m.nrows > 0;
	dbrows_free(&m);
	return r;
}

static int
sq_begin(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int
sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}

static int
sq_rollback(struct db *db)
{
	struct sq *s = (struct sq *)db;

	s->pend_inserted = s->pend_skipped = 0;
	chunk_reset(&s->ch);
	if (s->ins) {
		sqlite3_finalize(s->ins);
		s->ins = NULL;
	}
	if (sqlite3_get_autocommit(s->h))
		return 0;
	return sq_exec(db, "ROLLBACK");
}

static bool
staged(enum load_mode m)
{
	return m == MODE_UPSERT || m == MODE_REPLACE;
}

static bool
chunked(enum load_mode m)
{
	return m == MODE_IGNORE;
}

static int
sq_batch_start(struct db *db, const struct batch_info *bi)
{
	struct sq *s = (struct sq *)db;
	const struct schema *sc = bi->sc;
	struct buf q = BUF_INIT;
	size_t i;
	int r = 0, rc, cache;

	if (s->ins) {
		sqlite3_finalize(s->ins);
		s->ins = NULL;
	}
	if (s->nts < sc->ncols) {
		s->ts = ev_reallocarray(s->ts, sc->ncols, sizeof(*s->ts));
		s->nts = sc->ncols;
	}
	s->pend_inserted = s->pend_skipped = 0;
	cache = chunked(bi->mode) ? SQ_CACHE_SMALL : SQ_CACHE_LARGE;
	if (s->cache_kib != cache) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d",
			 cache);
		if ((r = sq_exec(db, pragma)) != 0)
			return r;
		s->cache_kib = cache;
	}
	if (s->ch.ncols != sc->ncols) {
		chunk_free(&s->ch);
		chunk_init(&s->ch, sc->ncols, false);
	}
	chunk_reset(&s->ch);
	if (staged(bi->mode)) {
		buf_adds(&q,
			 "CREATE TEMP TABLE IF NOT EXISTS \"_evload_stage\" "
			 "(\"_evload_ord\" INTEGER");
		for (i = 0; i < sc->ncols; i++) {
			buf_adds(&q, ", ");
			sql_ident(&q, sc->cols[i].name);
			buf_printf(&q, " %s", sq_type_sql(sc->cols[i].type));
		}
		buf_adds(&q, ")");
		r = sq_exec(db, buf_str(&q));
		if (r == 0)
			r = sq_exec(db, "DELETE FROM " STAGE);
		buf_reset(&q);
		buf_adds(&q, "INSERT INTO " STAGE " VALUES (?1");
		for (i = 0; i < sc->ncols; i++)
			buf_printf(&q, ", ?%zu", i + 2);
		buf_adds(&q, ")");
	} else {
		buf_adds(&q, "INSERT INTO ");
		sql_ident(&q, sc->table);
		buf_adds(&q, " (");
		for (i = 0; i < sc->ncols; i++) {
			if (i)
				buf_adds(&q, ", ");
			sql_ident(&q, sc->cols[i].name);
		}
		buf_adds(&q, ") VALUES (");
		for (i = 0; i < sc->ncols; i++)
			buf_printf(&q, "%s?%zu", i ? ", " : "", i + 1);
		buf_adds(&q, ")");
		if (bi->mode == MODE_IGNORE) {
			buf_adds(&q, " ON CONFLICT (");
			for (i = 0; i < sc->nkeys; i++) {
				if (i)
					buf_adds(&q, ", ");
				sql_ident(&q, sc->cols[sc->keys[i]].name);
			}
			buf_adds(&q, ") DO NOTHING");
		}
	}
	if (r == 0 && (rc = sqlite3_prepare_v3(s->h, buf_str(&q), -1,
					       SQLITE_PREPARE_PERSISTENT,
					       &s->ins, NULL)) != SQLITE_OK)
		r = sq_fail(s, rc, NULL);
	buf_free(&q);
	return r;
}

static void
bind_cell(struct sq *s, int idx, size_t col, const struct cell *c)
{
	sqlite3_stmt *st = s->ins;

	switch (c->kind) {
	case CELL_NULL:
		sqlite3_bind_null(st, idx);
		break;
	case CELL_INT:
	case CELL_BOOL:
		sqlite3_bind_int64(st, idx, c->i);
		break;
	case CELL_DOUBLE:
		sqlite3_bind_double(st, idx, c->d);
		break;
	case CELL_TIME: {
		size_t n = evtime_format_digits(c->i, 6, s->ts[col]);

		sqlite3_bind_text(st, idx, s->ts[col], (int)n, SQLITE_STATIC);
		break;
	}
	case CELL_TEXT:
	case CELL_JSON:
		sqlite3_bind_text64(st, idx, c->p, c->n, SQLITE_STATIC,
				    SQLITE_UTF8);
		break;
	}
}

/* ---- the chunk of --mode ignore ------------------------------------ */

static int
step_row(struct sq *s, const struct schema *sc, const struct cell *cells,
	 int off)
{
	size_t i;
	int rc;

	for (i = 0; i < sc->ncols; i++)
		bind_cell(s, (int)i + off, i, &cells[i]);
	rc = sqlite3_step(s->ins);
	sqlite3_reset(s->ins);
	return rc;
}

/* Inserts the rows of the chunk in key order. */
static int
chunk_flush(struct sq *s, const struct schema *sc)
{
	struct chunk *ch = &s->ch;
	size_t i;
	int rc;

	chunk_sort(ch, sc);
	for (i = 0; i < ch->rows; i++) {
		chunk_prefetch(ch, i);
		rc = step_row(s, sc, &ch->cells[ch->order[i].row * sc->ncols],
			      1);
		if (rc != SQLITE_DONE) {
			chunk_reset(ch);
			return sq_fail(s, rc, NULL);
		}
		if (sqlite3_changes(s->h) > 0)
			s->pend_inserted++;
		else
			s->pend_skipped++;
	}
	chunk_reset(ch);
	return 0;
}

static int
sq_add_row(struct db *db, const struct batch_info *bi, const struct cell *cells,
	   uint64_t ord, bool again, const struct ev_event *ev, bool *dup)
{
	struct sq *s = (struct sq *)db;
	const struct schema *sc = bi->sc;
	int off = 1, rc;

	*dup = false;
	if (chunked(bi->mode)) {
		chunk_add(&s->ch, cells, ev, ord, again);
		if (chunk_full(&s->ch))
			return chunk_flush(s, sc);
		return 0;
	}
	if (staged(bi->mode)) {
		sqlite3_bind_int64(s->ins, 1, (sqlite3_int64)ord);
		off = 2;
	}
	rc = step_row(s, sc, cells, off);
	if (rc == SQLITE_DONE) {
		if (!staged(bi->mode)) {
			if (sqlite3_changes(s->h) > 0)
				s->pend_inserted++;
			else
				s->pend_skipped++;
		}
		return 0;
	}
	if (bi->mode == MODE_INSERT && (rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
					rc == SQLITE_CONSTRAINT_UNIQUE)) {
		*dup = true;
		return 0;
	}
	return sq_fail(s, rc, NULL);
}

/* Appends "k1, k2" (quoted), with PREFIX before each name. */
static void
key_cols(struct buf *q, const struct schema *sc, const char *prefix)
{
	size_t i;

	for (i = 0; i < sc->nkeys; i++) {
		if (i)
			buf_adds(q, ", ");
		buf_adds(q, prefix);
		sql_ident(q, sc->cols[sc->keys[i]].name);
	}
}

static void
all_cols(struct buf *q, const struct schema *sc)
{
	size_t i;

	for (i = 0; i < sc->ncols; i++) {
		if (i)
			buf_adds(q, ", ");
		sql_ident(q, sc->cols[i].name);
	}
}

/* "t.k1 = s.k1 AND ..." */
static void
key_match(struct buf *q, const struct schema *sc, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < sc->nkeys; i++) {
		const char *n = sc->cols[sc->keys[i]].name;

		if (i)
			buf_adds(q, " AND ");
		buf_adds(q, a);
		sql_ident(q, n);
		buf_adds(q, " = ");
		buf_adds(q, b);
		sql_ident(q, n);
	}
}

static int
count_query(struct sq *s, const char *sql, uint64_t *out)
{
	struct dbrows m;
	int r = sq_query(&s->base, sql, 0, NULL, &m);

	*out = 0;
	if (r == 0 && m.nrows == 1 && m.v[0])
		*out = strtoull(m.v[0], NULL, 10);
	dbrows_free(&m);
	return r;
}

static int
apply_staged(struct sq *s, const struct batch_info *bi, struct load_counts *c)
{
	const struct schema *sc = bi->sc;
	const char *tcol = sc->cols[sc->time_col].name;
	struct buf q = BUF_INIT, src = BUF_INIT, tn = BUF_INIT;
	uint64_t distinct = bi->rows, existing = 0, deleted = 0, changed;
	size_t i, nset = 0;
	int r = 0;

	sql_ident(&tn, sc->table);
	if (bi->have_range) {
		buf_adds(&q, "DELETE FROM ");
		buf_adds(&q, buf_str(&tn));
		buf_adds(&q, " WHERE ");
		sql_ident(&q, tcol);
		buf_adds(&q, " >= '");
		cell_time_text(&q, bi->lo);
		buf_adds(&q, "' AND ");
		sql_ident(&q, tcol);
		buf_adds(&q, " < '");
		cell_time_text(&q, bi->hi);
		buf_adds(&q, "'");
		if ((r = sq_exec(&s->base, buf_str(&q))) != 0)
			goto out;
		deleted = s->changes;
	}
	if (bi->rows == 0)
		goto done;
	/* The rows that win within the batch: later time, then first. */
	if (bi->dups) {
		buf_adds(&src, "(SELECT * FROM (SELECT *, row_number() OVER "
			       "(PARTITION BY ");
		key_cols(&src, sc, "");
		buf_adds(&src, " ORDER BY ");
		sql_ident(&src, tcol);
		buf_adds(&src, " DESC, \"_evload_ord\") AS \"_evload_rn\" "
			       "FROM " STAGE ") WHERE \"_evload_rn\" = 1)");
		buf_reset(&q);
		buf_adds(&q, "SELECT count(*) FROM (SELECT DISTINCT ");
		key_cols(&q, sc, "");
		buf_adds(&q, " FROM " STAGE ")");
		if ((r = count_query(s, buf_str(&q), &distinct)) != 0)
			goto out;
	} else {
		buf_adds(&src, STAGE);
	}
	buf_reset(&q);
	buf_adds(&q, "SELECT count(*) FROM ");
	buf_adds(&q, buf_str(&src));
	buf_adds(&q, " AS s WHERE EXISTS (SELECT 1 FROM ");
	buf_adds(&q, buf_str(&tn));
	buf_adds(&q, " AS t WHERE ");
	key_match(&q, sc, "t.", "s.");
	buf_adds(&q, ")");
	if ((r = count_query(s, buf_str(&q), &existing)) != 0)
		goto out;

	buf_reset(&q);
	buf_adds(&q, "INSERT INTO ");
	buf_adds(&q, buf_str(&tn));
	buf_adds(&q, " (");
	all_cols(&q, sc);
	buf_adds(&q, ") SELECT ");
	all_cols(&q, sc);
	buf_adds(&q, " FROM ");
	buf_adds(&q, buf_str(&src));
	buf_adds(&q, " WHERE true ON CONFLICT (");
	key_cols(&q, sc, "");
	buf_adds(&q, ") DO ");
	for (i = 0; i < sc->ncols; i++) {
		if (sc->cols[i].is_key)
			continue;
		buf_adds(&q, nset++ ? ", " : "UPDATE SET ");
		sql_ident(&q, sc->cols[i].name);
		buf_adds(&q, " = excluded.");
		sql_ident(&q, sc->cols[i].name);
	}
	if (nset == 0) {
		buf_adds(&q, "NOTHING");
	} else {
		/* Later time wins; on equal times the stored row stays. */
		buf_adds(&q, " WHERE ");
		buf_adds(&q, buf_str(&tn));
		buf_addc(&q, '.');
		sql_ident(&q, tcol);
		buf_adds(&q, " IS NULL OR ");
		buf_adds(&q, buf_str(&tn));
		buf_addc(&q, '.');
		sql_ident(&q, tcol);
		buf_adds(&q, " < excluded.");
		sql_ident(&q, tcol);
	}
	if ((r = sq_exec(&s->base, buf_str(&q))) != 0)
		goto out;
	changed = s->changes;
	c->inserted += distinct - existing;
	c->updated += changed - (distinct - existing);
	c->skipped += bi->rows - changed;
done:
	c->deleted += deleted;
out:
	buf_free(&q);
	buf_free(&src);
	buf_free(&tn);
	return r;
}

static int
sq_batch_apply(struct db *db, const struct batch_info *bi,
	       struct load_counts *c,
	       void (*reject)(void *arg, const char *file, uint64_t line,
			      const char *raw, size_t len, const char *why),
	       void *arg)
{
	struct sq *s = (struct sq *)db;
	int r;

	(void)reject;
	(void)arg;
	if (chunked(bi->mode) && s->ch.rows > 0 &&
	    (r = chunk_flush(s, bi->sc)) != 0)
		return r;
	if (s->ins) {
		sqlite3_finalize(s->ins);
		s->ins = NULL;
	}
	if (staged(bi->mode)) {
		r = apply_staged(s, bi, c);
		if (r == 0)
			r = sq_exec(db, "DELETE FROM " STAGE);
		return r;
	}
	c->inserted += s->pend_inserted;
	c->skipped += s->pend_skipped;
	s->pend_inserted = s->pend_skipped = 0;
	return 0;
}

static void
sq_close(struct db *db)
{
	struct sq *s = (struct sq *)db;

	if (s->ins)
		sqlite3_finalize(s->ins);
	sqlite3_close(s->h);
	free(s->path);
	free(s->ts);
	chunk_free(&s->ch);
	free(s);
}

static const struct db_ops sq_ops = {
    .name = "SQLite",
    .stages = staged,
    .type_sql = sq_type_sql,
    .exec = sq_exec,
    .query = sq_query,
    .changes = sq_changes,
    .table_exists = sq_table_exists,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .batch_start = sq_batch_start,
    .add_row = sq_add_row,
    .batch_apply = sq_batch_apply,
    .close = sq_close,
};

struct db *
sqlite_open(const char *path, int *status)
{
	struct sq *s = ev_calloc(1, sizeof(*s));
	struct dbrows m;
	bool fresh;
	int rc;

	s->base.ops = &sq_ops;
	s->path = ev_strdup(path);
	rc = sqlite3_open_v2(path, &s->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		ev_warn("%s: cannot open the SQLite database: %s", path,
			s->h ? sqlite3_errmsg(s->h) : sqlite3_errstr(rc));
		*status = EV_EXIT_IO;
		sq_close(&s->base);
		return NULL;
	}
	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_busy_timeout(s->h, EVLOAD_BUSY_MS);
	/*
	 * A new database gets large pages; the page size of one that has
	 * content is fixed.  It must be set before the WAL mode, which
	 * writes the first page.
	 */
	if ((*status = sq_query(&s->base, "PRAGMA page_count", 0, NULL, &m)) !=
	    0) {
		sq_close(&s->base);
		return NULL;
	}
	fresh = m.nrows == 1 && m.v[0] && strcmp(m.v[0], "0") == 0;
	dbrows_free(&m);
	if (fresh && (*status = sq_exec(
			  &s->base, "PRAGMA page_size = " SQ_PAGE_SIZE)) != 0) {
		sq_close(&s->base);
		return NULL;
	}
	/*
	 * WAL: readers are never blocked by a load.  synchronous=FULL syncs
	 * the WAL at each COMMIT (once per transaction), so what is committed
	 * is durable.
	 */
	if ((*status = sq_exec(&s->base, "PRAGMA journal_mode = WAL")) != 0 ||
	    (*status = sq_exec(&s->base, "PRAGMA synchronous = FULL")) != 0) {
		sq_close(&s->base);
		return NULL;
	}
	return &s->base;
}
