/*
 * util.c - diagnostics, checked allocation, strict number parsing.
 */
#include "util.h"

#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *ev_progname = "evtools";

void
ev_setprogname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	ev_progname = slash ? slash + 1 : argv0;
}

void
ev_vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fprintf(stderr, "%s: ", ev_progname);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void
ev_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev_vwarn(fmt, ap);
	va_end(ap);
}

void
ev_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev_vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

static _Noreturn void
out_of_memory(void)
{
	/* No allocation here: the message is written directly. */
	static const char msg[] = ": out of memory\n";

	(void)!write(2, ev_progname, strlen(ev_progname));
	(void)!write(2, msg, sizeof(msg) - 1);
	exit(EV_EXIT_IO);
}

void *
ev_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
ev_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
ev_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		out_of_memory();
	return q;
}

void *
ev_reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		out_of_memory();
	return ev_realloc(p, nmemb * size);
}

char *
ev_strdup(const char *s)
{
	return ev_strndup(s, strlen(s));
}

char *
ev_strndup(const char *s, size_t n)
{
	char *p = ev_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
ev_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
	      const char **errstr)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p == '\0') {
		*errstr = "invalid";
		return -1;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			*errstr = "invalid";
			return -1;
		}
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			*errstr = "too large";
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min) {
		*errstr = "too small";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int
ev_parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out,
	       const char **errstr)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
	    {"", 0},     {"K", 10}, {"KiB", 10}, {"M", 20},
	    {"MiB", 20}, {"G", 30}, {"GiB", 30},
	};
	size_t digits = strspn(s, "0123456789");
	char num[32];
	uint64_t v;
	size_t i;

	if (digits == 0 || digits >= sizeof(num)) {
		*errstr = digits ? "too large" : "invalid";
		return -1;
	}
	memcpy(num, s, digits);
	num[digits] = '\0';
	for (i = 0; i < EV_ARRAY_LEN(units); i++)
		if (strcmp(s + digits, units[i].suffix) == 0)
			break;
	if (i == EV_ARRAY_LEN(units)) {
		*errstr = "invalid";
		return -1;
	}
	if (ev_parse_uint(num, 0, UINT64_MAX >> units[i].shift, &v, errstr))
		return -1;
	v <<= units[i].shift;
	if (v < min) {
		*errstr = "too small";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

double
ev_now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
ev_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			/* A stop signal abandons the write; see signals.h. */
			if (errno == EINTR && !ev_stop_signal)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void
ev_default_sigpipe(void)
{
	signal(SIGPIPE, SIG_DFL);
}
