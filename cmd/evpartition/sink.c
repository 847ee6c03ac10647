/*
 * sink.c - partitions, their buffered input, gzip in chunks, open files.
 *
 * Every partition (a directory below ROOT) has at most one file in
 * progress: a hidden temporary file that is committed (fsync, rename,
 * directory fsync) when it is finished - when a --max-file-* limit is
 * reached, or at the end of the run.
 *
 * Memory and descriptors do not grow with the number of partitions:
 *
 *   - Events are appended to a per-partition buffer.  A buffer that holds
 *     a chunk (256 KiB, less with a small --max-file-bytes) is compressed
 *     and written out.  All buffers together are held under a budget;
 *     over it, or when a partition has had no event for IDLE_EVENTS
 *     events, the least recently used buffer is compressed, written and
 *     freed.
 *
 *   - No partition owns a deflate state.  Each chunk is compressed on
 *     its own (zpool.c, on worker threads) as raw deflate ending in a
 *     sync flush (byte aligned, not final), primed with the last 32 KiB
 *     of the same file's input as a dictionary when that is still in
 *     memory; the chunks of a file are therefore one valid deflate
 *     stream, and the file one gzip member: a fixed header (no name,
 *     mtime 0), the chunks, the final block and the CRC-32 and length of
 *     the whole input.  This is how pigz splits its work; the result is
 *     within a percent of gzip's size.
 *
 *   - Temporary files are open only while written: at most --max-open at
 *     once, the least recently used closed first and opened again by name
 *     (O_APPEND) when its partition next writes.  Evicting a file never
 *     ends it, so many partitions never make many small files.
 *
 * Every decision depends only on the events and the options (never on
 * timing, --max-open or --threads), so a re-run produces the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomicfile.h"
#include "evpartition.h"
#include "hash.h"
#include "util.h"

#define DICT_MAX    32768        /* deflate's window */
#define CHUNK_MAX   (256 * 1024) /* input compressed at once */
#define CHUNK_MIN   512
#define BUF_INITIAL 2048
#define IDLE_EVENTS (1u << 17) /* quiet this long: buffer written, freed */

struct part {
	char *rel; /* directory below ROOT, NUL-terminated */
	size_t rellen;
	uint64_t hash;
	uint64_t seq; /* files started in this run: numbers 0..seq-1 */
	bool dir_made;
	bool open;     /* a file is in progress (number seq - 1) */
	bool created;  /* its temporary file exists */
	uint64_t cseq; /* when it was created, in temporary files made */
	struct atomic_file af;
	uint64_t events, in_bytes, out_bytes;
	unsigned long crc;
	evtime_t tmin, tmax;
	bool have_time;
	/* Buffered input; BUF[0..DICT) was already compressed (history). */
	char *buf;
	size_t len, cap, dict;
	uint64_t last_use;
	struct part *bprev, *bnext; /* buffers, most recently used first */
	struct part *fprev, *fnext; /* open descriptors, likewise */
	bool in_blist, in_flist;
	unsigned pending;  /* chunks being compressed */
	size_t pending_in; /* their input bytes */
};

struct sink {
	struct sink_config cfg;
	bool gzip;
	const char *ext;
	size_t chunk;
	struct part **tab; /* open addressing, power-of-two size */
	size_t tabcap, n;
	struct part *bhead, *btail, *fhead, *ftail;
	size_t nopen, mem;
	uint64_t tick;
	int rootfd;        /* for syncfs(2) */
	uint64_t ncreated; /* temporary files made */
	bool dirs_dirty;   /* directories made since the last syncfs */
	struct zpool *zp;
	struct buf path, rel, line;
	/* The end's group commit lists its files sorted, once all are in. */
	bool batch;
	struct buf held;
	size_t *heldoff, nheld, heldcap;
	struct sink_stats st;
};

static void chunk_done(void *arg, void *tag, const unsigned char *out,
		       size_t len, unsigned long crc, size_t n);

/* ---- lists ------------------------------------------------------------ */

static void
blist_remove(struct sink *s, struct part *p)
{
	if (!p->in_blist)
		return;
	if (p->bprev)
		p->bprev->bnext = p->bnext;
	else
		s->bhead = p->bnext;
	if (p->bnext)
		p->bnext->bprev = p->bprev;
	else
		s->btail = p->bprev;
	p->bprev = p->bnext = NULL;
	p->in_blist = false;
}

static void
blist_front(struct sink *s, struct part *p)
{
	if (s->bhead == p)
		return;
	blist_remove(s, p);
	p->bnext = s->bhead;
	if (s->bhead)
		s->bhead->bprev = p;
	s->bhead = p;
	if (s->btail == NULL)
		s->btail = p;
	p->in_blist = true;
}

static void
flist_remove(struct sink *s, struct part *p)
{
	if (!p->in_flist)
		return;
	if (p->fprev)
		p->fprev->fnext = p->fnext;
	else
		s->fhead = p->fnext;
	if (p->fnext)
		p->fnext->fprev = p->fprev;
	else
		s->ftail = p->fprev;
	p->fprev = p->fnext = NULL;
	p->in_flist = false;
}

static void
flist_front(struct sink *s, struct part *p)
{
	if (s->fhead == p)
		return;
	flist_remove(s, p);
	p->fnext = s->fhead;
	if (s->fhead)
		s->fhead->fprev = p;
	s->fhead = p;
	if (s->ftail == NULL)
		s->ftail = p;
	p->in_flist = true;
}

/* ---- set-up ------------------------------------------------------------ */

struct sink *
sink_new(const struct sink_config *cfg)
{
	struct sink *s = ev_calloc(1, sizeof(*s));

	s->cfg = *cfg;
	s->gzip = cfg->level > 0;
	s->ext = s->gzip ? ".jsonl.gz" : ".jsonl";
	s->chunk = CHUNK_MAX;
	if (s->gzip && cfg->max_file_bytes > 0 &&
	    cfg->max_file_bytes / 8 < CHUNK_MAX) {
		/* Files end at a chunk boundary: keep the overshoot small. */
		s->chunk = (size_t)(cfg->max_file_bytes / 8);
		if (s->chunk < CHUNK_MIN)
			s->chunk = CHUNK_MIN;
	}
	s->tabcap = 1024;
	s->tab = ev_calloc(s->tabcap, sizeof(*s->tab));
	s->rootfd = open(cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		ev_die(EV_EXIT_IO, "%s:", cfg->root);
	if (s->gzip)
		s->zp = zpool_new(cfg->level, cfg->threads, chunk_done, s);
	return s;
}

void
sink_free(struct sink *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->tabcap; i++) {
		struct part *p = s->tab[i];

		if (p == NULL)
			continue;
		atomic_file_abort(&p->af);
		free(p->buf);
		free(p->rel);
		free(p);
	}
	free(s->tab);
	close(s->rootfd);
	zpool_free(s->zp);
	buf_free(&s->path);
	buf_free(&s->rel);
	buf_free(&s->line);
	buf_free(&s->held);
	free(s->heldoff);
	free(s);
}

/* ---- the partition table ------------------------------------------------ */

static struct part *
find(struct sink *s, const char *rel, size_t n, uint64_t h)
{
	size_t mask = s->tabcap - 1, i;

	for (i = (size_t)h & mask; s->tab[i]; i = (i + 1) & mask) {
		struct part *p = s->tab[i];

		if (p->hash == h && p->rellen == n &&
		    memcmp(p->rel, rel, n) == 0)
			return p;
	}
	return NULL;
}

static void
insert(struct sink *s, struct part *p)
{
	size_t mask = s->tabcap - 1, i;

	for (i = (size_t)p->hash & mask; s->tab[i]; i = (i + 1) & mask)
		;
	s->tab[i] = p;
}

struct part *
sink_partition(struct sink *s, const char *rel, size_t n)
{
	uint64_t h = ev_hash64(rel, n);
	struct part *p = find(s, rel, n, h);

	if (p)
		return p;
	if (2 * (s->n + 1) > s->tabcap) {
		struct part **old = s->tab;
		size_t oldcap = s->tabcap, i;

		s->tabcap *= 2;
		s->tab = ev_calloc(s->tabcap, sizeof(*s->tab));
		for (i = 0; i < oldcap; i++)
			if (old[i])
				insert(s, old[i]);
		free(old);
	}
	p = ev_calloc(1, sizeof(*p));
	p->rel = ev_strndup(rel, n);
	p->rellen = n;
	p->hash = h;
	p->af.fd = -1;
	insert(s, p);
	s->n++;
	s->st.partitions++;
	return p;
}

/* ---- files ------------------------------------------------------------- */

/* S->rel = REL/part-RUN-NNNNN.EXT for file NUM of P; S->path = ROOT/that. */
static void
file_names(struct sink *s, const struct part *p, uint64_t num)
{
	buf_reset(&s->rel);
	buf_add(&s->rel, p->rel, p->rellen);
	buf_printf(&s->rel, "/part-%s-%05llu%s", s->cfg.run_id,
		   (unsigned long long)num, s->ext);
	buf_reset(&s->path);
	buf_printf(&s->path, "%s/%s", s->cfg.root, buf_str(&s->rel));
}

static void
close_fd(struct sink *s, struct part *p)
{
	if (close(p->af.fd) < 0 && errno != EINTR)
		evp_fatal(p->af.path, errno);
	p->af.fd = -1;
	s->nopen--;
	flist_remove(s, p);
}

/* Makes room for one more descriptor. */
static void
fd_room(struct sink *s)
{
	while (s->nopen >= s->cfg.max_open && s->ftail)
		close_fd(s, s->ftail);
}

/*
 * Makes ROOT/REL of P.  Unlike mkdir_parents, without an fsync per level:
 * the new directories are made durable together, by one syncfs(2) before
 * the next commit (make_durable).
 */
static void
make_dirs(struct sink *s, struct part *p)
{
	struct stat st;
	char *q;

	buf_reset(&s->line);
	buf_printf(&s->line, "%s/%s", s->cfg.root, p->rel);
	if (stat(s->line.data, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	q = s->line.data + strlen(s->cfg.root) + 1;
	for (;;) {
		char *slash = strchr(q, '/');

		if (slash)
			*slash = '\0';
		if (mkdir(s->line.data, 0777) == 0)
			s->dirs_dirty = true;
		else if (errno != EEXIST)
			evp_fatal(s->line.data, errno);
		if (slash == NULL)
			break;
		*slash = '/';
		q = slash + 1;
	}
}

/*
 * Makes every file written and every directory made so far durable, so
 * the commits that follow cost one directory fsync each.
 */
static void
make_durable(struct sink *s)
{
	if (syncfs(s->rootfd) < 0)
		evp_fatal(s->cfg.root, errno);
	s->dirs_dirty = false;
}

static void
file_create(struct sink *s, struct part *p)
{
	static const unsigned char gz_header[10] = {
	    0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, /* deflate, no name, mtime 0 */
	};
	unsigned char hdr[10];
	int tries;

	file_names(s, p, p->seq - 1);
	if (!p->dir_made) {
		make_dirs(s, p);
		p->dir_made = true;
	}
	if (lake_journal_add(s->cfg.lake, s->rel.data, s->rel.len) < 0)
		evp_fatal(s->cfg.lake->jpath, errno);
	fd_room(s);
	for (tries = 0;; tries++) {
		if (atomic_file_open(&p->af, buf_str(&s->path), 0666) == 0)
			break;
		/* A concurrent run removed the directory it had emptied. */
		if (errno == ENOENT && tries < 3) {
			make_dirs(s, p);
			continue;
		}
		evp_fatal(buf_str(&s->path), errno);
	}
	p->created = true;
	p->cseq = ++s->ncreated;
	s->nopen++;
	flist_front(s, p);
	if (s->gzip) {
		memcpy(hdr, gz_header, sizeof(hdr));
		/* XFL as zlib and gzip write it: 2 = best, 4 = fastest. */
		hdr[8] = s->cfg.level == 9 ? 2 : s->cfg.level == 1 ? 4 : 0;
		if (ev_write_all(p->af.fd, hdr, sizeof(hdr)) < 0)
			evp_fatal(p->af.path, errno);
		p->out_bytes += sizeof(hdr);
	}
}

/* P's temporary file, created or opened again as needed, is open. */
static void
part_fd(struct sink *s, struct part *p)
{
	if (!p->created) {
		file_create(s, p);
		return;
	}
	if (p->af.fd < 0) {
		fd_room(s);
		p->af.fd = open(p->af.tmp, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (p->af.fd < 0)
			evp_fatal(p->af.path, errno);
		s->nopen++;
		s->st.reopens++;
	}
	flist_front(s, p);
}

static void
emit(struct sink *s, struct part *p, const void *data, size_t n)
{
	part_fd(s, p);
	if (ev_write_all(p->af.fd, data, n) < 0)
		evp_fatal(p->af.path, errno);
	p->out_bytes += n;
}

/* A compressed chunk of P, in order: onto P's file. */
static void
chunk_done(void *arg, void *tag, const unsigned char *out, size_t len,
	   unsigned long crc, size_t n)
{
	struct sink *s = arg;
	struct part *p = tag;

	if (len > 0)
		emit(s, p, out, len);
	if (n > 0)
		p->crc = crc32_combine(p->crc, crc, (z_off_t)n);
	p->pending--;
	p->pending_in -= n;
}

/*
 * Whether P's gzip file may have reached --max-file-bytes once its chunks
 * in progress are written: deflate never makes a chunk much bigger than
 * its input (stored blocks: 5 bytes per 16 KiB, plus the flush marker).
 */
static bool
may_be_full(const struct sink *s, const struct part *p)
{
	uint64_t bound = p->out_bytes + p->pending_in + p->pending_in / 1024 +
			 64 * (uint64_t)p->pending;

	return bound >= s->cfg.max_file_bytes;
}

/*
 * Compresses (or, without gzip, writes) P's buffered input.  FINISH ends
 * the deflate stream; otherwise the last 32 KiB stay as the history of
 * the next chunk.
 */
static void
flush_buffer(struct sink *s, struct part *p, bool finish)
{
	size_t n = p->len - p->dict;

	if (n == 0 && !(finish && s->gzip))
		return;
	if (s->gzip) {
		p->pending++;
		p->pending_in += n;
		zpool_submit(s->zp, p, p->buf, p->dict, n, finish);
	} else {
		emit(s, p, p->buf, n);
	}
	p->in_bytes += n;
	s->st.chunks++;
	if (s->gzip && !finish) {
		size_t keep = p->len < DICT_MAX ? p->len : DICT_MAX;

		memmove(p->buf, p->buf + p->len - keep, keep);
		p->len = p->dict = keep;
	} else {
		p->len = p->dict = 0;
	}
	/* Back to the normal size after an event larger than a chunk. */
	if (p->cap > 2 * (s->chunk + DICT_MAX) && p->len <= s->chunk) {
		size_t ncap = s->chunk + DICT_MAX;

		p->buf = ev_realloc(p->buf, ncap);
		s->mem -= p->cap - ncap;
		p->cap = ncap;
	}
}

static void
free_buffer(struct sink *s, struct part *p)
{
	free(p->buf);
	s->mem -= p->cap;
	p->buf = NULL;
	p->len = p->cap = p->dict = 0;
	blist_remove(s, p);
}

/* Writes out and frees the buffer of P, whose file stays in progress. */
static void
evict_buffer(struct sink *s, struct part *p)
{
	flush_buffer(s, p, false);
	free_buffer(s, p);
	s->st.evictions++;
}

static void
put_time(struct buf *b, const char *name, bool have, evtime_t t)
{
	char tb[EVTIME_FMT_MAX];

	buf_printf(b, ",\"%s\":", name);
	if (have) {
		buf_addc(b, '"');
		buf_add(b, tb, evtime_format(t, tb));
		buf_addc(b, '"');
	} else {
		buf_adds(b, "null");
	}
}

/* Hands the rest of P's input over: the last chunk. */
static void
end_input(struct sink *s, struct part *p)
{
	flush_buffer(s, p, true);
}

/* Ends P's file, once all its chunks are written: the gzip trailer. */
static void
end_stream(struct sink *s, struct part *p)
{
	unsigned char tr[8];
	int i;

	if (!s->gzip)
		return;
	for (i = 0; i < 4; i++) {
		tr[i] = (unsigned char)(p->crc >> (8 * i));
		tr[4 + i] = (unsigned char)(p->in_bytes >> (8 * i));
	}
	emit(s, p, tr, sizeof(tr));
}

/* Commits P's ended file and lists it on standard output. */
static void
commit_file(struct sink *s, struct part *p)
{
	if (s->dirs_dirty)
		make_durable(s);
	part_fd(s, p);
	flist_remove(s, p);
	s->nopen--;
	file_names(s, p, p->seq - 1);
	if (atomic_file_commit(&p->af) < 0)
		evp_fatal(buf_str(&s->path), errno);
	p->af.fd = -1;
	p->created = false;
	p->open = false;
	s->st.files++;
	s->st.bytes += p->out_bytes;

	buf_reset(&s->line);
	buf_adds(&s->line, "{\"path\":");
	buf_add_json_string(&s->line, s->path.data, s->path.len);
	buf_adds(&s->line, ",\"partition\":");
	buf_add_json_string(&s->line, p->rel, p->rellen);
	buf_adds(&s->line, ",\"events\":");
	buf_add_u64(&s->line, p->events);
	buf_adds(&s->line, ",\"bytes\":");
	buf_add_u64(&s->line, p->out_bytes);
	put_time(&s->line, "min_time", p->have_time, p->tmin);
	put_time(&s->line, "max_time", p->have_time, p->tmax);
	buf_addc(&s->line, '}');
	if (s->batch) {
		if (s->nheld == s->heldcap) {
			s->heldcap = s->heldcap ? 2 * s->heldcap : 64;
			s->heldoff = ev_reallocarray(s->heldoff, s->heldcap,
						     sizeof(size_t));
		}
		s->heldoff[s->nheld++] = s->held.len;
		buf_add(&s->held, s->line.data, s->line.len + 1); /* and NUL */
		return;
	}
	out_line(s->cfg.out, s->line.data, s->line.len);
	/* The next step may act on the file as soon as it is listed. */
	out_flush(s->cfg.out);
}

static const char *held_base;

static int
held_cmp(const void *a, const void *b)
{
	return strcmp(held_base + *(const size_t *)a,
		      held_base + *(const size_t *)b);
}

void
sink_flush_listing(struct sink *s)
{
	size_t i;

	if (s->nheld > 0) {
		held_base = s->held.data;
		qsort(s->heldoff, s->nheld, sizeof(size_t), held_cmp);
		for (i = 0; i < s->nheld; i++) {
			const char *l = s->held.data + s->heldoff[i];

			out_line(s->cfg.out, l, strlen(l));
		}
	}
	s->nheld = 0;
	buf_reset(&s->held);
	out_flush(s->cfg.out);
}

static void
finish_file(struct sink *s, struct part *p)
{
	end_input(s, p);
	if (s->zp)
		zpool_drain(s->zp);
	end_stream(s, p);
	commit_file(s, p);
}

static void
start_file(struct sink *s, struct part *p)
{
	p->seq++;
	p->open = true;
	p->created = false;
	p->events = p->in_bytes = p->out_bytes = 0;
	p->crc = crc32(0L, Z_NULL, 0);
	p->have_time = false;
	p->len = p->dict = 0; /* no history from the previous file */
}

/* Grows P's buffer to hold NEED more bytes, within the memory budget. */
static void
grow_buffer(struct sink *s, struct part *p, size_t need)
{
	size_t want = p->len + need, norm = s->chunk + (s->gzip ? DICT_MAX : 0);
	size_t ncap = p->cap ? p->cap : BUF_INITIAL;

	while (ncap < want)
		ncap *= 2;
	if (ncap > norm)
		ncap = want > norm ? want : norm;
	while (s->mem + (ncap - p->cap) > s->cfg.mem_budget) {
		struct part *q = s->btail;

		if (q == p)
			q = q->bprev;
		if (q == NULL)
			break;
		evict_buffer(s, q);
	}
	p->buf = ev_realloc(p->buf, ncap);
	s->mem += ncap - p->cap;
	p->cap = ncap;
	if (s->mem > s->st.peak_mem)
		s->st.peak_mem = s->mem;
}

/*
 * Whether P's file is full before NEED more bytes.  The compressed size
 * of a gzip file is only looked at (by the caller, with AFTER false)
 * once P's chunks are all written: it must not depend on how far the
 * compressing threads got.
 */
static bool
must_roll(const struct sink *s, const struct part *p, size_t need, bool after)
{
	uint64_t max = s->cfg.max_file_bytes;

	if (p->events == 0)
		return false;
	if (s->cfg.max_file_events && p->events >= s->cfg.max_file_events)
		return true;
	if (max == 0)
		return false;
	if (s->gzip)
		return !after && p->pending == 0 && p->out_bytes >= max;
	return p->out_bytes + (p->len - p->dict) + need > max;
}

void
sink_write(struct sink *s, struct part *p, const char *line, size_t n,
	   evtime_t t, bool have_time)
{
	size_t need = n + 1;
	struct part *q;

	/* The size decides only once known: wait for it when it matters. */
	if (s->gzip && s->cfg.max_file_bytes && p->pending > 0 &&
	    may_be_full(s, p))
		while (p->pending > 0)
			zpool_wait_one(s->zp);
	if (p->open && must_roll(s, p, need, false))
		finish_file(s, p);
	if (!p->open)
		start_file(s, p);
	if (p->cap - p->len < need) {
		/* A full-sized buffer is written out; a smaller one grows. */
		if (p->cap >= s->chunk + (s->gzip ? DICT_MAX : 0))
			flush_buffer(s, p, false);
		if (p->cap - p->len < need)
			grow_buffer(s, p, need);
	}
	memcpy(p->buf + p->len, line, n);
	p->buf[p->len + n] = '\n';
	p->len += need;
	p->events++;
	if (have_time) {
		if (!p->have_time || t < p->tmin)
			p->tmin = t;
		if (!p->have_time || t > p->tmax)
			p->tmax = t;
		p->have_time = true;
	}
	s->st.events++;
	p->last_use = ++s->tick;
	blist_front(s, p);

	if (p->len - p->dict >= s->chunk)
		flush_buffer(s, p, false);
	/* Commit as soon as a limit is reached, not at the next event. */
	if (must_roll(s, p, 1, true))
		finish_file(s, p);

	while ((q = s->btail) != NULL && q != p &&
	       s->tick - q->last_use > IDLE_EVENTS)
		evict_buffer(s, q);
}

static int
part_cmp(const void *a, const void *b)
{
	const struct part *p = *(struct part *const *)a;
	const struct part *q = *(struct part *const *)b;

	return strcmp(p->rel, q->rel);
}

/* Most recently created temporary file first. */
/* The partitions, sorted by directory (malloc'd array of S->n). */
static struct part **
sorted(struct sink *s)
{
	struct part **v = ev_calloc(s->n ? s->n : 1, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < s->tabcap; i++)
		if (s->tab[i])
			v[k++] = s->tab[i];
	qsort(v, k, sizeof(*v), part_cmp);
	return v;
}

void
sink_finish_all(struct sink *s)
{
	struct part **v = sorted(s);
	size_t i;

	bool any = false;

	/* Group commit: end every file, make them all durable at once. */
	for (i = 0; i < s->n; i++) {
		if (v[i]->open) {
			end_input(s, v[i]);
			any = true;
		}
		if (v[i]->buf)
			free_buffer(s, v[i]);
	}
	if (s->zp)
		zpool_drain(s->zp);
	for (i = 0; i < s->n; i++)
		if (v[i]->open)
			end_stream(s, v[i]);
	if (!any) {
		free(v);
		return;
	}
	make_durable(s);
	s->batch = true;
	for (i = 0; i < s->n; i++)
		if (v[i]->open)
			commit_file(s, v[i]);
	s->batch = false;
	sink_flush_listing(s);
	free(v);
}

void
sink_abort_all(struct sink *s)
{
	size_t i;

	for (i = 0; i < s->tabcap; i++)
		if (s->tab[i] && s->tab[i]->created) {
			atomic_file_abort(&s->tab[i]->af);
			s->tab[i]->created = false;
		}
}

bool
sink_committed(struct sink *s, const char *rel, size_t n)
{
	const char *slash = NULL, *name;
	size_t i, dirlen;
	uint64_t num;
	bool gz;
	struct part *p;

	for (i = n; i > 0; i--)
		if (rel[i - 1] == '/') {
			slash = rel + i - 1;
			break;
		}
	if (slash == NULL)
		return false;
	dirlen = (size_t)(slash - rel);
	name = slash + 1;
	if (lake_part_name(name, n - dirlen - 1, s->cfg.run_id, &num, &gz) !=
		n - dirlen - 1 ||
	    gz != s->gzip)
		return false;
	p = find(s, rel, dirlen, ev_hash64(rel, dirlen));
	return p != NULL && num < p->seq;
}

void
sink_list(struct sink *s, struct buf *out)
{
	struct part **v = sorted(s);
	size_t i;
	uint64_t k;

	for (i = 0; i < s->n; i++)
		for (k = 0; k < v[i]->seq; k++) {
			file_names(s, v[i], k);
			buf_add(out, s->rel.data, s->rel.len);
			buf_addc(out, '\n');
		}
	free(v);
}

void
sink_stats(const struct sink *s, struct sink_stats *st)
{
	*st = s->st;
}
