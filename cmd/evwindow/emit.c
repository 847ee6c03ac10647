/*
 * emit.c - evwindow's output: one JSON line per window and key, and the
 * file of late events.
 *
 *   {"window_start":"...","window_end":"...",KEYS,AGGREGATES,
 *    ["approx":[NAMES],]"pane":"on_time"}
 *
 * Key fields are written at their own paths (--by data.enterprise gives
 * "data":{"enterprise":...}), paths sharing a prefix share the object, in
 * the order the paths were first given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evw.h"
#include "util.h"

/* A node of the tree of --by paths. */
struct knode {
	char *name;
	int field;         /* a leaf: the field index; else -1 */
	size_t first_path; /* the first --by path through it */
	struct knode **kids;
	size_t nkids;
};

struct split_ctx {
	char **keys;
	size_t n;
};

static void
split_cb(const char *key, size_t n, void *arg)
{
	struct split_ctx *c = arg;

	c->keys = ev_reallocarray(c->keys, c->n + 1, sizeof(char *));
	c->keys[c->n++] = ev_strndup(key, n);
}

static struct knode *
knode_new(const char *name, int field)
{
	struct knode *k = ev_calloc(1, sizeof(*k));

	k->name = ev_strdup(name);
	k->field = field;
	return k;
}

static void
knode_free(struct knode *k)
{
	size_t i;

	for (i = 0; i < k->nkids; i++)
		knode_free(k->kids[i]);
	free(k->kids);
	free(k->name);
	free(k);
}

static void
flatten(struct evw *w, const struct knode *k, bool comma)
{
	size_t i;

	w->kops = ev_reallocarray(w->kops, w->nkops + 1, sizeof(*w->kops));
	w->kops[w->nkops].name = ev_strdup(k->name);
	w->kops[w->nkops].comma = comma;
	w->kops[w->nkops].field = k->field >= 0 ? (size_t)k->field : 0;
	if (k->field >= 0) {
		w->kops[w->nkops++].op = KOP_FIELD;
		return;
	}
	w->kops[w->nkops++].op = KOP_OPEN;
	for (i = 0; i < k->nkids; i++)
		flatten(w, k->kids[i], i > 0);
	w->kops = ev_reallocarray(w->kops, w->nkops + 1, sizeof(*w->kops));
	w->kops[w->nkops].op = KOP_CLOSE;
	w->kops[w->nkops].name = NULL;
	w->kops[w->nkops].comma = false;
	w->kops[w->nkops++].field = 0;
}

int
evw_key_layout(struct evw *w, struct buf *err)
{
	struct knode *root = knode_new("", -1);
	size_t i, j, d;
	int rc = 0;

	for (i = 0; i < w->nby && rc == 0; i++) {
		struct split_ctx c = {NULL, 0};
		struct knode *node = root;
		const char *e;

		for (j = 0; j < i; j++)
			if (strcmp(w->by_paths[j], w->by_paths[i]) == 0) {
				buf_printf(err, "--by: '%s' given twice",
					   w->by_paths[i]);
				rc = -1;
			}
		if (rc == 0 &&
		    json_path_split(w->by_paths[i], split_cb, &c, &e) < 0) {
			buf_printf(err, "--by: invalid field path '%s': %s",
				   w->by_paths[i], e);
			rc = -1;
		}
		for (d = 0; rc == 0 && d < c.n; d++) {
			struct knode *kid = NULL;
			size_t m;

			for (m = 0; m < node->nkids; m++)
				if (strcmp(node->kids[m]->name, c.keys[d]) == 0)
					kid = node->kids[m];
			if (kid && (kid->field >= 0 || d == c.n - 1)) {
				buf_printf(err,
					   "--by: '%s' and '%s' overlap "
					   "(one is inside the other)",
					   w->by_paths[kid->first_path],
					   w->by_paths[i]);
				rc = -1;
				break;
			}
			if (kid == NULL) {
				kid = knode_new(c.keys[d],
						d == c.n - 1 ? (int)i : -1);
				kid->first_path = i;
				node->kids =
				    ev_reallocarray(node->kids, node->nkids + 1,
						    sizeof(*node->kids));
				node->kids[node->nkids++] = kid;
			}
			node = kid;
		}
		for (d = 0; d < c.n; d++)
			free(c.keys[d]);
		free(c.keys);
	}
	if (rc == 0)
		for (i = 0; i < root->nkids; i++)
			flatten(w, root->kids[i], true);
	knode_free(root);
	return rc;
}

/* The RFC 3339 text of T, remembering the last two. */
static const char *
fmt_time(struct evw *w, evtime_t t, size_t *len)
{
	int i;

	for (i = 0; i < 2; i++)
		if (w->fmt_t[i] == t) {
			*len = strlen(w->fmt_s[i]);
			return w->fmt_s[i];
		}
	w->fmt_t[1] = w->fmt_t[0];
	memcpy(w->fmt_s[1], w->fmt_s[0], EVTIME_FMT_MAX);
	w->fmt_t[0] = t;
	*len = evtime_format(t, w->fmt_s[0]);
	return w->fmt_s[0];
}

static const char *const pane_names[] = {
    [PANE_ON_TIME] = "on_time",
    [PANE_LATE] = "late",
    [PANE_EOF] = "eof",
    [PANE_IDLE] = "idle",
};

void
evw_emit(struct evw *w, evtime_t start, evtime_t end, const struct key *k,
	 unsigned char *st, enum evw_pane kind)
{
	struct buf *b = &w->line;
	const char *t;
	size_t n, i;

	buf_reset(b);
	buf_adds(b, "{\"window_start\":\"");
	t = fmt_time(w, start, &n);
	buf_add(b, t, n);
	buf_adds(b, "\",\"window_end\":\"");
	t = fmt_time(w, end, &n);
	buf_add(b, t, n);
	buf_addc(b, '"');
	for (i = 0; i < w->nkops; i++) {
		const struct keyop *op = &w->kops[i];
		size_t from, to;

		if (op->op == KOP_CLOSE) {
			buf_addc(b, '}');
			continue;
		}
		if (op->comma)
			buf_addc(b, ',');
		buf_add_json_string(b, op->name, strlen(op->name));
		buf_addc(b, ':');
		if (op->op == KOP_OPEN) {
			buf_addc(b, '{');
			continue;
		}
		from = op->field ? k->fend[op->field - 1] + 1 : 0;
		to = k->fend[op->field];
		buf_add(b, k->bytes + from, to - from);
	}
	buf_reset(&w->approx);
	agg_output(w->aggs, w->naggs, st, b, &w->approx, &w->approx_out);
	if (w->approx.len) {
		buf_adds(b, ",\"approx\":[");
		buf_add(b, w->approx.data, w->approx.len);
		buf_addc(b, ']');
	}
	buf_adds(b, ",\"pane\":\"");
	buf_adds(b, pane_names[kind]);
	buf_adds(b, "\"}");
	out_line(&w->out, b->data, b->len);
	w->total_out++;
}

int
evw_late_open(struct evw *w)
{
	if (atomic_file_open(&w->late_af, w->late_path, 0666) < 0) {
		ev_warn("--late file:%s:", w->late_path);
		return -1;
	}
	out_init(&w->late_out, w->late_af.fd, w->late_path);
	w->late_open = true;
	return 0;
}

void
evw_late_write(struct evw *w, const struct ev_event *ev)
{
	out_line(&w->late_out, ev->line, ev->len);
}

int
evw_late_commit(struct evw *w)
{
	if (!w->late_open)
		return 0;
	out_flush(&w->late_out);
	out_free(&w->late_out);
	w->late_open = false;
	if (atomic_file_commit(&w->late_af) < 0) {
		ev_warn("--late file:%s:", w->late_path);
		return -1;
	}
	return 0;
}
