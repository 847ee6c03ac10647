/*
 * t_util.c - unit tests of common/util.c: strict number parsing,
 * diagnostics, checked allocation, ev_write_all, SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "signals.h"
#include "unit.h"
#include "util.h"

/* ev_parse_uint: the value as text, or the error string. */
static const char *
puint(const char *s, uint64_t min, uint64_t max)
{
	static char out[64];
	const char *err = NULL;
	uint64_t v = 777;

	if (ev_parse_uint(s, min, max, &v, &err) != 0)
		return v == 777 ? err : "changed *out on error";
	snprintf(out, sizeof(out), "%llu", (unsigned long long)v);
	return out;
}

static const char *
pbytes(const char *s, uint64_t min, uint64_t max)
{
	static char out[64];
	const char *err = NULL;
	uint64_t v = 777;

	if (ev_parse_bytes(s, min, max, &v, &err) != 0)
		return v == 777 ? err : "changed *out on error";
	snprintf(out, sizeof(out), "%llu", (unsigned long long)v);
	return out;
}

static void
test_parse_uint(void)
{
	CHECK_STR(puint("0", 0, 10), "0");
	CHECK_STR(puint("10", 0, 10), "10");
	CHECK_STR(puint("0010", 0, 10), "10");
	CHECK_STR(puint("11", 0, 10), "too large");
	CHECK_STR(puint("4", 5, 10), "too small");
	CHECK_STR(puint("0", 1, UINT64_MAX), "too small");
	CHECK_STR(puint("18446744073709551615", 0, UINT64_MAX),
		  "18446744073709551615");
	CHECK_STR(puint("18446744073709551616", 0, UINT64_MAX), "too large");
	CHECK_STR(puint("99999999999999999999999", 0, UINT64_MAX), "too large");
	CHECK_STR(puint("", 0, 10), "invalid");
	CHECK_STR(puint("-1", 0, 10), "invalid");
	CHECK_STR(puint("+1", 0, 10), "invalid");
	CHECK_STR(puint(" 1", 0, 10), "invalid");
	CHECK_STR(puint("1 ", 0, 10), "invalid");
	CHECK_STR(puint("1a", 0, 10), "invalid");
	CHECK_STR(puint("0x10", 0, 100), "invalid");
	CHECK_STR(puint("1.0", 0, 10), "invalid");
	CHECK_STR(puint("1e3", 0, 10000), "invalid");
	CHECK_STR(puint("\xd9\xa1", 0, 10), "invalid");
}

static void
test_parse_bytes(void)
{
	CHECK_STR(pbytes("0", 0, UINT64_MAX), "0");
	CHECK_STR(pbytes("512", 0, UINT64_MAX), "512");
	CHECK_STR(pbytes("64K", 0, UINT64_MAX), "65536");
	CHECK_STR(pbytes("64KiB", 0, UINT64_MAX), "65536");
	CHECK_STR(pbytes("16M", 0, UINT64_MAX), "16777216");
	CHECK_STR(pbytes("16MiB", 0, UINT64_MAX), "16777216");
	CHECK_STR(pbytes("1G", 0, UINT64_MAX), "1073741824");
	CHECK_STR(pbytes("3GiB", 0, UINT64_MAX), "3221225472");
	CHECK_STR(pbytes("0K", 0, UINT64_MAX), "0");
	/* The largest counts of each unit, and one more. */
	CHECK_STR(pbytes("18446744073709551615", 0, UINT64_MAX),
		  "18446744073709551615");
	CHECK_STR(pbytes("18446744073709551616", 0, UINT64_MAX), "too large");
	CHECK_STR(pbytes("18014398509481983K", 0, UINT64_MAX),
		  "18446744073709550592");
	CHECK_STR(pbytes("18014398509481984K", 0, UINT64_MAX), "too large");
	CHECK_STR(pbytes("17179869183G", 0, UINT64_MAX),
		  "18446744072635809792");
	CHECK_STR(pbytes("17179869184G", 0, UINT64_MAX), "too large");
	CHECK_STR(pbytes("99999999999999999999999999999999999G", 0, UINT64_MAX),
		  "too large");
	/* Limits apply to the byte count. */
	CHECK_STR(pbytes("1K", 0, 1000), "too large");
	CHECK_STR(pbytes("1K", 0, 1024), "1024");
	CHECK_STR(pbytes("1K", 2000, 4000), "too small");
	CHECK_STR(pbytes("1", 2, 4000), "too small");
	/* Junk. */
	CHECK_STR(pbytes("", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("K", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1k", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1KB", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1Ki", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1T", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1 K", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1.5M", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("-1K", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("+1", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1KK", 0, UINT64_MAX), "invalid");
	CHECK_STR(pbytes("1K ", 0, UINT64_MAX), "invalid");
}

/* Runs FN with stderr going to a file; returns what it wrote. */
static const char *
stderr_of(void (*fn)(void))
{
	static char out[1024];
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static int errno_after;

static void
warn_plain(void)
{
	ev_warn("bad value '%s' (%d)", "x", 3);
}

static void
warn_errno(void)
{
	errno = ENOENT;
	ev_warn("open %s:", "in.jsonl");
	errno_after = errno;
}

static void
warn_colon_inside(void)
{
	errno = EACCES;
	ev_warn("a: b");
}

/* Runs FN in a child with stderr to a file: "STATUS|STDERR". */
static const char *
child(void (*fn)(void))
{
	static char out[1024];
	char tmpl[] = "/tmp/t_util.XXXXXX";
	int fd = mkstemp(tmpl), status;
	size_t n;
	pid_t pid;

	unlink(tmpl);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		dup2(fd, 2);
		fn();
		_exit(200);
	}
	waitpid(pid, &status, 0);
	n = (size_t)snprintf(out, sizeof(out), "%d|",
			     WIFEXITED(status) ? WEXITSTATUS(status)
					       : 1000 + WTERMSIG(status));
	lseek(fd, 0, SEEK_SET);
	n += (size_t)read(fd, out + n, sizeof(out) - n - 1);
	out[n] = '\0';
	close(fd);
	return out;
}

static void
die_usage(void)
{
	ev_die(EV_EXIT_USAGE, "--max-errors: %s", "invalid");
}

static void
die_oom(void)
{
	free(ev_reallocarray(NULL, SIZE_MAX / 2, 4));
}

static void
test_diagnostics(void)
{
	char *s;

	ev_setprogname("/usr/local/bin/evcat");
	CHECK_STR(ev_progname, "evcat");
	ev_setprogname("");
	CHECK_STR(ev_progname, "evcat");
	ev_setprogname(NULL);
	CHECK_STR(ev_progname, "evcat");
	ev_setprogname("t_util");
	CHECK_STR(ev_progname, "t_util");

	CHECK_STR(stderr_of(warn_plain), "t_util: bad value 'x' (3)\n");
	CHECK_STR(stderr_of(warn_errno),
		  "t_util: open in.jsonl: No such file or directory\n");
	CHECK_INT(errno_after, ENOENT);
	CHECK_STR(stderr_of(warn_colon_inside), "t_util: a: b\n");
	CHECK_STR(child(die_usage), "2|t_util: --max-errors: invalid\n");
	CHECK_STR(child(die_oom), "3|t_util: out of memory\n");

	s = ev_malloc(0);
	CHECK(s != NULL);
	free(s);
	s = ev_calloc(0, 0);
	CHECK(s != NULL);
	free(s);
	s = ev_calloc(4, 4);
	CHECK(s[0] == 0 && s[15] == 0);
	s = ev_realloc(s, 0);
	CHECK(s != NULL);
	free(s);
	s = ev_strndup("abcdef", 3);
	CHECK_STR(s, "abc");
	free(s);
	s = ev_strdup("");
	CHECK_STR(s, "");
	free(s);
	s = ev_strndup("a\0b", 3);
	CHECK(s[0] == 'a' && s[1] == '\0' && s[2] == 'b' && s[3] == '\0');
	free(s);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Reads from FD until end of file; returns the count, checks the bytes. */
static size_t
drain(int fd, bool *pattern_ok)
{
	char b[65536];
	size_t total = 0;
	ssize_t n;

	*pattern_ok = true;
	while ((n = read(fd, b, sizeof(b))) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++)
			if (b[i] != (char)((total + (size_t)i) % 251))
				*pattern_ok = false;
		total += (size_t)n;
	}
	return total;
}

static void
test_write_all(void)
{
	size_t n = 4 << 20, i;
	char *data = malloc(n);
	int p[2], status;
	struct sigaction sa;
	struct itimerval it = {{0, 20000}, {0, 20000}};
	pid_t pid;

	for (i = 0; i < n; i++)
		data[i] = (char)(i % 251);
	CHECK_INT(ev_write_all(1, data, 0), 0);

	/*
	 * A slow reader and a timer interrupting the writer all the while:
	 * short writes and EINTR are retried until every byte is through.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	CHECK_INT(pipe(p), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		bool ok;

		close(p[1]);
		usleep(200000);
		_exit(drain(p[0], &ok) == n && ok ? 0 : 1);
	}
	close(p[0]);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_INT(ev_write_all(p[1], data, n), 0);
	close(p[1]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Once a stop signal came, an interrupted write gives up. */
	CHECK_INT(pipe(p), 0);
	ev_stop_signal = SIGTERM;
	errno = 0;
	CHECK_INT(ev_write_all(p[1], data, n), -1);
	CHECK_INT(errno, EINTR);
	ev_stop_signal = 0;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(p[0]);
	close(p[1]);

	/* Errors come back with errno. */
	errno = 0;
	CHECK_INT(ev_write_all(-1, "x", 1), -1);
	CHECK_INT(errno, EBADF);
	CHECK_INT(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK_INT(ev_write_all(p[1], "x", 1), -1);
	CHECK_INT(errno, EPIPE);
	close(p[1]);
	free(data);
}

static void
test_sigpipe(void)
{
	struct sigaction sa;

	signal(SIGPIPE, SIG_IGN);
	ev_default_sigpipe();
	sigaction(SIGPIPE, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL);
}

static void
test_clock(void)
{
	double a = ev_now_monotonic(), b;

	usleep(20000);
	b = ev_now_monotonic();
	CHECK(a > 0 && b - a >= 0.019 && b - a < 5);
}

int
main(void)
{
	ev_setprogname("t_util");
	test_parse_uint();
	test_parse_bytes();
	test_diagnostics();
	test_write_all();
	test_sigpipe();
	test_clock();
	return unit_report("t_util");
}
