/*
 * evwindow - aggregate events in event-time windows: tumbling, sliding
 * and session windows, with a watermark, allowed lateness, late-event
 * policies and a state file, giving the same bytes whether the input is
 * a file or a slow stream (see evwindow(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "evopts.h"
#include "evread.h"
#include "evw.h"
#include "output.h"
#include "signals.h"
#include "util.h"

static const char usage_text[] =
    "usage: evwindow --tumbling size | --sliding size/slide | --session gap\n"
    "                [--offset [-]duration] [--by path[,path ...]]\n"
    "                [-a [name=]function[:path]] ... [--lateness duration]\n"
    "                [--late drop | emit | file:path] [--retain duration]\n"
    "                [--fail-on-late] [--exact] [--state file [--flush]]\n"
    "                [--idle duration] [--max-windows n] [--time-field path]\n"
    "                [--time-unit unit] [--max-line-bytes n] [--reject file]\n"
    "                [--max-errors n] [--stats] [--progress | --no-progress]\n"
    "                [-u] [file | dir ...]\n";

enum {
	OPT_TUMBLING = OPT_COMMON_END,
	OPT_SLIDING,
	OPT_SESSION,
	OPT_OFFSET,
	OPT_BY,
	OPT_LATENESS,
	OPT_LATE,
	OPT_RETAIN,
	OPT_FAIL_ON_LATE,
	OPT_EXACT,
	OPT_FLUSH,
	OPT_STATE,
	OPT_IDLE,
	OPT_MAX_WINDOWS,
};

static const struct option tool_opts[] = {
    {"tumbling", required_argument, NULL, OPT_TUMBLING},
    {"sliding", required_argument, NULL, OPT_SLIDING},
    {"session", required_argument, NULL, OPT_SESSION},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"by", required_argument, NULL, OPT_BY},
    {"agg", required_argument, NULL, 'a'},
    {"lateness", required_argument, NULL, OPT_LATENESS},
    {"late", required_argument, NULL, OPT_LATE},
    {"retain", required_argument, NULL, OPT_RETAIN},
    {"fail-on-late", no_argument, NULL, OPT_FAIL_ON_LATE},
    {"exact", no_argument, NULL, OPT_EXACT},
    {"flush", no_argument, NULL, OPT_FLUSH},
    {"state", required_argument, NULL, OPT_STATE},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"max-windows", required_argument, NULL, OPT_MAX_WINDOWS},
    {NULL, 0, NULL, 0},
};

static _Noreturn void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

/* A duration option within EVW_MAX_DURATION. */
static int64_t
duration_opt(const char *name, const char *arg, bool zero_ok)
{
	int64_t d = evopt_duration(name, arg, zero_ok);

	if (d > EVW_MAX_DURATION)
		ev_die(EV_EXIT_USAGE,
		       "--%s: duration '%s' too long (at most 3652425d)", name,
		       arg);
	return d;
}

static int64_t
gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static char *
dup_dur(int64_t us)
{
	char tmp[DURATION_FMT_MAX];

	duration_format(us, tmp);
	return ev_strdup(tmp);
}

static void
set_window(struct evw *w, bool *given, enum evw_kind kind, const char *arg)
{
	struct buf b = BUF_INIT;
	char *s, *h;

	if (*given)
		ev_die(EV_EXIT_USAGE, "only one of --tumbling, --sliding and "
				      "--session may be given");
	*given = true;
	w->kind = kind;
	switch (kind) {
	case WIN_TUMBLING:
		w->size = w->slide = duration_opt("tumbling", arg, false);
		s = dup_dur(w->size);
		buf_printf(&b, "--tumbling %s", s);
		free(s);
		break;
	case WIN_SLIDING: {
		const char *slash = strchr(arg, '/');
		char *size;

		if (slash == NULL)
			ev_die(EV_EXIT_USAGE,
			       "--sliding: expected SIZE/SLIDE, got '%s'", arg);
		size = ev_strndup(arg, (size_t)(slash - arg));
		w->size = duration_opt("sliding", size, false);
		w->slide = duration_opt("sliding", slash + 1, false);
		free(size);
		s = dup_dur(w->size);
		h = dup_dur(w->slide);
		if (w->slide > w->size)
			ev_die(EV_EXIT_USAGE,
			       "--sliding: SLIDE %s is longer than SIZE %s", h,
			       s);
		buf_printf(&b, "--sliding %s/%s", s, h);
		free(s);
		free(h);
		break;
	}
	case WIN_SESSION:
		w->gap = duration_opt("session", arg, false);
		s = dup_dur(w->gap);
		buf_printf(&b, "--session %s", s);
		free(s);
		break;
	}
	w->window_text = ev_strdup(buf_str(&b));
	buf_free(&b);
}

/* Splits a --by argument at commas not escaped by a backslash. */
static void
add_by(struct evw *w, const char *arg)
{
	const char *p = arg, *start = arg;

	for (;; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p != ',' && *p != '\0')
			continue;
		if (p == start)
			ev_die(EV_EXIT_USAGE, "--by: empty field path in '%s'",
			       arg);
		w->by_paths =
		    ev_reallocarray(w->by_paths, w->nby + 1, sizeof(char *));
		w->by_paths[w->nby++] = ev_strndup(start, (size_t)(p - start));
		if (*p == '\0')
			break;
		start = p + 1;
	}
}

static void
ignore_key(const char *key, size_t n, void *arg)
{
}

static void
add_agg(struct evw *w, const char *arg)
{
	struct buf err = BUF_INIT;
	struct agg_spec a;

	const char *e;

	if (agg_parse(arg, &a, &err) < 0)
		ev_die(EV_EXIT_USAGE, "-a '%s': %s", arg, buf_str(&err));
	if (a.path && json_path_split(a.path, ignore_key, NULL, &e) < 0)
		ev_die(EV_EXIT_USAGE, "-a '%s': invalid field path '%s': %s",
		       arg, a.path, e);
	buf_free(&err);
	w->aggs = ev_reallocarray(w->aggs, w->naggs + 1, sizeof(*w->aggs));
	w->aggs[w->naggs++] = a;
}

static void
parse_late(struct evw *w, const char *arg)
{
	if (strcmp(arg, "drop") == 0)
		w->late = LATE_DROP;
	else if (strcmp(arg, "emit") == 0)
		w->late = LATE_EMIT;
	else if (strncmp(arg, "file:", 5) == 0 && arg[5] != '\0') {
		w->late = LATE_FILE;
		w->late_path = arg + 5;
	} else
		ev_die(EV_EXIT_USAGE,
		       "--late: expected drop, emit or file:PATH, got '%s'",
		       arg);
}

static void
parse_offset(struct evw *w, const char *arg)
{
	bool neg = arg[0] == '-';

	w->offset = duration_opt("offset", arg + neg, true);
	if (neg)
		w->offset = -w->offset;
	w->offset_text = ev_strdup(arg);
}

/* Output names must not collide: the window, the keys, the aggregates. */
static void
check_names(struct evw *w)
{
	const char **names = ev_calloc(w->naggs + w->nkops + 4, sizeof(char *));
	size_t n = 0, i, j;
	int depth = 0;

	names[n++] = "window_start";
	names[n++] = "window_end";
	names[n++] = "approx";
	names[n++] = "pane";
	for (i = 0; i < w->nkops; i++) {
		if (w->kops[i].op == KOP_CLOSE) {
			depth--;
			continue;
		}
		if (depth == 0)
			names[n++] = w->kops[i].name;
		if (w->kops[i].op == KOP_OPEN)
			depth++;
	}
	for (i = 0; i < w->naggs; i++)
		names[n++] = w->aggs[i].name;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				ev_die(EV_EXIT_USAGE,
				       "duplicate output field '%s' (name an "
				       "aggregate with -a NAME=...)",
				       names[i]);
	free(names);
}

static void
before_wait(void *arg)
{
	struct evw *w = arg;

	out_flush(&w->out);
}

/*
 * --idle: input has paused.  Event time is taken to go on at the speed
 * of the wall clock from the newest event seen, so the watermark moves on
 * by the time elapsed since that event arrived.
 */
static void
idle_advance(struct evw *w)
{
	double elapsed = ev_now_monotonic() - w->last_event_wall;
	evtime_t cand;

	if (w->max_ts == EVW_NONE)
		return;
	cand = w->max_ts - w->lateness + (evtime_t)(elapsed * 1e6);
	if (cand > evw_watermark(w)) {
		w->wm_floor = cand;
		evw_fire(w, PANE_IDLE);
		out_flush(&w->out);
	}
}

/*
 * Called by the reader once per pause.  On standard input the pause is
 * watched here, advancing again every --idle until input comes back (or
 * a stop signal), so that windows keep closing while the stream is quiet.
 */
static void
on_idle(void *arg)
{
	struct evw *w = arg;
	int ms = w->idle / 1000 > INT_MAX ? INT_MAX : (int)(w->idle / 1000);

	idle_advance(w);
	while (w->stdin_only && !ev_stop_signal) {
		struct pollfd pfd = {.fd = 0, .events = POLLIN};
		int r = poll(&pfd, 1, ms > 0 ? ms : 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0)
			return; /* input (or its end) is there */
		idle_advance(w);
	}
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void
report_late(struct evw *w)
{
	unsigned long long n = w->late_events;

	if (n == 0)
		return;
	switch (w->late) {
	case LATE_DROP:
		ev_warn("%llu late event%s dropped (first at %s:%llu)", n,
			plural(n), w->late_file,
			(unsigned long long)w->late_line);
		break;
	case LATE_FILE:
		ev_warn("%llu late event%s written to %s (first at %s:%llu)", n,
			plural(n), w->late_path, w->late_file,
			(unsigned long long)w->late_line);
		break;
	case LATE_EMIT:
		if (w->late_expired)
			ev_warn("%llu late event%s: %llu emitted as late "
				"updates, %llu dropped beyond --retain (first "
				"at %s:%llu)",
				n, plural(n),
				(unsigned long long)(n - w->late_expired),
				(unsigned long long)w->late_expired,
				w->late_file, (unsigned long long)w->late_line);
		else
			ev_warn("%llu late event%s emitted as late updates "
				"(first at %s:%llu)",
				n, plural(n), w->late_file,
				(unsigned long long)w->late_line);
		break;
	}
}

static void
set_stats(struct evw *w)
{
	struct buf b = BUF_INIT;
	char t[EVTIME_FMT_MAX];
	evtime_t wm = evw_watermark(w);
	size_t i;
	bool any = false;

	w->rep.lines_out = w->out.lines;
	w->rep.bytes_out = w->out.bytes;
	report_set_int(&w->rep, "events", (int64_t)w->events);
	report_set_int(&w->rep, "late", (int64_t)w->late_events);
	report_set_int(&w->rep, "late_updates", (int64_t)w->late_updates);
	report_set_int(&w->rep, "late_expired", (int64_t)w->late_expired);
	report_set_int(&w->rep, "rejected_max_windows",
		       (int64_t)w->full_rejected);
	report_set_int(&w->rep, "open_windows", (int64_t)w->nentries);
	report_set_int(&w->rep, "open_windows_max", (int64_t)w->nentries_max);
	report_set_int(&w->rep, "approx", (int64_t)w->approx_out);
	if (wm == EVW_NONE) {
		report_set_json(&w->rep, "watermark", "null");
	} else {
		evtime_format(wm, t);
		report_set_str(&w->rep, "watermark", t);
	}
	buf_addc(&b, '{');
	for (i = 0; i < w->naggs; i++) {
		if (w->aggs[i].non_numeric == 0)
			continue;
		if (any)
			buf_addc(&b, ',');
		any = true;
		buf_add_json_string(&b, w->aggs[i].name,
				    strlen(w->aggs[i].name));
		buf_addc(&b, ':');
		buf_add_u64(&b, w->aggs[i].non_numeric);
	}
	buf_addc(&b, '}');
	report_set_json(&w->rep, "non_numeric", buf_str(&b));
	buf_free(&b);
}

static void
report_non_numeric(struct evw *w)
{
	size_t i;

	for (i = 0; i < w->naggs; i++) {
		struct agg_spec *a = &w->aggs[i];

		if (a->non_numeric == 0)
			continue;
		ev_warn("-a %s: %llu value%s not a number, skipped (first at "
			"%s:%llu)",
			a->name, (unsigned long long)a->non_numeric,
			plural(a->non_numeric), a->bad_file ? a->bad_file : "?",
			(unsigned long long)a->bad_line);
	}
}

static void
run(struct evw *w)
{
	struct ev_event ev;
	evtime_t ts;
	char reason[96];

	snprintf(reason, sizeof(reason),
		 "too many open windows (--max-windows %llu)",
		 (unsigned long long)w->max_windows);
	while (ev_reader_next(w->rd, &ev)) {
		if (ev_reader_time(w->rd, &ev, &ts, &w->why) < 0) {
			ev_reader_reject(w->rd, &ev, buf_str(&w->why));
			continue;
		}
		if (evw_event(w, &ev, ts) < 0)
			ev_reader_reject(w->rd, &ev, reason);
		if (w->idle)
			w->last_event_wall = ev_now_monotonic();
	}
}

int
main(int argc, char **argv)
{
	static struct evw w;
	struct ev_reader_config rc;
	struct option *longopts;
	struct buf err = BUF_INIT;
	bool window_given = false;
	int ch, status;
	size_t i;

	ev_setprogname(argv[0]);
	ev_default_sigpipe();
	evopt_defaults(&w.co);
	longopts = evopt_table(tool_opts);
	while ((ch = getopt_long(argc, argv, "a:uhV", longopts, NULL)) != -1) {
		if (evopt_handle(&w.co, ch, optarg))
			continue;
		switch (ch) {
		case OPT_TUMBLING:
			set_window(&w, &window_given, WIN_TUMBLING, optarg);
			break;
		case OPT_SLIDING:
			set_window(&w, &window_given, WIN_SLIDING, optarg);
			break;
		case OPT_SESSION:
			set_window(&w, &window_given, WIN_SESSION, optarg);
			break;
		case OPT_OFFSET:
			parse_offset(&w, optarg);
			break;
		case OPT_BY:
			add_by(&w, optarg);
			break;
		case 'a':
			add_agg(&w, optarg);
			break;
		case OPT_LATENESS:
			w.lateness = duration_opt("lateness", optarg, true);
			break;
		case OPT_LATE:
			parse_late(&w, optarg);
			break;
		case OPT_RETAIN:
			w.retain = duration_opt("retain", optarg, true);
			w.retain_given = true;
			break;
		case OPT_FAIL_ON_LATE:
			w.fail_on_late = true;
			break;
		case OPT_EXACT:
			w.exact = true;
			break;
		case OPT_FLUSH:
			w.flush = true;
			break;
		case OPT_STATE:
			if (*optarg == '\0')
				ev_die(EV_EXIT_USAGE,
				       "--state: empty file name");
			w.state_path = optarg;
			break;
		case OPT_IDLE:
			w.idle = duration_opt("idle", optarg, false);
			break;
		case OPT_MAX_WINDOWS:
			w.max_windows =
			    evopt_uint("max-windows", optarg, 1, UINT32_MAX);
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

	if (!window_given)
		evopt_usage_error(usage_text, "one of --tumbling, --sliding or "
					      "--session is required");
	if (w.kind == WIN_SESSION && w.offset_text)
		ev_die(EV_EXIT_USAGE, "--offset does not apply to --session");
	if (w.retain_given && w.late != LATE_EMIT)
		ev_die(EV_EXIT_USAGE, "--retain needs --late emit");
	if (w.flush && w.state_path == NULL)
		ev_die(EV_EXIT_USAGE, "--flush needs --state");
	if (w.kind == WIN_SESSION) {
		w.size = w.slide = w.pane = w.gap;
	} else {
		w.pane = gcd64(w.size, w.slide);
		/* Window starts repeat every SLIDE: keep OFFSET in [0, SLIDE). */
		w.offset %= w.slide;
		if (w.offset < 0)
			w.offset += w.slide;
	}
	if (w.late == LATE_EMIT && !w.retain_given)
		w.retain = EVW_MAX_DURATION; /* until the end of input */
	if (w.naggs == 0)
		add_agg(&w, "count");
	if (evw_key_layout(&w, &err) < 0)
		ev_die(EV_EXIT_USAGE, "%s", buf_str(&err));
	buf_free(&err);
	check_names(&w);
	w.stsize = agg_layout(w.aggs, w.naggs);
	evw_init(&w);

	report_init(&w.rep);
	if (w.state_path && (status = evw_state_load(&w)) != 0)
		return status;
	if ((status = evopt_apply_report(&w.co, &w.rep)) != 0)
		return status;
	if (w.late == LATE_FILE && evw_late_open(&w) < 0)
		return report_finish(&w.rep, EV_EXIT_IO);
	ev_signals_install(false);
	out_init(&w.out, 1, "standard output");
	w.out.unbuffered = w.co.unbuffered;

	memset(&rc, 0, sizeof(rc));
	rc.opts = &w.co;
	rc.report = &w.rep;
	rc.need_time = true;
	rc.before_wait = before_wait;
	if (w.idle > 0) {
		rc.idle = w.idle;
		rc.on_idle = on_idle;
	}
	rc.arg = &w;
	w.stdin_only = true;
	for (i = 0; i < (size_t)argc; i++)
		if (strcmp(argv[i], "-") != 0)
			w.stdin_only = false;
	w.rd = ev_reader_new(&rc, argv, (size_t)argc);
	w.by_idx = ev_calloc(w.nby + 1, sizeof(int));
	for (i = 0; i < w.nby; i++)
		w.by_idx[i] = ev_reader_add_path(w.rd, "--by", w.by_paths[i]);
	for (i = 0; i < w.naggs; i++)
		if (w.aggs[i].path)
			w.aggs[i].vidx =
			    ev_reader_add_path(w.rd, "-a", w.aggs[i].path);
	w.actx.exact = w.exact;
	w.actx.scratch = &w.scratch;
	w.actx.canon = &w.canon;
	w.last_event_wall = ev_now_monotonic();

	run(&w);

	if (w.state_path == NULL || w.flush)
		evw_flush_all(&w);
	out_flush(&w.out);
	status = ev_reader_status(w.rd);
	if (w.state_path && evw_state_save(&w) < 0)
		status = EV_EXIT_IO;
	if (evw_late_commit(&w) < 0)
		status = EV_EXIT_IO;
	report_late(&w);
	report_non_numeric(&w);
	if (w.fail_on_late && w.late_events > 0)
		ev_warn("--fail-on-late: %llu late event%s",
			(unsigned long long)w.late_events,
			plural(w.late_events));
	set_stats(&w);
	status = report_finish(&w.rep, status);
	if (status == 0 && w.fail_on_late && w.late_events > 0)
		status = EV_EXIT_REJECT;

	ev_reader_free(w.rd);
	evw_free(&w);
	out_free(&w.out);
	for (i = 0; i < w.naggs; i++)
		agg_spec_free(&w.aggs[i]);
	free(w.aggs);
	for (i = 0; i < w.nby; i++)
		free(w.by_paths[i]);
	free(w.by_paths);
	free(w.by_idx);
	for (i = 0; i < w.nkops; i++)
		free(w.kops[i].name);
	free(w.kops);
	free(w.window_text);
	free(w.offset_text);
	free(w.late_file);
	buf_free(&w.line);
	buf_free(&w.approx);
	buf_free(&w.kbuf);
	buf_free(&w.scratch);
	buf_free(&w.canon);
	buf_free(&w.why);
	ev_exit(status);
}
