/*
 * quote.h - model and list text as it is shown inside quotes in a
 * diagnostic, so that every message stays on one line and readable.
 */
#ifndef EVSCORE_QUOTE_H
#define EVSCORE_QUOTE_H

#include <stddef.h>

#define QUOTE_MAX 80 /* bytes of the text shown before "..." */

/*
 * Writes into OUT (OUTLEN bytes, at least 8) the N bytes at S with control
 * characters escaped ("\n", "\t", "\x01") and, past QUOTE_MAX bytes, cut
 * short with "...".  Returns OUT.
 */
const char *quote_text(const char *s, size_t n, char *out, size_t outlen);

#endif
