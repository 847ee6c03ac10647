/*
 * util.h - diagnostics, exit statuses, checked allocation and strict
 * number parsing shared by every evtools program.
 */
#ifndef EV_UTIL_H
#define EV_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Exit statuses, the same for every tool (see evtools(7)).
 */
enum {
	EV_EXIT_OK = 0,      /* success */
	EV_EXIT_REJECT = 1,  /* more input rejected than --max-errors allows */
	EV_EXIT_USAGE = 2,   /* bad option, bad model or schema; nothing done */
	EV_EXIT_IO = 3,      /* I/O, system or database failure */
	EV_EXIT_LOCKED = 75, /* another run holds the lock (EX_TEMPFAIL) */
};

#define EV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define EV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define EV_LIKELY(x)    __builtin_expect(!!(x), 1)
#define EV_UNLIKELY(x)  __builtin_expect(!!(x), 0)
#else
#define EV_PRINTF(f, a)
#define EV_LIKELY(x)   (x)
#define EV_UNLIKELY(x) (x)
#endif

/* Name used as the prefix of every diagnostic; set once by ev_setprogname. */
extern const char *ev_progname;

/* Sets ev_progname to the last path component of argv0. */
void ev_setprogname(const char *argv0);

/*
 * Prints "PROG: MESSAGE\n" on stderr.  When the format ends in ':' the
 * text of the current errno is appended ("PROG: open x: No such file").
 */
void ev_warn(const char *fmt, ...) EV_PRINTF(1, 2);
void ev_vwarn(const char *fmt, va_list ap) EV_PRINTF(1, 0);

/* As ev_warn, then exits with STATUS. */
_Noreturn void ev_die(int status, const char *fmt, ...) EV_PRINTF(2, 3);

/*
 * Allocation that cannot fail: on exhaustion the program prints
 * "PROG: out of memory" and exits with EV_EXIT_IO.  Sizes are checked for
 * overflow.
 */
void *ev_malloc(size_t n);
void *ev_calloc(size_t nmemb, size_t size);
void *ev_realloc(void *p, size_t n);
void *ev_reallocarray(void *p, size_t nmemb, size_t size);
char *ev_strdup(const char *s);
char *ev_strndup(const char *s, size_t n);

/*
 * Strict unsigned integer parse in the manner of strtonum(3): the whole
 * string must be decimal digits and the value within [min, max].  Returns 0
 * and sets *out on success; on failure returns -1 and sets *errstr to
 * "invalid", "too small" or "too large".
 */
int ev_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  const char **errstr);

/*
 * Byte count with an optional binary suffix: "512", "64K", "16M", "1G"
 * (also "KiB", "MiB", "GiB").  Same contract as ev_parse_uint.
 */
int ev_parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   const char **errstr);

/* Monotonic clock in seconds, for --stats and progress. */
double ev_now_monotonic(void);

/*
 * write(2) the whole buffer, retrying on EINTR and short writes.  Returns 0,
 * or -1 with errno set.
 */
int ev_write_all(int fd, const void *p, size_t n);

/*
 * Restores the default SIGPIPE disposition (a shell or a parent may have
 * ignored it), so that "tool | head" ends quietly.
 */
void ev_default_sigpipe(void);

#endif
