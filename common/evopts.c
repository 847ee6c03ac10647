/*
 * evopts.c - shared option handling.
 */
#include "evopts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "util.h"

static const struct option common_opts[] = {
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"type-field", required_argument, NULL, OPT_TYPE_FIELD},
    {"time-field", required_argument, NULL, OPT_TIME_FIELD},
    {"time-unit", required_argument, NULL, OPT_TIME_UNIT},
    {"max-line-bytes", required_argument, NULL, OPT_MAX_LINE},
    {"reject", required_argument, NULL, OPT_REJECT},
    {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
    {"stats", no_argument, NULL, OPT_STATS},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"unbuffered", no_argument, NULL, 'u'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

void
evopt_defaults(struct ev_common_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->id_field = env_or("EV_ID_FIELD", "id");
	o->type_field = env_or("EV_TYPE_FIELD", "type");
	o->time_field = env_or("EV_TIME_FIELD", "time");
	o->time_unit = EVTIME_UNIT_AUTO;
	o->max_line = EV_DEFAULT_MAX_LINE;
	o->progress = -1;
}

struct option *
evopt_table(const struct option *tool)
{
	size_t nt = 0, nc = EV_ARRAY_LEN(common_opts);
	struct option *t;

	while (tool[nt].name)
		nt++;
	t = ev_calloc(nt + nc, sizeof(*t));
	memcpy(t, tool, nt * sizeof(*t));
	memcpy(t + nt, common_opts, nc * sizeof(*t));
	return t;
}

evtime_t
evopt_time(const char *name, const char *arg)
{
	const char *err;
	evtime_t t;

	if (evtime_parse_arg(arg, evtime_now(), &t, &err) < 0)
		ev_die(EV_EXIT_USAGE, "--%s: invalid time '%s': %s", name, arg,
		       err);
	return t;
}

int64_t
evopt_duration(const char *name, const char *arg, bool zero_ok)
{
	const char *err;
	int64_t d;

	if (duration_parse(arg, &d, &err) < 0)
		ev_die(EV_EXIT_USAGE, "--%s: invalid duration '%s': %s", name,
		       arg, err);
	if (d == 0 && !zero_ok)
		ev_die(EV_EXIT_USAGE, "--%s: duration must be more than 0",
		       name);
	return d;
}

uint64_t
evopt_uint(const char *name, const char *arg, uint64_t min, uint64_t max)
{
	const char *err;
	uint64_t v;

	if (ev_parse_uint(arg, min, max, &v, &err) < 0)
		ev_die(EV_EXIT_USAGE, "--%s: %s value '%s'", name, err, arg);
	return v;
}

static const char *
field_arg(const char *name, const char *arg)
{
	if (*arg == '\0')
		ev_die(EV_EXIT_USAGE, "--%s: empty field path", name);
	return arg;
}

bool
evopt_handle(struct ev_common_opts *o, int c, const char *arg)
{
	const char *err;
	uint64_t v;

	switch (c) {
	case OPT_ID_FIELD:
		o->id_field = field_arg("id-field", arg);
		return true;
	case OPT_TYPE_FIELD:
		o->type_field = field_arg("type-field", arg);
		return true;
	case OPT_TIME_FIELD:
		o->time_field = field_arg("time-field", arg);
		return true;
	case OPT_TIME_UNIT:
		if (evtime_unit_parse(arg, &o->time_unit) < 0)
			ev_die(EV_EXIT_USAGE,
			       "--time-unit: '%s' is not one of s, ms, us, ns, "
			       "auto",
			       arg);
		return true;
	case OPT_MAX_LINE:
		if (ev_parse_bytes(arg, 1, (uint64_t)1 << 30, &v, &err) < 0)
			ev_die(EV_EXIT_USAGE,
			       "--max-line-bytes: %s value '%s' (1 to 1G)", err,
			       arg);
		o->max_line = (size_t)v;
		return true;
	case OPT_REJECT:
		o->reject_path = arg;
		return true;
	case OPT_MAX_ERRORS:
		o->max_errors = evopt_uint("max-errors", arg, 0, UINT64_MAX);
		return true;
	case OPT_STATS:
		o->stats = true;
		return true;
	case OPT_PROGRESS:
		o->progress = 1;
		return true;
	case OPT_NO_PROGRESS:
		o->progress = 0;
		return true;
	case 'u':
		o->unbuffered = true;
		return true;
	default:
		return false;
	}
}

int
evopt_apply_report(const struct ev_common_opts *o, struct ev_report *r)
{
	r->max_errors = o->max_errors;
	r->stats = o->stats;
	r->progress = o->progress;
	if (o->reject_path && report_open_reject(r, o->reject_path) < 0)
		return EV_EXIT_IO;
	return 0;
}

void
evopt_version(void)
{
	printf("%s %s\n", ev_progname, EV_VERSION);
	exit(0);
}

void
evopt_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		ev_vwarn(fmt, ap);
		va_end(ap);
	}
	fputs(usage, stderr);
	exit(EV_EXIT_USAGE);
}
