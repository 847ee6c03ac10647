/*
 * lineio.h - line input from one file descriptor, with transparent gzip,
 * line numbers, byte positions and a maximum line length.
 *
 * A gzip stream is recognised by its magic bytes (1f 8b), never by name;
 * concatenated members are read as one stream.  Memory is bounded by the
 * maximum line length: a longer line is skipped (its first bytes kept for
 * the reject record), not buffered.
 */
#ifndef EV_LINEIO_H
#define EV_LINEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many bytes of an overlong or truncated line are kept for reports. */
#define LINEIO_PREFIX_MAX 4096

enum lineio_status {
	LINE_OK,         /* a complete line */
	LINE_EOF,        /* no more lines */
	LINE_AGAIN,      /* follow mode: at end of file for now */
	LINE_WOULDBLOCK, /* a pipe or terminal has no data right now */
	LINE_TOOLONG,    /* a line over the maximum; DATA holds its prefix */
	LINE_BADGZIP,    /* truncated or corrupt gzip; DATA holds any partial
			    line; lineio_error() says which */
	LINE_ERROR,      /* read error; lineio_error() has the message */
};

struct line {
	const char *data; /* the line without its '\n' */
	size_t len;       /* bytes at DATA (for TOOLONG: the prefix kept) */
	uint64_t fulllen; /* the whole line's length (TOOLONG) */
	uint64_t lineno;  /* 1-based */
	uint64_t offset;  /* position of the line's first byte */
	uint64_t next;    /* position just past its '\n' */
	bool newline;     /* false for a final line without '\n' */
};

struct lineio;

/*
 * Reads lines from FD, named NAME in messages (copied).  The descriptor is
 * not closed by lineio_free unless OWN_FD.  Positions are counted in the
 * decompressed stream, starting from START_OFFSET and line number
 * START_LINENO + 1 (both 0 for a fresh file; a resumed plain file is
 * lseek()ed by the caller first).
 */
struct lineio *lineio_new(int fd, const char *name, bool own_fd,
			  size_t max_line, uint64_t start_offset,
			  uint64_t start_lineno);
void lineio_free(struct lineio *l);

/*
 * In follow mode, end of file is LINE_AGAIN (a final line without '\n' is
 * held back until it is completed) instead of LINE_EOF.
 */
void lineio_set_follow(struct lineio *l, bool follow);

/*
 * Makes lineio_next return LINE_WOULDBLOCK, instead of blocking, when FD is
 * a pipe, socket or terminal with no data ready.
 */
void lineio_set_nonblocking_check(struct lineio *l, bool on);

/*
 * Waits up to TIMEOUT_MS (-1: forever) for data on a pipe; returns 1 when
 * data (or EOF) is ready, 0 on timeout or when a signal interrupted the
 * wait (the caller checks ev_stop_signal).
 */
int lineio_wait(struct lineio *l, int timeout_ms);

/*
 * The next line.  The data stays valid until the next call.  After
 * LINE_BADGZIP or LINE_ERROR every further call returns LINE_EOF.
 */
enum lineio_status lineio_next(struct lineio *l, struct line *out);

/*
 * Reads and discards lines until the position reaches OFFSET (for resuming
 * a gzip file or a pipe); the line count advances accordingly.  Returns 0,
 * or -1 if the stream ended first.
 */
int lineio_skip_to(struct lineio *l, uint64_t offset);

/* The message for LINE_BADGZIP and LINE_ERROR. */
const char *lineio_error(const struct lineio *l);

/* True once the stream turned out to be gzip. */
bool lineio_is_gzip(const struct lineio *l);

/* Position after the last line returned, and its line number. */
uint64_t lineio_offset(const struct lineio *l);
uint64_t lineio_lineno(const struct lineio *l);

/* The descriptor being read. */
int lineio_fd(const struct lineio *l);

/* Bytes read but not yet returned as a line (a held-back partial line). */
uint64_t lineio_pending(const struct lineio *l);

/* Bytes read from the descriptor so far (compressed bytes for gzip). */
uint64_t lineio_raw_bytes(const struct lineio *l);

#endif
