/*
 * yamlcfg.h - YAML configuration files (scoring models, load schemas) as a
 * small tree whose every node knows its line and column, so that every
 * error can be reported as "FILE:LINE:COLUMN: reason".
 *
 * Deliberately smaller than YAML: one document; no anchors, aliases or
 * custom tags (they make files hard to review and aliases can blow up);
 * duplicate mapping keys are errors; nesting is limited to YCFG_MAX_DEPTH.
 */
#ifndef EV_YAMLCFG_H
#define EV_YAMLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define YCFG_MAX_DEPTH 64
#define YCFG_MAX_BYTES (16u << 20)

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col; /* 1-based, where the node starts */
	char *str;          /* scalar text, NUL-terminated */
	size_t len;
	bool plain;          /* an unquoted scalar (null/true/numbers) */
	struct ynode **kids; /* SEQ: items; MAP: key, value, key, value... */
	size_t n;            /* number of entries in KIDS */
};

struct ydoc {
	char *path;         /* as given, for messages */
	struct ynode *root; /* NULL for an empty document */
};

/*
 * Loads PATH.  Returns 0, or -1 with "PATH:LINE:COL: reason" (or
 * "PATH: reason") in ERR.
 */
int ydoc_load(struct ydoc *d, const char *path, struct buf *err);

/* As ydoc_load from memory; NAME is used in messages. */
int ydoc_load_string(struct ydoc *d, const char *name, const char *text,
		     size_t len, struct buf *err);

void ydoc_free(struct ydoc *d);

/*
 * Appends "PATH:LINE:COL: MESSAGE" for node N (or "PATH: MESSAGE" when N is
 * NULL) to ERR and returns -1, so that "return yerr(...)" reports and fails.
 */
int yerr(struct buf *err, const struct ydoc *d, const struct ynode *n,
	 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The value for KEY in mapping MAP, or NULL (also when MAP is not a map). */
const struct ynode *ymap_get(const struct ynode *map, const char *key);

/*
 * Fails with "unknown key 'K'" (naming the allowed keys) when MAP has a key
 * not in ALLOWED (NULL-terminated), and with "expected a mapping" when MAP
 * is not a mapping.  WHAT names the mapping in messages ("rule").
 */
int ycheck_keys(const struct ydoc *d, const struct ynode *map, const char *what,
		const char *const *allowed, struct buf *err);

/* A plain scalar null, "~" or empty, or a missing node. */
bool ynode_is_null(const struct ynode *n);

/*
 * Typed scalars.  Each returns 0 and sets *out, or fails through yerr with
 * "KEY: expected ..." (KEY names the field in the message).
 */
int yget_str(const struct ydoc *d, const struct ynode *n, const char *key,
	     const char **out, struct buf *err);
int yget_double(const struct ydoc *d, const struct ynode *n, const char *key,
		double *out, struct buf *err);
int yget_int(const struct ydoc *d, const struct ynode *n, const char *key,
	     int64_t *out, struct buf *err);
int yget_bool(const struct ydoc *d, const struct ynode *n, const char *key,
	      bool *out, struct buf *err);

#endif
