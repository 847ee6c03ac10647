/*
 * evread.h - the one event reader behind every tool.
 *
 * It turns the operands of a command line (files, "-", directories walked
 * recursively in sorted order, gzip anywhere) into a stream of validated
 * events: each line is checked to be one JSON object in UTF-8, blank lines
 * are skipped and counted, everything else is rejected through the report
 * (ev_report) with its file, line and reason.  The values of the dotted
 * paths a tool registered are extracted in the same pass.
 *
 * It also keeps each file's position (for checkpoints), follows growing
 * files and directories (-f), and waits on pipes without blocking output:
 * before it would block, it calls the tool's before_wait hook (which
 * flushes), and after `idle` without input it calls on_idle.
 */
#ifndef EV_EVREAD_H
#define EV_EVREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "checkpoint.h"
#include "evopts.h"
#include "evtime.h"
#include "json.h"
#include "report.h"

struct ev_reader_config {
	const struct ev_common_opts *opts;
	struct ev_report *report;
	bool need_id, need_type, need_time; /* envelope fields to extract */
	bool follow;                        /* -f: wait for more data */
	bool from_end;     /* start files without a checkpoint at their end */
	int64_t idle_exit; /* follow: end after this long without data */
	int64_t idle;      /* call on_idle after this long without data */
	int poll_ms;       /* follow: how often to look again (default 200) */
	struct checkpoint *ckpt; /* positions to resume from, or NULL */
	/*
	 * Directory pruning: called for every directory below an operand;
	 * ROOT is the lake root (where a layout marker was found; else the
	 * directory above the operand's trailing Hive "type=", "dt=", "hr="
	 * names, or the operand itself), COMPS the names from ROOT down.
	 * Return false to skip it.
	 */
	bool (*descend)(void *arg, const char *root, const char *const *comps,
			size_t n);
	void (*before_wait)(void *arg); /* no input ready: flush now */
	void (*on_idle)(void *arg);
	void *arg;
};

/* One accepted event; valid until the next ev_reader_next call. */
struct ev_event {
	const char *line; /* the line's bytes, without '\n' */
	size_t len;
	const char *file; /* display name ("<stdin>" for standard input) */
	uint64_t lineno;
	struct json_value *v; /* values, by ev_reader_add_path index */
	const struct json_value *id, *type, *time; /* NULL if not asked */
};

struct ev_reader;

/*
 * A reader over the operands ARGS[0..NARGS-1] (none: standard input).
 * Paths may be added with ev_reader_add_path until the first
 * ev_reader_next.
 */
struct ev_reader *ev_reader_new(const struct ev_reader_config *cfg,
				char *const *args, size_t nargs);
void ev_reader_free(struct ev_reader *r);

/*
 * Registers a dotted path to extract; returns its index into ev_event.v.
 * An invalid path ends the program with EV_EXIT_USAGE and a message naming
 * OPTION (e.g. "--by").
 */
int ev_reader_add_path(struct ev_reader *r, const char *option,
		       const char *path);

/* The number of registered paths. */
size_t ev_reader_npaths(const struct ev_reader *r);

/*
 * The next accepted event.  Returns 1, or 0 when the input is exhausted
 * (or a stop signal arrived, see signals.h).
 */
int ev_reader_next(struct ev_reader *r, struct ev_event *ev);

/* Rejects the current event (the tool found it unusable) with a reason. */
void ev_reader_reject(struct ev_reader *r, const struct ev_event *ev,
		      const char *reason);

/*
 * The event time of EV.  Returns 0, or -1 with a reason in WHY such as
 * "missing time field 'time'" or "invalid time '2015-13-01': invalid
 * month in field 'time'".
 */
int ev_reader_time(struct ev_reader *r, const struct ev_event *ev, evtime_t *t,
		   struct buf *why);

/*
 * Records in C the position of every input file read in this run (after
 * the tool has flushed everything it produced from them).
 */
void ev_reader_checkpoint(struct ev_reader *r, struct checkpoint *c);

/*
 * EV_EXIT_IO when an input could not be opened or read (already reported
 * on stderr), else 0.
 */
int ev_reader_status(const struct ev_reader *r);

/* Number of directories skipped by pruning, and of files opened. */
uint64_t ev_reader_pruned(const struct ev_reader *r);
uint64_t ev_reader_files(const struct ev_reader *r);

#endif
