/*
 * report.h - the one path for rejected lines, error counts, --stats and
 * progress, shared by every tool.
 *
 * A rejected line is printed on stderr as "TOOL: FILE:LINE: REASON" (the
 * first REPORT_SHOW_MAX of them), counted, and written to the --reject file
 * as {"file","line","error","raw"} (plus "column" for JSON syntax errors and
 * "raw_base64" when the line is not valid UTF-8, so it can be replayed
 * byte for byte).  The reject file is committed atomically when the tool
 * finishes.
 */
#ifndef EV_REPORT_H
#define EV_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomicfile.h"
#include "buf.h"

#define REPORT_SHOW_MAX  10
#define REPORT_MAX_EXTRA 40

struct report_extra {
	const char *name;
	enum { EXTRA_INT, EXTRA_DOUBLE, EXTRA_STR, EXTRA_JSON } kind;
	int64_t i;
	double d;
	char *s;
};

struct ev_report {
	uint64_t lines_in;  /* lines read, every kind */
	uint64_t blank;     /* blank lines skipped */
	uint64_t rejected;  /* lines rejected */
	uint64_t lines_out; /* set by the tool before report_finish */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t max_errors; /* --max-errors */
	unsigned shown;
	bool stats;   /* --stats */
	int progress; /* -1 auto (a terminal), 0 off, 1 on */
	double t0, last_tick;
	bool progress_drawn;
	char *reject_path;
	bool reject_direct; /* a FIFO or device: written in place */
	int reject_fd;
	struct atomic_file reject_af;
	struct buf rbuf;
	struct report_extra extra[REPORT_MAX_EXTRA];
	int nextra;
};

void report_init(struct ev_report *r);

/*
 * Opens the --reject file.  Returns 0, or -1 after printing why (the caller
 * exits with EV_EXIT_IO).
 */
int report_open_reject(struct ev_report *r, const char *path);

/*
 * Records one rejected line: RAW/RAWLEN are the bytes kept of it, FULLLEN
 * its real length (bigger when only a prefix was kept), COLUMN the 1-based
 * byte column of a syntax error or 0.  FILE may be NULL for a rejection
 * not tied to an input line.
 */
void report_reject(struct ev_report *r, const char *file, uint64_t line,
		   const char *raw, size_t rawlen, uint64_t fulllen,
		   size_t column, const char *reason);

/* True once more lines were rejected than --max-errors allows. */
static inline bool
report_over_limit(const struct ev_report *r)
{
	return r->rejected > r->max_errors;
}

/* Tool-specific --stats counters, set (or overwritten) by name. */
void report_set_int(struct ev_report *r, const char *name, int64_t v);
void report_set_double(struct ev_report *r, const char *name, double v);
void report_set_str(struct ev_report *r, const char *name, const char *v);
/* V is JSON text inserted as it is (an object or array). */
void report_set_json(struct ev_report *r, const char *name, const char *v);

/* Call now and then (cheap): draws progress on a terminal once a second. */
void report_tick(struct ev_report *r);

/*
 * Ends the run: clears progress, commits the reject file (also after a
 * failure: it lists lines that were read), prints the rejected-lines summary and the
 * --stats line.  Returns the exit status: STATUS when it is not 0, else
 * EV_EXIT_REJECT when over the limit, else 0.
 */
int report_finish(struct ev_report *r, int status);

#endif
