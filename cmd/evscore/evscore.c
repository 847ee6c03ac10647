/*
 * evscore - apply a trust model to every event: a score, a verdict and the
 * reasons, appended to the event's own bytes.
 *
 * The model (evscore-model(5)) is loaded and checked completely before
 * any input is read; SIGHUP loads it again between two events and keeps
 * the old one when the new one does not load.  Per event, the values the
 * model reads come from the reader's single validating pass; scoring
 * allocates nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "evopts.h"
#include "evread.h"
#include "model.h"
#include "output.h"
#include "score.h"
#include "signals.h"
#include "util.h"

static const char usage_text[] =
    "usage: evscore -m model [-u] [--field name] [--overwrite]\n"
    "               [--only verdict[,verdict ...]] [--type-field path]\n"
    "               [--max-line-bytes n] [--reject file] [--max-errors n]\n"
    "               [--stats] [--progress | --no-progress] [file | dir ...]\n"
    "       evscore -m model --check\n";

enum {
	OPT_FIELD = OPT_COMMON_END,
	OPT_OVERWRITE,
	OPT_ONLY,
	OPT_CHECK,
};

static const struct option tool_opts[] = {
    {"model", required_argument, NULL, 'm'},
    {"field", required_argument, NULL, OPT_FIELD},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"only", required_argument, NULL, OPT_ONLY},
    {"check", no_argument, NULL, OPT_CHECK},
    {NULL, 0, NULL, 0},
};

/* A verdict's count in --stats, by name across reloads. */
struct vcount {
	char *name;
	uint64_t n;
};

struct evscore {
	struct ev_common_opts co;
	struct ev_report rep;
	struct ev_out out;
	struct ev_reader *rd;
	struct model *m;
	const char *model_path;
	const char *field;
	size_t fieldlen;
	int field_idx;
	bool overwrite, check;
	char **only; /* --only verdict names */
	size_t nonly;
	bool *pass; /* per verdict of the current model: passes --only */
	/* The paths registered with the reader before the first event. */
	char **paths;
	int *pidx;
	size_t npaths;
	struct vcount *vc;
	size_t nvc;
	uint64_t scored, unscored, filtered, overridden, reloads, failed;
	struct buf line, stripped, frag, scratch;
};

static _Noreturn void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

static void
parse_only(struct evscore *s, const char *arg)
{
	const char *p = arg;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		size_t i;

		if (n == 0)
			ev_die(EV_EXIT_USAGE,
			       "--only: empty verdict name in '%s'", arg);
		for (i = 0; i < s->nonly; i++)
			if (strlen(s->only[i]) == n &&
			    memcmp(s->only[i], p, n) == 0)
				break;
		if (i == s->nonly) {
			s->only = ev_reallocarray(s->only, s->nonly + 1,
						  sizeof(*s->only));
			s->only[s->nonly++] = ev_strndup(p, n);
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/*
 * Checks that every --only verdict is one of M's; returns -1 with the
 * message in ERR otherwise.
 */
static int
check_only(const struct evscore *s, const struct model *m, struct buf *err)
{
	size_t i, j;

	for (i = 0; i < s->nonly; i++) {
		if (model_verdict(m, s->only[i]) >= 0)
			continue;
		buf_printf(err, "--only: '%s' is not a verdict of %s (",
			   s->only[i], m->id);
		for (j = 0; j < m->nverdicts; j++)
			buf_printf(err, "%s%s", j ? ", " : "",
				   m->verdicts[j].name);
		buf_addc(err, ')');
		return -1;
	}
	return 0;
}

/* model_bind's lookup: the reader's index of PATH, or -1. */
static int
registered_path(void *arg, const char *path)
{
	const struct evscore *s = arg;
	size_t i;

	for (i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i], path) == 0)
			return s->pidx[i];
	return -1;
}

/* Connects model M to the reader, the --only filter and the counters. */
static void
bind_model(struct evscore *s, struct model *m)
{
	size_t i, j;

	model_bind(m, registered_path, s);
	free(s->pass);
	s->pass = ev_calloc(m->nverdicts, sizeof(*s->pass));
	for (i = 0; i < m->nverdicts; i++) {
		struct verdict *v = &m->verdicts[i];

		s->pass[i] = s->nonly == 0;
		for (j = 0; j < s->nonly; j++)
			if (strcmp(s->only[j], v->name) == 0)
				s->pass[i] = true;
		for (j = 0; j < s->nvc; j++)
			if (strcmp(s->vc[j].name, v->name) == 0)
				break;
		if (j == s->nvc) {
			s->vc =
			    ev_reallocarray(s->vc, s->nvc + 1, sizeof(*s->vc));
			s->vc[s->nvc].name = ev_strdup(v->name);
			s->vc[s->nvc].n = 0;
			s->nvc++;
		}
		v->counter = (int)j;
	}
}

/*
 * SIGHUP: load the model file again before scoring EV.  A model that does
 * not load (or lacks an --only verdict) is reported and the old one stays.
 * Paths the new model reads that the reader does not extract (the reader's
 * set is fixed once it has started) are looked up in the line by hand.
 */
static void
reload(struct evscore *s, const struct ev_event *ev)
{
	struct buf err = BUF_INIT;
	struct model *nm;

	ev_reload_pending = 0;
	nm = model_load(s->model_path, &err);
	if (nm && check_only(s, nm, &err) < 0) {
		model_free(nm);
		nm = NULL;
	}
	if (nm == NULL) {
		ev_warn("%s", buf_str(&err));
		ev_warn("%s: reload failed before %s:%llu; still using %s",
			s->model_path, ev->file, (unsigned long long)ev->lineno,
			s->m->id);
		s->failed++;
	} else {
		bind_model(s, nm);
		ev_warn("%s: reloaded %s (was %s) from %s:%llu", s->model_path,
			nm->id, s->m->id, ev->file,
			(unsigned long long)ev->lineno);
		model_free(s->m);
		s->m = nm;
		s->reloads++;
	}
	buf_free(&err);
}

/* Input is about to wait: what was scored so far leaves now. */
static void
before_wait(void *arg)
{
	struct evscore *s = arg;

	out_flush(&s->out);
}

static void
score_all(struct evscore *s)
{
	struct ev_event ev;

	while (ev_reader_next(s->rd, &ev)) {
		struct model *m;
		struct score sc;
		enum score_status st;
		const char *line = ev.line;
		size_t len = ev.len;
		bool present;

		if (ev_reload_pending)
			reload(s, &ev);
		m = s->m;
		st = score_event(m, ev.line, ev.len, ev.v, ev.type, &sc);
		if (st == SCORE_UNSCORED) {
			s->unscored++;
			if (s->nonly) {
				s->filtered++;
				continue;
			}
			out_line(&s->out, ev.line, ev.len);
			continue;
		}
		present = ev.v[s->field_idx].type != JSON_MISSING;
		if (present && !s->overwrite) {
			buf_reset(&s->scratch);
			buf_printf(&s->scratch,
				   "field '%s' is already present (--overwrite "
				   "replaces it)",
				   s->field);
			ev_reader_reject(s->rd, &ev, buf_str(&s->scratch));
			continue;
		}
		if (st == SCORE_NONFINITE) {
			ev_reader_reject(s->rd, &ev,
					 "the score is not a finite number (a "
					 "term's value is too large)");
			continue;
		}
		s->scored++;
		s->vc[m->verdicts[sc.verdict].counter].n++;
		if (sc.override >= 0)
			s->overridden++;
		if (!s->pass[sc.verdict]) {
			s->filtered++;
			continue;
		}
		buf_reset(&s->frag);
		score_format(m, &sc, &s->frag);
		if (present) {
			emit_strip_member(&s->stripped, &s->scratch, line, len,
					  s->field, s->fieldlen);
			line = s->stripped.data;
			len = s->stripped.len;
		}
		json_append_member(&s->line, line, len, s->field, s->fieldlen,
				   s->frag.data, s->frag.len);
		out_line(&s->out, s->line.data, s->line.len);
	}
}

static void
register_paths(struct evscore *s)
{
	struct buf key = BUF_INIT;
	size_t i;

	/* The output field is a top-level key: escape it as a path. */
	for (i = 0; i < s->fieldlen; i++) {
		if (s->field[i] == '\\')
			buf_addc(&key, '\\');
		buf_addc(&key, s->field[i]);
	}
	s->field_idx = ev_reader_add_path(s->rd, "--field", buf_str(&key));
	buf_free(&key);
	s->npaths = s->m->nslots;
	s->paths = ev_calloc(s->npaths ? s->npaths : 1, sizeof(*s->paths));
	s->pidx = ev_calloc(s->npaths ? s->npaths : 1, sizeof(*s->pidx));
	for (i = 0; i < s->npaths; i++) {
		s->paths[i] = ev_strdup(s->m->slots[i].path);
		s->pidx[i] = ev_reader_add_path(s->rd, "--model", s->paths[i]);
	}
}

static void
set_stats(struct evscore *s)
{
	struct buf b = BUF_INIT;
	size_t i;

	report_set_str(&s->rep, "model", s->m->id);
	report_set_int(&s->rep, "scored", (int64_t)s->scored);
	report_set_int(&s->rep, "unscored", (int64_t)s->unscored);
	report_set_int(&s->rep, "filtered", (int64_t)s->filtered);
	report_set_int(&s->rep, "overrides", (int64_t)s->overridden);
	buf_addc(&b, '{');
	for (i = 0; i < s->nvc; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_add_json_string(&b, s->vc[i].name, strlen(s->vc[i].name));
		buf_addc(&b, ':');
		buf_add_u64(&b, s->vc[i].n);
	}
	buf_addc(&b, '}');
	report_set_json(&s->rep, "verdicts", buf_str(&b));
	report_set_int(&s->rep, "reloads", (int64_t)s->reloads);
	report_set_int(&s->rep, "reload_failures", (int64_t)s->failed);
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	static struct evscore s;
	struct ev_reader_config rc;
	struct option *longopts;
	struct buf err = BUF_INIT;
	int ch, status;
	size_t i;

	ev_setprogname(argv[0]);
	ev_default_sigpipe();
	evopt_defaults(&s.co);
	s.field = "score";
	longopts = evopt_table(tool_opts);
	while ((ch = getopt_long(argc, argv, "m:uhV", longopts, NULL)) != -1) {
		if (evopt_handle(&s.co, ch, optarg))
			continue;
		switch (ch) {
		case 'm':
			s.model_path = optarg;
			break;
		case OPT_FIELD:
			s.field = optarg;
			break;
		case OPT_OVERWRITE:
			s.overwrite = true;
			break;
		case OPT_ONLY:
			parse_only(&s, optarg);
			break;
		case OPT_CHECK:
			s.check = true;
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
	if (s.model_path == NULL)
		evopt_usage_error(usage_text, "-m model is required");
	if (*s.field == '\0')
		ev_die(EV_EXIT_USAGE, "--field: empty name");
	if (strchr(s.field, '.') != NULL)
		ev_die(EV_EXIT_USAGE,
		       "--field: '%s' must be a top-level member name "
		       "without '.'",
		       s.field);
	s.fieldlen = strlen(s.field);
	if (s.check && argc > 0)
		evopt_usage_error(usage_text, "--check takes no file operands");

	/*
	 * Handlers first: a SIGHUP sent as soon as the process exists asks
	 * for a reload, it must not end the program.
	 */
	ev_signals_install(true);
	/* The whole model is checked before any input is read. */
	s.m = model_load(s.model_path, &err);
	if (s.m == NULL || check_only(&s, s.m, &err) < 0)
		ev_die(EV_EXIT_USAGE, "%s", buf_str(&err));
	buf_free(&err);
	if (s.check) {
		struct buf sum = BUF_INIT;

		model_summary(s.m, &sum);
		fputs(buf_str(&sum), stdout);
		buf_free(&sum);
		model_free(s.m);
		if (fflush(stdout) == EOF || ferror(stdout))
			ev_die(EV_EXIT_IO, "write error on standard output:");
		return 0;
	}

	report_init(&s.rep);
	if ((status = evopt_apply_report(&s.co, &s.rep)) != 0)
		return status;
	out_init(&s.out, 1, "standard output");
	s.out.unbuffered = s.co.unbuffered;

	memset(&rc, 0, sizeof(rc));
	rc.opts = &s.co;
	rc.report = &s.rep;
	rc.need_type = true;
	rc.before_wait = before_wait;
	rc.arg = &s;
	s.rd = ev_reader_new(&rc, argv, (size_t)argc);
	register_paths(&s);
	bind_model(&s, s.m);

	score_all(&s);

	out_flush(&s.out);
	status = ev_reader_status(s.rd);
	s.rep.lines_out = s.out.lines;
	s.rep.bytes_out = s.out.bytes;
	set_stats(&s);
	status = report_finish(&s.rep, status);

	ev_reader_free(s.rd);
	out_free(&s.out);
	model_free(s.m);
	for (i = 0; i < s.npaths; i++)
		free(s.paths[i]);
	free(s.paths);
	free(s.pidx);
	for (i = 0; i < s.nonly; i++)
		free(s.only[i]);
	free(s.only);
	free(s.pass);
	for (i = 0; i < s.nvc; i++)
		free(s.vc[i].name);
	free(s.vc);
	buf_free(&s.line);
	buf_free(&s.stripped);
	buf_free(&s.frag);
	buf_free(&s.scratch);
	ev_exit(status);
}
