/*
 * checkpoint.h - where a reader stopped in each input file.
 *
 * A checkpoint file holds one entry per input file, keyed by device and
 * inode and checked by a fingerprint (a hash of the first bytes of the
 * file's decompressed content), so a renamed (rotated) file is still
 * recognised, a reused inode is not, and a rotated file that was copied or
 * compressed is found by its content.
 * The file is replaced atomically on save, and a lock on "FILE.lock"
 * (flock) keeps two runs from sharing it.
 *
 * Format (JSON, one entry per line):
 *   {"version":1,"files":[
 *   {"path":"in/a.jsonl","dev":2049,"ino":1311,"fingerprint":"9f0c...",
 *    "fingerprint_bytes":1024,"offset":20480,"line":100,"gzip":false},
 *   ...]}
 */
#ifndef EV_CHECKPOINT_H
#define EV_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many leading bytes of a file make its fingerprint (at most). */
#define CKPT_FP_BYTES 1024

struct ckpt_entry {
	char *path;
	uint64_t dev, ino;
	uint64_t fp; /* ev_hash64 of the first FPLEN bytes */
	uint32_t fplen;
	uint64_t offset; /* position after the last line passed on */
	uint64_t line;   /* its line number */
	bool gzip;
	bool touched; /* updated in this run */
};

struct checkpoint {
	char *path;
	int lockfd;
	struct ckpt_entry *e;
	size_t n, cap;
};

/*
 * Locks and loads the checkpoint at PATH (a missing file is an empty
 * checkpoint).  Returns 0; or prints why and returns EV_EXIT_LOCKED when
 * another run holds it, EV_EXIT_USAGE when it is not a checkpoint file,
 * EV_EXIT_IO on a system error.
 */
int checkpoint_open(struct checkpoint *c, const char *path);

/* The entry for a file, or NULL. */
struct ckpt_entry *checkpoint_find(struct checkpoint *c, uint64_t dev,
				   uint64_t ino);

/* Sets (adds or replaces) the entry for DEV/INO. */
void checkpoint_set(struct checkpoint *c, const char *path, uint64_t dev,
		    uint64_t ino, uint64_t fp, uint32_t fplen, uint64_t offset,
		    uint64_t line, bool gzip);

/*
 * Saves atomically.  Entries not updated in this run are kept only while a
 * file with their device and inode still exists at their path.  Returns 0,
 * or -1 after printing why.
 */
int checkpoint_save(struct checkpoint *c);

/* Unlocks and frees. */
void checkpoint_close(struct checkpoint *c);

/*
 * The entry whose full-length (CKPT_FP_BYTES) fingerprint is FP, other than
 * the one for DEV/INO: the same content under another inode (a rotated log
 * copied or compressed).  NULL when there is none.
 */
struct ckpt_entry *checkpoint_find_fp(struct checkpoint *c, uint64_t fp,
				      uint64_t dev, uint64_t ino);

#endif
