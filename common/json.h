/*
 * json.h - the event line validator and field extractor.
 *
 * One pass over a line both validates it (RFC 8259 JSON, strict UTF-8, one
 * object and nothing else) and records where the values of a fixed set of
 * dotted paths lie, without building a tree or allocating per line.  Values
 * are returned as spans of the line's own bytes; helpers below convert a
 * span when a tool needs the number or the decoded string.
 *
 * Why not yajl here: a yajl handle per line with callbacks costs two to
 * three times the whole budget evcat has per line (DESIGN.md section 5);
 * yajl serves for the small JSON documents evtools reads whole (checkpoints,
 * window state) and the fuzz target compares this scanner's verdicts with
 * yajl's.
 */
#ifndef EV_JSON_H
#define EV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum json_type {
	JSON_MISSING = 0, /* the path is not in the event */
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * A value inside a line: PTR/LEN are the value's bytes exactly as they appear
 * in the line (strings with their quotes and escapes).  Valid only as long
 * as the line's buffer.
 */
struct json_value {
	const char *ptr;
	size_t len;
	enum json_type type;
	bool escaped; /* a string containing at least one backslash escape */
};

/* What was wrong with a rejected line. */
enum json_error_kind {
	JSON_OK = 0,
	JSON_E_SYNTAX,     /* not JSON */
	JSON_E_UTF8,       /* JSON except for invalid UTF-8 in a string */
	JSON_E_NOT_OBJECT, /* valid JSON, but not an object */
};

struct json_error {
	enum json_error_kind kind;
	size_t offset; /* 0-based byte offset in the line where it went wrong */
	char msg[80];  /* "expected ',' or '}'", "not an object (array)" */
};

/*
 * A compiled set of dotted paths.  A path is keys separated by '.'; a
 * backslash makes the next character literal, so "a\.b" is the single key
 * "a.b" and "a\\b" the key "a\b".  Paths descend into objects only.
 */
struct json_paths;

struct json_paths *json_paths_new(void);
void json_paths_free(struct json_paths *ps);

/*
 * Adds PATH and returns its index, the same index for a path added before.
 * Returns -1 and sets *errstr for an empty path or an empty key ("a..b").
 */
int json_paths_add(struct json_paths *ps, const char *path,
		   const char **errstr);

/* The number of distinct paths, and the text of path I as it was added. */
size_t json_paths_count(const struct json_paths *ps);
const char *json_paths_name(const struct json_paths *ps, size_t i);

/*
 * Splits the dotted PATH into its keys (unescaped), calling FN for each.
 * Returns -1 with *errstr as json_paths_add does.
 */
int json_path_split(const char *path,
		    void (*fn)(const char *key, size_t n, void *arg), void *arg,
		    const char **errstr);

/* Scratch space for json_scan, reused from line to line. */
struct json_scanner;

struct json_scanner *json_scanner_new(void);
void json_scanner_free(struct json_scanner *s);

/*
 * Validates the N bytes at LINE (no newline; leading and trailing JSON
 * whitespace allowed) as one JSON object.  When PATHS is not NULL, VALS must
 * have json_paths_count(PATHS) entries; each is set to the path's value, or
 * to JSON_MISSING.  A key that appears twice in one object yields its last
 * value.  Escaped UTF-16 surrogates must pair up.
 *
 * Returns 0 for a valid object.  Otherwise returns -1 and fills *ERR; VALS
 * are then unspecified.
 */
int json_scan(struct json_scanner *s, const char *line, size_t n,
	      const struct json_paths *paths, struct json_value *vals,
	      struct json_error *err);

/* "null", "string", "object", ... ("missing" for JSON_MISSING). */
const char *json_type_name(enum json_type t);

/*
 * Appends the decoded contents of the string value V (which json_scan
 * validated) to OUT: escapes resolved, no quotes.
 */
void json_string_decode(const struct json_value *v, struct buf *out);

/*
 * The string contents of V without quotes, decoding into SCRATCH only when
 * V has escapes.  Sets *len; the pointer is valid while V's line and SCRATCH
 * are.
 */
const char *json_string_view(const struct json_value *v, struct buf *scratch,
			     size_t *len);

/* True when V is a string whose decoded contents are exactly S (N bytes). */
bool json_string_eq(const struct json_value *v, const char *s, size_t n);

/*
 * Number conversions of a JSON_NUMBER value.  json_number_i64 succeeds
 * only for an integer written without fraction or exponent that fits in
 * int64; json_number_double only for a value within the range of a finite
 * double (1e400 does not qualify).  Both return 0, or -1 when V does not
 * qualify.
 */
int json_number_double(const struct json_value *v, double *out);
int json_number_i64(const struct json_value *v, int64_t *out);

/*
 * Looks KEY up among the members of the object value OBJ (validated), with
 * the last duplicate winning.  Returns true and sets *out when found.
 */
bool json_object_get(const struct json_value *obj, const char *key,
		     size_t keylen, struct json_value *out);

/*
 * Writes into OUT (reset first) the object LINE (LEN bytes, validated by
 * json_scan) with one more member KEY: VALUE appended inside its closing
 * brace.  VALUE is JSON text inserted as it is.  The rest of the line keeps
 * its bytes; nothing is re-serialised.
 */
void json_append_member(struct buf *out, const char *line, size_t len,
			const char *key, size_t keylen, const char *value,
			size_t vlen);

/*
 * Iterates the elements of the array value ARR (validated): start with
 * *pos = 0; each call sets *out to the next element and returns true, or
 * returns false at the end.
 */
bool json_array_next(const struct json_value *arr, size_t *pos,
		     struct json_value *out);

#endif
