/*
 * evw.h - the internals of evwindow shared by its files:
 *
 *   window.c  keys, panes (slices) and sessions, the watermark, firing,
 *             late events, the --max-windows bound
 *   emit.c    output lines (keys at their paths, aggregates, pane marker)
 *             and the late-event file
 *   state.c   the --state file: save and resume
 *   agg.c     aggregate functions; sketch.c their numeric building blocks
 *   evwindow.c  options, main loop, reader hooks, --stats
 *
 * Times are evtime_t microseconds; EVW_NONE stands for "no time yet" (a
 * watermark of minus infinity).
 */
#ifndef EVW_EVW_H
#define EVW_EVW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "atomicfile.h"
#include "buf.h"
#include "evopts.h"
#include "evread.h"
#include "evtime.h"
#include "output.h"
#include "report.h"

#define EVW_NONE INT64_MIN
#define EVW_INF  INT64_MAX

/* The largest duration accepted anywhere: about 10000 years. */
#define EVW_MAX_DURATION (3652425LL * EVTIME_DAY)

enum evw_kind { WIN_TUMBLING, WIN_SLIDING, WIN_SESSION };
enum evw_late { LATE_DROP, LATE_EMIT, LATE_FILE };
enum evw_pane { PANE_ON_TIME, PANE_LATE, PANE_EOF, PANE_IDLE };

/*
 * A group key: the canonical JSON texts of the --by values joined by
 * ','.  Interned in a hash table and reference-counted by the entries
 * and sessions that use it.
 */
struct key {
	struct key *hnext;
	uint64_t hash;
	uint32_t refs;
	uint32_t len;
	struct session *sess; /* --session: its sessions, by start */
	uint32_t *fend;       /* end offset of each field's text */
	char *bytes;
};

/* The aggregate state of one pane (or session) and key. */
struct entry {
	struct key *key;
	struct entry *next;  /* in its pane's list */
	struct entry *hnext; /* in its pane's hash chain */
	uint64_t pad;
	_Alignas(16) unsigned char st[];
};

/* A pane: a slice of time (a whole window when tumbling). */
struct pane {
	evtime_t start;
	struct entry **tab; /* hash chains by key */
	uint32_t cap, n;
	struct entry *list; /* every entry, newest first */
};

/* Panes (or windows) ordered by start. */
struct panelist {
	struct pane **v;
	size_t n, cap;
};

enum sess_status { SESS_OPEN, SESS_CLOSED, SESS_FREE };

/* A session window of one key. */
struct session {
	struct session *next; /* the key's next session (later start) */
	struct key *key;
	struct entry *e; /* aggregates; NULL once only the bounds are kept */
	evtime_t first, last;
	evtime_t due;      /* when the watermark must next look at it */
	evtime_t heap_due; /* due of its live heap entry (EVW_INF: none) */
	uint64_t id;
	uint8_t status;
	bool emitted; /* a pane of it has been written */
	bool late;    /* holds late data not written yet */
};

struct heap_ent {
	evtime_t due;
	uint64_t id;
	struct session *s;
};

/* How the key fields are written: a flattened tree of --by paths. */
struct keyop {
	enum { KOP_OPEN, KOP_FIELD, KOP_CLOSE } op;
	char *name; /* the member name (KOP_OPEN, KOP_FIELD) */
	size_t field;
	bool comma; /* a member precedes it in its object */
};

struct evw {
	/* window options */
	enum evw_kind kind;
	int64_t size, slide, gap, pane; /* pane: the slice width */
	int64_t offset;                 /* alignment, in [0, slide) */
	int64_t lateness, retain;
	bool retain_given;
	enum evw_late late;
	const char *late_path;
	bool fail_on_late, exact, flush;
	const char *state_path;
	int64_t idle;
	uint64_t max_windows; /* 0: no bound */
	char *window_text;    /* "--tumbling 1h": for state files */
	char *offset_text;

	/* --by */
	size_t nby;
	char **by_paths;
	int *by_idx;
	struct keyop *kops;
	size_t nkops;

	/* -a */
	struct agg_spec *aggs;
	size_t naggs;
	size_t stsize;
	struct agg_ctx actx;

	/* keys */
	struct key **ktab;
	size_t kcap, nkeys;

	/* entries */
	struct entry *free_entries;
	size_t entry_size;
	void **chunks;
	size_t nchunks;
	uint64_t nentries, nentries_max; /* live entries (state bound) */

	/* panes by start; --sliding with --late emit: written windows kept */
	struct panelist panes, wins;
	bool materialize; /* keep written sliding windows whole */

	/* sessions */
	struct session *free_sessions;
	uint64_t next_sid;
	struct heap_ent *heap;
	size_t nheap, heapcap;
	uint64_t nsessions; /* sessions holding bounds or state */

	/* time */
	evtime_t max_ts;   /* newest event time, EVW_NONE before any */
	evtime_t wm_floor; /* watermark set by --idle or --flush */
	uint64_t seq;      /* events aggregated so far, over all runs */
	double last_event_wall;

	/* counters (this run) */
	uint64_t events, late_events, late_updates, late_expired;
	uint64_t full_rejected, approx_out;
	char *late_file;
	uint64_t late_line;
	/* totals over all runs, kept in the state file */
	uint64_t total_events, total_late, total_out;

	/* input and output */
	struct ev_common_opts co;
	struct ev_report rep;
	struct ev_reader *rd;
	struct ev_out out;
	struct atomic_file late_af;
	struct ev_out late_out;
	bool late_open;
	bool stdin_only; /* every operand is standard input */

	/* scratch */
	struct buf line, approx, kbuf, scratch, canon, why;
	void *sortv; /* window.c's sort array */
	size_t sortcap;
	unsigned char *tmpst; /* a state block for merged results */
	evtime_t wm_fired;    /* windows up to this watermark are fired */
	evtime_t fmt_t[2];    /* the last times formatted, and the text */
	char fmt_s[2][EVTIME_FMT_MAX];
};

/* The watermark. */
static inline evtime_t
evw_watermark(const struct evw *w)
{
	evtime_t m = w->max_ts == EVW_NONE ? EVW_NONE : w->max_ts - w->lateness;

	return m > w->wm_floor ? m : w->wm_floor;
}

/* window.c */
void evw_init(struct evw *w);
void evw_free(struct evw *w);
struct key *evw_key_intern(struct evw *w, const char *bytes, size_t len,
			   const uint32_t *fend);
void evw_key_release(struct evw *w, struct key *k);
struct entry *evw_entry_new(struct evw *w, struct key *k);
void evw_entry_free(struct evw *w, struct entry *e);
struct pane *evw_pane_get(struct panelist *l, evtime_t start, bool create);
struct entry *evw_pane_entry(struct evw *w, struct pane *p, struct key *k,
			     bool create);
struct session *evw_session_new(struct evw *w, struct key *k);
void evw_session_link(struct evw *w, struct session *s);
void evw_heap_push(struct evw *w, struct session *s);
/*
 * Aggregates the event EV (time TS) with the key built from its values.
 * Returns 0, or -1 when the event was rejected (--max-windows).
 */
int evw_event(struct evw *w, const struct ev_event *ev, evtime_t ts);
/* Emits every window the watermark has passed, with pane marker KIND. */
void evw_fire(struct evw *w, enum evw_pane kind);
/* End of input: emits every open window (pane "eof"). */
void evw_flush_all(struct evw *w);
/* Builds the key of EV into w->kbuf and returns it interned. */
struct key *evw_event_key(struct evw *w, const struct ev_event *ev);

/* emit.c */
int evw_key_layout(struct evw *w, struct buf *err);
void evw_emit(struct evw *w, evtime_t start, evtime_t end, const struct key *k,
	      unsigned char *st, enum evw_pane kind);
int evw_late_open(struct evw *w);
void evw_late_write(struct evw *w, const struct ev_event *ev);
int evw_late_commit(struct evw *w);

/* state.c */
int evw_state_load(struct evw *w);
int evw_state_save(struct evw *w);
void evw_spec_json(struct evw *w, struct buf *out);

#endif
