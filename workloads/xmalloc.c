//go:build cgo

/* xmalloc: the test of Lever and Boreham (xmalloc-test), as mimalloc-bench
 * runs it. Producer threads allocate batches of producer_batch objects of
 * min_size bytes, write min(size, 128) bytes of each (the byte value is the
 * object's index in its batch, mod 256), and queue the batch; consumer
 * threads take batches and free every object and the batch itself. The
 * batch is a block of the allocator too (one pointer per object and a link,
 * as in the original). At most backlog full batches wait at once; a
 * producer with a full batch waits for room. As in the original, the
 * waiting batches form a stack: a consumer takes the batch queued last,
 * whose objects are the most recently written (with the backlog full, the
 * older batches wait until the producers fall behind). And as in the
 * original, a thread that must wait sleeps until the other side signals: a
 * consumer when no batch waits, a producer when the backlog is full. The
 * original's mutex and two condition variables are here a lock-free stack
 * and two eventfd waits (ab_event), so that any futex time in a worker is
 * the allocator's; the CPU a worker spends waiting is kept apart from the
 * allocator's (idle). The sleeping matters to the figure: a side that waits
 * pays a wake-up per batch, as in the original (with spinning waits
 * instead, the original itself ran 5% (glibc) to 16% (mimalloc) faster on a
 * 2-vCPU machine).
 *
 * Threads: T/2 producers and T/2 consumers (xmalloc-test -w T/2); with an
 * odd T one more thread produces a batch and then consumes one in turn (with
 * one thread, it frees its own batches). An op is one object: its malloc in
 * a producer and its free in a consumer.
 *
 * Integrity: the producer's fill (the original's) leaves each object's
 * index in its first byte; the consumer checks it before freeing the
 * object at latency-sampled ops, and reads no other object, as the
 * original's consumer does not. An object handed out twice in a batch is
 * caught when the earlier of the two is sampled: the later fill has
 * overwritten its index. A sampled op's latency is the object's malloc
 * plus its free; the malloc's time travels in the object's bytes 4..7. */
#include <string.h>

#include "harness.h"
#include "queue.h"

#define XM_WRITE_MAX 128

typedef struct xm_shared {
	ab_stack full; /* the last batch queued is the first taken */
	uint64_t batches; /* in the whole run */
	uint32_t producers, consumers, both;
	_Alignas(AB_CACHE_LINE) atomic_llong pending;   /* full batches queued */
	_Alignas(AB_CACHE_LINE) atomic_llong unclaimed; /* batches no consumer took yet */
	/* The original's two condition variables: consumers sleep until a
	 * batch is queued (ready), producers until there is room (room). */
	ab_event ready, room;
} xm_shared;

/* The conditions the two waits test; arg is the run's ab_ctx. */
static int xm_has_room(void *arg)
{
	ab_ctx *c = arg;
	xm_shared *s = c->shared;
	return atomic_load(&s->pending) < (long long)c->p.backlog;
}

static int xm_has_batch(void *arg)
{
	ab_ctx *c = arg;
	xm_shared *s = c->shared;
	return !ab_stack_empty(&s->full) || atomic_load(&s->unclaimed) <= 0;
}

static int xm_ctx_init(ab_ctx *c)
{
	xm_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	s->ready.fd = s->room.fd = -1;
	uint32_t t = (uint32_t)c->p.threads;
	s->producers = t / 2;
	s->consumers = t / 2;
	s->both = t % 2;
	uint64_t total = c->p.ops_per_thread * t;
	s->batches = (total + c->p.producer_batch - 1) / c->p.producer_batch;
	atomic_init(&s->pending, 0);
	atomic_init(&s->unclaimed, (long long)s->batches);
	if (ab_event_init(&s->ready) != 0 || ab_event_init(&s->room) != 0)
		return -1;
	return ab_stack_init(&s->full, c->p.backlog + t + 1);
}

static void xm_ctx_free(ab_ctx *c)
{
	xm_shared *s = c->shared;
	if (!s)
		return;
	if (s->full.nodes) {
		void *x;
		uint64_t n, aux;
		while (ab_stack_pop(&s->full, &x, &n, &aux)) {
			void **b = x;
			for (uint64_t j = 0; j < n; j++)
				c->a.free(b[1 + j]);
			c->a.free(b);
		}
	}
	ab_stack_destroy(&s->full);
	ab_event_destroy(&s->ready);
	ab_event_destroy(&s->room);
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

/* role: 1 produces, 2 consumes, 3 both. Producers come first. */
static int xm_role(const xm_shared *s, int idx)
{
	if ((uint32_t)idx < s->producers)
		return 1;
	if ((uint32_t)idx < s->producers + s->consumers)
		return 2;
	return 3;
}

/* xm_share is how many batches thread idx makes. */
static uint64_t xm_share(const xm_shared *s, int idx, int role)
{
	if (!(role & 1))
		return 0;
	uint64_t makers = s->producers + s->both;
	uint64_t rank = role == 3 ? s->producers : (uint64_t)idx;
	return s->batches / makers + (rank < s->batches % makers ? 1 : 0);
}

/* xm_wait sleeps at ev until ready(ctx) holds (or the wait ends early), as
 * the original waits at a condition variable; the CPU the worker spends
 * waiting is kept apart from the allocator's (idle) until xm_wake. */
static void xm_wait(ab_worker *w, ab_event *ev, int (*ready)(void *), int *idle)
{
	if (!*idle) {
		ab_idle_begin(w);
		*idle = 1;
	}
	ab_event_wait(ev, w->ctx, ready, w->ctx);
}

static void xm_wake(ab_worker *w, int *idle)
{
	if (*idle) {
		ab_idle_end(w);
		*idle = 0;
	}
}

/* produce fills and queues one batch of n objects; first numbers its first
 * object among this thread's ops. Returns -1 on failure. */
static int produce(ab_worker *w, xm_shared *s, uint32_t n, uint64_t first, int both)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	size_t sz = c->p.min_size, wr = sz < XM_WRITE_MAX ? sz : XM_WRITE_MAX;
	void **b = ma(sizeof(void *) * (1 + (size_t)c->p.producer_batch));
	if (!b) {
		ab_fail(w, "malloc of a batch returned NULL");
		return -1;
	}
	b[0] = (void *)(uintptr_t)first; /* the link word: numbers for sampling */
	for (uint32_t j = 0; j < n; j++) {
		int sampled = ab_sampled(w, first + j);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		unsigned char *p = ma(sz);
		uint64_t t1 = sampled ? ab_ticks() : 0;
		if (AB_CHECKS && !p) {
			for (uint32_t k = 0; k < j; k++)
				w->a.free(b[1 + k]);
			w->a.free(b);
			ab_fail(w, "malloc(%zu) returned NULL", sz);
			return -1;
		}
		memset(p, (int)(j % 256), wr);
		if (sampled && sz >= 8) {
			uint32_t lat = (uint32_t)(t1 - t0);
			memcpy(p + 4, &lat, sizeof lat);
		}
		b[1 + j] = p;
	}
	w->res.ops += n;
	if (AB_CHECKS) {
		w->live += (int64_t)(sz * n);
		ab_live_publish(w);
	}
	/* Wait for room: at most backlog full batches (a thread that also
	 * consumes does not wait, or it could wait for itself). */
	int idle = 0;
	for (;;) {
		long long q = atomic_load_explicit(&s->pending, memory_order_relaxed);
		if ((both || q < (long long)c->p.backlog) &&
		    atomic_compare_exchange_weak(&s->pending, &q, q + 1))
			break;
		if (ab_aborted(c)) {
			xm_wake(w, &idle);
			return -1;
		}
		xm_wait(w, &s->room, xm_has_room, &idle);
	}
	xm_wake(w, &idle);
	while (!ab_stack_push(&s->full, b, n, 0))
		ab_spin_wait();
	ab_event_signal(&s->ready, 1);
	return 0;
}

static int consume(ab_worker *w, void **b, uint32_t n)
{
	ab_ctx *c = w->ctx;
	void (*fr)(void *) = w->a.free;
	size_t sz = c->p.min_size;
	uint64_t first = (uint64_t)(uintptr_t)b[0];
	for (uint32_t j = 0; j < n; j++) {
		unsigned char *p = b[1 + j];
		/* The producer's sampling rule, on its numbering. */
		const int sampled = ab_sampled(w, first + j);
		if (AB_CHECKS && __builtin_expect(sampled, 0) && p[0] != (unsigned char)(j % 256)) {
			ab_fail(w, "object %p of %zu bytes lost its pattern", (void *)p, sz);
			return -1;
		}
		if (sampled && sz >= 8) {
			uint32_t lat;
			memcpy(&lat, p + 4, sizeof lat);
			uint64_t t0 = ab_ticks();
			fr(p);
			ab_record(w, ab_ticks() - t0 + lat);
		} else {
			fr(p);
		}
	}
	fr(b);
	w->res.frees += n;
	if (AB_CHECKS) {
		w->live -= (int64_t)(sz * n);
		ab_live_publish(w);
	}
	return 0;
}

/* take pops a full batch, if one is queued. */
static void **take(xm_shared *s, uint32_t *n)
{
	void *x;
	uint64_t count, aux;
	if (!ab_stack_pop(&s->full, &x, &count, &aux))
		return NULL;
	atomic_fetch_sub(&s->pending, 1);
	ab_event_signal(&s->room, 1);
	*n = (uint32_t)count;
	return x;
}

static int xm_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	xm_shared *s = c->shared;
	int role = xm_role(s, w->idx);
	uint64_t share = xm_share(s, w->idx, role), made = 0, op = 0;
	uint64_t total = c->p.ops_per_thread * (uint64_t)c->p.threads;
	uint64_t full_batches = total / c->p.producer_batch;
	int idle = 0;
	while (!ab_aborted(c)) {
		int progressed = 0;
		if ((role & 1) && made < share) {
			/* Batch k of the run is full unless it is the last one. */
			uint64_t k = made * (s->producers + s->both) + (role == 3 ? s->producers : (uint64_t)w->idx);
			uint32_t n = k < full_batches ? c->p.producer_batch : (uint32_t)(total - full_batches * c->p.producer_batch);
			if (n == 0)
				n = c->p.producer_batch;
			xm_wake(w, &idle);
			if (produce(w, s, n, op, role == 3) != 0)
				return -1;
			op += n;
			made++;
			progressed = 1;
		}
		if (role & 2) {
			if (atomic_load_explicit(&s->unclaimed, memory_order_relaxed) <= 0)
				break;
			uint32_t n;
			void **b = take(s, &n);
			if (b) {
				/* The last batch: the other consumers wake to
				 * see that nothing is left. */
				if (atomic_fetch_sub(&s->unclaimed, 1) == 1)
					ab_event_signal(&s->ready, s->consumers + s->both);
				xm_wake(w, &idle);
				if (consume(w, b, n) != 0)
					return -1;
				progressed = 1;
			}
		} else if (made == share) {
			break;
		}
		if (!progressed)
			xm_wait(w, &s->ready, xm_has_batch, &idle);
	}
	xm_wake(w, &idle);
	return w->res.failed || ab_aborted(c) ? -1 : 0;
}

AB_KERNEL(ab_xmalloc_kernel, "xmalloc") {
	.run = xm_run,
	.ctx_init = xm_ctx_init,
	.ctx_free = xm_ctx_free,
};
