//go:build cgo

/* mixed: short-, medium- and long-lived blocks at once, with a share of the
 * medium ones freed by other threads. Each op allocates one block:
 *  - half the ops: a short-lived block of 16..271 bytes, freed at once;
 *  - 30 in 64: a medium-lived block of 32..4127 bytes into a ring of
 *    MIXED_RING slots, replacing the oldest; one evicted block in handoff is
 *    passed to another thread through a lock-free queue instead, and the
 *    thread frees one block another thread passed on;
 *  - 2 in 64: a long-lived block of 64..2111 bytes into a random one of
 *    MIXED_LONG slots, which live for about a hundred thousand ops. */
#include "harness.h"
#include "queue.h"

#define MIXED_RING 256u
#define MIXED_LONG 2048u
#define MIXED_SHORT_SLOT (MIXED_LONG + MIXED_RING)

typedef struct mixed_shared {
	ab_queue q;
} mixed_shared;

typedef struct mixed_thread {
	void *ring[MIXED_RING];
	uint32_t ring_sizes[MIXED_RING];
	uint32_t head;
	uint32_t evictions;
} mixed_thread;

static int mixed_ctx_init(ab_ctx *c)
{
	mixed_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	for (int i = 0; i < c->p.threads; i++)
		if (!(c->workers[i].priv = ab_sys_alloc(sizeof(mixed_thread))))
			return -1;
	return ab_queue_init(&s->q, (uint64_t)MIXED_RING * (uint64_t)c->p.threads);
}

static void mixed_ctx_free(ab_ctx *c)
{
	mixed_shared *s = c->shared;
	if (!s)
		return;
	if (s->q.cells) {
		void *p;
		uint64_t size, aux;
		while (ab_queue_pop(&s->q, &p, &size, &aux))
			c->a.free(p);
	}
	ab_queue_destroy(&s->q);
	for (int i = 0; i < c->p.threads; i++) {
		ab_sys_free(c->workers[i].priv, sizeof(mixed_thread));
		c->workers[i].priv = NULL;
	}
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

static int mixed_setup(ab_worker *w)
{
	mixed_thread *t = w->priv;
	for (uint32_t i = 0; i < MIXED_LONG; i++) {
		uint32_t sz = 64 + (uint32_t)(ab_rand(&w->rng) >> 53);
		void *p;
		AB_CHECKED_MALLOC(w, w->a.malloc, p, sz, i, "filling the long-lived set");
		w->slots[i] = p;
		w->sizes[i] = sz;
		w->live += sz;
	}
	for (uint32_t i = 0; i < MIXED_RING; i++) {
		uint32_t sz = 32 + (uint32_t)(ab_rand(&w->rng) >> 52);
		void *p;
		AB_CHECKED_MALLOC(w, w->a.malloc, p, sz, MIXED_LONG + i, "filling the ring");
		t->ring[i] = p;
		t->ring_sizes[i] = sz;
		w->live += sz;
	}
	return 0;
}

#define CHECK(p, sz, slot)                                                                \
	if (__builtin_expect(!ab_intact((p), (sz), ab_tag((p), (sz), (slot))), 0)) {             \
		ab_fail(w, "block %p of %u bytes lost its pattern", (p), (unsigned)(sz)); \
		goto out;                                                                 \
	}

#define ALLOC(p, sz, slot)                                                      \
	(p) = ma(sz);                                                        \
	if (__builtin_expect((p) == NULL, 0)) {                              \
		ab_fail(w, "malloc(%u) returned NULL", (unsigned)(sz));      \
		goto out;                                                    \
	}                                                                    \
	ab_mark((p), (sz), ab_tag((p), (sz), (slot)));

static int mixed_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	mixed_shared *s = c->shared;
	mixed_thread *t = w->priv;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	uint64_t ops = c->p.ops_per_thread, i, frees = 0;
	uint32_t handoff = c->p.handoff;
	for (i = 0; i < ops; i++) {
		uint64_t r = ab_rand(&w->rng);
		uint32_t kind = (uint32_t)(r >> 32) & 63;
		int sampled = ab_sampled(w, i);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		void *p;
		if (kind < 32) {
			uint32_t sz = 16 + (uint32_t)(r >> 56);
			ALLOC(p, sz, MIXED_SHORT_SLOT);
			CHECK(p, sz, MIXED_SHORT_SLOT);
			fr(p);
			frees++;
		} else if (kind < 62) {
			uint32_t sz = 32 + (uint32_t)(r >> 52);
			void *old = t->ring[t->head];
			uint32_t osz = t->ring_sizes[t->head];
			uint32_t slot = MIXED_LONG + t->head;
			CHECK(old, osz, slot);
			ALLOC(p, sz, slot);
			t->ring[t->head] = p;
			t->ring_sizes[t->head] = sz;
			if (++t->head == MIXED_RING)
				t->head = 0;
			w->live += (int64_t)sz - (int64_t)osz;
			if (++t->evictions == handoff && ab_queue_push(&s->q, old, osz, slot)) {
				t->evictions = 0;
				void *q;
				uint64_t qsz, aux;
				if (ab_queue_pop(&s->q, &q, &qsz, &aux)) {
					CHECK(q, (uint32_t)qsz, aux);
					fr(q);
					frees++;
				}
			} else {
				if (t->evictions >= handoff)
					t->evictions = 0;
				fr(old);
				frees++;
			}
		} else {
			uint32_t sz = 64 + (uint32_t)(r >> 53);
			uint32_t k = ab_below(r, MIXED_LONG);
			void *old = w->slots[k];
			uint32_t osz = w->sizes[k];
			CHECK(old, osz, k);
			fr(old);
			frees++;
			ALLOC(p, sz, k);
			w->slots[k] = p;
			w->sizes[k] = sz;
			w->live += (int64_t)sz - (int64_t)osz;
		}
		if (sampled)
			ab_record(w, ab_ticks() - t0);
		if ((i & 1023) == 1023) {
			ab_live_publish(w);
			if (ab_aborted(c)) {
				i++;
				break;
			}
		}
	}
out:
	w->res.ops += i;
	w->res.frees += frees;
	return w->res.failed ? -1 : 0;
}

static void mixed_teardown(ab_worker *w)
{
	mixed_thread *t = w->priv;
	for (uint32_t i = 0; i < MIXED_RING; i++) {
		if (t->ring[i])
			w->a.free(t->ring[i]);
		t->ring[i] = NULL;
	}
	ab_slots_free(w);
}

static uint32_t mixed_slots(const ab_params *p)
{
	(void)p;
	return MIXED_LONG;
}

const ab_kernel ab_mixed_kernel = {
	.setup = mixed_setup,
	.run = mixed_run,
	.teardown = mixed_teardown,
	.ctx_init = mixed_ctx_init,
	.ctx_free = mixed_ctx_free,
	.slots = mixed_slots,
};
