/*
 * schema.c - the load schema (evload-schema(5)) and the generic table.
 *
 * Everything a schema says is checked here, before any database is
 * touched: names (length, reserved prefix, duplicates in any case), types
 * (exact words, not substrings), paths, keys, defaults (converted by the
 * column's own rules).  Errors are "FILE:LINE:COL: reason".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evload.h"
#include "utf8.h"
#include "util.h"
#include "yamlcfg.h"

#define SCHEMA_MAX_COLUMNS 1000

static const char *const type_names[] = {
    [CT_TEXT] = "text",       [CT_INTEGER] = "integer",
    [CT_BIGINT] = "bigint",   [CT_DOUBLE] = "double",
    [CT_BOOLEAN] = "boolean", [CT_TIMESTAMP] = "timestamp",
    [CT_JSON] = "json",
};

const char *
coltype_name(enum col_type t)
{
	return type_names[t];
}

int
coltype_parse(const char *s, enum col_type *out)
{
	size_t i;

	for (i = 0; i < EV_ARRAY_LEN(type_names); i++)
		if (strcmp(s, type_names[i]) == 0) {
			*out = (enum col_type)i;
			return 0;
		}
	return -1;
}

int
evload_name_check(const char *s, size_t n, const char **why)
{
	size_t rl = strlen(EVLOAD_RESERVED);

	if (n == 0) {
		*why = "empty name";
		return -1;
	}
	if (memchr(s, '\0', n) != NULL) {
		*why = "name contains a NUL character";
		return -1;
	}
	if (n > EVLOAD_NAME_MAX) {
		*why = "name longer than 63 bytes";
		return -1;
	}
	if (utf8_check(s, n) != n) {
		*why = "name is not valid UTF-8";
		return -1;
	}
	if (n >= rl && strncasecmp(s, EVLOAD_RESERVED, rl) == 0) {
		*why = "names starting with _evload are reserved for evload";
		return -1;
	}
	return 0;
}

void
sql_ident(struct buf *b, const char *name)
{
	const char *q;

	buf_addc(b, '"');
	while ((q = strchr(name, '"')) != NULL) {
		buf_add(b, name, (size_t)(q - name) + 1);
		buf_addc(b, '"');
		name = q + 1;
	}
	buf_adds(b, name);
	buf_addc(b, '"');
}

void
schema_free(struct schema *s)
{
	size_t i;

	for (i = 0; i < s->ncols; i++) {
		free(s->cols[i].name);
		free(s->cols[i].path);
		free(s->cols[i].def_text);
	}
	free(s->cols);
	free(s->keys);
	free(s->table);
	free(s->file);
	memset(s, 0, sizeof(*s));
	s->time_col = -1;
}

static struct column *
add_column(struct schema *s, const char *name, const char *path,
	   enum col_type t)
{
	struct column *c;

	s->cols = ev_reallocarray(s->cols, s->ncols + 1, sizeof(*s->cols));
	c = &s->cols[s->ncols++];
	memset(c, 0, sizeof(*c));
	c->name = ev_strdup(name);
	c->path = ev_strdup(path);
	c->type = t;
	c->vidx = -1;
	return c;
}

void
schema_generic(struct schema *s, const char *table, const char *id_field,
	       const char *type_field, const char *time_field)
{
	struct column *c;

	memset(s, 0, sizeof(*s));
	s->table = ev_strdup(table);
	c = add_column(s, "id", id_field, CT_TEXT);
	c->is_key = c->required = true;
	c = add_column(s, "type", type_field, CT_TEXT);
	c->required = true;
	c = add_column(s, "time", time_field, CT_TIMESTAMP);
	c->required = true;
	add_column(s, "source", "source", CT_TEXT);
	add_column(s, "event", EVLOAD_PATH_EVENT, CT_JSON);
	s->keys = ev_malloc(sizeof(*s->keys));
	s->keys[0] = 0;
	s->nkeys = 1;
	s->time_col = 2;
}

static void
ignore_key(const char *key, size_t n, void *arg)
{
	(void)key;
	(void)n;
	(void)arg;
}

static int
find_column(const struct schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * The JSON text a YAML default stands for, by column type, or -1 when the
 * scalar cannot be one (the caller reports).
 */
static int
default_json(const struct ynode *n, enum col_type t, struct buf *out)
{
	switch (t) {
	case CT_TEXT:
		buf_add_json_string(out, n->str, n->len);
		return 0;
	case CT_TIMESTAMP:
		/* A plain number is an epoch time, anything else a string. */
		if (n->plain && n->len > 0 &&
		    strspn(n->str, "0123456789.-+eE") == n->len) {
			buf_add(out, n->str, n->len);
			return 0;
		}
		buf_add_json_string(out, n->str, n->len);
		return 0;
	case CT_INTEGER:
	case CT_BIGINT:
	case CT_DOUBLE:
	case CT_BOOLEAN:
		if (!n->plain)
			buf_add_json_string(out, n->str, n->len);
		else
			buf_add(out, n->str, n->len);
		return 0;
	case CT_JSON:
		buf_add(out, n->str, n->len);
		return 0;
	}
	return -1;
}

/* Converts and stores the default of C from the YAML scalar N. */
static int
parse_default(const struct ydoc *d, const struct ynode *n, struct column *c,
	      struct buf *err)
{
	struct buf json = BUF_INIT, scratch = BUF_INIT, why = BUF_INIT;
	struct json_paths *ps;
	struct json_scanner *js;
	struct json_value v;
	struct json_error je;
	const char *perr;
	int r = 0;

	if (n->kind != YNODE_SCALAR)
		return yerr(err, d, n,
			    "column '%s': default: expected a "
			    "scalar",
			    c->name);
	if (memchr(n->str, '\0', n->len) != NULL)
		return yerr(err, d, n,
			    "column '%s': default contains a NUL character",
			    c->name);
	buf_adds(&json, "{\"v\":");
	default_json(n, c->type, &json);
	buf_addc(&json, '}');
	ps = json_paths_new();
	js = json_scanner_new();
	json_paths_add(ps, "v", &perr);
	if (json_scan(js, json.data, json.len, ps, &v, &je) < 0) {
		r = yerr(err, d, n,
			 "column '%s': default: '%s' is not valid "
			 "for type %s",
			 c->name, n->str, coltype_name(c->type));
		goto out;
	}
	if (convert_value(c, &v, EVTIME_UNIT_AUTO, &scratch, &c->def, &why) <
	    0) {
		r = yerr(err, d, n, "column '%s': default: %s", c->name,
			 buf_str(&why));
		goto out;
	}
	if (c->def.kind == CELL_NULL) {
		r = yerr(err, d, n,
			 "column '%s': default: null is not a "
			 "default (leave it out)",
			 c->name);
		goto out;
	}
	if (c->def.kind == CELL_TEXT || c->def.kind == CELL_JSON) {
		c->def_text = ev_malloc(c->def.n + 1);
		memcpy(c->def_text, c->def.p, c->def.n);
		c->def_text[c->def.n] = '\0';
		c->def.p = c->def_text;
	}
	c->has_default = true;
out:
	json_paths_free(ps);
	json_scanner_free(js);
	buf_free(&json);
	buf_free(&scratch);
	buf_free(&why);
	return r;
}

static int
parse_column(const struct ydoc *d, const struct ynode *m, struct schema *s,
	     struct buf *err)
{
	static const char *const keys[] = {"name",     "path",    "type",
					   "required", "default", NULL};
	const struct ynode *nn, *np, *nt, *nr, *nd;
	const char *name, *path, *tname, *why;
	enum col_type t;
	struct column *c;
	size_t i;

	if (ycheck_keys(d, m, "column", keys, err) < 0)
		return -1;
	nn = ymap_get(m, "name");
	if (nn == NULL)
		return yerr(err, d, m, "column: 'name' is missing");
	if (yget_str(d, nn, "name", &name, err) < 0)
		return -1;
	if (evload_name_check(nn->str, nn->len, &why) < 0)
		return yerr(err, d, nn, "column name '%s': %s", name, why);
	for (i = 0; i < s->ncols; i++)
		if (strcasecmp(s->cols[i].name, name) == 0)
			return yerr(err, d, nn,
				    "duplicate column name '%s' (first at "
				    "line %u; names differing only in case "
				    "are the same column)",
				    name, s->cols[i].line);
	np = ymap_get(m, "path");
	path = name;
	if (np != NULL) {
		if (yget_str(d, np, "path", &path, err) < 0)
			return -1;
		if (memchr(np->str, '\0', np->len) != NULL)
			return yerr(err, d, np,
				    "column '%s': path contains a NUL "
				    "character",
				    name);
		if (strcmp(path, EVLOAD_PATH_EVENT) != 0 &&
		    json_path_split(path, ignore_key, NULL, &why) < 0)
			return yerr(err, d, np,
				    "column '%s': invalid path '%s': %s", name,
				    path, why);
	} else if (json_path_split(path, ignore_key, NULL, &why) < 0) {
		return yerr(err, d, nn,
			    "column '%s': the name is not a valid path (%s); "
			    "give a path",
			    name, why);
	}
	nt = ymap_get(m, "type");
	if (nt == NULL)
		return yerr(err, d, m, "column '%s': 'type' is missing", name);
	if (yget_str(d, nt, "type", &tname, err) < 0)
		return -1;
	if (coltype_parse(tname, &t) < 0)
		return yerr(err, d, nt,
			    "column '%s': unknown type '%s' (expected one of: "
			    "text, integer, bigint, double, boolean, "
			    "timestamp, json)",
			    name, tname);
	if (strcmp(path, EVLOAD_PATH_EVENT) == 0 && t != CT_JSON &&
	    t != CT_TEXT)
		return yerr(err, d, nt,
			    "column '%s': the whole event (path '.') needs "
			    "type json or text",
			    name);
	if (s->ncols == SCHEMA_MAX_COLUMNS)
		return yerr(err, d, m, "more than %d columns",
			    SCHEMA_MAX_COLUMNS);
	c = add_column(s, name, path, t);
	c->line = m->line;
	c->col = m->col;
	nr = ymap_get(m, "required");
	if (nr && yget_bool(d, nr, "required", &c->required, err) < 0)
		return -1;
	nd = ymap_get(m, "default");
	if (nd && !ynode_is_null(nd)) {
		if (c->required)
			return yerr(err, d, nd,
				    "column '%s': a required column has no "
				    "default",
				    name);
		if (parse_default(d, nd, c, err) < 0)
			return -1;
	}
	return 0;
}

static int
add_key(const struct ydoc *d, const struct ynode *n, struct schema *s,
	struct buf *err)
{
	const char *name;
	struct column *c;
	size_t i;
	int ci;

	if (yget_str(d, n, "key", &name, err) < 0)
		return -1;
	ci = find_column(s, name);
	if (ci < 0)
		return yerr(err, d, n, "key: no column named '%s'", name);
	c = &s->cols[ci];
	for (i = 0; i < s->nkeys; i++)
		if (s->keys[i] == (size_t)ci)
			return yerr(err, d, n, "key: column '%s' given twice",
				    name);
	if (c->type == CT_JSON)
		return yerr(err, d, n,
			    "key: column '%s' is of type json, which cannot "
			    "be a key",
			    name);
	if (c->has_default)
		return yerr(err, d, n,
			    "key: column '%s' has a default; a key column "
			    "must come from the event",
			    name);
	/* Key columns are required whether or not the schema says so. */
	c->required = true;
	c->is_key = true;
	s->keys = ev_reallocarray(s->keys, s->nkeys + 1, sizeof(*s->keys));
	s->keys[s->nkeys++] = (size_t)ci;
	return 0;
}

static int
parse_schema(const struct ydoc *d, struct schema *s, const char *time_field,
	     struct buf *err)
{
	static const char *const keys[] = {"table", "key", "time", "columns",
					   NULL};
	const struct ynode *root = d->root, *nt, *nk, *nc, *ntime;
	const char *table, *why;
	size_t i;

	if (root == NULL)
		return yerr(err, d, NULL, "empty schema");
	if (ycheck_keys(d, root, "schema", keys, err) < 0)
		return -1;
	nt = ymap_get(root, "table");
	if (nt == NULL)
		return yerr(err, d, root, "'table' is missing");
	if (yget_str(d, nt, "table", &table, err) < 0)
		return -1;
	if (evload_name_check(nt->str, nt->len, &why) < 0)
		return yerr(err, d, nt, "table name '%s': %s", table, why);
	s->table = ev_strdup(table);
	s->table_line = nt->line;
	s->table_col = nt->col;

	nc = ymap_get(root, "columns");
	if (nc == NULL)
		return yerr(err, d, root, "'columns' is missing");
	if (nc->kind != YNODE_SEQ || nc->n == 0)
		return yerr(err, d, nc, "columns: expected a list of columns");
	for (i = 0; i < nc->n; i++)
		if (parse_column(d, nc->kids[i], s, err) < 0)
			return -1;

	nk = ymap_get(root, "key");
	if (nk == NULL)
		return yerr(err, d, root,
			    "'key' is missing (the column or columns that "
			    "identify a row)");
	if (nk->kind == YNODE_SEQ) {
		if (nk->n == 0)
			return yerr(err, d, nk,
				    "key: expected at least one "
				    "column");
		for (i = 0; i < nk->n; i++)
			if (add_key(d, nk->kids[i], s, err) < 0)
				return -1;
	} else if (add_key(d, nk, s, err) < 0) {
		return -1;
	}

	s->time_col = -1;
	ntime = ymap_get(root, "time");
	if (ntime != NULL && !ynode_is_null(ntime)) {
		const char *tc;
		int ci;

		if (yget_str(d, ntime, "time", &tc, err) < 0)
			return -1;
		ci = find_column(s, tc);
		if (ci < 0)
			return yerr(err, d, ntime, "time: no column named '%s'",
				    tc);
		if (s->cols[ci].type != CT_TIMESTAMP)
			return yerr(err, d, ntime,
				    "time: column '%s' is of type %s, not "
				    "timestamp",
				    tc, coltype_name(s->cols[ci].type));
		s->time_col = ci;
	} else if (ntime == NULL) {
		for (i = 0; i < s->ncols; i++)
			if (s->cols[i].type == CT_TIMESTAMP &&
			    strcmp(s->cols[i].path, time_field) == 0) {
				s->time_col = (int)i;
				break;
			}
	}
	return 0;
}

int
schema_load_string(struct schema *s, const char *path, const char *text,
		   size_t len, const char *time_field, struct buf *err)
{
	struct ydoc d;
	int r;

	memset(s, 0, sizeof(*s));
	s->time_col = -1;
	if (ydoc_load_string(&d, path, text, len, err) < 0) {
		ydoc_free(&d); /* the path it kept */
		return -1;
	}
	r = parse_schema(&d, s, time_field, err);
	ydoc_free(&d);
	if (r < 0) {
		schema_free(s);
		return -1;
	}
	s->file = ev_strdup(path);
	return 0;
}

int
schema_load(struct schema *s, const char *path, const char *time_field,
	    struct buf *err)
{
	struct ydoc d;
	int r;

	memset(s, 0, sizeof(*s));
	s->time_col = -1;
	if (ydoc_load(&d, path, err) < 0) {
		ydoc_free(&d);
		return -1;
	}
	r = parse_schema(&d, s, time_field, err);
	ydoc_free(&d);
	if (r < 0) {
		schema_free(s);
		return -1;
	}
	s->file = ev_strdup(path);
	return 0;
}
