//go:build cgo

/* mixed: short-, medium- and long-lived blocks at once, with a share of the
 * medium ones freed by other threads. Each op allocates one block:
 *  - half the ops: a short-lived block of 16..271 bytes, freed at once;
 *  - 30 in 64: a medium-lived block of 32..4127 bytes into a ring of
 *    MIXED_RING slots, replacing the oldest; one evicted block in
 *    pass_one_in is passed to another thread through a lock-free queue
 *    instead, and the thread frees one block another thread passed on;
 *  - 2 in 64: a long-lived block of 64..2111 bytes into a random one of
 *    MIXED_LONG slots, which live for about a hundred thousand ops. */
#include "harness.h"
#include "queue.h"

#define MIXED_RING 256u
#define MIXED_LONG 2048u
#define MIXED_SHORT_SLOT (MIXED_LONG + MIXED_RING)

/* Each thread has an inbox; a handed-on block goes to the next thread's. */
typedef struct mixed_shared {
	ab_queue *inbox;
	size_t inbox_bytes;
	int n;
} mixed_shared;

typedef struct mixed_thread {
	void *ring[MIXED_RING];
	uint32_t ring_sizes[MIXED_RING];
	uint32_t head;
	uint32_t evictions;
	atomic_int finished; /* no more blocks come from this thread */
} mixed_thread;

/* inbox_cells sizes an inbox for what its sender may pass on while the
 * receiver is not running (threads take turns on fewer cores): about
 * 30/64 × 1/pass_one_in of the ops, within bounds. */
static uint64_t inbox_cells(const ab_params *p)
{
	uint64_t n = p->ops_per_thread / 2 / (p->pass_one_in ? p->pass_one_in : 1);
	if (n < MIXED_RING)
		n = MIXED_RING;
	if (n > (1u << 16))
		n = 1u << 16;
	return n;
}

/* drain frees up to max blocks from the thread's inbox. */
static int drain(ab_worker *w, mixed_shared *s, uint64_t max, uint64_t *frees)
{
	for (uint64_t n = 0; n < max; n++) {
		void *q;
		uint64_t qsz, qaux;
		if (!ab_queue_pop(&s->inbox[w->idx], &q, &qsz, &qaux))
			break;
		uint32_t sz = (uint32_t)qsz, slot = (uint32_t)qaux;
		if (__builtin_expect(!ab_intact(q, sz, ab_tag(q, sz, slot)), 0)) {
			ab_fail(w, "block %p of %u bytes lost its pattern", q, sz);
			return -1;
		}
		w->a.free(q);
		(*frees)++;
		w->res.medium_frees++;
		if ((int)(qaux >> 32) != w->idx)
			w->res.remote_frees++;
	}
	return 0;
}

static int mixed_ctx_init(ab_ctx *c)
{
	mixed_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	s->inbox_bytes = sizeof(ab_queue) * (size_t)c->p.threads;
	if (!(s->inbox = ab_sys_alloc(s->inbox_bytes)))
		return -1;
	for (int i = 0; i < c->p.threads; i++) {
		if (!(c->workers[i].priv = ab_sys_alloc(sizeof(mixed_thread))))
			return -1;
		if (ab_queue_init(&s->inbox[i], inbox_cells(&c->p)) != 0)
			return -1;
		s->n = i + 1;
	}
	return 0;
}

static void mixed_ctx_free(ab_ctx *c)
{
	mixed_shared *s = c->shared;
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		void *p;
		uint64_t size, aux;
		while (ab_queue_pop(&s->inbox[i], &p, &size, &aux))
			c->a.free(p);
		ab_queue_destroy(&s->inbox[i]);
	}
	ab_sys_free(s->inbox, s->inbox_bytes);
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
	uint32_t pass_one_in = c->p.pass_one_in;
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
			ab_queue *next = &s->inbox[(w->idx + 1) % c->p.threads];
			/* aux carries the slot and, above bit 32, the allocating
			 * thread. */
			uint64_t aux = (uint64_t)slot | (uint64_t)w->idx << 32;
			if (++t->evictions < pass_one_in || !ab_queue_push(next, old, osz, aux)) {
				fr(old);
				frees++;
				w->res.medium_frees++;
			}
			if (t->evictions >= pass_one_in) {
				t->evictions = 0;
				/* Free what other threads passed on: up to two, so
				 * that an inbox stays short even when its sender runs
				 * ahead. */
				if (drain(w, s, 2, &frees) != 0)
					goto out;
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
	/* What the previous thread passes on is this thread's to free: wait
	 * until it has passed on its last block, then drain. */
	atomic_store(&t->finished, 1);
	if (!w->res.failed) {
		mixed_thread *sender = c->workers[(w->idx + c->p.threads - 1) % c->p.threads].priv;
		int idle = 0;
		while (!atomic_load(&sender->finished) && !ab_aborted(c)) {
			if (drain(w, s, UINT64_MAX, &frees) != 0)
				goto out;
			if (!idle) {
				ab_idle_begin(w);
				idle = 1;
			}
			ab_spin_wait();
		}
		if (idle)
			ab_idle_end(w);
		drain(w, s, UINT64_MAX, &frees);
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

AB_KERNEL(ab_mixed_kernel, "mixed") {
	.setup = mixed_setup,
	.run = mixed_run,
	.teardown = mixed_teardown,
	.ctx_init = mixed_ctx_init,
	.ctx_free = mixed_ctx_free,
	.slots = mixed_slots,
};
