/*
 * pg.c - the PostgreSQL backend.
 *
 * The rows of a batch are sent with COPY FROM STDIN in the binary format
 * into a TEMP staging table (ON COMMIT DROP, so nothing is ever left
 * behind), in key order chunk by chunk (chunk.c), then applied with one
 * statement: INSERT ... SELECT ... ON CONFLICT DO NOTHING (ignore), ON
 * CONFLICT DO UPDATE ... WHERE the stored time is older (upsert, replace
 * after a DELETE of the time slice), or a DELETE of the duplicate rows from
 * the staging table, returned as rejects, and a plain INSERT (insert).
 * Values were converted by evload, so COPY never meets one it refuses;
 * binary COPY spares the server parsing numbers and times.  Duplicates
 * inside a batch are resolved in SQL (DISTINCT ON) only when the batch key
 * set saw one.
 *
 * A table created by this transaction for ignore or insert skips most of
 * that: see pg_defers_key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "evload.h"
#include "util.h"

#define STAGE      "\"_evload_stage\""
#define COPY_CHUNK (256 * 1024)
/* Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01. */
#define PG_EPOCH_US 946684800000000LL

struct pg {
	struct db base;
	PGconn *c;
	uint64_t changes;
	bool copying;
	struct buf out;       /* COPY data not yet sent */
	struct chunk ch;      /* rows to send to the staging table */
	uint64_t direct;      /* rows of the batch copied into the table */
	struct buf copy_sql;  /* COPY into the table */
	struct buf stage_sql; /* CREATE of the staging table */
	bool staging;         /* the staging table exists */
	char **files;         /* insert mode: file names by index */
	size_t nfiles;
	const char *last_file;
	int last_fidx;
};

static void all_cols(struct buf *q, const struct schema *sc);

/* The server's message on one line. */
static void
pg_message(struct buf *b, const char *msg)
{
	size_t n;

	for (; *msg; msg++) {
		if (*msg == '\n' || *msg == '\t' || *msg == '\r') {
			if (b->len > 0 && b->data[b->len - 1] != ' ')
				buf_addc(b, ' ');
			continue;
		}
		buf_addc(b, *msg);
	}
	n = b->len;
	while (n > 0 && b->data[n - 1] == ' ')
		n--;
	b->len = n;
	if (b->data)
		b->data[n] = '\0';
}

static int
pg_fail(struct pg *p, PGresult *res)
{
	struct buf b = BUF_INIT;
	const char *m = NULL, *detail = NULL;

	/* The server's own words, without the SQL it quotes. */
	if (res) {
		m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	}
	if (m == NULL || *m == '\0')
		m = PQerrorMessage(p->c);
	if (strncmp(m, "ERROR:  ", 8) == 0)
		m += 8;
	pg_message(&b, m);
	if (detail) {
		buf_adds(&b, " (");
		pg_message(&b, detail);
		buf_addc(&b, ')');
	}
	ev_warn("PostgreSQL: %s", buf_str(&b));
	buf_free(&b);
	if (res)
		PQclear(res);
	return EV_EXIT_IO;
}

static const char *
pg_type_sql(enum col_type t)
{
	switch (t) {
	case CT_TEXT:
		return "text";
	case CT_INTEGER:
		return "integer";
	case CT_BIGINT:
		return "bigint";
	case CT_DOUBLE:
		return "double precision";
	case CT_BOOLEAN:
		return "boolean";
	case CT_TIMESTAMP:
		return "timestamptz";
	case CT_JSON:
		return "jsonb";
	}
	return "text";
}

static int
pg_result(struct pg *p, PGresult *res, struct dbrows *out)
{
	ExecStatusType st = PQresultStatus(res);
	const char *ct;
	int i, j;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return pg_fail(p, res);
	ct = PQcmdTuples(res);
	p->changes = ct && *ct ? strtoull(ct, NULL, 10) : 0;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->nrows = (size_t)PQntuples(res);
		out->ncols = (size_t)PQnfields(res);
		out->v = ev_calloc(out->nrows * out->ncols + 1, sizeof(char *));
		for (i = 0; i < PQntuples(res); i++)
			for (j = 0; j < PQnfields(res); j++)
				if (!PQgetisnull(res, i, j))
					out->v[(size_t)i * out->ncols +
					       (size_t)j] =
					    ev_strdup(PQgetvalue(res, i, j));
	}
	PQclear(res);
	return 0;
}

static int
pg_exec(struct db *db, const char *sql)
{
	struct pg *p = (struct pg *)db;

	return pg_result(p, PQexec(p->c, sql), NULL);
}

static int
pg_query(struct db *db, const char *sql, size_t nparams,
	 const char *const *params, struct dbrows *out)
{
	struct pg *p = (struct pg *)db;

	return pg_result(
	    p,
	    PQexecParams(p->c, sql, (int)nparams, NULL, params, NULL, NULL, 0),
	    out);
}

static uint64_t
pg_changes(struct db *db)
{
	return ((struct pg *)db)->changes;
}

static int
pg_table_exists(struct db *db, const char *table, bool *exists)
{
	const char *params[1] = {table};
	struct dbrows m;
	int r;

	r = pg_query(db, "SELECT to_regclass(quote_ident($1)) IS NOT NULL", 1,
		     params, &m);
	*exists = r == 0 && m.nrows == 1 && m.v[0] && m.v[0][0] == 't';
	dbrows_free(&m);
	return r;
}

static int
pg_begin(struct db *db)
{
	return pg_exec(db, "BEGIN");
}

static int
pg_commit(struct db *db)
{
	struct pg *p = (struct pg *)db;
	PGresult *res = PQexec(p->c, "COMMIT");

	/* A failed transaction "commits" as ROLLBACK. */
	if (PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		PQclear(res);
		ev_warn("PostgreSQL: the transaction was rolled back");
		return EV_EXIT_IO;
	}
	return pg_result(p, res, NULL);
}

static void
end_copy_quietly(struct pg *p)
{
	PGresult *res;

	if (!p->copying)
		return;
	p->copying = false;
	PQputCopyEnd(p->c, "evload: rolled back");
	while ((res = PQgetResult(p->c)) != NULL)
		PQclear(res);
}

static int
pg_rollback(struct db *db)
{
	struct pg *p = (struct pg *)db;
	PGresult *res;

	end_copy_quietly(p);
	buf_reset(&p->out);
	chunk_reset(&p->ch);
	p->direct = 0;
	p->staging = false;
	if (PQtransactionStatus(p->c) == PQTRANS_IDLE)
		return 0;
	res = PQexec(p->c, "ROLLBACK");
	return pg_result(p, res, NULL);
}

static bool
pg_stages(enum load_mode mode)
{
	(void)mode;
	return true; /* every mode goes through the staging table */
}

static bool
insert_mode(const struct batch_info *bi)
{
	return bi->mode == MODE_INSERT;
}

static int
pg_batch_start(struct db *db, const struct batch_info *bi)
{
	struct pg *p = (struct pg *)db;
	const struct schema *sc = bi->sc;
	struct buf *q = &p->stage_sql;
	size_t i;

	if (p->ch.ncols != sc->ncols || p->ch.keep_raw != insert_mode(bi)) {
		chunk_free(&p->ch);
		chunk_init(&p->ch, sc->ncols, insert_mode(bi));
	}
	chunk_reset(&p->ch);
	p->direct = 0;
	buf_reset(&p->copy_sql);
	buf_adds(&p->copy_sql, "COPY ");
	sql_ident(&p->copy_sql, sc->table);
	buf_adds(&p->copy_sql, " (");
	all_cols(&p->copy_sql, sc);
	buf_adds(&p->copy_sql, ") FROM STDIN (FORMAT binary)");
	/* The staging table is created with its first rows. */
	p->staging = false;
	buf_reset(q);
	buf_adds(q, "CREATE TEMP TABLE " STAGE " (\"_evload_ord\" bigint");
	for (i = 0; i < sc->ncols; i++) {
		buf_adds(q, ", ");
		sql_ident(q, sc->cols[i].name);
		buf_printf(q, " %s", pg_type_sql(sc->cols[i].type));
	}
	if (insert_mode(bi))
		buf_adds(q, ", \"_evload_file\" integer, \"_evload_line\" "
			    "bigint, \"_evload_raw\" text");
	buf_adds(q, ") ON COMMIT DROP");
	return 0;
}

static int
send_out(struct pg *p)
{
	if (p->out.len == 0)
		return 0;
	if (PQputCopyData(p->c, p->out.data, (int)p->out.len) != 1)
		return pg_fail(p, NULL);
	buf_reset(&p->out);
	return 0;
}

static inline void
put16(struct buf *b, uint16_t v)
{
	unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	buf_add(b, x, 2);
}

static inline void
put32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			      (unsigned char)v};

	buf_add(b, x, 4);
}

static inline void
put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b, (uint32_t)v);
}

/* Starts COPY ... FROM STDIN (binary) of the command prefix SQL. */
static int
start_copy(struct pg *p, const char *sql)
{
	static const char header[] = "PGCOPY\n\377\r\n";
	PGresult *res = PQexec(p->c, sql);

	if (PQresultStatus(res) != PGRES_COPY_IN)
		return pg_fail(p, res);
	PQclear(res);
	p->copying = true;
	buf_add(&p->out, header, sizeof(header)); /* with its NUL */
	put32(&p->out, 0);                        /* flags */
	put32(&p->out, 0);                        /* header extension */
	return 0;
}

static void
put_cell(struct buf *b, enum col_type t, const struct cell *c)
{
	uint64_t bits;

	switch (c->kind) {
	case CELL_NULL:
		put32(b, UINT32_MAX); /* -1 */
		break;
	case CELL_INT:
		if (t == CT_INTEGER) {
			put32(b, 4);
			put32(b, (uint32_t)(int32_t)c->i);
		} else {
			put32(b, 8);
			put64(b, (uint64_t)c->i);
		}
		break;
	case CELL_DOUBLE:
		memcpy(&bits, &c->d, sizeof(bits));
		put32(b, 8);
		put64(b, bits);
		break;
	case CELL_BOOL:
		put32(b, 1);
		buf_addc(b, c->i ? 1 : 0);
		break;
	case CELL_TIME:
		put32(b, 8);
		put64(b, (uint64_t)(c->i - PG_EPOCH_US));
		break;
	case CELL_TEXT:
		put32(b, (uint32_t)c->n);
		buf_add(b, c->p, c->n);
		break;
	case CELL_JSON:
		if (t == CT_JSON) {
			put32(b, (uint32_t)c->n + 1);
			buf_addc(b, 1); /* jsonb binary format version */
		} else {
			put32(b, (uint32_t)c->n);
		}
		buf_add(b, c->p, c->n);
		break;
	}
}

static int
file_index(struct pg *p, const char *file)
{
	size_t i;

	if (file == p->last_file)
		return p->last_fidx;
	for (i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i], file) == 0)
			break;
	if (i == p->nfiles) {
		p->files =
		    ev_reallocarray(p->files, p->nfiles + 1, sizeof(char *));
		p->files[p->nfiles++] = ev_strdup(file);
	}
	p->last_file = file;
	p->last_fidx = (int)i;
	return (int)i;
}

/*
 * Appends a row to the COPY data: to the staging table's with M (its
 * number, and for --mode insert where it was read), else to the table's.
 */
static int
put_row(struct pg *p, const struct batch_info *bi, const struct cell *cells,
	const struct chunk_meta *m)
{
	const struct schema *sc = bi->sc;
	size_t i, n = sc->ncols;

	if (m)
		n += 1 + (insert_mode(bi) ? 3 : 0);
	put16(&p->out, (uint16_t)n);
	if (m) {
		put32(&p->out, 8);
		put64(&p->out, m->ord);
	}
	for (i = 0; i < sc->ncols; i++)
		put_cell(&p->out, sc->cols[i].type, &cells[i]);
	if (m && insert_mode(bi)) {
		put32(&p->out, 4);
		put32(&p->out, (uint32_t)file_index(p, m->file));
		put32(&p->out, 8);
		put64(&p->out, m->line);
		put32(&p->out, (uint32_t)m->rawlen);
		buf_add(&p->out, m->raw, m->rawlen);
	}
	if (p->out.len >= COPY_CHUNK)
		return send_out(p);
	return 0;
}

static int end_copy(struct pg *p);

/* Sends the rows of the chunk to the staging table, in key order. */
static int
chunk_send(struct pg *p, const struct batch_info *bi)
{
	struct chunk *ch = &p->ch;
	size_t i;
	int r;

	if ((r = end_copy(p)) != 0)
		return r;
	if (!p->staging) {
		if ((r = pg_exec(&p->base, buf_str(&p->stage_sql))) != 0)
			return r;
		p->staging = true;
	}
	chunk_sort(ch, bi->sc);
	r = start_copy(p, "COPY " STAGE " FROM STDIN (FORMAT binary)");
	for (i = 0; i < ch->rows && r == 0; i++) {
		uint32_t row = ch->order[i].row;

		chunk_prefetch(ch, i);
		r = put_row(p, bi, &ch->cells[row * ch->ncols], &ch->meta[row]);
	}
	if (r == 0)
		r = end_copy(p);
	chunk_reset(ch);
	return r;
}

/*
 * Modes that only insert (ignore, insert) load a table created in this
 * transaction without its key: its rows are copied into it as they come,
 * and the key's index is built once at the end (sorting is cheaper than
 * inserting keys one by one).  Nobody else can see the table, which holds
 * the batch's rows only, so a row whose key hash is new to the batch
 * would be inserted anyway, and it is.  The other rows (a key that may
 * repeat) go to the staging table, which is applied with the key in place.
 */
static bool
pg_defers_key(enum load_mode mode)
{
	return mode == MODE_IGNORE || mode == MODE_INSERT;
}

static bool
direct(const struct batch_info *bi)
{
	return bi->fresh && pg_defers_key(bi->mode);
}

static int
pg_add_row(struct db *db, const struct batch_info *bi, const struct cell *cells,
	   uint64_t ord, bool again, const struct ev_event *ev, bool *dup)
{
	struct pg *p = (struct pg *)db;
	int r;

	*dup = false;
	if (direct(bi) && !again) {
		if (!p->copying &&
		    (r = start_copy(p, buf_str(&p->copy_sql))) != 0)
			return r;
		p->direct++;
		return put_row(p, bi, cells, NULL);
	}
	chunk_add(&p->ch, cells, ev, ord, again);
	if (chunk_full(&p->ch))
		return chunk_send(p, bi);
	return 0;
}

static int
end_copy(struct pg *p)
{
	PGresult *res;
	int r = 0;

	if (!p->copying)
		return 0;
	put16(&p->out, UINT16_MAX); /* -1: the trailer */
	if ((r = send_out(p)) != 0)
		return r;
	p->copying = false;
	if (PQputCopyEnd(p->c, NULL) != 1)
		return pg_fail(p, NULL);
	while ((res = PQgetResult(p->c)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && r == 0)
			r = pg_fail(p, res);
		else
			PQclear(res);
	}
	return r;
}

static void
key_cols(struct buf *q, const struct schema *sc, bool collate)
{
	size_t i;

	for (i = 0; i < sc->nkeys; i++) {
		const struct column *c = &sc->cols[sc->keys[i]];

		if (i)
			buf_adds(q, ", ");
		if (collate && c->type == CT_TEXT)
			buf_addc(q, '(');
		sql_ident(q, c->name);
		/* Byte order: fast, and equality is the same. */
		if (collate && c->type == CT_TEXT)
			buf_adds(q, " COLLATE \"C\")");
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

/* A key value as returned in text by the server, back to a cell. */
static void
text_cell(const struct column *c, const char *v, struct cell *out)
{
	memset(out, 0, sizeof(*out));
	if (v == NULL)
		return;
	switch (c->type) {
	case CT_INTEGER:
	case CT_BIGINT:
		out->kind = CELL_INT;
		out->i = strtoll(v, NULL, 10);
		break;
	case CT_DOUBLE:
		out->kind = CELL_DOUBLE;
		out->d = strtod(v, NULL);
		break;
	case CT_BOOLEAN:
		out->kind = CELL_BOOL;
		out->i = v[0] == 't';
		break;
	case CT_TIMESTAMP:
		out->kind = CELL_TIME;
		out->i = strtoll(v, NULL, 10);
		break;
	default:
		out->kind = CELL_TEXT;
		out->p = v;
		out->n = strlen(v);
		break;
	}
}

struct dup_row {
	uint64_t ord;
	size_t row;
};

static int
dup_cmp(const void *a, const void *b)
{
	const struct dup_row *x = a, *y = b;

	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* --mode insert: takes the rows whose key is taken out as rejects. */
static int
take_duplicates(struct pg *p, const struct batch_info *bi,
		void (*reject)(void *arg, const char *file, uint64_t line,
			       const char *raw, size_t len, const char *why),
		void *arg)
{
	const struct schema *sc = bi->sc;
	struct buf q = BUF_INIT, why = BUF_INIT;
	struct dbrows m;
	struct dup_row *d;
	struct cell *cells;
	size_t i, k;
	int r;

	buf_adds(&q, "DELETE FROM " STAGE " AS s WHERE EXISTS (SELECT 1 FROM ");
	sql_ident(&q, sc->table);
	buf_adds(&q, " AS t WHERE ");
	key_match(&q, sc, "t.", "s.");
	buf_adds(&q, ")");
	if (bi->dups) {
		buf_adds(&q,
			 " OR EXISTS (SELECT 1 FROM " STAGE " AS s2 WHERE ");
		key_match(&q, sc, "s2.", "s.");
		buf_adds(&q, " AND s2.\"_evload_ord\" < s.\"_evload_ord\")");
	}
	buf_adds(&q, " RETURNING \"_evload_ord\", \"_evload_file\", "
		     "\"_evload_line\", \"_evload_raw\"");
	for (i = 0; i < sc->nkeys; i++) {
		const struct column *c = &sc->cols[sc->keys[i]];

		buf_adds(&q, ", ");
		if (c->type == CT_TIMESTAMP) {
			buf_adds(&q, "(extract(epoch FROM ");
			sql_ident(&q, c->name);
			buf_adds(&q, ") * 1000000)::bigint");
		} else {
			sql_ident(&q, c->name);
		}
	}
	r = pg_query(&p->base, buf_str(&q), 0, NULL, &m);
	buf_free(&q);
	if (r != 0)
		return r;
	d = ev_calloc(m.nrows + 1, sizeof(*d));
	cells = ev_calloc(sc->ncols, sizeof(*cells));
	for (i = 0; i < m.nrows; i++) {
		d[i].ord = strtoull(m.v[i * m.ncols], NULL, 10);
		d[i].row = i;
	}
	qsort(d, m.nrows, sizeof(*d), dup_cmp);
	for (i = 0; i < m.nrows; i++) {
		char **v = &m.v[d[i].row * m.ncols];
		size_t fidx = strtoull(v[1], NULL, 10);

		for (k = 0; k < sc->nkeys; k++)
			text_cell(&sc->cols[sc->keys[k]], v[4 + k],
				  &cells[sc->keys[k]]);
		buf_reset(&why);
		buf_adds(&why, "duplicate key ");
		key_describe(&why, sc, cells);
		reject(arg, fidx < p->nfiles ? p->files[fidx] : NULL,
		       strtoull(v[2], NULL, 10), v[3] ? v[3] : "",
		       v[3] ? strlen(v[3]) : 0, buf_str(&why));
	}
	free(d);
	free(cells);
	buf_free(&why);
	dbrows_free(&m);
	return 0;
}

static int
pg_batch_apply(struct db *db, const struct batch_info *bi,
	       struct load_counts *c,
	       void (*reject)(void *arg, const char *file, uint64_t line,
			      const char *raw, size_t len, const char *why),
	       void *arg)
{
	struct pg *p = (struct pg *)db;
	const struct schema *sc = bi->sc;
	struct buf q = BUF_INIT;
	struct dbrows m;
	uint64_t rows;
	size_t i, nset = 0;
	int r;

	if (p->ch.rows > 0)
		r = chunk_send(p, bi);
	else
		r = end_copy(p);
	if (r != 0)
		return r;
	/* The rows copied into the table are inserted; then its key. */
	c->inserted += p->direct;
	rows = bi->rows - p->direct;
	p->direct = 0;
	if (direct(bi)) {
		buf_adds(&q, "ALTER TABLE ");
		sql_ident(&q, sc->table);
		buf_adds(&q, " ADD ");
		sql_primary_key(&q, sc);
		r = pg_exec(db, buf_str(&q));
		buf_reset(&q);
		if (r != 0)
			goto out;
	}
	if (bi->dups && (r = pg_exec(db, "SET LOCAL work_mem = '256MB'")) != 0)
		goto out;
	if (bi->have_range) {
		char lo[EVTIME_FMT_MAX], hi[EVTIME_FMT_MAX];
		const char *params[2] = {lo, hi};

		evtime_format_digits(bi->lo, 6, lo);
		evtime_format_digits(bi->hi, 6, hi);
		buf_adds(&q, "DELETE FROM ");
		sql_ident(&q, sc->table);
		buf_adds(&q, " WHERE ");
		sql_ident(&q, sc->cols[sc->time_col].name);
		buf_adds(&q, " >= $1::timestamptz AND ");
		sql_ident(&q, sc->cols[sc->time_col].name);
		buf_adds(&q, " < $2::timestamptz");
		r = pg_query(db, buf_str(&q), 2, params, NULL);
		if (r != 0)
			goto out;
		c->deleted += p->changes;
		buf_reset(&q);
	}
	if (rows == 0)
		goto out;
	if (bi->mode == MODE_INSERT) {
		uint64_t before = rows;

		if ((r = take_duplicates(p, bi, reject, arg)) != 0)
			goto out;
		rows = before - p->changes;
	}

	if (bi->mode == MODE_UPSERT || bi->mode == MODE_REPLACE)
		buf_adds(&q, "WITH r AS (");
	buf_adds(&q, "INSERT INTO ");
	sql_ident(&q, sc->table);
	buf_adds(&q, " AS \"_evload_t\" (");
	all_cols(&q, sc);
	buf_adds(&q, ") SELECT ");
	if (bi->dups && bi->mode != MODE_INSERT) {
		buf_adds(&q, "DISTINCT ON (");
		key_cols(&q, sc, true);
		buf_adds(&q, ") ");
	}
	all_cols(&q, sc);
	buf_adds(&q, " FROM " STAGE);
	if (bi->dups && bi->mode == MODE_IGNORE) {
		/* The first row of a key wins; inserted in key order. */
		buf_adds(&q, " ORDER BY ");
		key_cols(&q, sc, true);
		buf_adds(&q, ", \"_evload_ord\"");
	} else if (bi->dups && bi->mode != MODE_INSERT) {
		/* The latest row of a key wins; on equal times the first. */
		buf_adds(&q, " ORDER BY ");
		key_cols(&q, sc, true);
		buf_adds(&q, ", ");
		sql_ident(&q, sc->cols[sc->time_col].name);
		buf_adds(&q, " DESC, \"_evload_ord\"");
	}
	if (bi->mode == MODE_IGNORE) {
		buf_adds(&q, " ON CONFLICT (");
		key_cols(&q, sc, false);
		buf_adds(&q, ") DO NOTHING");
	} else if (bi->mode != MODE_INSERT) {
		const char *tcol = sc->cols[sc->time_col].name;

		buf_adds(&q, " ON CONFLICT (");
		key_cols(&q, sc, false);
		buf_adds(&q, ") DO ");
		for (i = 0; i < sc->ncols; i++) {
			if (sc->cols[i].is_key)
				continue;
			buf_adds(&q, nset++ ? ", " : "UPDATE SET ");
			sql_ident(&q, sc->cols[i].name);
			buf_adds(&q, " = EXCLUDED.");
			sql_ident(&q, sc->cols[i].name);
		}
		if (nset == 0) {
			buf_adds(&q, "NOTHING");
		} else {
			/* Later time wins; on equal times the stored row. */
			buf_adds(&q, " WHERE \"_evload_t\".");
			sql_ident(&q, tcol);
			buf_adds(&q, " IS NULL OR \"_evload_t\".");
			sql_ident(&q, tcol);
			buf_adds(&q, " < EXCLUDED.");
			sql_ident(&q, tcol);
		}
		buf_adds(&q, " RETURNING (\"_evload_t\".xmax = 0) AS ins) "
			     "SELECT count(*) FILTER (WHERE ins), count(*) "
			     "FILTER (WHERE NOT ins) FROM r");
	}
	r = pg_query(db, buf_str(&q), 0, NULL, &m);
	if (r != 0)
		goto out;
	if (bi->mode == MODE_UPSERT || bi->mode == MODE_REPLACE) {
		uint64_t ins = strtoull(m.v[0] ? m.v[0] : "0", NULL, 10);
		uint64_t upd = strtoull(m.v[1] ? m.v[1] : "0", NULL, 10);

		c->inserted += ins;
		c->updated += upd;
		c->skipped += rows - ins - upd;
	} else {
		c->inserted += p->changes;
		c->skipped += rows - p->changes;
	}
	dbrows_free(&m);
out:
	buf_free(&q);
	return r;
}

static void
pg_close(struct db *db)
{
	struct pg *p = (struct pg *)db;
	size_t i;

	end_copy_quietly(p);
	PQfinish(p->c);
	buf_free(&p->out);
	buf_free(&p->copy_sql);
	buf_free(&p->stage_sql);
	chunk_free(&p->ch);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}

static const struct db_ops pg_ops = {
    .name = "PostgreSQL",
    .stages = pg_stages,
    .defers_key = pg_defers_key,
    .type_sql = pg_type_sql,
    .exec = pg_exec,
    .query = pg_query,
    .changes = pg_changes,
    .table_exists = pg_table_exists,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .batch_start = pg_batch_start,
    .add_row = pg_add_row,
    .batch_apply = pg_batch_apply,
    .close = pg_close,
};

static void
no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct db *
pg_open(const char *conninfo, int *status)
{
	struct pg *p = ev_calloc(1, sizeof(*p));
	const char *idt;

	p->base.ops = &pg_ops;
	p->last_fidx = -1;
	p->c = PQconnectdb(conninfo);
	if (p->c == NULL || PQstatus(p->c) != CONNECTION_OK) {
		struct buf b = BUF_INIT;

		pg_message(&b, p->c ? PQerrorMessage(p->c) : "out of memory");
		ev_warn("cannot connect to PostgreSQL: %s", buf_str(&b));
		buf_free(&b);
		*status = EV_EXIT_IO;
		pg_close(&p->base);
		return NULL;
	}
	PQsetNoticeProcessor(p->c, no_notices, NULL);
	idt = PQparameterStatus(p->c, "integer_datetimes");
	if (idt == NULL || strcmp(idt, "on") != 0) {
		ev_warn("PostgreSQL: the server does not store times as "
			"integers (integer_datetimes is off)");
		*status = EV_EXIT_IO;
		pg_close(&p->base);
		return NULL;
	}
	/*
	 * The staging table is a TEMP table, kept in the session's temp
	 * buffers (8MB by default, then written out): 256MB hold a large
	 * batch without touching the disk, and are taken only as used.
	 */
	if (PQsetClientEncoding(p->c, "UTF8") != 0 ||
	    (*status =
		 pg_exec(&p->base, "SET client_min_messages = warning")) != 0 ||
	    (*status = pg_exec(&p->base, "SET temp_buffers = '256MB'")) != 0) {
		if (*status == 0)
			ev_warn("PostgreSQL: cannot use the UTF8 encoding");
		*status = EV_EXIT_IO;
		pg_close(&p->base);
		return NULL;
	}
	return &p->base;
}
