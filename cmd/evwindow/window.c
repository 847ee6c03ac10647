/*
 * window.c - keys, panes and sessions; the watermark and when windows
 * fire; late events; the --max-windows bound.
 *
 * Tumbling and sliding windows share one mechanism: time is cut into
 * panes of width gcd(SIZE, SLIDE) aligned like the windows, each event
 * updates exactly one pane (its key's entry there), and a window's result
 * is the merge of its SIZE/pane panes when it fires.  Per-event cost is
 * therefore independent of SIZE/SLIDE; a tumbling window is one pane.
 *
 * Sessions are kept per key, sorted by start, and scheduled on a heap by
 * the time the watermark must next look at them (their end while open;
 * the end of --retain, then the end of the gap after which no event can
 * touch them any more, once closed).
 */
#include <stdlib.h>
#include <string.h>

#include "evw.h"
#include "hash.h"
#include "util.h"

#define ENTRY_CHUNK 256

/* ---- keys ------------------------------------------------------------- */

static void
key_table_grow(struct evw *w)
{
	size_t ncap = w->kcap ? w->kcap * 2 : 1024, i;
	struct key **t = ev_calloc(ncap, sizeof(*t));

	for (i = 0; i < w->kcap; i++) {
		struct key *k = w->ktab[i], *next;

		for (; k; k = next) {
			next = k->hnext;
			k->hnext = t[k->hash & (ncap - 1)];
			t[k->hash & (ncap - 1)] = k;
		}
	}
	free(w->ktab);
	w->ktab = t;
	w->kcap = ncap;
}

struct key *
evw_key_intern(struct evw *w, const char *bytes, size_t len,
	       const uint32_t *fend)
{
	uint64_t h = ev_hash64(bytes, len);
	struct key *k;
	size_t fsz = w->nby * sizeof(uint32_t);

	if (w->kcap == 0)
		key_table_grow(w);
	for (k = w->ktab[h & (w->kcap - 1)]; k; k = k->hnext)
		if (k->hash == h && k->len == len &&
		    memcmp(k->bytes, bytes, len) == 0)
			return k;
	k = ev_malloc(sizeof(*k) + fsz + len + 1);
	memset(k, 0, sizeof(*k));
	k->hash = h;
	k->len = (uint32_t)len;
	k->fend = (uint32_t *)(k + 1);
	k->bytes = (char *)k->fend + fsz;
	if (fsz)
		memcpy(k->fend, fend, fsz);
	memcpy(k->bytes, bytes, len);
	k->bytes[len] = '\0';
	k->hnext = w->ktab[h & (w->kcap - 1)];
	w->ktab[h & (w->kcap - 1)] = k;
	if (++w->nkeys > w->kcap)
		key_table_grow(w);
	return k;
}

/* Frees K when nothing refers to it any more. */
void
evw_key_release(struct evw *w, struct key *k)
{
	struct key **pp;

	if (k->refs > 0 || k->sess != NULL)
		return;
	for (pp = &w->ktab[k->hash & (w->kcap - 1)]; *pp; pp = &(*pp)->hnext)
		if (*pp == k) {
			*pp = k->hnext;
			break;
		}
	w->nkeys--;
	free(k);
}

struct key *
evw_event_key(struct evw *w, const struct ev_event *ev)
{
	uint32_t fend[64], *fe = fend;
	struct key *k;
	size_t i;

	if (w->nby > EV_ARRAY_LEN(fend))
		fe = ev_calloc(w->nby, sizeof(uint32_t));
	buf_reset(&w->kbuf);
	for (i = 0; i < w->nby; i++) {
		if (i)
			buf_addc(&w->kbuf, ',');
		agg_canonical(&ev->v[w->by_idx[i]], &w->kbuf, &w->scratch);
		fe[i] = (uint32_t)w->kbuf.len;
	}
	k = evw_key_intern(w, w->kbuf.data ? w->kbuf.data : "", w->kbuf.len,
			   fe);
	if (fe != fend)
		free(fe);
	return k;
}

/* ---- entries ----------------------------------------------------------- */

struct entry *
evw_entry_new(struct evw *w, struct key *k)
{
	struct entry *e;

	if (w->free_entries == NULL) {
		char *chunk = ev_calloc(ENTRY_CHUNK, w->entry_size);
		size_t i;

		w->chunks =
		    ev_reallocarray(w->chunks, w->nchunks + 1, sizeof(void *));
		w->chunks[w->nchunks++] = chunk;
		for (i = ENTRY_CHUNK; i-- > 0;) {
			e = (struct entry *)(chunk + i * w->entry_size);
			e->next = w->free_entries;
			w->free_entries = e;
		}
	}
	e = w->free_entries;
	w->free_entries = e->next;
	e->key = k;
	e->next = e->hnext = NULL;
	agg_state_init(w->aggs, w->naggs, e->st);
	k->refs++;
	if (++w->nentries > w->nentries_max)
		w->nentries_max = w->nentries;
	return e;
}

void
evw_entry_free(struct evw *w, struct entry *e)
{
	struct key *k = e->key;

	agg_state_free(w->aggs, w->naggs, e->st);
	e->key = NULL;
	e->next = w->free_entries;
	w->free_entries = e;
	w->nentries--;
	k->refs--;
	evw_key_release(w, k);
}

static bool
state_full(const struct evw *w)
{
	return w->max_windows > 0 && w->nentries >= w->max_windows;
}

/* ---- panes ------------------------------------------------------------- */

/* Index of the first pane of L starting at or after T. */
static size_t
pane_lower_bound(const struct panelist *l, evtime_t t)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid]->start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct pane *
evw_pane_get(struct panelist *l, evtime_t start, bool create)
{
	size_t i;
	struct pane *p;

	/* In-order input hits the newest pane. */
	if (l->n > 0 && l->v[l->n - 1]->start == start)
		return l->v[l->n - 1];
	i = pane_lower_bound(l, start);
	if (i < l->n && l->v[i]->start == start)
		return l->v[i];
	if (!create)
		return NULL;
	p = ev_calloc(1, sizeof(*p));
	p->start = start;
	p->cap = 8;
	p->tab = ev_calloc(p->cap, sizeof(*p->tab));
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = ev_reallocarray(l->v, l->cap, sizeof(*l->v));
	}
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(*l->v));
	l->v[i] = p;
	l->n++;
	return p;
}

static void
pane_grow(struct pane *p)
{
	uint32_t ncap = p->cap * 2;
	struct entry **t = ev_calloc(ncap, sizeof(*t));
	struct entry *e;

	for (e = p->list; e; e = e->next) {
		size_t j = e->key->hash & (ncap - 1);

		e->hnext = t[j];
		t[j] = e;
	}
	free(p->tab);
	p->tab = t;
	p->cap = ncap;
}

struct entry *
evw_pane_entry(struct evw *w, struct pane *p, struct key *k, bool create)
{
	size_t j = k->hash & (p->cap - 1);
	struct entry *e;

	for (e = p->tab[j]; e; e = e->hnext)
		if (e->key == k)
			return e;
	if (!create)
		return NULL;
	e = evw_entry_new(w, k);
	e->hnext = p->tab[j];
	p->tab[j] = e;
	e->next = p->list;
	p->list = e;
	if (++p->n > p->cap)
		pane_grow(p);
	return e;
}

static void
pane_free(struct evw *w, struct pane *p)
{
	struct entry *e, *next;

	for (e = p->list; e; e = next) {
		next = e->next;
		evw_entry_free(w, e);
	}
	free(p->tab);
	free(p);
}

/* Frees the first pane of L. */
static void
panelist_pop(struct evw *w, struct panelist *l)
{
	pane_free(w, l->v[0]);
	memmove(l->v, l->v + 1, (l->n - 1) * sizeof(*l->v));
	l->n--;
}

static void
panelist_free(struct evw *w, struct panelist *l)
{
	while (l->n > 0)
		panelist_pop(w, l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

/* The end of the last window that contains pane start PS. */
static evtime_t
pane_last_end(const struct evw *w, evtime_t ps)
{
	return evtime_floor(ps, w->slide, w->offset) + w->size;
}

/* ---- output helpers ---------------------------------------------------- */

struct sortent {
	struct entry *e;
	evtime_t ps; /* pane start, or session start */
	evtime_t end;
	struct session *s;
};

static int
key_cmp(const struct key *a, const struct key *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a == b)
		return 0;
	c = memcmp(a->bytes, b->bytes, n);
	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

static int
sortent_cmp(const void *x, const void *y)
{
	const struct sortent *a = x, *b = y;
	int c;

	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	c = key_cmp(a->e->key, b->e->key);
	if (c)
		return c;
	if (a->ps != b->ps)
		return a->ps < b->ps ? -1 : 1;
	return 0;
}

/* Session order: end, start, key. */
static int
session_cmp(const void *x, const void *y)
{
	const struct sortent *a = x, *b = y;

	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->ps != b->ps)
		return a->ps < b->ps ? -1 : 1;
	return key_cmp(a->e->key, b->e->key);
}

static struct sortent *
sort_room(struct evw *w, size_t n)
{
	if (n > w->sortcap) {
		w->sortcap = n * 2;
		w->sortv = ev_reallocarray(w->sortv, w->sortcap,
					   sizeof(struct sortent));
	}
	return w->sortv;
}

/* A scratch state block for merged results. */
static unsigned char *
tmp_state(struct evw *w)
{
	if (w->tmpst == NULL) {
		w->tmpst = aligned_alloc(16, w->stsize ? w->stsize : 16);
		if (w->tmpst == NULL)
			ev_die(EV_EXIT_IO, "out of memory");
	}
	return w->tmpst;
}

/*
 * Writes the result of window [S, E) for the entries V[0..N-1] of one key
 * (panes in order): one entry as it is, several merged.  With
 * w->materialize the merged result is kept among the written windows, for
 * late events to update.
 */
static void
emit_merged(struct evw *w, evtime_t s, evtime_t e, struct sortent *v, size_t n,
	    enum evw_pane kind)
{
	unsigned char *st;
	size_t i;

	if (w->materialize && e + w->retain > evw_watermark(w)) {
		struct pane *win = evw_pane_get(&w->wins, s, true);
		struct entry *x = evw_pane_entry(w, win, v[0].e->key, true);

		for (i = 0; i < n; i++)
			agg_merge(w->aggs, w->naggs, x->st, v[i].e->st,
				  &w->actx);
		evw_emit(w, s, e, x->key, x->st, kind);
		return;
	}
	if (n == 1) {
		evw_emit(w, s, e, v[0].e->key, v[0].e->st, kind);
		return;
	}
	st = tmp_state(w);
	agg_state_init(w->aggs, w->naggs, st);
	for (i = 0; i < n; i++)
		agg_merge(w->aggs, w->naggs, st, v[i].e->st, &w->actx);
	evw_emit(w, s, e, v[0].e->key, st, kind);
	agg_state_free(w->aggs, w->naggs, st);
}

/* Emits window [E - size, E) from panes I .. (those starting before E). */
static void
emit_window(struct evw *w, evtime_t e, size_t i, enum evw_pane kind)
{
	struct panelist *l = &w->panes;
	evtime_t s = e - w->size;
	size_t n = 0, j, a, b;
	struct sortent *v;

	for (j = i; j < l->n && l->v[j]->start < e; j++)
		n += l->v[j]->n;
	v = sort_room(w, n);
	n = 0;
	for (j = i; j < l->n && l->v[j]->start < e; j++) {
		struct entry *x;

		for (x = l->v[j]->list; x; x = x->next) {
			v[n].e = x;
			v[n].ps = l->v[j]->start;
			v[n].end = e;
			v[n].s = NULL;
			n++;
		}
	}
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), sortent_cmp);
	for (a = 0; a < n; a = b) {
		for (b = a + 1; b < n && v[b].e->key == v[a].e->key; b++)
			;
		emit_merged(w, s, e, v + a, b - a, kind);
	}
}

/* ---- late events ------------------------------------------------------- */

static void
note_late(struct evw *w, const struct ev_event *ev)
{
	if (w->late_events++ == 0) {
		w->late_file = ev_strdup(ev->file);
		w->late_line = ev->lineno;
	}
	w->total_late++;
}

/* ---- tumbling and sliding ---------------------------------------------- */

/*
 * Returns 1 when the event was aggregated, 0 when it was not (late), -1
 * when it was rejected (--max-windows).
 *
 * With --late emit, a late event updates every written window containing
 * it that is still kept (end + retain > watermark) and each is written
 * again.  A tumbling window is its pane, kept as long as the window; a
 * sliding window is kept whole (w->materialize) from the moment it is
 * written, so that a late update costs one aggregate update per window
 * instead of a merge of all its panes.
 */
static int
event_panes(struct evw *w, const struct ev_event *ev, evtime_t ts,
	    struct key *k)
{
	evtime_t W0 = evw_watermark(w);
	evtime_t ps = evtime_floor(ts, w->pane, w->offset);
	evtime_t s_last = evtime_floor(ts, w->slide, w->offset);
	evtime_t s_first =
	    s_last - ((s_last - ts + w->size - 1) / w->slide) * w->slide;
	bool late = W0 != EVW_NONE && s_first + w->size <= W0;
	bool full_late = late && s_last + w->size <= W0;
	bool emit = late && w->late == LATE_EMIT;
	bool pane_needed = !full_late || (emit && !w->materialize);
	struct pane *p = NULL;
	struct entry *e = NULL;
	uint64_t need = 0;
	evtime_t s;

	if (late && !emit && full_late) {
		note_late(w, ev);
		if (w->late == LATE_FILE)
			evw_late_write(w, ev);
		return 0;
	}
	if (emit && full_late && s_last + w->size + w->retain <= W0) {
		note_late(w, ev);
		w->late_expired++;
		return 0;
	}
	/* Count the state it needs before changing anything. */
	if (pane_needed) {
		p = evw_pane_get(&w->panes, ps, false);
		e = p ? evw_pane_entry(w, p, k, false) : NULL;
		need += e == NULL;
	}
	if (emit && w->materialize)
		for (s = s_first; s <= s_last && s + w->size <= W0;
		     s += w->slide) {
			struct pane *x = evw_pane_get(&w->wins, s, false);

			if (s + w->size + w->retain > W0 &&
			    (x == NULL || !evw_pane_entry(w, x, k, false)))
				need++;
		}
	if (need && w->max_windows > 0 && w->nentries + need > w->max_windows)
		return -1;
	if (pane_needed) {
		if (e == NULL) {
			if (p == NULL)
				p = evw_pane_get(&w->panes, ps, true);
			e = evw_pane_entry(w, p, k, true);
		}
		agg_update(w->aggs, w->naggs, e->st, ev->v, ts, w->seq,
			   &w->actx);
	}
	if (!late)
		return 1;
	note_late(w, ev);
	if (w->late == LATE_FILE)
		evw_late_write(w, ev);
	if (!emit)
		return 1;
	/* Updated results of the windows already written that are kept. */
	for (s = s_first; s <= s_last && s + w->size <= W0; s += w->slide) {
		struct pane *x;
		struct entry *y;

		if (s + w->size + w->retain <= W0)
			continue;
		if (!w->materialize) {
			/* Tumbling: the pane is the window. */
			evw_emit(w, s, s + w->size, k, e->st, PANE_LATE);
		} else {
			x = evw_pane_get(&w->wins, s, true);
			y = evw_pane_entry(w, x, k, true);
			agg_update(w->aggs, w->naggs, y->st, ev->v, ts, w->seq,
				   &w->actx);
			evw_emit(w, s, s + w->size, k, y->st, PANE_LATE);
		}
		w->late_updates++;
	}
	return 1;
}

/* Fires the windows with ends in (W0, W1], then frees unneeded panes. */
static void
fire_panes(struct evw *w, evtime_t W0, evtime_t W1, enum evw_pane kind)
{
	struct panelist *l = &w->panes;
	evtime_t e, keep;

	if (W1 == EVW_NONE)
		return;
	e = W0 == EVW_NONE
		? EVW_NONE
		: evtime_floor(W0, w->slide, w->offset + w->size) + w->slide;
	for (;;) {
		size_t i = e == EVW_NONE ? 0 : pane_lower_bound(l, e - w->size);
		evtime_t p;

		if (i == l->n)
			break;
		p = l->v[i]->start;
		if (e == EVW_NONE || p >= e) {
			/* Nothing in [e - size, e): the first window of p. */
			e = evtime_floor(p, w->slide, w->offset + w->size) +
			    w->slide;
			continue;
		}
		if (e > W1)
			break;
		emit_window(w, e, i, kind);
		e += w->slide;
	}
	/* Panes serve until their last window is written (and kept, when
	   the pane is the kept window); kept sliding windows are freed when
	   their time is up. */
	keep = w->materialize ? 0 : w->retain;
	while (l->n > 0 && pane_last_end(w, l->v[0]->start) + keep <= W1)
		panelist_pop(w, l);
	while (w->wins.n > 0 && w->wins.v[0]->start + w->size + w->retain <= W1)
		panelist_pop(w, &w->wins);
}

/* ---- sessions ----------------------------------------------------------- */

static void
heap_up(struct heap_ent *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct heap_ent t;

		if (h[p].due <= h[i].due)
			break;
		t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static void
heap_down(struct heap_ent *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct heap_ent t;

		if (l < n && h[l].due < h[m].due)
			m = l;
		if (r < n && h[r].due < h[m].due)
			m = r;
		if (m == i)
			break;
		t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
}

/* Makes sure the heap looks at S no later than S->due. */
void
evw_heap_push(struct evw *w, struct session *s)
{
	if (s->due >= s->heap_due)
		return; /* an earlier look is scheduled; it re-checks */
	if (w->nheap == w->heapcap) {
		w->heapcap = w->heapcap ? w->heapcap * 2 : 64;
		w->heap =
		    ev_reallocarray(w->heap, w->heapcap, sizeof(*w->heap));
	}
	w->heap[w->nheap].due = s->due;
	w->heap[w->nheap].id = s->id;
	w->heap[w->nheap].s = s;
	heap_up(w->heap, w->nheap++);
	s->heap_due = s->due;
}

struct session *
evw_session_new(struct evw *w, struct key *k)
{
	struct session *s;

	if (w->free_sessions == NULL) {
		struct session *chunk = ev_calloc(ENTRY_CHUNK, sizeof(*chunk));
		size_t i;

		w->chunks =
		    ev_reallocarray(w->chunks, w->nchunks + 1, sizeof(void *));
		w->chunks[w->nchunks++] = chunk;
		for (i = ENTRY_CHUNK; i-- > 0;) {
			chunk[i].status = SESS_FREE;
			chunk[i].next = w->free_sessions;
			w->free_sessions = &chunk[i];
		}
	}
	s = w->free_sessions;
	w->free_sessions = s->next;
	memset(s, 0, sizeof(*s));
	s->key = k;
	s->id = ++w->next_sid;
	s->heap_due = EVW_INF;
	s->status = SESS_OPEN;
	w->nsessions++;
	return s;
}

/* Inserts S into its key's list, ordered by start. */
void
evw_session_link(struct evw *w, struct session *s)
{
	struct session **pp = &s->key->sess;

	while (*pp && (*pp)->first < s->first)
		pp = &(*pp)->next;
	s->next = *pp;
	*pp = s;
}

static void
session_free(struct evw *w, struct session *s)
{
	struct session **pp;
	struct key *k = s->key;

	for (pp = &k->sess; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->e)
		evw_entry_free(w, s->e);
	s->e = NULL;
	s->status = SESS_FREE;
	s->id = 0;
	s->next = w->free_sessions;
	w->free_sessions = s;
	w->nsessions--;
	evw_key_release(w, k);
}

/*
 * After S was written (or when it is looked at later): drops its state
 * once --retain has passed, forgets it once no event can touch it any
 * more, and otherwise schedules the next look.
 */
static void
session_closed(struct evw *w, struct session *s, evtime_t W)
{
	evtime_t end = s->last + w->gap;

	if (s->e && end + w->retain <= W) {
		evw_entry_free(w, s->e);
		s->e = NULL;
	}
	if (s->e == NULL && end + w->gap <= W) {
		session_free(w, s);
		return;
	}
	s->due = s->e ? end + w->retain : end + w->gap;
	evw_heap_push(w, s);
}

static void
emit_session(struct evw *w, struct session *s, enum evw_pane kind)
{
	evw_emit(w, s->first, s->last + w->gap, s->key, s->e->st,
		 s->emitted || s->late ? PANE_LATE : kind);
	s->emitted = true;
	s->late = false;
	s->status = SESS_CLOSED;
}

static int
event_session(struct evw *w, const struct ev_event *ev, evtime_t ts,
	      struct key *k)
{
	evtime_t W0 = evw_watermark(w), G = w->gap, end;
	struct session *first = NULL, *s, *next;
	bool late = W0 != EVW_NONE && ts + G <= W0, expired = false;
	bool emitted = false;
	evtime_t merged_end = ts + G;

	/* Sessions it touches: strictly less than GAP away from them. */
	for (s = k->sess; s && s->first < ts + G; s = s->next) {
		if (ts >= s->last + G)
			continue;
		if (first == NULL)
			first = s;
		if (s->status == SESS_CLOSED) {
			late = true;
			emitted = true;
			if (s->e == NULL)
				expired = true;
		}
		if (s->last + G > merged_end)
			merged_end = s->last + G;
	}
	if (late) {
		if (w->late != LATE_EMIT) {
			note_late(w, ev);
			if (w->late == LATE_FILE)
				evw_late_write(w, ev);
			return 0;
		}
		if (expired || merged_end + w->retain <= W0) {
			note_late(w, ev);
			w->late_expired++;
			return 0;
		}
	}
	if (first == NULL) {
		if (state_full(w))
			return -1;
		first = evw_session_new(w, k);
		first->first = first->last = ts;
		first->e = evw_entry_new(w, k);
		evw_session_link(w, first);
	} else {
		/* Merge the others it bridges into the first. */
		for (s = first->next; s && s->first < ts + G; s = next) {
			next = s->next;
			agg_merge(w->aggs, w->naggs, first->e->st, s->e->st,
				  &w->actx);
			if (s->last > first->last)
				first->last = s->last;
			first->emitted |= s->emitted;
			first->late |= s->late;
			session_free(w, s);
		}
	}
	agg_update(w->aggs, w->naggs, first->e->st, ev->v, ts, w->seq,
		   &w->actx);
	if (ts < first->first)
		first->first = ts;
	if (ts > first->last)
		first->last = ts;
	first->emitted |= emitted;
	end = first->last + G;
	if (!late) {
		first->due = end;
		evw_heap_push(w, first);
		return 1;
	}
	note_late(w, ev);
	first->late = true;
	if (end <= W0) {
		emit_session(w, first, PANE_LATE);
		w->late_updates++;
		session_closed(w, first, W0);
	} else {
		first->status = SESS_OPEN;
		first->due = end;
		evw_heap_push(w, first);
	}
	return 1;
}

static void
fire_sessions(struct evw *w, evtime_t W, enum evw_pane kind)
{
	size_t n = 0, i;
	struct sortent *v;

	while (w->nheap > 0 && w->heap[0].due <= W) {
		struct heap_ent h = w->heap[0];
		struct session *s = h.s;

		w->heap[0] = w->heap[--w->nheap];
		heap_down(w->heap, w->nheap, 0);
		if (s->id != h.id || s->status == SESS_FREE ||
		    h.due != s->heap_due)
			continue; /* gone, or superseded */
		s->heap_due = EVW_INF;
		if (s->due > W) {
			evw_heap_push(w, s); /* extended meanwhile */
			continue;
		}
		if (s->status == SESS_OPEN) {
			v = sort_room(w, n + 1);
			v[n].e = s->e;
			v[n].s = s;
			v[n].ps = s->first;
			v[n].end = s->last + w->gap;
			n++;
			continue;
		}
		session_closed(w, s, W);
	}
	if (n == 0)
		return;
	v = w->sortv;
	qsort(v, n, sizeof(*v), session_cmp);
	for (i = 0; i < n; i++)
		emit_session(w, v[i].s, kind);
	for (i = 0; i < n; i++)
		session_closed(w, v[i].s, W);
}

/* ---- the engine ---------------------------------------------------------- */

void
evw_init(struct evw *w)
{
	w->max_ts = EVW_NONE;
	w->wm_floor = EVW_NONE;
	w->wm_fired = EVW_NONE;
	w->fmt_t[0] = w->fmt_t[1] = EVW_NONE;
	w->entry_size = (sizeof(struct entry) + w->stsize + 15) & ~(size_t)15;
	if (w->late != LATE_EMIT)
		w->retain = 0;
	w->materialize = w->late == LATE_EMIT && w->kind == WIN_SLIDING &&
			 w->slide < w->size;
}

void
evw_free(struct evw *w)
{
	size_t i;

	panelist_free(w, &w->panes);
	panelist_free(w, &w->wins);
	for (i = 0; i < w->kcap; i++) {
		struct key *k;

		for (k = w->ktab[i]; k; k = k->hnext) {
			struct session *s;

			for (s = k->sess; s; s = s->next)
				if (s->e)
					agg_state_free(w->aggs, w->naggs,
						       s->e->st);
		}
	}
	for (i = 0; i < w->kcap; i++) {
		struct key *k, *next;

		for (k = w->ktab[i]; k; k = next) {
			next = k->hnext;
			free(k);
		}
	}
	free(w->ktab);
	w->ktab = NULL;
	w->kcap = 0;
	for (i = 0; i < w->nchunks; i++)
		free(w->chunks[i]);
	free(w->chunks);
	w->chunks = NULL;
	w->nchunks = 0;
	free(w->heap);
	w->heap = NULL;
	free(w->sortv);
	w->sortv = NULL;
	w->sortcap = 0;
	free(w->tmpst);
	w->tmpst = NULL;
}

int
evw_event(struct evw *w, const struct ev_event *ev, evtime_t ts)
{
	struct key *k = evw_event_key(w, ev);
	int r;

	w->actx.file = ev->file;
	w->actx.line = ev->lineno;
	w->seq++;
	w->events++;
	w->total_events++;
	/*
	 * Advance the watermark first.  The output is the same as advancing
	 * it after the event (an event never closes its own window, and an
	 * event that moves the watermark is never late), but the windows it
	 * closes free their state before this event needs room.
	 */
	if (ts > w->max_ts) {
		w->max_ts = ts;
		k->refs++; /* keep K while windows are freed */
		evw_fire(w, PANE_ON_TIME);
		k->refs--;
	}
	if (w->kind == WIN_SESSION)
		r = event_session(w, ev, ts, k);
	else
		r = event_panes(w, ev, ts, k);
	evw_key_release(w, k);
	if (r < 0) {
		w->full_rejected++;
		w->events--;
		w->total_events--;
		return -1;
	}
	return 0;
}

void
evw_fire(struct evw *w, enum evw_pane kind)
{
	evtime_t W = evw_watermark(w);

	if (W <= w->wm_fired && w->wm_fired != EVW_NONE)
		return;
	if (w->kind == WIN_SESSION)
		fire_sessions(w, W, kind);
	else
		fire_panes(w, w->wm_fired, W, kind);
	w->wm_fired = W;
}

void
evw_flush_all(struct evw *w)
{
	evtime_t to = EVW_NONE;
	size_t i;

	if (w->kind == WIN_SESSION) {
		for (i = 0; i < w->kcap; i++) {
			struct key *k;

			for (k = w->ktab[i]; k; k = k->hnext) {
				struct session *s;

				for (s = k->sess; s; s = s->next)
					if (s->status == SESS_OPEN &&
					    s->last + w->gap > to)
						to = s->last + w->gap;
			}
		}
	} else if (w->panes.n > 0) {
		to = pane_last_end(w, w->panes.v[w->panes.n - 1]->start);
	}
	if (to != EVW_NONE && to > evw_watermark(w)) {
		w->wm_floor = to;
		evw_fire(w, PANE_EOF);
	}
}
