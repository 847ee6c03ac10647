/*
 * t_output.c - unit tests of common/output.c: nothing leaves before a
 * flush, counters, unbuffered mode, lines larger than the buffer, and the
 * message and status of a write error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "unit.h"
#include "util.h"

/* What is in the pipe now (non-blocking), as a string. */
static const char *
pending(int fd)
{
	static char out[65536];
	ssize_t n = read(fd, out, sizeof(out) - 1);

	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static void
test_pipe(void)
{
	struct ev_out o;
	int p[2];

	CHECK_INT(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	out_init(&o, p[1], "standard output");
	out_line(&o, "{\"a\":1}", 7);
	out_line(&o, "", 0);
	out_write(&o, "raw", 3);
	CHECK_STR(pending(p[0]), "");
	CHECK_INT(o.lines, 2);
	CHECK_INT(o.bytes, 8 + 1 + 3);
	out_flush(&o);
	CHECK_STR(pending(p[0]), "{\"a\":1}\n\nraw");
	/* A flush with nothing buffered writes nothing. */
	out_flush(&o);
	CHECK_STR(pending(p[0]), "");
	CHECK_INT(o.len, 0);

	/* Unbuffered: every line leaves at once. */
	o.unbuffered = true;
	out_line(&o, "one", 3);
	CHECK_STR(pending(p[0]), "one\n");
	out_write(&o, "two", 3);
	CHECK_STR(pending(p[0]), "two");
	CHECK_INT(o.lines, 3);
	CHECK_INT(o.bytes, 12 + 4 + 3);
	out_free(&o);
	CHECK(o.buf == NULL);
	close(p[0]);
	close(p[1]);
}

static void
test_large(void)
{
	struct ev_out o;
	FILE *f = tmpfile();
	size_t big = 300 * 1024, i, total = 0, want_total = 0;
	char *line = malloc(big), *back;
	bool ok;

	for (i = 0; i < big; i++)
		line[i] = (char)('a' + i % 26);
	out_init(&o, fileno(f), "standard output");
	/* Fill most of the buffer, then a line that does not fit. */
	for (i = 0; i < 1000; i++) {
		out_line(&o, line, 200);
		want_total += 201;
	}
	out_line(&o, line, big); /* larger than the buffer: written through */
	want_total += big + 1;
	out_line(&o, "end", 3);
	want_total += 4;
	out_flush(&o);
	CHECK_INT(o.lines, 1002);
	CHECK_INT(o.bytes, want_total);
	back = malloc(want_total + 1);
	rewind(f);
	total = fread(back, 1, want_total + 1, f);
	CHECK_INT(total, want_total);
	/* In order: the buffered lines, the big one, then "end". */
	ok = total == want_total;
	for (i = 0; ok && i < 1000; i++)
		ok = memcmp(back + i * 201, line, 200) == 0 &&
		     back[i * 201 + 200] == '\n';
	ok = ok && memcmp(back + 201000, line, big) == 0 &&
	     back[201000 + big] == '\n' &&
	     memcmp(back + 201000 + big + 1, "end\n", 4) == 0;
	CHECK(ok);
	out_free(&o);
	fclose(f);
	free(back);
	free(line);
}

/* A child writes to a pipe nobody reads: "STATUS|STDERR". */
static const char *
write_error(bool ignore_sigpipe)
{
	static char out[512];
	char err[400];
	int p[2], e[2], status;
	size_t len;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0 || pipe(e) != 0)
		return "pipe";
	close(p[0]); /* before the fork: nobody will ever read */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct ev_out o;

		close(e[0]);
		dup2(e[1], 2);
		signal(SIGPIPE, ignore_sigpipe ? SIG_IGN : SIG_DFL);
		out_init(&o, p[1], "standard output");
		out_line(&o, "x", 1);
		out_flush(&o);
		_exit(0);
	}
	close(p[1]);
	close(e[1]);
	len = 0;
	while ((n = read(e[0], err + len, sizeof(err) - 1 - len)) > 0)
		len += (size_t)n;
	err[len] = '\0';
	close(e[0]);
	waitpid(pid, &status, 0);
	snprintf(out, sizeof(out), "%d|%s",
		 WIFEXITED(status) ? WEXITSTATUS(status)
				   : 1000 + WTERMSIG(status),
		 err);
	return out;
}

static void
test_errors(void)
{
	char want[64];

	CHECK_STR(write_error(true),
		  "3|t_output: write error on standard output: Broken pipe\n");
	/* With SIGPIPE at its default the program ends quietly. */
	snprintf(want, sizeof(want), "%d|", 1000 + SIGPIPE);
	CHECK_STR(write_error(false), want);
}

int
main(void)
{
	ev_setprogname("t_output");
	test_pipe();
	test_large();
	test_errors();
	return unit_report("t_output");
}
