/*
 * evload - load events idempotently into SQLite or PostgreSQL: the
 * warehouse end of every pipeline.
 *
 * Each event becomes one row of a table: the generic events table, or the
 * columns of a schema file (evload-schema(5)).  Values are converted and
 * checked here, so a row that does not fit is rejected with its file, line
 * and the column at fault, and the database never refuses a value.  Rows
 * are keyed; --mode says what a key that exists means.  The whole input is
 * one transaction unless --batch-rows asks for one per N rows, and then a
 * ledger in the same transactions says how far each input got, so a run
 * that was killed and is started again loads every event exactly once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evload.h"
#include "evopts.h"
#include "evread.h"
#include "hash.h"
#include "report.h"
#include "signals.h"
#include "util.h"

static const char usage_text[] =
    "usage: evload -d target [-nq] [-s schema] [-m mode] [--table name]\n"
    "              [--since time] [--until time] [--batch-rows n [--no-ledger]]\n"
    "              [--id-field path] [--type-field path] [--time-field path]\n"
    "              [--time-unit unit] [--max-line-bytes n] [--reject file]\n"
    "              [--max-errors n] [--stats] [--progress | --no-progress]\n"
    "              [file | dir ...]\n";

enum {
	OPT_TABLE = OPT_COMMON_END,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_BATCH_ROWS,
	OPT_NO_LEDGER,
};

static const struct option tool_opts[] = {
    {"db", required_argument, NULL, 'd'},
    {"schema", required_argument, NULL, 's'},
    {"mode", required_argument, NULL, 'm'},
    {"dry-run", no_argument, NULL, 'n'},
    {"quiet", no_argument, NULL, 'q'},
    {"table", required_argument, NULL, OPT_TABLE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"batch-rows", required_argument, NULL, OPT_BATCH_ROWS},
    {"no-ledger", no_argument, NULL, OPT_NO_LEDGER},
    {NULL, 0, NULL, 0},
};

static const char *const mode_names[] = {
    [MODE_IGNORE] = "ignore",
    [MODE_UPSERT] = "upsert",
    [MODE_INSERT] = "insert",
    [MODE_REPLACE] = "replace",
};

/* What the ledger knows of one input, and how far this run got in it. */
struct input_state {
	char *name;
	const char *key;         /* ev_event.file of the reader */
	struct ledger_entry led; /* as committed before this run */
	bool seen;               /* its first event was read */
	bool skipping;           /* resuming: events up to led.line */
	bool dirty;              /* progress not yet in the ledger */
	struct ledger_entry now; /* progress of this run */
};

struct evload {
	struct ev_common_opts co;
	struct ev_report rep;
	struct schema sc;
	struct converter cv;
	struct db *db;
	struct ev_reader *rd;
	enum load_mode mode;
	const char *target;
	bool quiet, dry_run;
	bool has_since, has_until;
	evtime_t since, until;
	uint64_t batch_rows;
	bool no_ledger;  /* --no-ledger */
	bool use_ledger; /* --batch-rows without --no-ledger */

	struct batch_info bi;
	struct keyset ks;
	struct cell *cells;
	uint64_t ord;
	bool in_txn, prepared;
	int fail; /* exit status of a failure, else 0 */
	struct load_counts done, pend;
	struct load_counts dry; /* --dry-run: what was rolled back */
	uint64_t batches;
	int64_t tmin, tmax;
	bool have_t;
	bool deleted_range; /* replace with --batch-rows: done once */

	/* --batch-rows: the ledger */
	struct dbrows ledger;
	struct input_state *inputs;
	size_t ninputs;
	struct input_state *cur;
	bool resumed;
	uint64_t resumed_rows;
	struct buf why;
};

static _Noreturn void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

static bool
is_conninfo(const char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0)
		return false;
	s += n;
	while (*s == ' ')
		s++;
	return *s == '=';
}

static struct db *
open_target(const char *t, int *status)
{
	if (strncmp(t, "postgresql://", 13) == 0 ||
	    strncmp(t, "postgres://", 11) == 0 || is_conninfo(t))
		return pg_open(t, status);
	if (strncmp(t, "sqlite:", 7) == 0)
		t += 7;
	return sqlite_open(t, status);
}

/* ---- transactions ------------------------------------------------- */

static void
reject_cb(void *arg, const char *file, uint64_t line, const char *raw,
	  size_t len, const char *why)
{
	struct evload *l = arg;

	report_reject(&l->rep, file, line, raw, len, len, 0, why);
}

static int
txn_begin(struct evload *l)
{
	int r;

	if ((r = l->db->ops->begin(l->db)) != 0)
		return r;
	l->in_txn = true;
	l->bi.fresh = false;
	if (!l->prepared) {
		bool defer =
		    l->db->ops->defers_key && l->db->ops->defers_key(l->mode);

		r = table_prepare(l->db, &l->sc, l->quiet, defer, &l->bi.fresh);
		if (r != 0)
			return r;
		if (l->use_ledger && (r = ledger_prepare(l->db)) != 0)
			return r;
		l->prepared = true;
	}
	l->bi.rows = 0;
	l->bi.dups = false;
	l->bi.have_range = false;
	keyset_clear(&l->ks);
	return l->db->ops->batch_start(l->db, &l->bi);
}

static void
txn_rollback(struct evload *l)
{
	if (l->in_txn)
		l->db->ops->rollback(l->db);
	l->in_txn = false;
	memset(&l->pend, 0, sizeof(l->pend));
}

/* Applies the open batch (the counts go to l->pend). */
static int
batch_apply(struct evload *l)
{
	if (l->mode == MODE_REPLACE && !l->deleted_range &&
	    (l->has_since || l->have_t) && !l->resumed) {
		l->bi.have_range = true;
		l->bi.lo = l->has_since ? l->since : l->tmin;
		l->bi.hi = l->has_until ? l->until : l->tmax + 1;
		l->deleted_range = true;
	}
	return l->db->ops->batch_apply(l->db, &l->bi, &l->pend, reject_cb, l);
}

static int
ledger_write(struct evload *l)
{
	size_t i;
	int r;

	for (i = 0; i < l->ninputs; i++) {
		struct input_state *in = &l->inputs[i];

		if (!in->dirty)
			continue;
		r = ledger_put(l->db, l->sc.table, in->name, &in->now);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
txn_commit(struct evload *l)
{
	size_t i;
	int r;

	if (l->use_ledger && (r = ledger_write(l)) != 0)
		return r;
	if ((r = l->db->ops->commit(l->db)) != 0)
		return r;
	l->in_txn = false;
	l->batches++;
	l->done.inserted += l->pend.inserted;
	l->done.updated += l->pend.updated;
	l->done.skipped += l->pend.skipped;
	l->done.deleted += l->pend.deleted;
	memset(&l->pend, 0, sizeof(l->pend));
	for (i = 0; i < l->ninputs; i++)
		l->inputs[i].dirty = false;
	return 0;
}

/* --batch-rows: commits the open batch and opens the next. */
static int
batch_commit(struct evload *l)
{
	int r;

	if ((r = batch_apply(l)) != 0)
		return r;
	if (report_over_limit(&l->rep))
		return EV_EXIT_REJECT;
	if (ev_stop_signal)
		return 0; /* the caller rolls back */
	if ((r = txn_commit(l)) != 0)
		return r;
	return txn_begin(l);
}

/* The input paused: with --batch-rows, what was read is committed now. */
static void
before_wait(void *arg)
{
	struct evload *l = arg;
	bool work;
	size_t i;
	int r;

	if (!l->batch_rows || !l->in_txn || l->fail || ev_stop_signal)
		return;
	work = l->bi.rows > 0;
	for (i = 0; i < l->ninputs && !work; i++)
		work = l->inputs[i].dirty;
	if (!work)
		return;
	r = batch_commit(l);
	if (r != 0) {
		txn_rollback(l);
		ev_exit(report_finish(&l->rep, r));
	}
}

/* ---- the ledger ------------------------------------------------------ */

static struct input_state *
input_find(struct evload *l, const char *key)
{
	struct input_state *in;
	size_t i;

	if (l->cur && l->cur->key == key)
		return l->cur;
	for (i = 0; i < l->ninputs; i++)
		if (l->inputs[i].key == key)
			return &l->inputs[i];
	l->inputs =
	    ev_reallocarray(l->inputs, l->ninputs + 1, sizeof(*l->inputs));
	in = &l->inputs[l->ninputs++];
	memset(in, 0, sizeof(*in));
	in->key = key;
	in->name = ev_strdup(key);
	for (i = 0; i < l->ledger.nrows; i++) {
		char **v = &l->ledger.v[i * 5];

		if (v[0] && strcmp(v[0], key) == 0 && v[1] && v[2] && v[3] &&
		    v[4]) {
			in->led.found = true;
			in->led.first_hash = strtoull(v[1], NULL, 16);
			in->led.line = strtoull(v[2], NULL, 10);
			in->led.hash = strtoull(v[3], NULL, 16);
			in->led.rows = strtoull(v[4], NULL, 10);
		}
	}
	return in;
}

/* Checks that an input left while resuming reached its ledger position. */
static int
input_check_end(struct evload *l, struct input_state *in)
{
	if (in == NULL || !in->skipping)
		return 0;
	ev_warn("%s: ends before line %llu, which the ledger of table %s "
		"records as loaded; not the same input",
		in->name, (unsigned long long)in->led.line, l->sc.table);
	return EV_EXIT_IO;
}

/*
 * Ledger bookkeeping for event EV.  Returns 1 when the event was loaded
 * by an earlier run (skip it), 0 to load it, or an exit status < 0 ... as
 * a negative value on a mismatch.
 */
static int
ledger_track(struct evload *l, const struct ev_event *ev)
{
	struct input_state *in = l->cur;
	uint64_t lh;

	if (in == NULL || in->key != ev->file) {
		if (input_check_end(l, in) != 0)
			return -EV_EXIT_IO;
		in = l->cur = input_find(l, ev->file);
	}
	lh = ev_hash64(ev->line, ev->len);
	if (!in->seen) {
		in->seen = true;
		in->now.first_hash = lh;
		in->now.found = true;
		if (in->led.found && in->led.first_hash == lh) {
			in->skipping = true;
			l->resumed = true;
		}
	}
	in->now.hash = ledger_hash_step(in->now.hash, lh);
	in->now.line = ev->lineno;
	if (in->skipping) {
		if (ev->lineno < in->led.line)
			return 1;
		if (ev->lineno == in->led.line &&
		    in->now.hash == in->led.hash) {
			in->skipping = false;
			in->now.rows = in->led.rows;
			return 1;
		}
		ev_warn("%s:%llu: differs from the input that the ledger of "
			"table %s records as loaded up to line %llu",
			ev->file, (unsigned long long)ev->lineno, l->sc.table,
			(unsigned long long)in->led.line);
		return -EV_EXIT_IO;
	}
	in->dirty = true;
	return 0;
}

static int
ledger_load(struct evload *l)
{
	const char *params[1] = {l->sc.table};

	return l->db->ops->query(l->db,
				 "SELECT input_name, first_hash, last_line, "
				 "line_hash, nrows FROM \"_evload_ledger\" "
				 "WHERE tbl = $1",
				 1, params, &l->ledger);
}

/* ---- the loop ------------------------------------------------------ */

static void
reject_event(struct evload *l, const struct ev_event *ev, const char *why)
{
	ev_reader_reject(l->rd, ev, why);
	/*
	 * Over the limit, a single transaction goes on to the end (and is
	 * rolled back) so that every bad line is reported; a stream of
	 * batches stops.
	 */
	if (report_over_limit(&l->rep) && l->batch_rows)
		l->fail = EV_EXIT_REJECT;
}

static void
load_event(struct evload *l, const struct ev_event *ev)
{
	const struct schema *sc = &l->sc;
	bool dup, again;
	int r;

	if (l->batch_rows && report_over_limit(&l->rep)) {
		l->fail = EV_EXIT_REJECT; /* the reader rejected a line */
		return;
	}
	if (l->use_ledger) {
		r = ledger_track(l, ev);
		if (r < 0) {
			l->fail = -r;
			return;
		}
		if (r == 1) {
			/* Loaded before; its rejects are reported again. */
			if (convert_row(&l->cv, ev, l->cells) < 0)
				reject_event(l, ev, buf_str(&l->cv.why));
			else
				l->resumed_rows++;
			return;
		}
	}
	if (convert_row(&l->cv, ev, l->cells) < 0) {
		reject_event(l, ev, buf_str(&l->cv.why));
		return;
	}
	if (l->mode == MODE_REPLACE) {
		int64_t t = l->cells[sc->time_col].i;

		if ((l->has_since && t < l->since) ||
		    (l->has_until && t >= l->until)) {
			buf_reset(&l->why);
			buf_printf(&l->why,
				   "column %s (%s): time outside the "
				   "--since/--until range being replaced",
				   sc->cols[sc->time_col].name,
				   sc->cols[sc->time_col].path);
			reject_event(l, ev, buf_str(&l->why));
			return;
		}
		if (!l->have_t || t < l->tmin)
			l->tmin = t;
		if (!l->have_t || t > l->tmax)
			l->tmax = t;
		l->have_t = true;
	}
	again = l->db->ops->stages(l->mode) &&
		keyset_add(&l->ks, key_hash(sc, l->cells));
	if (again)
		l->bi.dups = true;
	r = l->db->ops->add_row(l->db, &l->bi, l->cells, ++l->ord, again, ev,
				&dup);
	if (r != 0) {
		l->fail = r;
		return;
	}
	if (dup) {
		buf_reset(&l->why);
		buf_adds(&l->why, "duplicate key ");
		key_describe(&l->why, sc, l->cells);
		reject_event(l, ev, buf_str(&l->why));
		return;
	}
	if (l->use_ledger)
		l->cur->now.rows++;
	l->bi.rows++;
	if (l->batch_rows && l->bi.rows >= l->batch_rows)
		l->fail = batch_commit(l);
}

static int
run(struct evload *l)
{
	struct ev_event ev;
	int r;

	if ((r = txn_begin(l)) != 0)
		return r;
	if (l->use_ledger && (r = ledger_load(l)) != 0)
		return r;
	while (!l->fail && ev_reader_next(l->rd, &ev))
		load_event(l, &ev);
	if (l->fail)
		return l->fail;
	if (l->use_ledger && (r = input_check_end(l, l->cur)) != 0)
		return r;
	if ((r = ev_reader_status(l->rd)) != 0)
		return r;
	if (ev_stop_signal)
		return 0;
	if ((r = batch_apply(l)) != 0)
		return r;
	if (report_over_limit(&l->rep))
		return 0;
	if (l->dry_run)
		return 0;
	return txn_commit(l);
}

static void
summary(struct evload *l, int status)
{
	const struct load_counts *c =
	    l->dry_run && status == 0 && !ev_stop_signal ? &l->dry : &l->done;
	uint64_t read = l->rep.lines_in - l->rep.blank;
	struct buf b = BUF_INIT;

	if (l->quiet)
		return;
	buf_printf(&b, "%llu row%s read, %llu inserted, %llu updated, ",
		   (unsigned long long)read, read == 1 ? "" : "s",
		   (unsigned long long)c->inserted,
		   (unsigned long long)c->updated);
	if (l->mode == MODE_REPLACE)
		buf_printf(&b, "%llu deleted, ",
			   (unsigned long long)c->deleted);
	buf_printf(&b, "%llu skipped, %llu rejected, %.3f seconds",
		   (unsigned long long)(c->skipped + l->resumed_rows),
		   (unsigned long long)l->rep.rejected,
		   ev_now_monotonic() - l->rep.t0);
	ev_warn("%s", buf_str(&b));
	buf_free(&b);
}

static void
set_stats(struct evload *l)
{
	struct ev_report *r = &l->rep;

	r->lines_out = l->done.inserted + l->done.updated;
	report_set_str(r, "table", l->sc.table);
	report_set_str(r, "mode", mode_names[l->mode]);
	report_set_int(r, "read", (int64_t)(r->lines_in - r->blank));
	report_set_int(r, "inserted", (int64_t)l->done.inserted);
	report_set_int(r, "updated", (int64_t)l->done.updated);
	report_set_int(r, "deleted", (int64_t)l->done.deleted);
	report_set_int(r, "skipped",
		       (int64_t)(l->done.skipped + l->resumed_rows));
	report_set_int(r, "resumed", (int64_t)l->resumed_rows);
	report_set_int(r, "transactions", (int64_t)l->batches);
}

static enum load_mode
parse_mode(const char *s)
{
	size_t i;

	for (i = 0; i < EV_ARRAY_LEN(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0)
			return (enum load_mode)i;
	ev_die(EV_EXIT_USAGE,
	       "--mode: expected ignore, upsert, insert or replace, got '%s'",
	       s);
}

static void
register_paths(struct evload *l)
{
	static const char *const generic_opts[] = {"--id-field", "--type-field",
						   "--time-field"};
	size_t i;

	for (i = 0; i < l->sc.ncols; i++) {
		struct column *c = &l->sc.cols[i];
		const char *opt = "--schema";

		if (strcmp(c->path, EVLOAD_PATH_EVENT) == 0)
			continue; /* the line itself */
		if (l->sc.file == NULL && i < EV_ARRAY_LEN(generic_opts))
			opt = generic_opts[i];
		c->vidx = ev_reader_add_path(l->rd, opt, c->path);
	}
}

int
main(int argc, char **argv)
{
	static struct evload l;
	struct ev_reader_config rc;
	struct option *longopts;
	const char *schema_path = NULL, *table = NULL, *why;
	struct buf err = BUF_INIT;
	int ch, status;

	ev_setprogname(argv[0]);
	ev_default_sigpipe();
	evopt_defaults(&l.co);
	longopts = evopt_table(tool_opts);
	while ((ch = getopt_long(argc, argv, "d:s:m:nquhV", longopts, NULL)) !=
	       -1) {
		if (evopt_handle(&l.co, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			l.target = optarg;
			break;
		case 's':
			schema_path = optarg;
			break;
		case 'm':
			l.mode = parse_mode(optarg);
			break;
		case 'n':
			l.dry_run = true;
			break;
		case 'q':
			l.quiet = true;
			break;
		case OPT_TABLE:
			table = optarg;
			if (evload_name_check(table, strlen(table), &why) < 0)
				ev_die(EV_EXIT_USAGE, "--table: '%s': %s",
				       table, why);
			break;
		case OPT_SINCE:
			l.since = evopt_time("since", optarg);
			l.has_since = true;
			break;
		case OPT_UNTIL:
			l.until = evopt_time("until", optarg);
			l.has_until = true;
			break;
		case OPT_BATCH_ROWS:
			l.batch_rows =
			    evopt_uint("batch-rows", optarg, 1, 1000000000);
			break;
		case OPT_NO_LEDGER:
			l.no_ledger = true;
			break;
		case 'h':
			usage(0);
		case 'V':
			evopt_version();
		default:
			usage(EV_EXIT_USAGE);
		}
	}
	free(longopts);
	argc -= optind;
	argv += optind;
	if (l.target == NULL || *l.target == '\0')
		evopt_usage_error(usage_text, "--db is required");
	if ((l.has_since || l.has_until) && l.mode != MODE_REPLACE)
		ev_die(EV_EXIT_USAGE,
		       "--since and --until need --mode replace");
	if (l.has_since && l.has_until && l.since >= l.until)
		ev_die(EV_EXIT_USAGE, "--since must be earlier than --until");
	if (l.mode == MODE_REPLACE && l.batch_rows &&
	    !(l.has_since && l.has_until))
		ev_die(EV_EXIT_USAGE, "--mode replace with --batch-rows needs "
				      "--since and --until");
	if (l.no_ledger && !l.batch_rows)
		ev_die(EV_EXIT_USAGE, "--no-ledger needs --batch-rows");
	l.use_ledger = l.batch_rows && !l.no_ledger;
	if (l.dry_run && l.batch_rows)
		ev_die(EV_EXIT_USAGE, "--dry-run and --batch-rows exclude each "
				      "other");

	if (schema_path) {
		if (schema_load(&l.sc, schema_path, l.co.time_field, &err) < 0)
			ev_die(EV_EXIT_USAGE, "%s", buf_str(&err));
		if (table) {
			free(l.sc.table);
			l.sc.table = ev_strdup(table);
		}
	} else {
		schema_generic(&l.sc, table ? table : EVLOAD_DEFAULT_TABLE,
			       l.co.id_field, l.co.type_field, l.co.time_field);
	}
	if ((l.mode == MODE_UPSERT || l.mode == MODE_REPLACE) &&
	    l.sc.time_col < 0)
		ev_die(EV_EXIT_USAGE,
		       "%s: --mode %s needs an event-time column (name a "
		       "timestamp column with 'time:')",
		       l.sc.file, mode_names[l.mode]);

	report_init(&l.rep);
	if ((status = evopt_apply_report(&l.co, &l.rep)) != 0)
		return status;
	ev_signals_install(false);
	l.db = open_target(l.target, &status);
	if (l.db == NULL)
		ev_exit(report_finish(&l.rep, status));

	memset(&rc, 0, sizeof(rc));
	rc.opts = &l.co;
	rc.report = &l.rep;
	rc.before_wait = before_wait;
	rc.arg = &l;
	l.rd = ev_reader_new(&rc, argv, (size_t)argc);
	register_paths(&l);
	converter_init(&l.cv, &l.sc, l.co.time_unit,
		       l.mode == MODE_UPSERT || l.mode == MODE_REPLACE);
	l.cells = ev_calloc(l.sc.ncols, sizeof(*l.cells));
	l.bi.sc = &l.sc;
	l.bi.mode = l.mode;

	status = run(&l);
	if (status == EV_EXIT_REJECT)
		status = 0; /* report_finish says 1 */
	if (status == EV_EXIT_USAGE) {
		/* An incompatible table: nothing was done, nothing to sum. */
		txn_rollback(&l);
		l.quiet = true;
	}
	if (l.in_txn) {
		bool committed_some = l.batches > 0;

		l.dry = l.pend;
		txn_rollback(&l);
		if (!l.quiet) {
			if (l.dry_run && status == 0 && !ev_stop_signal &&
			    !report_over_limit(&l.rep))
				ev_warn("dry run: rolled back");
			else if (committed_some)
				ev_warn("rolled back the last batch; %llu "
					"committed before it stay",
					(unsigned long long)l.batches);
			else
				ev_warn("rolled back: nothing loaded");
		}
	}
	summary(&l, status);
	set_stats(&l);
	status = report_finish(&l.rep, status);

	ev_reader_free(l.rd);
	l.db->ops->close(l.db);
	converter_free(&l.cv);
	keyset_free(&l.ks);
	dbrows_free(&l.ledger);
	for (size_t i = 0; i < l.ninputs; i++)
		free(l.inputs[i].name);
	free(l.inputs);
	free(l.cells);
	schema_free(&l.sc);
	buf_free(&l.why);
	buf_free(&err);
	ev_exit(status);
}
