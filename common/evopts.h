/*
 * evopts.h - the options every event-reading tool shares.
 *
 *   --id-field PATH      --type-field PATH     --time-field PATH
 *   --time-unit UNIT     --max-line-bytes N    --reject FILE
 *   --max-errors N       --stats               --progress / --no-progress
 *   --unbuffered (-u)    --help (-h)           --version (-V)
 *
 * The field defaults come from EV_ID_FIELD, EV_TYPE_FIELD and EV_TIME_FIELD
 * when set, else "id", "type", "time".
 */
#ifndef EV_EVOPTS_H
#define EV_EVOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evtime.h"
#include "report.h"

#define EV_DEFAULT_MAX_LINE (16u << 20)

enum {
	OPT_ID_FIELD = 0x1000,
	OPT_TYPE_FIELD,
	OPT_TIME_FIELD,
	OPT_TIME_UNIT,
	OPT_MAX_LINE,
	OPT_REJECT,
	OPT_MAX_ERRORS,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_COMMON_END, /* tools number their own long-only options above */
};

struct ev_common_opts {
	const char *id_field;
	const char *type_field;
	const char *time_field;
	enum evtime_unit time_unit;
	size_t max_line;
	const char *reject_path;
	uint64_t max_errors;
	bool stats;
	int progress; /* -1 auto, 0, 1 */
	bool unbuffered;
};

/* Fills the defaults, reading the EV_*_FIELD environment variables. */
void evopt_defaults(struct ev_common_opts *o);

/*
 * Returns a malloc'd option table: TOOL's entries (terminated by a zero
 * entry) followed by the shared ones, including help (h), version (V) and
 * unbuffered (u).
 */
struct option *evopt_table(const struct option *tool);

/*
 * Handles the shared option C with argument ARG.  Returns true when C was
 * one of them; a bad value prints "TOOL: --OPTION: reason" and exits with
 * EV_EXIT_USAGE.  'h' and 'V' are left to the tool.
 */
bool evopt_handle(struct ev_common_opts *o, int c, const char *arg);

/*
 * Applies the shared report settings (--reject, --max-errors, --stats,
 * --progress) to R.  Returns 0, or EV_EXIT_IO when the reject file cannot
 * be created.
 */
int evopt_apply_report(const struct ev_common_opts *o, struct ev_report *r);

/* Prints "TOOL VERSION" on stdout and exits 0. */
_Noreturn void evopt_version(void);

/*
 * Usage-error helper: "TOOL: MESSAGE" then "usage: ..." from USAGE on
 * stderr, exit EV_EXIT_USAGE.
 */
_Noreturn void evopt_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parses a time option value (evtime_parse_arg, now = the wall clock) or
 * exits with "TOOL: --NAME: invalid time 'ARG': reason" and EV_EXIT_USAGE.
 */
evtime_t evopt_time(const char *name, const char *arg);

/* Likewise for a duration (duration_parse); ZERO_OK allows "0". */
int64_t evopt_duration(const char *name, const char *arg, bool zero_ok);

/* Likewise for an unsigned integer in [MIN, MAX]. */
uint64_t evopt_uint(const char *name, const char *arg, uint64_t min,
		    uint64_t max);

#endif
