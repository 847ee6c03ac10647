/*
 * evpartition - write events into a partitioned lake: one directory per
 * type and hour (or a Hive or custom layout), gzip files committed
 * atomically under deterministic names, so that a re-run with the same
 * run id replaces its files instead of adding to them.
 *
 * This file holds the command line and the event loop; lake.c keeps the
 * lake's lock, marker and journals; sink.c buffers, compresses and
 * commits the files.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "evopts.h"
#include "evpartition.h"
#include "evread.h"
#include "hash.h"
#include "layout.h"
#include "output.h"
#include "signals.h"
#include "util.h"

static const char usage_text[] =
    "usage: evpartition -o root [-u] [-l layout] [--run-id id]\n"
    "                   [--level n | --no-gzip] [--max-file-bytes n]\n"
    "                   [--max-file-events n] [--max-open n] [--threads n]\n"
    "                   [--default-partition name] [--type-field path]\n"
    "                   [--time-field path] [--time-unit unit]\n"
    "                   [--max-line-bytes n] [--reject file] [--max-errors n]\n"
    "                   [--stats] [--progress | --no-progress]\n"
    "                   [file | dir ...]\n";

enum {
	OPT_RUN_ID = OPT_COMMON_END,
	OPT_LEVEL,
	OPT_NO_GZIP,
	OPT_MAX_FILE_BYTES,
	OPT_MAX_FILE_EVENTS,
	OPT_MAX_OPEN,
	OPT_DEFAULT_PARTITION,
	OPT_THREADS,
};

static const struct option tool_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"layout", required_argument, NULL, 'l'},
    {"run-id", required_argument, NULL, OPT_RUN_ID},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"no-gzip", no_argument, NULL, OPT_NO_GZIP},
    {"max-file-bytes", required_argument, NULL, OPT_MAX_FILE_BYTES},
    {"max-file-events", required_argument, NULL, OPT_MAX_FILE_EVENTS},
    {"max-open", required_argument, NULL, OPT_MAX_OPEN},
    {"default-partition", required_argument, NULL, OPT_DEFAULT_PARTITION},
    {"threads", required_argument, NULL, OPT_THREADS},
    {NULL, 0, NULL, 0},
};

/* Buffered input of all partitions together (see sink.c). */
#define MEM_BUDGET (64u << 20)
/* Descriptors kept for everything but partition files. */
#define FD_RESERVE   32
#define MAX_OPEN_CAP 4096
/* Compressing threads by default: the processors, at most this many. */
#define THREADS_DEFAULT_MAX 8

/*
 * Rendered directories, cached by the raw bytes of the values they come
 * from and the time's bucket (layout_time_granularity): most events
 * skip rendering, escaping and strftime altogether.
 */
#define KCACHE_SIZE 1024
#define KEY_MAX     232

struct kentry {
	uint64_t h;
	struct part *p;
	bool defaulted;
	uint16_t len;
	char key[KEY_MAX];
};

struct evp {
	struct ev_common_opts co;
	struct ev_report rep;
	struct ev_out out;
	struct ev_reader *rd;
	struct layout *layout;
	struct lake lake;
	struct sink *sink;
	const char *root;
	char *run_id;
	const char *default_partition;
	bool uses_type, uses_time;
	int64_t gran;
	size_t nfields;
	int *field_idx;
	struct json_value *fields;
	size_t root_len;
	struct kentry *cache;
	uint64_t defaulted;
	struct buf key, rel, why;
};

static struct evp *g_evp;

static _Noreturn void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

void
evp_fatal(const char *path, int err)
{
	struct evp *e = g_evp;

	fprintf(stderr, "%s: %s: %s\n", ev_progname, path, strerror(err));
	if (e) {
		g_evp = NULL; /* no second round from below */
		sink_abort_all(e->sink);
		sink_flush_listing(e->sink);
		if (e->lake.root)
			lake_close(&e->lake);
		e->rep.lines_out = e->out.lines;
		report_finish(&e->rep, EV_EXIT_IO);
	}
	ev_exit(EV_EXIT_IO);
}

static void
before_wait(void *arg)
{
	struct evp *e = arg;

	/* Files are committed by count and size only, never by timing. */
	out_flush(&e->out);
}

/* The default run id: the UTC start time and the process id. */
static char *
default_run_id(void)
{
	char t[32], id[64];

	evtime_strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", evtime_now());
	snprintf(id, sizeof(id), "%s-%ld", t, (long)getpid());
	return ev_strdup(id);
}

static size_t
default_max_open(void)
{
	struct rlimit rl;
	uint64_t soft;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return MAX_OPEN_CAP;
	soft = (uint64_t)rl.rlim_cur;
	if (soft > 2 * FD_RESERVE)
		soft -= FD_RESERVE;
	else
		soft /= 2;
	if (soft < 1)
		soft = 1;
	return soft > MAX_OPEN_CAP ? MAX_OPEN_CAP : (size_t)soft;
}

/* The processors this process may run on. */
static int
default_threads(void)
{
	cpu_set_t set;
	long n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > THREADS_DEFAULT_MAX ? THREADS_DEFAULT_MAX : (int)n;
}

static void
check_max_open(uint64_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    n + FD_RESERVE / 2 > (uint64_t)rl.rlim_cur)
		ev_die(EV_EXIT_USAGE,
		       "--max-open: %llu does not fit the open file limit "
		       "%llu (ulimit -n) less %d reserved",
		       (unsigned long long)n, (unsigned long long)rl.rlim_cur,
		       FD_RESERVE / 2);
}

static void
key_value(struct buf *k, const struct json_value *v)
{
	uint32_t n;

	buf_addc(k, (char)v->type);
	switch (v->type) {
	case JSON_STRING:
	case JSON_NUMBER:
	case JSON_TRUE:
	case JSON_FALSE:
		n = (uint32_t)v->len;
		buf_add(k, &n, sizeof(n));
		buf_add(k, v->ptr, v->len);
		break;
	default:
		break;
	}
}

/*
 * The partition of EV, or NULL when it was rejected.  T/HAVE_TIME: its
 * time; TIME_WHY: why it has none.
 */
static struct part *
partition_of(struct evp *e, const struct ev_event *ev, evtime_t t,
	     bool have_time, struct buf *time_why)
{
	struct kentry *ke = NULL;
	bool defaulted = false;
	uint64_t h = 0;
	struct part *p;
	size_t i;
	static const struct json_value missing = {NULL, 0, JSON_MISSING, false};

	buf_reset(&e->key);
	if (e->uses_type)
		key_value(&e->key, ev->type);
	for (i = 0; i < e->nfields; i++)
		key_value(&e->key, &ev->v[e->field_idx[i]]);
	if (e->uses_time) {
		buf_addc(&e->key, (char)have_time);
		if (have_time) {
			evtime_t b = evtime_floor(t, e->gran, 0);

			buf_add(&e->key, &b, sizeof(b));
		}
	}
	if (e->key.len <= KEY_MAX) {
		h = ev_hash64(e->key.data, e->key.len);
		ke = &e->cache[h & (KCACHE_SIZE - 1)];
		if (ke->p && ke->h == h && ke->len == e->key.len &&
		    memcmp(ke->key, e->key.data, e->key.len) == 0) {
			if (ke->defaulted)
				e->defaulted++;
			return ke->p;
		}
	}

	if (e->uses_time && !have_time && e->default_partition == NULL) {
		ev_reader_reject(e->rd, ev, buf_str(time_why));
		return NULL;
	}
	for (i = 0; i < e->nfields; i++)
		e->fields[i] = ev->v[e->field_idx[i]];
	buf_reset(&e->rel);
	buf_reset(&e->why);
	if (layout_render(e->layout, e->uses_type ? ev->type : &missing, t,
			  have_time, e->fields, NULL, &e->rel, &e->why) < 0) {
		if (e->default_partition == NULL) {
			ev_reader_reject(e->rd, ev, buf_str(&e->why));
			return NULL;
		}
		buf_reset(&e->rel);
		buf_reset(&e->why);
		if (layout_render(e->layout, e->uses_type ? ev->type : &missing,
				  t, have_time, e->fields, e->default_partition,
				  &e->rel, &e->why) < 0) {
			ev_reader_reject(e->rd, ev, buf_str(&e->why));
			return NULL;
		}
		defaulted = true;
	}
	/* ROOT/REL/part-RUN-NNNNN.jsonl.gz and its temporary name fit. */
	if (e->root_len + e->rel.len + strlen(e->run_id) + 96 > PATH_MAX) {
		ev_reader_reject(e->rd, ev,
				 "partition path longer than PATH_MAX");
		return NULL;
	}
	p = sink_partition(e->sink, e->rel.data, e->rel.len);
	if (defaulted)
		e->defaulted++;
	if (ke) {
		ke->h = h;
		ke->p = p;
		ke->defaulted = defaulted;
		ke->len = (uint16_t)e->key.len;
		memcpy(ke->key, e->key.data, e->key.len);
	}
	return p;
}

static void
run(struct evp *e)
{
	struct ev_event ev;
	struct buf time_why = BUF_INIT;

	while (ev_reader_next(e->rd, &ev)) {
		evtime_t t = 0;
		bool have_time = ev_reader_time(e->rd, &ev, &t, &time_why) == 0;
		struct part *p = partition_of(e, &ev, t, have_time, &time_why);

		if (p)
			sink_write(e->sink, p, ev.line, ev.len, t, have_time);
	}
	buf_free(&time_why);
}

int
main(int argc, char **argv)
{
	static struct evp e;
	struct ev_reader_config rc;
	struct sink_config sc;
	struct sink_stats st;
	static struct option *longopts; /* reachable if an option exits */
	const char *layout_spec = "default", *err;
	uint64_t max_open = 0, max_file_bytes = 0, max_file_events = 0;
	int ch, status, level = 6, threads = 0;
	bool level_set = false, no_gzip = false;
	size_t i;

	ev_setprogname(argv[0]);
	ev_default_sigpipe();
	/* A file size limit (ulimit -f) is an error to report, not a kill. */
	signal(SIGXFSZ, SIG_IGN);
	evopt_defaults(&e.co);
	longopts = evopt_table(tool_opts);
	while ((ch = getopt_long(argc, argv, "o:l:uhV", longopts, NULL)) !=
	       -1) {
		if (evopt_handle(&e.co, ch, optarg))
			continue;
		switch (ch) {
		case 'o':
			if (*optarg == '\0')
				ev_die(EV_EXIT_USAGE,
				       "-o: empty root directory");
			e.root = optarg;
			break;
		case 'l':
			layout_spec = optarg;
			break;
		case OPT_RUN_ID:
			if (!lake_valid_run_id(optarg))
				ev_die(
				    EV_EXIT_USAGE,
				    "--run-id: '%s' is not 1 to %d letters, "
				    "digits, '.', '_' or '-' starting with a "
				    "letter or digit",
				    optarg, EVP_RUN_ID_MAX);
			free(e.run_id);
			e.run_id = ev_strdup(optarg);
			break;
		case OPT_LEVEL:
			level = (int)evopt_uint("level", optarg, 1, 9);
			level_set = true;
			break;
		case OPT_NO_GZIP:
			no_gzip = true;
			break;
		case OPT_MAX_FILE_BYTES:
			if (ev_parse_bytes(optarg, 1, (uint64_t)1 << 50,
					   &max_file_bytes, &err) < 0)
				ev_die(EV_EXIT_USAGE,
				       "--max-file-bytes: %s value '%s'", err,
				       optarg);
			break;
		case OPT_MAX_FILE_EVENTS:
			max_file_events = evopt_uint("max-file-events", optarg,
						     1, UINT64_MAX);
			break;
		case OPT_MAX_OPEN:
			max_open = evopt_uint("max-open", optarg, 1, 1u << 20);
			break;
		case OPT_THREADS:
			threads = (int)evopt_uint("threads", optarg, 1, 64);
			break;
		case OPT_DEFAULT_PARTITION:
			if (*optarg == '\0')
				ev_die(EV_EXIT_USAGE,
				       "--default-partition: empty name");
			e.default_partition = optarg;
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
	if (e.root == NULL)
		evopt_usage_error(usage_text, "-o root is required");
	if (level_set && no_gzip)
		evopt_usage_error(usage_text,
				  "--level and --no-gzip exclude each other");
	if (max_open)
		check_max_open(max_open);
	else
		max_open = default_max_open();
	e.layout =
	    layout_new(layout_spec, e.co.type_field, e.co.time_field, &err);
	if (e.layout == NULL)
		ev_die(EV_EXIT_USAGE, "--layout '%s': %s", layout_spec, err);
	if (e.run_id == NULL)
		e.run_id = default_run_id();
	if (threads == 0)
		threads = default_threads();

	report_init(&e.rep);
	if ((status = evopt_apply_report(&e.co, &e.rep)) != 0)
		return status;
	ev_signals_install(false);
	out_init(&e.out, 1, "standard output");
	e.out.unbuffered = e.co.unbuffered;

	lake_open(&e.lake, e.root, e.run_id, e.layout);

	memset(&sc, 0, sizeof(sc));
	sc.root = e.lake.root;
	sc.run_id = e.run_id;
	sc.level = no_gzip ? 0 : level;
	sc.threads = threads;
	sc.max_file_bytes = max_file_bytes;
	sc.max_file_events = max_file_events;
	sc.max_open = (size_t)max_open;
	sc.mem_budget = MEM_BUDGET;
	sc.out = &e.out;
	sc.lake = &e.lake;
	e.root_len = strlen(e.lake.root);
	/* The sink keeps its own copy of the root: lake_finish frees it. */
	sc.root = ev_strdup(e.lake.root);
	e.sink = sink_new(&sc);
	g_evp = &e;

	memset(&rc, 0, sizeof(rc));
	rc.opts = &e.co;
	rc.report = &e.rep;
	e.uses_type = layout_uses_type(e.layout);
	e.uses_time = layout_uses_time(e.layout);
	e.gran = layout_time_granularity(e.layout);
	rc.need_type = e.uses_type;
	rc.need_time = true; /* also for each file's min_time and max_time */
	rc.before_wait = before_wait;
	rc.arg = &e;
	e.rd = ev_reader_new(&rc, argv, (size_t)argc);
	e.nfields = layout_nfields(e.layout);
	e.field_idx = ev_calloc(e.nfields ? e.nfields : 1, sizeof(int));
	e.fields = ev_calloc(e.nfields ? e.nfields : 1, sizeof(*e.fields));
	for (i = 0; i < e.nfields; i++)
		e.field_idx[i] = ev_reader_add_path(e.rd, "--layout",
						    layout_field(e.layout, i));
	e.cache = ev_calloc(KCACHE_SIZE, sizeof(*e.cache));

	run(&e);

	sink_finish_all(e.sink);
	out_flush(&e.out);
	status = ev_reader_status(e.rd);
	/* Only a complete run may remove what earlier runs wrote. */
	if (status == 0 && !ev_stop_signal)
		status = lake_finish(&e.lake, e.sink);
	else
		lake_close(&e.lake);
	g_evp = NULL;

	sink_stats(e.sink, &st);
	e.rep.lines_out = st.events;
	e.rep.bytes_out = st.bytes;
	report_set_str(&e.rep, "run_id", e.run_id);
	report_set_int(&e.rep, "files", (int64_t)st.files);
	report_set_int(&e.rep, "partitions", (int64_t)st.partitions);
	report_set_int(&e.rep, "defaulted", (int64_t)e.defaulted);
	report_set_int(&e.rep, "stale_removed", (int64_t)e.lake.stale_removed);
	report_set_int(&e.rep, "tmp_removed", (int64_t)e.lake.tmp_removed);
	report_set_int(&e.rep, "recovered_runs", (int64_t)e.lake.recovered);
	report_set_int(&e.rep, "max_open", (int64_t)max_open);
	report_set_int(&e.rep, "threads", threads);
	report_set_int(&e.rep, "reopens", (int64_t)st.reopens);
	report_set_int(&e.rep, "buffer_evictions", (int64_t)st.evictions);
	report_set_int(&e.rep, "peak_buffer_bytes", (int64_t)st.peak_mem);
	status = report_finish(&e.rep, status);

	ev_reader_free(e.rd);
	free((char *)sc.root);
	sink_free(e.sink);
	layout_free(e.layout);
	out_free(&e.out);
	free(e.run_id);
	free(e.field_idx);
	free(e.fields);
	free(e.cache);
	buf_free(&e.key);
	buf_free(&e.rel);
	buf_free(&e.why);
	ev_exit(status);
}
