/*
 * evpartition.h - the parts of evpartition: the lake (lock, marker, run
 * journal, recovery: lake.c), the sink (partitions, buffers, gzip, open
 * files, commits: sink.c) and the program (evpartition.c).
 */
#ifndef EVPARTITION_H
#define EVPARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "evtime.h"
#include "layout.h"
#include "output.h"

/* The hidden directory under ROOT that holds evpartition's own state. */
#define EVP_STATE_DIR "_evpartition"

/* Longest --run-id. */
#define EVP_RUN_ID_MAX 100

/* ---- the program (evpartition.c) ------------------------------------- */

/*
 * Ends the run after a write error on PATH (errno ERR): removes every
 * temporary file, flushes the list of committed files, prints
 * "evpartition: PATH: MESSAGE" and the report, exits with EV_EXIT_IO.
 */
_Noreturn void evp_fatal(const char *path, int err);

/* ---- the lake (lake.c) ----------------------------------------------- */

struct sink;

struct lake {
	char *root;  /* as given, without trailing '/' */
	char *state; /* ROOT/_evpartition */
	char *jpath; /* ROOT/_evpartition/active/RUN_ID */
	const char *run_id;
	int lock_fd;            /* ROOT/_evpartition/lock, flock()ed */
	int jfd;                /* the run journal, flock()ed, O_APPEND */
	bool exclusive;         /* had the lake to itself at start */
	uint64_t tmp_removed;   /* leftover temporary files removed */
	uint64_t stale_removed; /* files of an earlier run with this id */
	uint64_t recovered;     /* journals of killed runs tidied up */
	struct buf scratch;
};

/*
 * Opens the lake ROOT for the run RUN_ID with layout L: creates ROOT,
 * takes the lake lock, checks or writes the layout marker, takes the run
 * id's journal and removes what killed runs left.  Exits with
 * EV_EXIT_USAGE when the marker holds another layout, EV_EXIT_LOCKED
 * when the run id is in use, EV_EXIT_IO on a system error.
 */
void lake_open(struct lake *lk, const char *root, const char *run_id,
	       const struct layout *l);

/*
 * Records, before its temporary file is created, that the run may commit
 * REL (a path below ROOT).  Returns 0 or -1 (errno).
 */
int lake_journal_add(struct lake *lk, const char *rel, size_t n);

/*
 * After a complete run: removes the files of earlier runs with this run
 * id that this run did not write (and directories left empty), records
 * what this run wrote, and closes the journal.  Returns 0, or
 * EV_EXIT_IO after a warning.
 */
int lake_finish(struct lake *lk, struct sink *s);

/* After an incomplete run: keeps the journal for the next run. */
void lake_close(struct lake *lk);

/*
 * Parses the file name NAME (N bytes) of a part file of run RUN_ID:
 * "part-RUN_ID-DIGITS.jsonl" or "...jsonl.gz".  Returns the length
 * matched (to the end of the extension) and sets *NUM and *GZ, or 0.
 */
size_t lake_part_name(const char *name, size_t n, const char *run_id,
		      uint64_t *num, bool *gz);

/*
 * Whether S can be a run id: 1 to EVP_RUN_ID_MAX letters, digits, '.',
 * '_' and '-', starting with a letter or digit.
 */
bool lake_valid_run_id(const char *s);

/* ---- compression (zpool.c) ------------------------------------------- */

/*
 * Called on the submitting thread, in submission order, with the raw
 * deflate bytes OUT (LEN) of a chunk of N input bytes whose CRC-32 is CRC.
 */
typedef void (*zpool_done_fn)(void *arg, void *tag, const unsigned char *out,
			      size_t len, unsigned long crc, size_t n);

struct zpool;

/*
 * A compressor at LEVEL with NTHREADS worker threads (1 or less: none,
 * chunks are compressed by zpool_submit itself).
 */
struct zpool *zpool_new(int level, int nthreads, zpool_done_fn fn, void *arg);
void zpool_free(struct zpool *zp);

/*
 * Compresses IN[DICT..DICT+N), with IN[0..DICT) as the history it may
 * refer to, ending in a sync flush, or when FINISH in the final block.
 * IN is copied; FN may be called for this or earlier chunks before this
 * returns.
 */
void zpool_submit(struct zpool *zp, void *tag, const char *in, size_t dict,
		  size_t n, bool finish);

/* Waits for the oldest chunk in progress, if any, and hands it back. */
void zpool_wait_one(struct zpool *zp);

/* Waits until FN was called for every chunk submitted. */
void zpool_drain(struct zpool *zp);

/* ---- the sink (sink.c) ----------------------------------------------- */

struct sink_config {
	const char *root;
	const char *run_id;
	int level;               /* 1-9, or 0 for --no-gzip */
	int threads;             /* compressing threads (1: the main one) */
	uint64_t max_file_bytes; /* 0: no limit */
	uint64_t max_file_events;
	size_t max_open;    /* open temporary files */
	size_t mem_budget;  /* bytes of buffered input, all partitions */
	struct ev_out *out; /* the list of committed files */
	struct lake *lake;
};

struct part;

struct sink *sink_new(const struct sink_config *cfg);
void sink_free(struct sink *s);

/* The partition with directory REL (N bytes below ROOT), created if new. */
struct part *sink_partition(struct sink *s, const char *rel, size_t n);

/*
 * Appends the event LINE (N bytes, no newline) to P's current file,
 * starting or rolling files as needed.  T is its time when HAVE_TIME.
 * Write errors end the program through evp_fatal.
 */
void sink_write(struct sink *s, struct part *p, const char *line, size_t n,
		evtime_t t, bool have_time);

/* Finishes and commits every open file, in partition order. */
void sink_finish_all(struct sink *s);

/*
 * Lists, sorted, the files the final group commit committed so far (it
 * lists them all at its end; a fatal error calls this first).
 */
void sink_flush_listing(struct sink *s);

/* Removes every temporary file (after a fatal error). */
void sink_abort_all(struct sink *s);

/* Whether REL (a path below ROOT) is a file this run committed. */
bool sink_committed(struct sink *s, const char *rel, size_t n);

/* Appends the paths below ROOT of every file committed, one a line. */
void sink_list(struct sink *s, struct buf *out);

struct sink_stats {
	uint64_t files;      /* committed */
	uint64_t partitions; /* distinct directories */
	uint64_t events;
	uint64_t bytes;     /* bytes of committed files */
	uint64_t chunks;    /* compressed or written pieces */
	uint64_t evictions; /* buffers flushed to bound memory */
	uint64_t reopens;   /* temporary files opened again */
	size_t peak_mem;    /* most bytes buffered at once */
};

void sink_stats(const struct sink *s, struct sink_stats *st);

#endif
