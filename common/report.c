/*
 * report.c - rejected lines, summary, --stats, progress.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utf8.h"
#include "util.h"

void
report_init(struct ev_report *r)
{
	memset(r, 0, sizeof(*r));
	r->progress = -1;
	r->reject_fd = -1;
	r->t0 = r->last_tick = ev_now_monotonic();
}

/* True when NAME names an open descriptor: /dev/stderr, /dev/fd/N, ... */
static bool
is_fd_name(const char *name)
{
	return strncmp(name, "/dev/std", 8) == 0 ||
	       strncmp(name, "/dev/fd/", 8) == 0 ||
	       strncmp(name, "/proc/self/fd/", 14) == 0;
}

/* 2 or 1 when ST is the file standard error or output writes to, else -1. */
static int
std_output_fd(const struct stat *st)
{
	struct stat o;
	int fd;

	for (fd = 2; fd >= 1; fd--)
		if (fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
		    o.st_ino == st->st_ino)
			return fd;
	return -1;
}

/*
 * True when PATH must be written in place rather than replaced: a FIFO or
 * device, a name (or a link to a name) of an open descriptor, or the very
 * file standard output or standard error goes to.  Replacing those would
 * replace a link such as /dev/stderr itself, or cut off what the program
 * writes there.
 */
static bool
write_in_place(const char *path)
{
	struct stat st, lst;
	char target[256];
	ssize_t n;

	if (stat(path, &st) != 0)
		return false;
	if (!S_ISREG(st.st_mode) || is_fd_name(path) || std_output_fd(&st) >= 0)
		return true;
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
	    (n = readlink(path, target, sizeof(target) - 1)) > 0) {
		target[n] = '\0';
		return is_fd_name(target);
	}
	return false;
}

int
report_open_reject(struct ev_report *r, const char *path)
{
	struct stat st;
	int fd;

	r->reject_path = ev_strdup(path);
	if (write_in_place(path)) {
		/*
		 * /dev/stderr, a FIFO: nothing to replace atomically.  The
		 * file of standard output or error is written through that
		 * descriptor, whose offset the messages share.
		 */
		if (stat(path, &st) == 0 && (fd = std_output_fd(&st)) >= 0)
			r->reject_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		else
			r->reject_fd =
			    open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (r->reject_fd < 0) {
			ev_warn("--reject %s:", path);
			return -1;
		}
		r->reject_direct = true;
		return 0;
	}
	if (atomic_file_open(&r->reject_af, path, 0666) < 0) {
		ev_warn("--reject %s:", path);
		return -1;
	}
	r->reject_fd = r->reject_af.fd;
	return 0;
}

static void
flush_rejects(struct ev_report *r)
{
	if (r->rbuf.len == 0)
		return;
	if (ev_write_all(r->reject_fd, r->rbuf.data, r->rbuf.len) < 0)
		ev_die(EV_EXIT_IO, "write error on %s:", r->reject_path);
	buf_reset(&r->rbuf);
}

void
report_reject(struct ev_report *r, const char *file, uint64_t line,
	      const char *raw, size_t rawlen, uint64_t fulllen, size_t column,
	      const char *reason)
{
	r->rejected++;
	if (r->shown < REPORT_SHOW_MAX) {
		r->shown++;
		if (r->progress_drawn) {
			fputs("\r\033[K", stderr);
			r->progress_drawn = false;
		}
		if (file)
			fprintf(stderr, "%s: %s:%llu: %s\n", ev_progname, file,
				(unsigned long long)line, reason);
		else
			fprintf(stderr, "%s: %s\n", ev_progname, reason);
	}
	if (r->reject_fd < 0)
		return;
	buf_adds(&r->rbuf, "{\"file\":");
	if (file)
		buf_add_json_string(&r->rbuf, file, strlen(file));
	else
		buf_adds(&r->rbuf, "null");
	buf_adds(&r->rbuf, ",\"line\":");
	buf_add_u64(&r->rbuf, line);
	buf_adds(&r->rbuf, ",\"error\":");
	buf_add_json_string(&r->rbuf, reason, strlen(reason));
	if (column) {
		buf_adds(&r->rbuf, ",\"column\":");
		buf_add_u64(&r->rbuf, column);
	}
	buf_adds(&r->rbuf, ",\"raw\":");
	if (buf_add_json_string(&r->rbuf, raw, rawlen) > 0) {
		buf_adds(&r->rbuf, ",\"raw_base64\":\"");
		buf_add_base64(&r->rbuf, raw, rawlen);
		buf_addc(&r->rbuf, '"');
	}
	if (fulllen > rawlen) {
		buf_adds(&r->rbuf, ",\"truncated\":true,\"bytes\":");
		buf_add_u64(&r->rbuf, fulllen);
	}
	buf_adds(&r->rbuf, "}\n");
	if (r->rbuf.len >= 64 * 1024 || r->reject_direct)
		flush_rejects(r);
}

static struct report_extra *
extra_slot(struct ev_report *r, const char *name)
{
	int i;

	for (i = 0; i < r->nextra; i++)
		if (strcmp(r->extra[i].name, name) == 0) {
			free(r->extra[i].s);
			r->extra[i].s = NULL;
			return &r->extra[i];
		}
	if (r->nextra == REPORT_MAX_EXTRA)
		ev_die(EV_EXIT_IO, "too many --stats counters");
	r->extra[r->nextra].name = name;
	return &r->extra[r->nextra++];
}

void
report_set_int(struct ev_report *r, const char *name, int64_t v)
{
	struct report_extra *e = extra_slot(r, name);

	e->kind = EXTRA_INT;
	e->i = v;
}

void
report_set_double(struct ev_report *r, const char *name, double v)
{
	struct report_extra *e = extra_slot(r, name);

	e->kind = EXTRA_DOUBLE;
	e->d = v;
}

void
report_set_str(struct ev_report *r, const char *name, const char *v)
{
	struct report_extra *e = extra_slot(r, name);

	e->kind = EXTRA_STR;
	e->s = ev_strdup(v);
}

void
report_set_json(struct ev_report *r, const char *name, const char *v)
{
	struct report_extra *e = extra_slot(r, name);

	e->kind = EXTRA_JSON;
	e->s = ev_strdup(v);
}

static void
human(char *out, size_t n, double v)
{
	if (v >= 1e9)
		snprintf(out, n, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(out, n, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(out, n, "%.1fk", v / 1e3);
	else
		snprintf(out, n, "%.0f", v);
}

void
report_tick(struct ev_report *r)
{
	double now;
	char a[16], b[16], c[16];

	if (r->progress == 0)
		return;
	if (r->progress < 0) {
		r->progress = isatty(2) ? 1 : 0;
		if (r->progress == 0)
			return;
	}
	now = ev_now_monotonic();
	if (now - r->last_tick < 1.0)
		return;
	r->last_tick = now;
	human(a, sizeof(a), (double)r->lines_in);
	human(b, sizeof(b), (double)r->bytes_in);
	human(c, sizeof(c), (double)r->lines_in / (now - r->t0));
	fprintf(stderr,
		"\r\033[K%s: %s lines, %sB read, %s lines/s, %llu rejected",
		ev_progname, a, b, c, (unsigned long long)r->rejected);
	r->progress_drawn = true;
}

int
report_finish(struct ev_report *r, int status)
{
	struct buf s = BUF_INIT;
	int i;

	if (r->progress_drawn)
		fputs("\r\033[K", stderr);
	/*
	 * The rejects are facts about lines that were read, whatever failed
	 * later (an unreadable second input, a database that went away), so
	 * the file is committed in every case.
	 */
	if (r->reject_fd >= 0) {
		flush_rejects(r);
		if (r->reject_direct)
			close(r->reject_fd);
		else if (atomic_file_commit(&r->reject_af) < 0) {
			ev_warn("--reject %s:", r->reject_path);
			status = EV_EXIT_IO;
		}
		r->reject_fd = -1;
	}
	if (r->rejected > 0) {
		char shown[32] = "";

		if (r->rejected > r->shown)
			snprintf(shown, sizeof(shown), " (%u shown)", r->shown);
		fprintf(stderr,
			"%s: %llu line%s rejected%s, %s --max-errors %llu\n",
			ev_progname, (unsigned long long)r->rejected,
			r->rejected == 1 ? "" : "s", shown,
			report_over_limit(r) ? "more than" : "within",
			(unsigned long long)r->max_errors);
	}
	if (r->stats) {
		buf_adds(&s, "{\"tool\":");
		buf_add_json_string(&s, ev_progname, strlen(ev_progname));
		buf_adds(&s, ",\"lines_in\":");
		buf_add_u64(&s, r->lines_in);
		buf_adds(&s, ",\"blank\":");
		buf_add_u64(&s, r->blank);
		buf_adds(&s, ",\"rejected\":");
		buf_add_u64(&s, r->rejected);
		buf_adds(&s, ",\"lines_out\":");
		buf_add_u64(&s, r->lines_out);
		buf_adds(&s, ",\"bytes_in\":");
		buf_add_u64(&s, r->bytes_in);
		buf_adds(&s, ",\"bytes_out\":");
		buf_add_u64(&s, r->bytes_out);
		for (i = 0; i < r->nextra; i++) {
			struct report_extra *e = &r->extra[i];

			buf_addc(&s, ',');
			buf_add_json_string(&s, e->name, strlen(e->name));
			buf_addc(&s, ':');
			switch (e->kind) {
			case EXTRA_INT:
				buf_add_i64(&s, e->i);
				break;
			case EXTRA_DOUBLE:
				buf_add_double(&s, e->d);
				break;
			case EXTRA_STR:
				buf_add_json_string(&s, e->s, strlen(e->s));
				break;
			case EXTRA_JSON:
				buf_adds(&s, e->s);
				break;
			}
		}
		buf_printf(&s, ",\"seconds\":%.3f}\n",
			   ev_now_monotonic() - r->t0);
		fputs(buf_str(&s), stderr);
		buf_free(&s);
	}
	fflush(stderr);
	for (i = 0; i < r->nextra; i++)
		free(r->extra[i].s);
	r->nextra = 0;
	buf_free(&r->rbuf);
	free(r->reject_path);
	r->reject_path = NULL;
	if (status != 0)
		return status;
	return report_over_limit(r) ? EV_EXIT_REJECT : 0;
}
