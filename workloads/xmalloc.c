//go:build cgo

/* xmalloc: producers allocate, consumers free. Producer threads fill batches
 * of blocks and pass them through a lock-free queue to consumer threads,
 * which check and free every block and return the empty batch through a
 * second queue. Every free is a remote free. With one thread, the thread
 * produces a batch and then consumes it. */
#include "harness.h"
#include "queue.h"

typedef struct xm_batch {
	uint32_t count;
	void **ptrs;
	uint32_t *sizes;
	uint32_t *lat; /* malloc ticks + 1 for sampled blocks, else 0 */
} xm_batch;

typedef struct xm_shared {
	ab_queue full, empty;
	uint32_t nbatches, producers;
	xm_batch *batches;
	void *mem;
	size_t mem_bytes;
	_Alignas(AB_CACHE_LINE) atomic_int producers_done;
} xm_shared;

static int xm_ctx_init(ab_ctx *c)
{
	xm_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	int t = c->p.threads;
	s->producers = t == 1 ? 1 : (uint32_t)(t - t / 2);
	s->nbatches = 4 * (uint32_t)t;
	uint32_t b = c->p.batch;
	s->mem_bytes = (sizeof(xm_batch) + (sizeof(void *) + 2 * sizeof(uint32_t)) * b) * s->nbatches;
	s->mem = ab_sys_alloc(s->mem_bytes);
	if (!s->mem || ab_queue_init(&s->full, s->nbatches + 1) != 0 ||
	    ab_queue_init(&s->empty, s->nbatches + 1) != 0)
		return -1;
	s->batches = s->mem;
	char *arena = (char *)(s->batches + s->nbatches);
	for (uint32_t i = 0; i < s->nbatches; i++) {
		xm_batch *x = &s->batches[i];
		x->ptrs = (void **)arena;
		arena += sizeof(void *) * b;
		x->sizes = (uint32_t *)arena;
		arena += sizeof(uint32_t) * b;
		x->lat = (uint32_t *)arena;
		arena += sizeof(uint32_t) * b;
		ab_queue_push(&s->empty, x, 0, 0);
	}
	return 0;
}

static void xm_ctx_free(ab_ctx *c)
{
	xm_shared *s = c->shared;
	if (!s)
		return;
	if (s->full.cells) {
		void *x;
		uint64_t size, aux;
		while (ab_queue_pop(&s->full, &x, &size, &aux)) {
			xm_batch *b = x;
			for (uint32_t i = 0; i < b->count; i++)
				c->a.free(b->ptrs[i]);
		}
	}
	ab_queue_destroy(&s->full);
	ab_queue_destroy(&s->empty);
	ab_sys_free(s->mem, s->mem_bytes);
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

static xm_batch *xm_take(ab_queue *q)
{
	void *x;
	uint64_t size, aux;
	return ab_queue_pop(q, &x, &size, &aux) ? x : NULL;
}

/* produce fills one batch with n blocks; op numbers the first for sampling. */
static int produce(ab_worker *w, xm_batch *b, uint32_t n, uint64_t op)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	for (uint32_t j = 0; j < n; j++) {
		uint32_t sz = ab_size(c, ab_rand(&w->rng));
		int sampled = ab_sampled(w, op + j);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		void *p = ma(sz);
		b->lat[j] = sampled ? (uint32_t)(ab_ticks() - t0) + 1 : 0;
		if (!p) {
			b->count = j;
			ab_fail(w, "malloc(%u) returned NULL", sz);
			return -1;
		}
		ab_mark(p, sz, ab_tag(p, sz, j));
		b->ptrs[j] = p;
		b->sizes[j] = sz;
		w->live += sz;
	}
	b->count = n;
	w->res.ops += n;
	return 0;
}

static int consume(ab_worker *w, xm_batch *b)
{
	void (*fr)(void *) = w->a.free;
	for (uint32_t j = 0; j < b->count; j++) {
		void *p = b->ptrs[j];
		uint32_t sz = b->sizes[j];
		if (!ab_intact(p, sz, ab_tag(p, sz, j))) {
			b->count = 0;
			ab_fail(w, "block %p of %u bytes lost its pattern", p, sz);
			return -1;
		}
		uint32_t lat = b->lat[j];
		uint64_t t0 = lat ? ab_ticks() : 0;
		fr(p);
		if (lat)
			ab_record(w, ab_ticks() - t0 + lat - 1);
		w->live -= sz;
	}
	w->res.frees += b->count;
	b->count = 0;
	return 0;
}

static int xm_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	xm_shared *s = c->shared;
	int producer = (uint32_t)w->idx < s->producers;
	int consumer = c->p.threads == 1 || !producer;
	uint64_t total = c->p.ops_per_thread * (uint64_t)c->p.threads;
	uint64_t target = 0;
	if (producer) {
		target = total / s->producers;
		if ((uint32_t)w->idx < total % s->producers)
			target++;
	}
	uint64_t made = 0;
	int rc = 0;
	if (producer && target == 0)
		atomic_fetch_add(&s->producers_done, 1);
	for (;;) {
		if (ab_aborted(c)) {
			rc = -1;
			break;
		}
		int progressed = 0;
		if (producer && made < target) {
			xm_batch *b = xm_take(&s->empty);
			if (b) {
				uint32_t n = target - made < c->p.batch ? (uint32_t)(target - made) : c->p.batch;
				rc = produce(w, b, n, made);
				ab_queue_push(&s->full, b, 0, 0);
				if (rc != 0)
					break;
				made += n;
				progressed = 1;
				ab_live_publish(w);
				if (made == target)
					atomic_fetch_add(&s->producers_done, 1);
			}
		}
		if (consumer) {
			xm_batch *b = xm_take(&s->full);
			if (b) {
				rc = consume(w, b);
				ab_queue_push(&s->empty, b, 0, 0);
				if (rc != 0)
					break;
				progressed = 1;
			} else if (atomic_load(&s->producers_done) == (int)s->producers) {
				/* Producers are done; drain what they left, then stop. */
				if (!(b = xm_take(&s->full)))
					break;
				rc = consume(w, b);
				ab_queue_push(&s->empty, b, 0, 0);
				if (rc != 0)
					break;
				progressed = 1;
			}
		} else if (made == target) {
			break;
		}
		if (!progressed)
			ab_spin_wait();
		ab_live_publish(w);
	}
	ab_live_publish(w);
	return rc;
}

const ab_kernel ab_xmalloc_kernel = {
	.run = xm_run,
	.ctx_init = xm_ctx_init,
	.ctx_free = xm_ctx_free,
};
