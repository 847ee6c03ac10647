/*
 * zpool.c - raw deflate of independent chunks, on worker threads.
 *
 * A chunk is compressed from a fresh deflate state primed with its
 * history (the dictionary), and ends with a sync flush (or, the last one
 * of a file, Z_FINISH), so what a chunk becomes depends on its bytes and
 * the level only: which thread compresses it changes nothing.  Chunks are
 * handed back to the caller strictly in the order they were submitted,
 * on the caller's thread, so the caller does all the I/O.
 *
 * The main thread copies a chunk into a ring slot and goes on reading;
 * when the ring is full it waits for the oldest chunk.  Workers only run
 * zlib on their slot: no I/O, no shared state but the ring's indexes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "evpartition.h"
#include "signals.h"
#include "util.h"

struct zslot {
	void *tag;
	char *in; /* copy of history + data (threads only) */
	size_t incap;
	size_t dict, n;
	int flush;
	unsigned char *out;
	size_t outcap, outlen;
	unsigned long crc; /* of the data */
	int err;
	bool done;
};

struct zpool {
	int level;
	int nthreads; /* 0: compress on the caller's thread */
	zpool_done_fn fn;
	void *arg;
	z_stream zs; /* the caller's, without threads */
	struct zslot one;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct zslot *ring;
	size_t nring;
	size_t head;  /* oldest not yet handed back (caller only) */
	size_t start; /* next to compress */
	size_t tail;  /* next to fill */
	bool quit;
};

static int
zinit(z_stream *zs, int level)
{
	memset(zs, 0, sizeof(*zs));
	return deflateInit2(zs, level, Z_DEFLATED, -MAX_WBITS, 8,
			    Z_DEFAULT_STRATEGY);
}

/* Compresses IN[DICT..DICT+N) into J's output; J->err on failure. */
static void
compress_chunk(z_stream *zs, const char *in, struct zslot *j)
{
	int r;

	j->outlen = 0;
	j->crc = crc32(0L, Z_NULL, 0);
	if (j->n > 0)
		j->crc = crc32(j->crc, (const Bytef *)in + j->dict, (uInt)j->n);
	if (deflateReset(zs) != Z_OK ||
	    (j->dict > 0 && deflateSetDictionary(zs, (const Bytef *)in,
						 (uInt)j->dict) != Z_OK)) {
		j->err = Z_STREAM_ERROR;
		return;
	}
	if (j->outcap < deflateBound(zs, j->n) + 64) {
		free(j->out);
		j->outcap = deflateBound(zs, j->n) + 64;
		j->out = ev_malloc(j->outcap);
	}
	zs->next_in = (Bytef *)(uintptr_t)(in ? in + j->dict : NULL);
	zs->avail_in = (uInt)j->n;
	for (;;) {
		zs->next_out = j->out + j->outlen;
		zs->avail_out = (uInt)(j->outcap - j->outlen);
		r = deflate(zs, j->flush);
		j->outlen = j->outcap - zs->avail_out;
		if (r == Z_STREAM_ERROR) {
			j->err = r;
			return;
		}
		if (zs->avail_out == 0) {
			/* More than the bound said: make room, go on. */
			j->outcap *= 2;
			j->out = ev_realloc(j->out, j->outcap);
			continue;
		}
		if (j->flush != Z_FINISH || r == Z_STREAM_END)
			break;
	}
	j->err = 0;
}

static void *
worker(void *arg)
{
	struct zpool *zp = arg;
	z_stream zs;
	int ok = zinit(&zs, zp->level) == Z_OK;

	pthread_mutex_lock(&zp->mu);
	for (;;) {
		struct zslot *j;

		while (!zp->quit && zp->start == zp->tail)
			pthread_cond_wait(&zp->work, &zp->mu);
		if (zp->start == zp->tail)
			break; /* quitting, nothing left */
		j = &zp->ring[zp->start++ % zp->nring];
		pthread_mutex_unlock(&zp->mu);
		if (ok)
			compress_chunk(&zs, j->in, j);
		else
			j->err = Z_MEM_ERROR;
		pthread_mutex_lock(&zp->mu);
		j->done = true;
		pthread_cond_broadcast(&zp->done);
	}
	pthread_mutex_unlock(&zp->mu);
	if (ok)
		deflateEnd(&zs);
	return NULL;
}

struct zpool *
zpool_new(int level, int nthreads, zpool_done_fn fn, void *arg)
{
	struct zpool *zp = ev_calloc(1, sizeof(*zp));
	sigset_t old;
	int i;

	zp->level = level;
	zp->fn = fn;
	zp->arg = arg;
	if (zinit(&zp->zs, level) != Z_OK)
		ev_die(EV_EXIT_IO, "deflateInit2 failed");
	if (nthreads <= 1)
		return zp;
	zp->nring = 2 * (size_t)nthreads + 2;
	zp->ring = ev_calloc(zp->nring, sizeof(*zp->ring));
	pthread_mutex_init(&zp->mu, NULL);
	pthread_cond_init(&zp->work, NULL);
	pthread_cond_init(&zp->done, NULL);
	zp->threads = ev_calloc((size_t)nthreads, sizeof(pthread_t));
	/* Signals are for the main thread: workers start with them blocked. */
	ev_signals_block(&old);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&zp->threads[i], NULL, worker, zp) != 0)
			break;
		zp->nthreads++;
	}
	ev_signals_restore(&old);
	if (zp->nthreads == 0) {
		free(zp->threads);
		free(zp->ring);
		zp->threads = NULL;
		zp->ring = NULL;
	}
	return zp;
}

static void
hand_back(struct zpool *zp, struct zslot *j)
{
	if (j->err != 0)
		ev_die(EV_EXIT_IO, "deflate: error %d", j->err);
	zp->fn(zp->arg, j->tag, j->out, j->outlen, j->crc, j->n);
}

/* Hands back the oldest chunk, waiting for it when WAIT. */
static bool
consume(struct zpool *zp, bool wait)
{
	struct zslot *j = &zp->ring[zp->head % zp->nring];
	bool done;

	pthread_mutex_lock(&zp->mu);
	while (wait && !j->done)
		pthread_cond_wait(&zp->done, &zp->mu);
	done = j->done;
	pthread_mutex_unlock(&zp->mu);
	if (!done)
		return false;
	j->done = false;
	zp->head++;
	hand_back(zp, j);
	return true;
}

void
zpool_submit(struct zpool *zp, void *tag, const char *in, size_t dict, size_t n,
	     bool finish)
{
	struct zslot *j;

	if (zp->nthreads == 0) {
		j = &zp->one;
		j->tag = tag;
		j->dict = dict;
		j->n = n;
		j->flush = finish ? Z_FINISH : Z_SYNC_FLUSH;
		compress_chunk(&zp->zs, in, j);
		hand_back(zp, j);
		return;
	}
	while (zp->tail - zp->head == zp->nring)
		consume(zp, true);
	j = &zp->ring[zp->tail % zp->nring];
	if (j->incap < dict + n) {
		free(j->in);
		j->incap = dict + n;
		j->in = ev_malloc(j->incap ? j->incap : 1);
	}
	if (dict + n > 0)
		memcpy(j->in, in, dict + n);
	j->tag = tag;
	j->dict = dict;
	j->n = n;
	j->flush = finish ? Z_FINISH : Z_SYNC_FLUSH;
	j->done = false;
	pthread_mutex_lock(&zp->mu);
	zp->tail++;
	pthread_cond_signal(&zp->work);
	pthread_mutex_unlock(&zp->mu);
	/* Write out what is ready, to keep files and memory moving. */
	while (zp->head != zp->tail && consume(zp, false))
		;
}

void
zpool_wait_one(struct zpool *zp)
{
	if (zp->nthreads > 0 && zp->head != zp->tail)
		consume(zp, true);
}

void
zpool_drain(struct zpool *zp)
{
	while (zp->nthreads > 0 && zp->head != zp->tail)
		consume(zp, true);
}

void
zpool_free(struct zpool *zp)
{
	size_t i;
	int t;

	if (zp == NULL)
		return;
	if (zp->nthreads > 0) {
		pthread_mutex_lock(&zp->mu);
		zp->quit = true;
		pthread_cond_broadcast(&zp->work);
		pthread_mutex_unlock(&zp->mu);
		for (t = 0; t < zp->nthreads; t++)
			pthread_join(zp->threads[t], NULL);
		pthread_mutex_destroy(&zp->mu);
		pthread_cond_destroy(&zp->work);
		pthread_cond_destroy(&zp->done);
	}
	for (i = 0; i < zp->nring; i++) {
		free(zp->ring[i].in);
		free(zp->ring[i].out);
	}
	free(zp->ring);
	free(zp->threads);
	free(zp->one.out);
	deflateEnd(&zp->zs);
	free(zp);
}
