/*
 * t_report.c - unit tests of common/report.c: the reject file format,
 * messages and the summary line, the --max-errors limit and exit status,
 * the --stats line, progress.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "report.h"
#include "unit.h"
#include "util.h"

static char dir[256];

static const char *
in_dir(const char *name)
{
	static char out[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(out[k], sizeof(out[k]), "%s/%s", dir, name);
	return out[k];
}

static const char *
contents(const char *path)
{
	static char out[16384];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return "(missing)";
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static FILE *cap_file;
static int cap_saved = -1;

static void
capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(2);
	dup2(fileno(cap_file), 2);
}

static const char *
capture_end(void)
{
	static char out[16384];
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_file);
	n = fread(out, 1, sizeof(out) - 1, cap_file);
	out[n] = '\0';
	fclose(cap_file);
	return out;
}

/* The names in the test directory matching PREFIX, for leftovers. */
static int
count_entries(const char *sub)
{
	char cmd[700];
	FILE *p;
	int n = 0, c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", sub);
	p = popen(cmd, "r");
	while ((c = fgetc(p)) != EOF)
		if (c == '\n')
			n++;
	pclose(p);
	return n;
}

static void
test_reject_file(void)
{
	struct ev_report r;
	char path[512], want[4096];
	int status;

	mkdir(in_dir("rj"), 0777);
	snprintf(path, sizeof(path), "%s", in_dir("rj/rejects.jsonl"));
	report_init(&r);
	CHECK_INT(report_open_reject(&r, path), 0);
	capture_start();
	report_reject(&r, "in.jsonl", 3, "{bad", 4, 4, 2,
		      "invalid JSON: unexpected 'b', expected a string key");
	report_reject(&r, "<stdin>", 7, "{\"a\":\"caf\xe9\"}", 12, 12, 0,
		      "invalid UTF-8 in string");
	report_reject(&r, "big.jsonl", 9, "{\"a\":", 5, 17000000, 0,
		      "line longer than --max-line-bytes 16777216");
	report_reject(&r, NULL, 0, "", 0, 0, 0, "tool-level reason");
	report_reject(&r, "x\ty.jsonl", 18446744073709551615ULL, "\t\"\\\x01",
		      4, 4, 1, "quote \" in reason");
	/* Nothing under the final name before the end. */
	CHECK_STR(contents(path), "(missing)");
	CHECK_INT(count_entries(in_dir("rj")), 1);
	status = report_finish(&r, 0);
	CHECK_STR(
	    capture_end(),
	    "t_report: in.jsonl:3: invalid JSON: unexpected 'b', expected "
	    "a string key\n"
	    "t_report: <stdin>:7: invalid UTF-8 in string\n"
	    "t_report: big.jsonl:9: line longer than --max-line-bytes "
	    "16777216\n"
	    "t_report: tool-level reason\n"
	    "t_report: x\ty.jsonl:18446744073709551615: quote \" in "
	    "reason\n"
	    "t_report: 5 lines rejected, more than --max-errors 0\n");
	CHECK_INT(status, EV_EXIT_REJECT);
	snprintf(
	    want, sizeof(want), "%s",
	    "{\"file\":\"in.jsonl\",\"line\":3,\"error\":\"invalid JSON: "
	    "unexpected 'b', expected a string key\",\"column\":2,"
	    "\"raw\":\"{bad\"}\n"
	    "{\"file\":\"<stdin>\",\"line\":7,\"error\":\"invalid UTF-8 in "
	    "string\",\"raw\":\"{\\\"a\\\":\\\"caf\xef\xbf\xbd\\\"}\","
	    "\"raw_base64\":\"eyJhIjoiY2Fm6SJ9\"}\n"
	    "{\"file\":\"big.jsonl\",\"line\":9,\"error\":\"line longer "
	    "than --max-line-bytes 16777216\",\"raw\":\"{\\\"a\\\":\","
	    "\"truncated\":true,\"bytes\":17000000}\n"
	    "{\"file\":null,\"line\":0,\"error\":\"tool-level reason\","
	    "\"raw\":\"\"}\n"
	    "{\"file\":\"x\\ty.jsonl\",\"line\":18446744073709551615,"
	    "\"error\":\"quote \\\" in reason\",\"column\":1,"
	    "\"raw\":\"\\t\\\"\\\\\\u0001\"}\n");
	CHECK_STR(contents(path), want);
	CHECK_INT(count_entries(in_dir("rj")), 1);

	/* Every line of the reject file is an object the validator takes. */
	{
		struct json_scanner *s = json_scanner_new();
		struct json_error err;
		char *p = want, *nl;
		bool ok = true;

		while ((nl = strchr(p, '\n')) != NULL) {
			if (json_scan(s, p, (size_t)(nl - p), NULL, NULL,
				      &err) != 0)
				ok = false;
			p = nl + 1;
		}
		CHECK(ok);
		json_scanner_free(s);
	}

	/* After an I/O failure the reject file is still committed. */
	unlink(path);
	report_init(&r);
	CHECK_INT(report_open_reject(&r, path), 0);
	capture_start();
	report_reject(&r, "in", 1, "x", 1, 1, 0, "bad");
	status = report_finish(&r, EV_EXIT_IO);
	CHECK_STR(capture_end(), "t_report: in:1: bad\n"
				 "t_report: 1 line rejected, more than "
				 "--max-errors 0\n");
	CHECK_INT(status, EV_EXIT_IO);
	CHECK_INT(count_entries(in_dir("rj")), 1);
	CHECK_INT(access(path, F_OK), 0);

	/* No rejects: an empty reject file, no summary. */
	report_init(&r);
	CHECK_INT(report_open_reject(&r, path), 0);
	capture_start();
	status = report_finish(&r, 0);
	CHECK_STR(capture_end(), "");
	CHECK_INT(status, 0);
	CHECK_STR(contents(path), "");

	/* A reject file that cannot be created. */
	report_init(&r);
	capture_start();
	CHECK_INT(report_open_reject(&r, in_dir("nodir/r.jsonl")), -1);
	snprintf(want, sizeof(want),
		 "t_report: --reject %s: No such file or directory\n",
		 in_dir("nodir/r.jsonl"));
	CHECK_STR(capture_end(), want);
	report_finish(&r, EV_EXIT_IO);
}

static void
test_fifo(void)
{
	struct ev_report r;
	char path[512], got[512];
	int rfd, status;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", in_dir("fifo"));
	CHECK_INT(mkfifo(path, 0666), 0);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	report_init(&r);
	r.max_errors = 5;
	CHECK_INT(report_open_reject(&r, path), 0);
	CHECK(r.reject_direct);
	capture_start();
	/* Written at once, not at the end. */
	report_reject(&r, "a", 1, "[]", 2, 2, 0, "not an object (array)");
	n = read(rfd, got, sizeof(got) - 1);
	got[n < 0 ? 0 : n] = '\0';
	CHECK_STR(got, "{\"file\":\"a\",\"line\":1,\"error\":\"not an object "
		       "(array)\",\"raw\":\"[]\"}\n");
	status = report_finish(&r, 0);
	CHECK_STR(capture_end(), "t_report: a:1: not an object (array)\n"
				 "t_report: 1 line rejected, within "
				 "--max-errors 5\n");
	CHECK_INT(status, 0);
	n = read(rfd, got, sizeof(got));
	CHECK_INT(n, 0); /* the writer closed it */
	close(rfd);
	unlink(path);
}

/*
 * A reject file that is standard error - through a link to
 * /proc/self/fd/2, or by the name of the file stderr goes to - is written
 * through stderr's own descriptor: the link is not replaced, and records
 * and messages keep their order.
 */
static void
test_stderr_file(void)
{
	struct ev_report r;
	char link[512], name[512];
	struct stat st;
	int fd, saved;
	static const char want[] =
	    "t_report: a:1: bad\n"
	    "{\"file\":\"a\",\"line\":1,\"error\":\"bad\",\"raw\":\"x\"}\n"
	    "t_report: a:2: worse\n"
	    "{\"file\":\"a\",\"line\":2,\"error\":\"worse\",\"raw\":\"y\"}\n"
	    "t_report: 2 lines rejected, within --max-errors 2\n";

	snprintf(link, sizeof(link), "%s", in_dir("stderr-link"));
	CHECK_INT(symlink("/proc/self/fd/2", link), 0);
	capture_start();
	report_init(&r);
	r.max_errors = 2;
	CHECK_INT(report_open_reject(&r, link), 0);
	CHECK(r.reject_direct);
	report_reject(&r, "a", 1, "x", 1, 1, 0, "bad");
	report_reject(&r, "a", 2, "y", 1, 1, 0, "worse");
	CHECK_INT(report_finish(&r, 0), 0);
	CHECK_STR(capture_end(), want);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));

	/* The same by the file's own name. */
	snprintf(name, sizeof(name), "%s", in_dir("stderr-file"));
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	report_init(&r);
	r.max_errors = 2;
	CHECK_INT(report_open_reject(&r, name), 0);
	CHECK(r.reject_direct);
	report_reject(&r, "a", 1, "x", 1, 1, 0, "bad");
	report_reject(&r, "a", 2, "y", 1, 1, 0, "worse");
	CHECK_INT(report_finish(&r, 0), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK_STR(contents(name), want);
}

static void
test_limits(void)
{
	struct ev_report r;
	struct buf want = BUF_INIT;
	int i;

	/* Exactly --max-errors is within. */
	report_init(&r);
	r.max_errors = 12;
	capture_start();
	for (i = 1; i <= 12; i++) {
		report_reject(&r, "f", (uint64_t)i, "x", 1, 1, 0, "bad");
		if (i <= REPORT_SHOW_MAX)
			buf_printf(&want, "t_report: f:%d: bad\n", i);
	}
	CHECK(!report_over_limit(&r));
	CHECK_INT(report_finish(&r, 0), 0);
	buf_adds(&want, "t_report: 12 lines rejected (10 shown), within "
			"--max-errors 12\n");
	CHECK_STR(capture_end(), buf_str(&want));

	report_init(&r);
	r.max_errors = 11;
	capture_start();
	for (i = 1; i <= 12; i++)
		report_reject(&r, "f", (uint64_t)i, "x", 1, 1, 0, "bad");
	CHECK(report_over_limit(&r));
	CHECK_INT(report_finish(&r, 0), EV_EXIT_REJECT);
	CHECK(strstr(capture_end(),
		     "t_report: 12 lines rejected (10 shown), more than "
		     "--max-errors 11\n") != NULL);
	CHECK_INT(r.rejected, 12);
	CHECK_INT(r.shown, 10);

	/* A failure status wins over the limit. */
	report_init(&r);
	capture_start();
	report_reject(&r, "f", 1, "x", 1, 1, 0, "bad");
	CHECK_INT(report_finish(&r, EV_EXIT_USAGE), EV_EXIT_USAGE);
	capture_end();
	report_init(&r);
	capture_start();
	CHECK_INT(report_finish(&r, 0), 0);
	CHECK_STR(capture_end(), "");
	buf_free(&want);
}

/* Finds the --stats line in TEXT, checks and removes "seconds". */
static const char *
stats_line(const char *text)
{
	static char line[4096];
	struct json_scanner *s = json_scanner_new();
	struct json_error err;
	struct json_value obj, sec;
	const char *p = strrchr(text, '{'), *q;
	size_t n;
	double d = -1;

	/* The stats line is the last line and starts with {"tool": */
	p = strstr(text, "{\"tool\":");
	if (p == NULL || (q = strchr(p, '\n')) == NULL || q[1] != '\0')
		return "no stats line";
	n = (size_t)(q - p);
	memcpy(line, p, n);
	line[n] = '\0';
	if (json_scan(s, line, n, NULL, NULL, &err) != 0)
		return "stats line is not a JSON object";
	json_scanner_free(s);
	obj.ptr = line;
	obj.len = n;
	obj.type = JSON_OBJECT;
	obj.escaped = false;
	if (!json_object_get(&obj, "seconds", 7, &sec) ||
	    json_number_double(&sec, &d) != 0 || d < 0 || d > 60 ||
	    sec.len < 5 || sec.ptr[sec.len - 4] != '.')
		return "bad seconds";
	/* "seconds" is last: cut ,"seconds":N off. */
	if (strncmp(sec.ptr - 11, ",\"seconds\":", 11) != 0 ||
	    sec.ptr + sec.len != line + n - 1)
		return "seconds not last";
	memmove((char *)sec.ptr - 11, sec.ptr + sec.len,
		(size_t)(line + n + 1 - (sec.ptr + sec.len)));
	return line;
}

static void
test_stats(void)
{
	struct ev_report r;

	report_init(&r);
	r.stats = true;
	r.max_errors = 9;
	r.lines_in = 10;
	r.blank = 1;
	r.lines_out = 8;
	r.bytes_in = 100;
	r.bytes_out = 90;
	report_set_int(&r, "windows", -3);
	report_set_double(&r, "ratio", 0.25);
	report_set_str(&r, "mode", "a\"b\n");
	report_set_json(&r, "by_type", "{\"a\":1,\"b\":[2]}");
	report_set_int(&r, "windows", 5); /* keeps its place */
	report_set_double(&r, "nan", NAN);
	report_set_str(&r, "ratio", "now a string");
	capture_start();
	report_reject(&r, "f", 4, "x", 1, 1, 0, "bad");
	CHECK_INT(report_finish(&r, 0), 0);
	CHECK_STR(stats_line(capture_end()),
		  "{\"tool\":\"t_report\",\"lines_in\":10,\"blank\":1,"
		  "\"rejected\":1,\"lines_out\":8,\"bytes_in\":100,"
		  "\"bytes_out\":90,\"windows\":5,\"ratio\":\"now a string\","
		  "\"mode\":\"a\\\"b\\n\",\"by_type\":{\"a\":1,\"b\":[2]},"
		  "\"nan\":null}");
	CHECK_INT(r.nextra, 0);

	/* Without extras, and without rejects. */
	report_init(&r);
	r.stats = true;
	capture_start();
	CHECK_INT(report_finish(&r, 0), 0);
	CHECK_STR(stats_line(capture_end()),
		  "{\"tool\":\"t_report\",\"lines_in\":0,\"blank\":0,"
		  "\"rejected\":0,\"lines_out\":0,\"bytes_in\":0,"
		  "\"bytes_out\":0}");
}

static void
too_many_counters(void)
{
	static char names[REPORT_MAX_EXTRA + 1][16];
	struct ev_report r;
	int i;

	report_init(&r);
	for (i = 0; i <= REPORT_MAX_EXTRA; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		report_set_int(&r, names[i], i);
	}
	_exit(0);
}

static void
test_counter_limit(void)
{
	int p[2], status;
	char got[256];
	size_t len;
	ssize_t n;
	pid_t pid;

	CHECK_INT(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		too_many_counters();
	}
	close(p[1]);
	len = 0;
	while ((n = read(p[0], got + len, sizeof(got) - 1 - len)) > 0)
		len += (size_t)n;
	got[len] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EV_EXIT_IO);
	CHECK_STR(got, "t_report: too many --stats counters\n");
}

static void
test_progress(void)
{
	struct ev_report r;
	const char *out;
	static const char head[] = "\r\033[Kt_report: 1.5k lines, 2.0MB read, ";
	static const char tail[] = " lines/s, 0 rejected";

	/* Off, and automatic when stderr is not a terminal: nothing. */
	report_init(&r);
	r.progress = 0;
	r.last_tick -= 5;
	capture_start();
	report_tick(&r);
	CHECK_STR(capture_end(), "");
	report_init(&r);
	r.last_tick -= 5;
	capture_start();
	report_tick(&r);
	CHECK_STR(capture_end(), "");
	CHECK_INT(r.progress, 0);

	report_init(&r);
	r.progress = 1;
	r.lines_in = 1500;
	r.bytes_in = 2000000;
	r.t0 -= 2;
	r.last_tick -= 2;
	capture_start();
	report_tick(&r);
	report_tick(&r); /* less than a second later: nothing */
	out = capture_end();
	CHECK(strncmp(out, head, sizeof(head) - 1) == 0);
	CHECK(strlen(out) > sizeof(tail) &&
	      strcmp(out + strlen(out) - (sizeof(tail) - 1), tail) == 0);
	CHECK(r.progress_drawn);
	/* A reject message clears the progress line first. */
	capture_start();
	report_reject(&r, "f", 1, "x", 1, 1, 0, "bad");
	CHECK_STR(capture_end(), "\r\033[Kt_report: f:1: bad\n");
	CHECK(!r.progress_drawn);
	r.last_tick -= 2;
	capture_start();
	report_tick(&r);
	report_finish(&r, 0);
	out = capture_end();
	CHECK(strstr(out, "1 rejected\r\033[Kt_report: 1 line rejected, more "
			  "than --max-errors 0\n") != NULL);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[600];

	ev_setprogname("t_report");
	snprintf(dir, sizeof(dir), "%s/t_report.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_reject_file();
	test_fifo();
	test_stderr_file();
	test_limits();
	test_stats();
	test_counter_limit();
	test_progress();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return unit_report("t_report");
}
