/*
 * quote.c - text for diagnostics (see quote.h).
 */
#include "quote.h"

#include <stdio.h>

const char *
quote_text(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == QUOTE_MAX || o + 8 >= outlen) {
			out[o++] = '.';
			out[o++] = '.';
			out[o++] = '.';
			break;
		}
		if (c == '\n' || c == '\t' || c == '\r') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c == 0x7f) {
			o +=
			    (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}
