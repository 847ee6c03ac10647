/*
 * evcat - read, validate and select events: the source of every pipeline.
 *
 * Reads files, directories (walked in sorted order), gzip and standard
 * input; passes on each line that is one JSON object, bytes unchanged, and
 * rejects the rest with a location and a reason.  Selects by type glob and
 * event-time range, pruning partition directories of a lake that cannot
 * match; keeps a checkpoint so a cron job reads only new lines; follows
 * growing files; splits input into stable shards.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "evopts.h"
#include "evread.h"
#include "hash.h"
#include "layout.h"
#include "output.h"
#include "signals.h"
#include "util.h"

static const char usage_text[] =
    "usage: evcat [-fu] [-t glob] [--since time] [--until time]\n"
    "             [--from beginning | end] [--checkpoint file]\n"
    "             [--idle-exit duration] [--shard i/n] [--stamp]\n"
    "             [--id-field path] [--type-field path] [--time-field path]\n"
    "             [--time-unit unit] [--max-line-bytes n] [--reject file]\n"
    "             [--max-errors n] [--stats] [--progress | --no-progress]\n"
    "             [file | dir ...]\n";

enum {
	OPT_SINCE = OPT_COMMON_END,
	OPT_UNTIL,
	OPT_FROM,
	OPT_CHECKPOINT,
	OPT_IDLE_EXIT,
	OPT_SHARD,
	OPT_STAMP,
};

static const struct option tool_opts[] = {
    {"type", required_argument, NULL, 't'},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"from", required_argument, NULL, OPT_FROM},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"follow", no_argument, NULL, 'f'},
    {"idle-exit", required_argument, NULL, OPT_IDLE_EXIT},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"stamp", no_argument, NULL, OPT_STAMP},
    {NULL, 0, NULL, 0},
};

/* The namespace of --stamp ids: a fixed, random UUID. */
static const unsigned char stamp_ns[16] = {
    0x6f, 0x1c, 0x3a, 0x52, 0x0e, 0x94, 0x4b, 0x7d,
    0x9a, 0x21, 0xe5, 0x08, 0x37, 0xc6, 0xd4, 0x5b,
};

struct evcat {
	struct ev_common_opts co;
	struct ev_report rep;
	struct ev_out out;
	struct ev_reader *rd;
	struct layout_filter filter;
	struct checkpoint ckpt;
	bool have_ckpt;
	bool follow;
	bool stamp;
	uint64_t shard_i, shard_n;
	uint64_t filtered, stamped;
	double last_save;
	struct buf line, scratch, why;
	struct buf stamp_key; /* --stamp: the id field's one key, unescaped */
	size_t stamp_nkeys;
	/* Pruning: the layout of the last lake root seen. */
	char *layout_root;
	struct layout *layout;
};

static _Noreturn void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

static void
save_checkpoint(struct evcat *c)
{
	ev_reader_checkpoint(c->rd, &c->ckpt);
	if (checkpoint_save(&c->ckpt) < 0)
		ev_exit(report_finish(&c->rep, EV_EXIT_IO));
	c->last_save = ev_now_monotonic();
}

/* Input is about to wait: everything read so far leaves now. */
static void
before_wait(void *arg)
{
	struct evcat *c = arg;

	out_flush(&c->out);
	if (c->have_ckpt && ev_now_monotonic() - c->last_save >= 1.0)
		save_checkpoint(c);
}

static bool
descend(void *arg, const char *root, const char *const *comps, size_t n)
{
	struct evcat *c = arg;

	if (c->layout_root == NULL || strcmp(c->layout_root, root) != 0) {
		const char *err;

		free(c->layout_root);
		layout_free(c->layout);
		c->layout_root = ev_strdup(root);
		c->layout = layout_marker_read(root, &err);
		if (c->layout == NULL && err)
			ev_warn("%s/%s: %s; not pruning by layout", root,
				LAYOUT_MARKER, err);
	}
	return layout_may_contain(c->layout, comps, n, &c->filter);
}

static void
parse_shard(struct evcat *c, const char *arg)
{
	const char *slash = strchr(arg, '/');
	char *i;

	if (slash == NULL)
		ev_die(EV_EXIT_USAGE, "--shard: expected I/N, got '%s'", arg);
	i = ev_strndup(arg, (size_t)(slash - arg));
	c->shard_n = evopt_uint("shard", slash + 1, 1, UINT32_MAX);
	c->shard_i = evopt_uint("shard", i, 0, c->shard_n - 1);
	free(i);
}

/* The bytes an id value hashes and shards by: decoded string or raw. */
static const char *
id_bytes(struct evcat *c, const struct json_value *v, size_t *n)
{
	if (v->type == JSON_STRING)
		return json_string_view(v, &c->scratch, n);
	*n = v->len;
	return v->ptr;
}

/* The line with ,"ID":"UUID" added inside its closing brace. */
static void
stamp_line(struct evcat *c, const char *line, size_t len, const char *uuid)
{
	char quoted[40];

	quoted[0] = '"';
	memcpy(quoted + 1, uuid, 36);
	quoted[37] = '"';
	json_append_member(&c->line, line, len, c->stamp_key.data,
			   c->stamp_key.len, quoted, 38);
}

/* json_path_split callback: keeps the first key, counts them all. */
static void
stamp_key_add(const char *key, size_t n, void *arg)
{
	struct evcat *c = arg;

	if (c->stamp_nkeys++ == 0)
		buf_add(&c->stamp_key, key, n);
}

/*
 * The key --stamp adds: the id field must name one top-level key ("a\.b"
 * is the key "a.b").
 */
static void
stamp_key_init(struct evcat *c)
{
	const char *err;

	if (json_path_split(c->co.id_field, stamp_key_add, c, &err) < 0 ||
	    c->stamp_nkeys != 1)
		ev_die(EV_EXIT_USAGE,
		       "--stamp: the id field '%s' must be a top-level key",
		       c->co.id_field);
}

static void
run(struct evcat *c)
{
	struct ev_event ev;
	evtime_t t;

	while (ev_reader_next(c->rd, &ev)) {
		const char *line = ev.line;
		size_t len = ev.len;

		if (c->filter.ntypes > 0) {
			if (ev.type->type != JSON_STRING) {
				c->filtered++;
				continue;
			}
			/* fnmatch needs a C string: decode into scratch. */
			buf_reset(&c->scratch);
			json_string_decode(ev.type, &c->scratch);
			if (strlen(buf_str(&c->scratch)) != c->scratch.len ||
			    !layout_filter_type(&c->filter, c->scratch.data)) {
				c->filtered++;
				continue;
			}
		}
		if (c->filter.has_since || c->filter.has_until) {
			if (ev_reader_time(c->rd, &ev, &t, &c->why) < 0) {
				ev_reader_reject(c->rd, &ev, buf_str(&c->why));
				continue;
			}
			if ((c->filter.has_since && t < c->filter.since) ||
			    (c->filter.has_until && t >= c->filter.until)) {
				c->filtered++;
				continue;
			}
		}
		if (c->stamp && ev.id->type == JSON_MISSING) {
			char uuid[37];

			ev_uuid5(stamp_ns, line, len, uuid);
			stamp_line(c, line, len, uuid);
			line = c->line.data;
			len = c->line.len;
			c->stamped++;
			if (c->shard_n > 1 &&
			    ev_shard_of(uuid, 36, c->shard_n) != c->shard_i) {
				c->filtered++;
				continue;
			}
		} else if (c->shard_n > 1) {
			const char *id;
			size_t n;

			if (ev.id->type == JSON_MISSING ||
			    ev.id->type == JSON_NULL ||
			    ev.id->type == JSON_OBJECT ||
			    ev.id->type == JSON_ARRAY) {
				buf_reset(&c->why);
				buf_printf(&c->why,
					   "%s id field '%s' cannot be sharded",
					   ev.id->type == JSON_MISSING
					       ? "missing"
					       : json_type_name(ev.id->type),
					   c->co.id_field);
				ev_reader_reject(c->rd, &ev, buf_str(&c->why));
				continue;
			}
			id = id_bytes(c, ev.id, &n);
			if (ev_shard_of(id, n, c->shard_n) != c->shard_i) {
				c->filtered++;
				continue;
			}
		}
		out_line(&c->out, line, len);
	}
}

int
main(int argc, char **argv)
{
	static struct evcat c;
	struct ev_reader_config rc;
	struct option *longopts;
	const char *ckpt_path = NULL;
	int ch, status;
	int64_t idle_exit = 0;
	bool from_end = false;

	ev_setprogname(argv[0]);
	ev_default_sigpipe();
	evopt_defaults(&c.co);
	longopts = evopt_table(tool_opts);
	while ((ch = getopt_long(argc, argv, "ft:uhV", longopts, NULL)) != -1) {
		if (evopt_handle(&c.co, ch, optarg))
			continue;
		switch (ch) {
		case 'f':
			c.follow = true;
			break;
		case 't':
			c.filter.types =
			    ev_reallocarray(c.filter.types, c.filter.ntypes + 1,
					    sizeof(char *));
			c.filter.types[c.filter.ntypes++] = optarg;
			break;
		case OPT_SINCE:
			c.filter.since = evopt_time("since", optarg);
			c.filter.has_since = true;
			break;
		case OPT_UNTIL:
			c.filter.until = evopt_time("until", optarg);
			c.filter.has_until = true;
			break;
		case OPT_FROM:
			if (strcmp(optarg, "end") == 0)
				from_end = true;
			else if (strcmp(optarg, "beginning") == 0)
				from_end = false;
			else
				ev_die(EV_EXIT_USAGE,
				       "--from: expected 'beginning' or 'end', "
				       "got '%s'",
				       optarg);
			break;
		case OPT_CHECKPOINT:
			ckpt_path = optarg;
			break;
		case OPT_IDLE_EXIT:
			idle_exit = evopt_duration("idle-exit", optarg, false);
			break;
		case OPT_SHARD:
			parse_shard(&c, optarg);
			break;
		case OPT_STAMP:
			c.stamp = true;
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
	if (c.filter.has_since && c.filter.has_until &&
	    c.filter.since >= c.filter.until)
		ev_die(EV_EXIT_USAGE, "--since must be earlier than --until");
	if (idle_exit && !c.follow)
		ev_die(EV_EXIT_USAGE, "--idle-exit needs --follow");
	if (c.stamp)
		stamp_key_init(&c);
	c.filter.type_field = c.co.type_field;
	c.filter.time_field = c.co.time_field;

	report_init(&c.rep);
	if (ckpt_path) {
		status = checkpoint_open(&c.ckpt, ckpt_path);
		if (status != 0)
			return status;
		c.have_ckpt = true;
	}
	if ((status = evopt_apply_report(&c.co, &c.rep)) != 0)
		return status;
	ev_signals_install(false);
	out_init(&c.out, 1, "standard output");
	c.out.unbuffered = c.co.unbuffered;

	memset(&rc, 0, sizeof(rc));
	rc.opts = &c.co;
	rc.report = &c.rep;
	rc.need_type = c.filter.ntypes > 0;
	rc.need_time = c.filter.has_since || c.filter.has_until;
	rc.need_id = c.stamp || c.shard_n > 1;
	rc.follow = c.follow;
	rc.from_end = from_end;
	rc.idle_exit = idle_exit;
	rc.ckpt = c.have_ckpt ? &c.ckpt : NULL;
	rc.descend = descend;
	rc.before_wait = before_wait;
	rc.arg = &c;
	c.rd = ev_reader_new(&rc, argv, (size_t)argc);
	c.last_save = ev_now_monotonic();

	run(&c);

	/* Only what has left the process may be checkpointed. */
	out_flush(&c.out);
	if (c.have_ckpt)
		save_checkpoint(&c);
	status = ev_reader_status(c.rd);
	c.rep.lines_out = c.out.lines;
	c.rep.bytes_out = c.out.bytes;
	report_set_int(&c.rep, "filtered", (int64_t)c.filtered);
	if (c.stamp)
		report_set_int(&c.rep, "stamped", (int64_t)c.stamped);
	report_set_int(&c.rep, "files", (int64_t)ev_reader_files(c.rd));
	report_set_int(&c.rep, "pruned_dirs", (int64_t)ev_reader_pruned(c.rd));
	status = report_finish(&c.rep, status);

	ev_reader_free(c.rd);
	if (c.have_ckpt)
		checkpoint_close(&c.ckpt);
	out_free(&c.out);
	layout_free(c.layout);
	free(c.layout_root);
	free(c.filter.types);
	buf_free(&c.line);
	buf_free(&c.scratch);
	buf_free(&c.why);
	buf_free(&c.stamp_key);
	ev_exit(status);
}
