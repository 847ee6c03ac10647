/*
 * layout.h - the partitioned lake layout, defined once: evpartition renders
 * directory paths with it and evcat prunes directories with it, so the two
 * cannot disagree.
 *
 * A layout is a template of '/'-separated segments mixing literal text and
 * placeholders:
 *
 *   {type}         the event type (the --type-field value)
 *   {time:FORMAT}  strftime(3) FORMAT of the event time in UTC; a '/' in
 *                  FORMAT makes several directory levels.  Only the
 *                  conversions %Y %C %y %G %g %m %b %h %B %d %e %j %a %A
 *                  %u %w %U %W %V %F %H %k %I %l %p %P %M %R %S %T %z %Z
 *                  and %% are allowed: the others put '/' or control
 *                  characters in a name (%D %x %c %r %n %t) or depend on
 *                  TZ (%s).
 *   {PATH}         the value of the dotted field PATH
 *
 * "default" is {type}/{time:%Y-%m-%d}/{time:%H} and "hive" is
 * type={type}/dt={time:%Y-%m-%d}/hr={time:%H}.
 *
 * Field values are made safe for one path segment by layout_escape_value.
 * evpartition records the layout in ROOT/_evtools_layout.json; evcat finds
 * that marker above a directory it is given and prunes with it.  Without a
 * marker, evcat still prunes Hive-style "type=", "dt=" and "hr=" segments.
 */
#ifndef EV_LAYOUT_H
#define EV_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "evtime.h"
#include "json.h"

#define LAYOUT_MARKER "_evtools_layout.json"

/* Longest escaped segment; longer values are cut and given a hash suffix. */
#define LAYOUT_SEGMENT_MAX 200

/* Longest rendered directory name (NAME_MAX on common file systems). */
#define LAYOUT_NAME_MAX 255

struct layout;

/*
 * Parses SPEC ("default", "hive" or a template).  TYPE_FIELD and TIME_FIELD
 * are the event's type and time paths, recorded in the marker.  Returns
 * NULL with *errstr for an invalid template (empty segment, "." or "..",
 * unknown placeholder, literal text starting with '.' or '_', no
 * placeholder at all, a {time:...} conversion outside the list above).
 */
struct layout *layout_new(const char *spec, const char *type_field,
			  const char *time_field, const char **errstr);
void layout_free(struct layout *l);

/* The normalised template text. */
const char *layout_template(const struct layout *l);

/* Whether the layout uses {type} and {time:...}. */
bool layout_uses_type(const struct layout *l);
bool layout_uses_time(const struct layout *l);

/* The field paths of the {PATH} placeholders, in order of first use. */
size_t layout_nfields(const struct layout *l);
const char *layout_field(const struct layout *l, size_t i);

/* The type and time field paths given to layout_new (or in the marker). */
const char *layout_type_field(const struct layout *l);
const char *layout_time_field(const struct layout *l);

/*
 * The rendered directory depends on the event time only through
 * t / layout_time_granularity(l) (floor division): the length in
 * microseconds of the aligned UTC interval (a day, an hour, a minute or a
 * second) over which every {time:...} part gives the same text.  Lets a
 * writer cache rendered paths.
 */
int64_t layout_time_granularity(const struct layout *l);

/*
 * Renders the relative directory of an event: TYPE is the type value (or
 * NULL), T the event time (used only when HAVE_TIME), FIELDS the values of
 * layout_field(0..n-1).  A placeholder whose value is missing, null, empty,
 * an object or an array, and a {time:...} part when !HAVE_TIME, is
 * replaced by DEFAULT_PARTITION when that is not NULL; otherwise rendering
 * fails.  Values (and DEFAULT_PARTITION) are escaped as by
 * layout_escape_value, except that a leading '.' or '_' is kept when the
 * value does not begin its directory name ("type=_x" is not hidden, and
 * "type=__HIVE_DEFAULT_PARTITION__" keeps its Hive meaning).  Rendering
 * also fails when a directory name would be longer than LAYOUT_NAME_MAX
 * or be empty, "." or "..".  Returns 0 and appends to OUT, or -1 with a
 * reason in WHY (e.g. "missing field 'type'"); OUT is then unspecified.
 */
int layout_render(const struct layout *l, const struct json_value *type,
		  evtime_t t, bool have_time, const struct json_value *fields,
		  const char *default_partition, struct buf *out,
		  struct buf *why);

/*
 * Appends S (N bytes, decoded value text) as one safe path segment: bytes
 * below 0x20, 0x7f and " # % ' * / : = ? \ { [ ] ^ ~ become %XX (upper-case
 * hex, as Hive writes them), as does a leading '.' or '_'; valid UTF-8
 * stays.  A result longer than LAYOUT_SEGMENT_MAX is cut at a character
 * boundary and ends in "~" and 16 hex digits of the value's hash; since
 * '~' is always escaped otherwise, a raw '~' marks such a cut name.
 */
void layout_escape_value(const char *s, size_t n, struct buf *out);

/* Decodes %XX escapes of a segment value; false when it was cut ('~'). */
bool layout_unescape_value(const char *s, size_t n, struct buf *out);

/* What evcat selects: type globs and a half-open time range. */
struct layout_filter {
	char **types; /* fnmatch(3) globs; NULL/0 = every type */
	size_t ntypes;
	bool has_since, has_until;
	evtime_t since, until;
	const char *type_field; /* the reader's fields: pruning by the */
	const char *time_field; /* marker only applies when they agree */
};

/* True when a type value matches the filter's globs. */
bool layout_filter_type(const struct layout_filter *f, const char *type);

/*
 * Decides whether the directory whose components below the lake root are
 * COMPS[0..N-1] can hold events selected by F.  L is the layout from the
 * marker, or NULL (then only Hive-style segments are understood).  Unknown
 * or non-matching directories are never pruned.
 */
bool layout_may_contain(const struct layout *l, const char *const *comps,
			size_t n, const struct layout_filter *f);

/* Writes ROOT/_evtools_layout.json atomically.  Returns 0 or -1 (errno). */
int layout_marker_write(const char *root, const struct layout *l);

/*
 * Reads the marker of the lake ROOT.  Returns the layout, or NULL when
 * there is none or it is unreadable (*errstr then says why, else NULL).
 */
struct layout *layout_marker_read(const char *root, const char **errstr);

#endif
