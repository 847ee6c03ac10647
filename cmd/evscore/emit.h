/*
 * emit.h - building evscore's output line: the event's own bytes with the
 * score member appended, or, for --overwrite, with the old member taken
 * out first.
 */
#ifndef EVSCORE_EMIT_H
#define EVSCORE_EMIT_H

#include <stddef.h>

#include "buf.h"

/*
 * Writes into OUT (reset first) the object LINE (LEN bytes, validated)
 * without any of its top-level members whose key decodes to KEY (KEYLEN
 * bytes).  The other members keep their bytes and order; the blanks
 * around removed members and commas are not kept.  SCRATCH decodes keys
 * with escapes.  Returns the number of members removed.
 */
size_t emit_strip_member(struct buf *out, struct buf *scratch, const char *line,
			 size_t len, const char *key, size_t keylen);

#endif
