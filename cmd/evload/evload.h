/*
 * evload.h - the parts of evload shared by its files.
 *
 *   schema.c    the load schema: YAML (evload-schema(5)) or the generic
 *               events table; names and identifier quoting.  No database
 *               code, so the fuzz target can include it.
 *   convert.c   JSON values to typed cells, with the reasons for rejects.
 *   table.c     what both databases share: evload's metadata table, table
 *               creation and evolution, the ledger, the batch key set.
 *   sqlite.c    the SQLite backend (prepared statements).
 *   pg.c        the PostgreSQL backend (binary COPY into a staging table).
 *   evload.c    options, the read-convert-load loop, transactions, summary.
 */
#ifndef EVLOAD_H
#define EVLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "evread.h"
#include "evtime.h"
#include "json.h"

/* PostgreSQL truncates longer identifiers (NAMEDATALEN - 1). */
#define EVLOAD_NAME_MAX 63
/* Names starting with this are evload's own (metadata, ledger, staging). */
#define EVLOAD_RESERVED      "_evload"
#define EVLOAD_DEFAULT_TABLE "events"
/* Whole-event path: the line itself. */
#define EVLOAD_PATH_EVENT "."

enum col_type {
	CT_TEXT,
	CT_INTEGER,
	CT_BIGINT,
	CT_DOUBLE,
	CT_BOOLEAN,
	CT_TIMESTAMP,
	CT_JSON,
};

/*
 * A converted value.  TEXT and JSON point at bytes that stay valid until
 * the next row is converted (the line itself or a per-column buffer).
 */
enum cell_kind {
	CELL_NULL,
	CELL_INT,    /* integer, bigint: i */
	CELL_DOUBLE, /* d */
	CELL_BOOL,   /* i = 0 or 1 */
	CELL_TEXT,   /* p, n */
	CELL_TIME,   /* i = microseconds since the epoch, UTC */
	CELL_JSON,   /* p, n: JSON text */
};

struct cell {
	enum cell_kind kind;
	int64_t i;
	double d;
	const char *p;
	size_t n;
};

struct column {
	char *name;
	char *path; /* dotted path, or "." for the whole event */
	enum col_type type;
	bool required;
	bool is_key;
	bool has_default;
	struct cell def;    /* the converted default */
	char *def_text;     /* storage for a text or json default */
	unsigned line, col; /* where the column is defined (0: built in) */
	int vidx;           /* index into ev_event.v; -1 for "." */
};

struct schema {
	char *file; /* the schema file, NULL for the generic table */
	char *table;
	unsigned table_line, table_col;
	struct column *cols;
	size_t ncols;
	size_t *keys; /* column indices, in key order */
	size_t nkeys;
	int time_col; /* the event-time column, or -1 */
};

/* ---- schema.c ------------------------------------------------------- */

const char *coltype_name(enum col_type t);
int coltype_parse(const char *s, enum col_type *out);

/*
 * Checks a table or column name: 1 to EVLOAD_NAME_MAX bytes of UTF-8
 * without NUL, not starting with EVLOAD_RESERVED (any case).  Returns 0, or
 * -1 with a reason in *why.
 */
int evload_name_check(const char *s, size_t n, const char **why);

/*
 * Loads the YAML schema at PATH (or, for schema_load_string, TEXT of LEN
 * bytes named PATH).  TIME_FIELD is the --time-field path, which picks the
 * default event-time column.  Returns 0, or -1 with "FILE:LINE:COL:
 * reason" in ERR.  The schema owns everything it points to.
 */
int schema_load(struct schema *s, const char *path, const char *time_field,
		struct buf *err);
int schema_load_string(struct schema *s, const char *path, const char *text,
		       size_t len, const char *time_field, struct buf *err);

/*
 * The generic events table: id (key), type, time, source, event, with the
 * paths of the --id-field, --type-field and --time-field options.
 */
void schema_generic(struct schema *s, const char *table, const char *id_field,
		    const char *type_field, const char *time_field);

void schema_free(struct schema *s);

/* Appends NAME as a quoted SQL identifier ("a""b"). */
void sql_ident(struct buf *b, const char *name);

/* ---- convert.c ------------------------------------------------------ */

/* Per-row conversion state: one scratch buffer per column. */
struct converter {
	const struct schema *sc;
	enum evtime_unit unit;
	bool time_required;  /* upsert, replace: the time column must be set */
	struct buf *scratch; /* ncols buffers */
	struct buf why;
};

void converter_init(struct converter *cv, const struct schema *sc,
		    enum evtime_unit unit, bool time_required);
void converter_free(struct converter *cv);

/*
 * Converts the event EV into CELLS (one per column).  Returns 0, or -1 with
 * the reason, naming the column, in cv->why.
 */
int convert_row(struct converter *cv, const struct ev_event *ev,
		struct cell *cells);

/*
 * Converts one value V (JSON_MISSING when absent) for column C.  SCRATCH
 * holds decoded text.  Returns 0, or -1 with the reason in WHY.
 */
int convert_value(const struct column *c, const struct json_value *v,
		  enum evtime_unit unit, struct buf *scratch, struct cell *out,
		  struct buf *why);

/* Appends a cell for messages: strings quoted and cut at 64 bytes. */
void cell_describe(struct buf *b, const struct cell *c);

/* Appends a TIME cell as stored in SQLite: 2015-08-18T06:36:40.000000Z. */
void cell_time_text(struct buf *b, int64_t t);

/* The lowest time a timestamp column takes: 0001-01-01T00:00:00Z. */
#define EVLOAD_TIME_MIN (-62135596800LL * EVTIME_SEC)

/* ---- the database interface (sqlite.c, pg.c) ----------------------- */

enum load_mode { MODE_IGNORE, MODE_UPSERT, MODE_INSERT, MODE_REPLACE };

struct db;

/* Rows of a small metadata query: every value as text (NULL for NULL). */
struct dbrows {
	size_t nrows, ncols;
	char **v; /* nrows * ncols */
};

void dbrows_free(struct dbrows *r);

/* Counters of committed work (added at each commit). */
struct load_counts {
	uint64_t inserted, updated, skipped, deleted;
};

struct load; /* evload.c's state, seen by the backends through these: */

struct batch_info {
	const struct schema *sc;
	enum load_mode mode;
	bool dups;       /* the batch may hold a key twice */
	bool fresh;      /* the table was created in this transaction, its
			    key deferred if the backend defers it */
	bool have_range; /* replace: delete [lo, hi) */
	int64_t lo, hi;
	uint64_t rows; /* rows staged in this batch */
};

/*
 * Every call returns 0, or EV_EXIT_IO (or EV_EXIT_LOCKED) after printing
 * the database's message.
 */
struct db_ops {
	const char *name;
	/*
	 * True when rows of MODE are staged and applied by one statement,
	 * which needs batch_info.dups; otherwise the key set is not kept.
	 */
	bool (*stages)(enum load_mode mode);
	/*
	 * True when a table that is created for rows of MODE gets its key
	 * (the primary key's index) from batch_apply, after its rows; NULL
	 * means never.
	 */
	bool (*defers_key)(enum load_mode mode);
	const char *(*type_sql)(enum col_type t);
	int (*exec)(struct db *db, const char *sql);
	/* SQL with $1..$N text parameters; OUT may be NULL. */
	int (*query)(struct db *db, const char *sql, size_t nparams,
		     const char *const *params, struct dbrows *out);
	/* Changes made by the last exec or query (rows inserted, deleted). */
	uint64_t (*changes)(struct db *db);
	int (*table_exists)(struct db *db, const char *table, bool *exists);
	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	int (*rollback)(struct db *db);
	/* Prepares for rows of a batch (statements, staging table). */
	int (*batch_start)(struct db *db, const struct batch_info *bi);
	/*
	 * Adds one row, the ORD-th of the batch.  AGAIN is true when the
	 * batch key set (if kept) saw the row's key hash before: the row may
	 * repeat a key of the batch.  *DUP is set when the row was refused
	 * for a key that exists (SQLite, --mode insert): the caller rejects
	 * it.
	 */
	int (*add_row)(struct db *db, const struct batch_info *bi,
		       const struct cell *cells, uint64_t ord, bool again,
		       const struct ev_event *ev, bool *dup);
	/*
	 * Applies the batch to the table and adds to C.  Rows refused for
	 * duplicate keys are passed to REJECT (with their file, line and
	 * text) before anything else is counted.
	 */
	int (*batch_apply)(struct db *db, const struct batch_info *bi,
			   struct load_counts *c,
			   void (*reject)(void *arg, const char *file,
					  uint64_t line, const char *raw,
					  size_t len, const char *why),
			   void *arg);
	void (*close)(struct db *db);
};

struct db {
	const struct db_ops *ops;
};

/*
 * Opens the target.  Returns NULL after printing why, with *STATUS set
 * (EV_EXIT_IO, or EV_EXIT_LOCKED).
 */
struct db *sqlite_open(const char *path, int *status);
struct db *pg_open(const char *conninfo, int *status);

/* ---- chunk.c -------------------------------------------------------- */

/*
 * Rows kept to be loaded in key order (the memory bound of a load): at
 * most CHUNK_ROWS rows, or CHUNK_BYTES of their cells and text.
 */
#define CHUNK_ROWS  (32 * 1024)
#define CHUNK_BYTES (16 * 1024 * 1024)

struct chunk_block {
	char *p;
	size_t cap, used;
};

struct chunk_meta {
	uint64_t ord;     /* the row's number in the batch, from 1 */
	bool again;       /* its key hash was seen before in the batch */
	const char *file; /* keep_raw: where the row was read, its line */
	uint64_t line;
	const char *raw;
	size_t rawlen;
};

struct chunk_order {
	uint64_t pfx; /* the first key's first bytes, ordered */
	uint32_t row;
};

struct chunk {
	size_t ncols;
	bool keep_raw;
	struct cell *cells; /* rows * ncols; text in the blocks */
	struct chunk_meta *meta;
	struct chunk_order *order; /* after chunk_sort: rows in key order */
	size_t rows, cap, bytes;
	struct chunk_block *blocks; /* never moved while the chunk lives */
	size_t nblocks, cur;
	const struct schema *sc;
};

void chunk_init(struct chunk *ch, size_t ncols, bool keep_raw);
/* Keeps a copy of a row (ORD and AGAIN as in struct chunk_meta). */
void chunk_add(struct chunk *ch, const struct cell *cells,
	       const struct ev_event *ev, uint64_t ord, bool again);
bool chunk_full(const struct chunk *ch);
/* Sorts ch->order by key, rows of one key in the order they were added. */
void chunk_sort(struct chunk *ch, const struct schema *sc);
/* Prefetches what the rows after the I-th in key order point to. */
void chunk_prefetch(const struct chunk *ch, size_t i);
/* Empties the chunk, keeping its memory for the next rows. */
void chunk_reset(struct chunk *ch);
void chunk_free(struct chunk *ch);

/* ---- table.c -------------------------------------------------------- */

/*
 * Creates the table of SC or checks that it matches, adding new columns;
 * *CREATED tells whether it was created, without its primary key when
 * DEFER_KEY (see db_ops.defers_key).  Returns 0, EV_EXIT_USAGE after
 * printing an incompatible change, or EV_EXIT_IO.  QUIET silences the notes
 * about added columns.
 */
int table_prepare(struct db *db, const struct schema *sc, bool quiet,
		  bool defer_key, bool *created);

/* Appends "PRIMARY KEY (k1, k2)". */
void sql_primary_key(struct buf *q, const struct schema *sc);

/* The ledger of --batch-rows loads. */
struct ledger_entry {
	bool found;
	uint64_t first_hash; /* hash of the input's first event line */
	uint64_t line;       /* last line loaded */
	uint64_t hash;       /* running hash of the events up to it */
	uint64_t rows;
};

int ledger_prepare(struct db *db);
int ledger_get(struct db *db, const char *table, const char *input,
	       struct ledger_entry *e);
int ledger_put(struct db *db, const char *table, const char *input,
	       const struct ledger_entry *e);

/* The running hash over event lines that the ledger keeps. */
static inline uint64_t
ledger_hash_step(uint64_t h, uint64_t line_hash)
{
	return (h ^ line_hash) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
}

/*
 * A set of 64-bit key hashes, to tell whether a batch holds a key twice
 * (then the backends resolve duplicates in SQL; otherwise they skip that
 * work).  Memory: 16 bytes per row of the batch at most.
 */
struct keyset {
	uint64_t *slots;
	size_t cap, n;
	unsigned shift; /* 64 - log2(cap) */
};

/* Adds H; returns true if it was there already. */
bool keyset_add(struct keyset *ks, uint64_t h);
void keyset_clear(struct keyset *ks);
void keyset_free(struct keyset *ks);

/* The hash of a row's key cells. */
uint64_t key_hash(const struct schema *sc, const struct cell *cells);

/* Appends "(k1, k2)=(v1, v2)" for a message about a row's key. */
void key_describe(struct buf *b, const struct schema *sc,
		  const struct cell *cells);

#endif
