/*
 * state.c - the --state file: everything evwindow needs to continue where
 * the last run stopped, as if the inputs of all runs had been one stream.
 *
 * One JSON object (read back with yajl's tree parser):
 *
 *   {"evwindow_state":1,
 *    "spec":{"window":"--tumbling 1h",...},      options it was made with
 *    "max_ts":T,"wm_floor":T,"seq":N,            watermark, input order
 *    "totals":{"events":N,"late":N,"lines_out":N},
 *    "panes":[{"start":T,"entries":[{"key":[...],"aggs":[...]},...]},...],
 *    "kept":[...],          written sliding windows kept for late updates

 *    "sessions":[{"key":[...],"first":T,"last":T,"status":"open",
 *                 "emitted":false,"late":false,"aggs":[...]},...]}
 *
 * Times are integer microseconds since the epoch; key fields are the
 * canonical JSON texts of the values, as strings; aggregate states are
 * exact (see agg_save).  Keys, entries and values are written sorted, so
 * the file depends only on the state, not on the history behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "duration.h"
#include "evw.h"
#include "util.h"

#define STATE_VERSION 1

enum {
	SP_WINDOW,
	SP_OFFSET,
	SP_LATENESS,
	SP_BY,
	SP_AGGS,
	SP_EXACT,
	SP_LATE,
	SP_TIME,
	SP_N
};

static const char *const spec_names[SP_N] = {
    "window", "offset", "lateness", "by", "aggs", "exact", "late", "time",
};

static char *
dur(int64_t us)
{
	char tmp[DURATION_FMT_MAX];

	duration_format(us, tmp);
	return ev_strdup(tmp);
}

/* The options a state depends on, each as the words that set it. */
static void
spec_texts(struct evw *w, char *t[SP_N])
{
	static const char *const units[] = {"auto", "s", "ms", "us", "ns"};
	struct buf b = BUF_INIT;
	char *d;
	size_t i;

	t[SP_WINDOW] = ev_strdup(w->window_text);
	d = dur(w->offset);
	buf_printf(&b, "--offset %s", d);
	free(d);
	t[SP_OFFSET] = ev_strdup(buf_str(&b));
	buf_reset(&b);
	d = dur(w->lateness);
	buf_printf(&b, "--lateness %s", d);
	free(d);
	t[SP_LATENESS] = ev_strdup(buf_str(&b));
	buf_reset(&b);
	if (w->nby == 0)
		buf_adds(&b, "no --by");
	for (i = 0; i < w->nby; i++)
		buf_printf(&b, "%s%s", i ? "," : "--by ", w->by_paths[i]);
	t[SP_BY] = ev_strdup(buf_str(&b));
	buf_reset(&b);
	for (i = 0; i < w->naggs; i++)
		buf_printf(&b, "%s-a %s", i ? " " : "", w->aggs[i].text);
	t[SP_AGGS] = ev_strdup(buf_str(&b));
	t[SP_EXACT] = ev_strdup(w->exact ? "--exact" : "no --exact");
	buf_reset(&b);
	if (w->late != LATE_EMIT) {
		buf_adds(&b, "no --late emit");
	} else if (w->retain_given) {
		d = dur(w->retain);
		buf_printf(&b, "--late emit --retain %s", d);
		free(d);
	} else {
		buf_adds(&b, "--late emit");
	}
	t[SP_LATE] = ev_strdup(buf_str(&b));
	buf_reset(&b);
	buf_printf(&b, "--time-field %s --time-unit %s", w->co.time_field,
		   units[w->co.time_unit]);
	t[SP_TIME] = ev_strdup(buf_str(&b));
	buf_free(&b);
}

void
evw_spec_json(struct evw *w, struct buf *out)
{
	char *t[SP_N];
	int i;

	spec_texts(w, t);
	buf_addc(out, '{');
	for (i = 0; i < SP_N; i++) {
		if (i)
			buf_addc(out, ',');
		buf_add_json_string(out, spec_names[i], strlen(spec_names[i]));
		buf_addc(out, ':');
		buf_add_json_string(out, t[i], strlen(t[i]));
		free(t[i]);
	}
	buf_addc(out, '}');
}

/* ---- saving ------------------------------------------------------------ */

static void
add_time(struct buf *b, evtime_t t)
{
	if (t == EVW_NONE)
		buf_adds(b, "null");
	else
		buf_add_i64(b, t);
}

static void
add_key(struct evw *w, struct buf *b, const struct key *k)
{
	size_t i, from = 0;

	buf_addc(b, '[');
	for (i = 0; i < w->nby; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_json_string(b, k->bytes + from, k->fend[i] - from);
		from = k->fend[i] + 1;
	}
	buf_addc(b, ']');
}

static int
key_order(const void *a, const void *b)
{
	const struct key *x = *(const struct key *const *)a;
	const struct key *y = *(const struct key *const *)b;
	int c = memcmp(x->bytes, y->bytes, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int
entry_order(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return key_order(&x->key, &y->key);
}

/* The panes (or kept windows) of L, each with its entries by key. */
static void
save_panes(struct evw *w, struct buf *b, const struct panelist *l)
{
	size_t i, j, n;

	for (i = 0; i < l->n; i++) {
		struct pane *p = l->v[i];
		struct entry **v = ev_calloc(p->n + 1, sizeof(*v)), *e;

		n = 0;
		for (e = p->list; e; e = e->next)
			v[n++] = e;
		qsort(v, n, sizeof(*v), entry_order);
		buf_adds(b, i ? ",\n{\"start\":" : "\n{\"start\":");
		buf_add_i64(b, p->start);
		buf_adds(b, ",\"entries\":[");
		for (j = 0; j < n; j++) {
			buf_adds(b, j ? ",\n {\"key\":" : "\n {\"key\":");
			add_key(w, b, v[j]->key);
			buf_adds(b, ",\"aggs\":");
			agg_save(w->aggs, w->naggs, v[j]->st, b);
			buf_addc(b, '}');
		}
		buf_adds(b, "]}");
		free(v);
	}
}

int
evw_state_save(struct evw *w)
{
	struct buf b = BUF_INIT;
	size_t i, n;
	bool firstp = true;

	buf_printf(&b, "{\"evwindow_state\":%d,\n\"spec\":", STATE_VERSION);
	evw_spec_json(w, &b);
	buf_adds(&b, ",\n\"max_ts\":");
	add_time(&b, w->max_ts);
	buf_adds(&b, ",\"wm_floor\":");
	add_time(&b, w->wm_floor);
	buf_adds(&b, ",\"seq\":");
	buf_add_u64(&b, w->seq);
	buf_adds(&b, ",\n\"totals\":{\"events\":");
	buf_add_u64(&b, w->total_events);
	buf_adds(&b, ",\"late\":");
	buf_add_u64(&b, w->total_late);
	buf_adds(&b, ",\"lines_out\":");
	buf_add_u64(&b, w->total_out);
	buf_adds(&b, "},\n\"panes\":[");
	save_panes(w, &b, &w->panes);
	buf_adds(&b, "],\n\"kept\":[");
	save_panes(w, &b, &w->wins);
	buf_adds(&b, "],\n\"sessions\":[");
	if (w->kind == WIN_SESSION) {
		struct key **keys = ev_calloc(w->nkeys + 1, sizeof(*keys));

		n = 0;
		for (i = 0; i < w->kcap; i++) {
			struct key *k;

			for (k = w->ktab[i]; k; k = k->hnext)
				if (k->sess)
					keys[n++] = k;
		}
		qsort(keys, n, sizeof(*keys), key_order);
		for (i = 0; i < n; i++) {
			struct session *s;

			for (s = keys[i]->sess; s; s = s->next) {
				buf_adds(&b, firstp ? "\n{\"key\":"
						    : ",\n{\"key\":");
				firstp = false;
				add_key(w, &b, s->key);
				buf_adds(&b, ",\"first\":");
				buf_add_i64(&b, s->first);
				buf_adds(&b, ",\"last\":");
				buf_add_i64(&b, s->last);
				buf_adds(&b, s->status == SESS_OPEN
						 ? ",\"status\":\"open\""
						 : ",\"status\":\"closed\"");
				buf_adds(&b, s->emitted ? ",\"emitted\":true"
							: ",\"emitted\":false");
				buf_adds(&b, s->late ? ",\"late\":true"
						     : ",\"late\":false");
				buf_adds(&b, ",\"aggs\":");
				if (s->e)
					agg_save(w->aggs, w->naggs, s->e->st,
						 &b);
				else
					buf_adds(&b, "null");
				buf_addc(&b, '}');
			}
		}
		free(keys);
	}
	buf_adds(&b, "]}\n");
	if (atomic_write_file(w->state_path, b.data, b.len, 0666) < 0) {
		ev_warn("%s:", w->state_path);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

/* ---- loading ----------------------------------------------------------- */

static int
bad(struct evw *w, struct buf *err)
{
	ev_warn("%s: invalid state file: %s", w->state_path, buf_str(err));
	return EV_EXIT_USAGE;
}

static int
get_time(yajl_val v, evtime_t *t)
{
	int64_t x;

	if (YAJL_IS_NULL(v)) {
		*t = EVW_NONE;
		return 0;
	}
	if (jv_i64(v, &x) < 0 || x < EVTIME_LOWEST - EVW_MAX_DURATION ||
	    x > EVTIME_HIGHEST + EVW_MAX_DURATION)
		return -1;
	*t = x;
	return 0;
}

static int
check_time(yajl_val v, evtime_t *t)
{
	return get_time(v, t) < 0 || *t == EVW_NONE ? -1 : 0;
}

/* The key whose fields are the canonical texts in the array V. */
static struct key *
load_key(struct evw *w, yajl_val v)
{
	uint32_t *fend;
	struct key *k;
	size_t i;

	if (!YAJL_IS_ARRAY(v) || v->u.array.len != w->nby)
		return NULL;
	fend = ev_calloc(w->nby + 1, sizeof(uint32_t));
	buf_reset(&w->kbuf);
	for (i = 0; i < w->nby; i++) {
		const char *s = jv_str(v->u.array.values[i]);

		if (s == NULL || *s == '\0') {
			free(fend);
			return NULL;
		}
		if (i)
			buf_addc(&w->kbuf, ',');
		buf_adds(&w->kbuf, s);
		fend[i] = (uint32_t)w->kbuf.len;
	}
	k = evw_key_intern(w, w->kbuf.data ? w->kbuf.data : "", w->kbuf.len,
			   fend);
	free(fend);
	return k;
}

/*
 * Loads the panes (or kept windows) of the array PANES into L; their
 * starts are aligned to ALIGN.
 */
static int
load_panes(struct evw *w, struct panelist *l, yajl_val panes, int64_t align,
	   const char *what, struct buf *err)
{
	size_t i, j;

	if (!YAJL_IS_ARRAY(panes)) {
		buf_printf(err, "no \"%s\" array", what);
		return -1;
	}
	if (w->kind == WIN_SESSION && panes->u.array.len > 0) {
		buf_printf(err, "\"%s\" in a session state", what);
		return -1;
	}
	for (i = 0; i < panes->u.array.len; i++) {
		yajl_val pv = panes->u.array.values[i];
		yajl_val ents = jv_get(pv, "entries");
		struct pane *p;
		evtime_t start;

		if (check_time(jv_get(pv, "start"), &start) < 0 ||
		    evtime_floor(start, align, w->offset) != start ||
		    !YAJL_IS_ARRAY(ents)) {
			buf_printf(err, "bad %s %zu", what, i);
			return -1;
		}
		if (evw_pane_get(l, start, false)) {
			buf_printf(err, "%s %zu repeated", what, i);
			return -1;
		}
		p = evw_pane_get(l, start, true);
		for (j = 0; j < ents->u.array.len; j++) {
			yajl_val ev = ents->u.array.values[j];
			struct key *k = load_key(w, jv_get(ev, "key"));
			struct entry *e;

			if (k == NULL || evw_pane_entry(w, p, k, false)) {
				if (k)
					evw_key_release(w, k);
				buf_printf(err, "bad key in %s %zu", what, i);
				return -1;
			}
			e = evw_pane_entry(w, p, k, true);
			if (agg_load(w->aggs, w->naggs, e->st,
				     jv_get(ev, "aggs"), err) < 0)
				return -1;
		}
	}
	return 0;
}

static int
load_sessions(struct evw *w, yajl_val ss, struct buf *err)
{
	size_t i;

	if (!YAJL_IS_ARRAY(ss)) {
		buf_adds(err, "no \"sessions\" array");
		return -1;
	}
	if (w->kind != WIN_SESSION && ss->u.array.len > 0) {
		buf_adds(err, "sessions in a pane state");
		return -1;
	}
	for (i = 0; i < ss->u.array.len; i++) {
		yajl_val sv = ss->u.array.values[i];
		yajl_val aggs = jv_get(sv, "aggs");
		const char *status = jv_str(jv_get(sv, "status"));
		yajl_val emitted = jv_get(sv, "emitted"),
			 late = jv_get(sv, "late");
		struct key *k = load_key(w, jv_get(sv, "key"));
		struct session *s;
		evtime_t first, last;

		if (k == NULL || check_time(jv_get(sv, "first"), &first) < 0 ||
		    check_time(jv_get(sv, "last"), &last) < 0 || first > last ||
		    status == NULL ||
		    (strcmp(status, "open") != 0 &&
		     strcmp(status, "closed") != 0) ||
		    !(YAJL_IS_TRUE(emitted) || YAJL_IS_FALSE(emitted)) ||
		    !(YAJL_IS_TRUE(late) || YAJL_IS_FALSE(late)) ||
		    (YAJL_IS_NULL(aggs) && strcmp(status, "open") == 0)) {
			if (k)
				evw_key_release(w, k);
			buf_printf(err, "bad session %zu", i);
			return -1;
		}
		s = evw_session_new(w, k);
		s->first = first;
		s->last = last;
		s->status =
		    strcmp(status, "open") == 0 ? SESS_OPEN : SESS_CLOSED;
		s->emitted = YAJL_IS_TRUE(emitted);
		s->late = YAJL_IS_TRUE(late);
		evw_session_link(w, s);
		if (!YAJL_IS_NULL(aggs)) {
			s->e = evw_entry_new(w, k);
			if (agg_load(w->aggs, w->naggs, s->e->st, aggs, err) <
			    0)
				return -1;
		}
		if (s->status == SESS_OPEN)
			s->due = last + w->gap;
		else
			s->due = s->e ? last + w->gap + w->retain
				      : last + 2 * w->gap;
		evw_heap_push(w, s);
	}
	return 0;
}

static int
load_totals(struct evw *w, yajl_val t)
{
	return jv_u64(jv_get(t, "events"), &w->total_events) < 0 ||
		       jv_u64(jv_get(t, "late"), &w->total_late) < 0 ||
		       jv_u64(jv_get(t, "lines_out"), &w->total_out) < 0
		   ? -1
		   : 0;
}

/*
 * Reads the state file, if there is one.  Returns 0, EV_EXIT_USAGE for an
 * invalid file or one made with other options, EV_EXIT_IO when it cannot
 * be read.
 */
int
evw_state_load(struct evw *w)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	char errbuf[256], *t[SP_N];
	yajl_val root = NULL, spec;
	int fd, rc = 0, i;
	uint64_t version;

	fd = open(w->state_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* the first run */
		ev_warn("%s:", w->state_path);
		return EV_EXIT_IO;
	}
	if (buf_read_fd(&text, fd, 0) < 0) {
		ev_warn("%s:", w->state_path);
		close(fd);
		buf_free(&text);
		return EV_EXIT_IO;
	}
	close(fd);
	root = yajl_tree_parse(buf_str(&text), errbuf, sizeof(errbuf));
	buf_free(&text);
	if (root == NULL) {
		char *nl;

		/* yajl's messages span lines; the first one says it. */
		if ((nl = strchr(errbuf, '\n')) != NULL)
			*nl = '\0';
		buf_adds(&err, errbuf[0] ? errbuf : "not JSON");
		rc = bad(w, &err);
		goto out;
	}
	if (jv_u64(jv_get(root, "evwindow_state"), &version) < 0) {
		buf_adds(&err, "not an evwindow state");
		rc = bad(w, &err);
		goto out;
	}
	if (version != STATE_VERSION) {
		buf_printf(&err, "version %llu, expected %d",
			   (unsigned long long)version, STATE_VERSION);
		rc = bad(w, &err);
		goto out;
	}
	spec = jv_get(root, "spec");
	spec_texts(w, t);
	for (i = 0; i < SP_N; i++) {
		const char *s = jv_str(jv_get(spec, spec_names[i]));

		if (rc == 0 && s == NULL) {
			buf_printf(&err, "no spec \"%s\"", spec_names[i]);
			rc = bad(w, &err);
		} else if (rc == 0 && strcmp(s, t[i]) != 0) {
			ev_warn("%s: state made with %s; this run has %s",
				w->state_path, s, t[i]);
			rc = EV_EXIT_USAGE;
		}
		free(t[i]);
	}
	if (rc)
		goto out;
	if (get_time(jv_get(root, "max_ts"), &w->max_ts) < 0 ||
	    get_time(jv_get(root, "wm_floor"), &w->wm_floor) < 0 ||
	    jv_u64(jv_get(root, "seq"), &w->seq) < 0 ||
	    load_totals(w, jv_get(root, "totals")) < 0) {
		buf_adds(&err, "bad watermark or counters");
		rc = bad(w, &err);
		goto out;
	}
	if (load_panes(w, &w->panes, jv_get(root, "panes"), w->pane, "pane",
		       &err) < 0 ||
	    load_panes(w, &w->wins, jv_get(root, "kept"), w->slide,
		       "kept window", &err) < 0 ||
	    load_sessions(w, jv_get(root, "sessions"), &err) < 0) {
		rc = bad(w, &err);
		goto out;
	}
	if (w->wins.n > 0 && !w->materialize) {
		buf_adds(&err, "kept windows without --late emit");
		rc = bad(w, &err);
		goto out;
	}
	w->wm_fired = evw_watermark(w);
out:
	buf_free(&err);
	yajl_tree_free(root);
	return rc;
}
