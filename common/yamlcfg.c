/*
 * yamlcfg.c - libyaml events to a located tree.
 */
#include "yamlcfg.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "util.h"

int
yerr(struct buf *err, const struct ydoc *d, const struct ynode *n,
     const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		buf_printf(err, "%s:%u:%u: %s", d->path, n->line, n->col, msg);
	else
		buf_printf(err, "%s: %s", d->path, msg);
	return -1;
}

/*
 * S as it is shown inside quotes in a message: control characters are
 * escaped ("\n", "\x01"), so that every diagnostic stays on one line even
 * for a multi-line scalar.  Returns OUT (N bytes, cut short if need be).
 */
static const char *
shown(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\t' || c == '\r') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static void
node_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

void
ydoc_free(struct ydoc *d)
{
	node_free(d->root);
	free(d->path);
	d->root = NULL;
	d->path = NULL;
}

static struct ynode *
node_new(enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = ev_calloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static void
add_kid(struct ynode *parent, struct ynode *kid)
{
	parent->kids =
	    ev_reallocarray(parent->kids, parent->n + 1, sizeof(*parent->kids));
	parent->kids[parent->n++] = kid;
}

/* Checks the newest key of MAP against the earlier ones. */
static int
check_duplicate(const struct ydoc *d, const struct ynode *map, struct buf *err)
{
	const struct ynode *k = map->kids[map->n - 1];
	char tmp[256];
	size_t i;

	if (k->kind != YNODE_SCALAR)
		return yerr(err, d, k, "mapping keys must be scalars");
	for (i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->len == k->len &&
		    memcmp(map->kids[i]->str, k->str, k->len) == 0)
			return yerr(err, d, k,
				    "duplicate key '%s' (first at line %u)",
				    shown(k->str, tmp, sizeof(tmp)),
				    map->kids[i]->line);
	return 0;
}

static int
parser_error(const struct ydoc *d, const yaml_parser_t *p, struct buf *err)
{
	struct ynode at = {.line = (unsigned)p->problem_mark.line + 1,
			   .col = (unsigned)p->problem_mark.column + 1};

	if (p->error == YAML_MEMORY_ERROR)
		ev_die(EV_EXIT_IO, "out of memory");
	if (p->context)
		return yerr(err, d, &at, "invalid YAML: %s %s", p->problem,
			    p->context);
	return yerr(err, d, &at, "invalid YAML: %s",
		    p->problem ? p->problem : "parse error");
}

int
ydoc_load_string(struct ydoc *d, const char *name, const char *text, size_t len,
		 struct buf *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ynode *stack[YCFG_MAX_DEPTH + 1];
	size_t depth = 0;
	int docs = 0, r = 0;
	bool done = false;

	memset(d, 0, sizeof(*d));
	d->path = ev_strdup(name);
	if (!yaml_parser_initialize(&p))
		ev_die(EV_EXIT_IO, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && r == 0) {
		struct ynode *n = NULL;
		struct ynode fake;

		if (!yaml_parser_parse(&p, &ev)) {
			r = parser_error(d, &p, err);
			break;
		}
		fake.line = (unsigned)ev.start_mark.line + 1;
		fake.col = (unsigned)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				r = yerr(err, d, &fake,
					 "only one YAML document is allowed");
			break;
		case YAML_ALIAS_EVENT:
			r = yerr(err, d, &fake,
				 "aliases are not supported (write the value "
				 "out)");
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			const yaml_char_t *anchor, *tag;

			if (ev.type == YAML_SCALAR_EVENT) {
				anchor = ev.data.scalar.anchor;
				tag = ev.data.scalar.tag;
			} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
				anchor = ev.data.sequence_start.anchor;
				tag = ev.data.sequence_start.tag;
			} else {
				anchor = ev.data.mapping_start.anchor;
				tag = ev.data.mapping_start.tag;
			}
			if (anchor) {
				r = yerr(err, d, &fake,
					 "anchors are not supported");
				break;
			}
			if (tag && strncmp((const char *)tag,
					   "tag:yaml.org,2002:", 18) != 0) {
				r = yerr(err, d, &fake, "unsupported tag '%s'",
					 (const char *)tag);
				break;
			}
			if (ev.type == YAML_SCALAR_EVENT) {
				n = node_new(YNODE_SCALAR, &ev.start_mark);
				n->len = ev.data.scalar.length;
				n->str = ev_strndup(
				    (const char *)ev.data.scalar.value, n->len);
				n->plain = ev.data.scalar.style ==
					       YAML_PLAIN_SCALAR_STYLE &&
					   tag == NULL;
			} else {
				n = node_new(ev.type ==
						     YAML_SEQUENCE_START_EVENT
						 ? YNODE_SEQ
						 : YNODE_MAP,
					     &ev.start_mark);
			}
			if (depth == 0) {
				node_free(d->root);
				d->root = n;
			} else {
				struct ynode *parent = stack[depth - 1];

				add_kid(parent, n);
				if (parent->kind == YNODE_MAP &&
				    parent->n % 2 == 1 &&
				    check_duplicate(d, parent, err) < 0) {
					r = -1;
					break;
				}
			}
			if (n->kind != YNODE_SCALAR) {
				if (depth == YCFG_MAX_DEPTH) {
					r = yerr(
					    err, d, n,
					    "nesting deeper than %d levels",
					    YCFG_MAX_DEPTH);
					break;
				}
				stack[depth++] = n;
			}
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (r < 0) {
		node_free(d->root);
		d->root = NULL;
	}
	return r;
}

int
ydoc_load(struct ydoc *d, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	int fd, r;

	memset(d, 0, sizeof(*d));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (buf_read_fd(&text, fd, YCFG_MAX_BYTES) < 0) {
		if (errno == EFBIG)
			buf_printf(err, "%s: larger than %u bytes", path,
				   YCFG_MAX_BYTES);
		else
			buf_printf(err, "%s: %s", path, strerror(errno));
		close(fd);
		buf_free(&text);
		return -1;
	}
	close(fd);
	r = ydoc_load_string(d, path, text.data ? text.data : "", text.len,
			     err);
	buf_free(&text);
	return r;
}

const struct ynode *
ymap_get(const struct ynode *map, const char *key)
{
	size_t i, n = strlen(key);

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->len == n &&
		    memcmp(map->kids[i]->str, key, n) == 0)
			return map->kids[i + 1];
	return NULL;
}

int
ycheck_keys(const struct ydoc *d, const struct ynode *map, const char *what,
	    const char *const *allowed, struct buf *err)
{
	char tmp[256];
	size_t i, j;

	if (map == NULL || map->kind != YNODE_MAP)
		return yerr(err, d, map, "%s: expected a mapping", what);
	for (i = 0; i + 1 < map->n; i += 2) {
		const char *k = map->kids[i]->str;

		for (j = 0; allowed[j]; j++)
			if (strcmp(k, allowed[j]) == 0)
				break;
		if (allowed[j] == NULL) {
			struct buf list = BUF_INIT;
			int r;

			for (j = 0; allowed[j]; j++)
				buf_printf(&list, "%s%s", j ? ", " : "",
					   allowed[j]);
			r = yerr(err, d, map->kids[i],
				 "unknown key '%s' in %s (expected one of: %s)",
				 shown(k, tmp, sizeof(tmp)), what,
				 buf_str(&list));
			buf_free(&list);
			return r;
		}
	}
	return 0;
}

bool
ynode_is_null(const struct ynode *n)
{
	return n == NULL ||
	       (n->kind == YNODE_SCALAR && n->plain &&
		(n->len == 0 || strcmp(n->str, "~") == 0 ||
		 strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
		 strcmp(n->str, "NULL") == 0));
}

int
yget_str(const struct ydoc *d, const struct ynode *n, const char *key,
	 const char **out, struct buf *err)
{
	if (n == NULL || n->kind != YNODE_SCALAR || ynode_is_null(n))
		return yerr(err, d, n, "%s: expected a string", key);
	*out = n->str;
	return 0;
}

int
yget_double(const struct ydoc *d, const struct ynode *n, const char *key,
	    double *out, struct buf *err)
{
	char *end, tmp[256];
	double v;

	if (n == NULL || n->kind != YNODE_SCALAR || !n->plain || n->len == 0)
		return yerr(err, d, n, "%s: expected a number", key);
	errno = 0;
	v = strtod(n->str, &end);
	/* No hex floats, inf or nan: a model weight must be a plain number. */
	if (*end != '\0' || errno == ERANGE || !isfinite(v) ||
	    strpbrk(n->str, "xXnN") != NULL)
		return yerr(err, d, n, "%s: expected a number, got '%s'", key,
			    shown(n->str, tmp, sizeof(tmp)));
	*out = v;
	return 0;
}

int
yget_int(const struct ydoc *d, const struct ynode *n, const char *key,
	 int64_t *out, struct buf *err)
{
	char *end, tmp[256];
	long long v;

	if (n == NULL || n->kind != YNODE_SCALAR || !n->plain || n->len == 0)
		return yerr(err, d, n, "%s: expected an integer", key);
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return yerr(err, d, n, "%s: expected an integer, got '%s'", key,
			    shown(n->str, tmp, sizeof(tmp)));
	*out = v;
	return 0;
}

int
yget_bool(const struct ydoc *d, const struct ynode *n, const char *key,
	  bool *out, struct buf *err)
{
	if (n && n->kind == YNODE_SCALAR && n->plain) {
		if (strcmp(n->str, "true") == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(n->str, "false") == 0) {
			*out = false;
			return 0;
		}
	}
	return yerr(err, d, n, "%s: expected true or false", key);
}
