//go:build cgo

/* handoff: a server that hands its work on. Slot arrays of live blocks move
 * between threads through a lock-free queue; a thread replaces random blocks
 * in the array it holds and, every handoff ops, passes the array on and takes
 * the oldest waiting one. Blocks are therefore freed by threads other than
 * the ones that allocated them, as in the server simulation of Larson and
 * Krishnan. There are two arrays per thread, so a thread rarely gets its own
 * back. */
#include "harness.h"
#include "queue.h"

typedef struct handoff_shared {
	ab_queue q;
	uint32_t narrays, nslots;
	void **slots;     /* narrays * nslots */
	uint32_t *sizes;  /* narrays * nslots */
	size_t slots_bytes, sizes_bytes;
} handoff_shared;

static int handoff_ctx_init(ab_ctx *c)
{
	handoff_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	s->narrays = 2 * (uint32_t)c->p.threads;
	s->nslots = c->p.slots;
	s->slots_bytes = sizeof(void *) * s->narrays * s->nslots;
	s->sizes_bytes = sizeof(uint32_t) * s->narrays * s->nslots;
	s->slots = ab_sys_alloc(s->slots_bytes);
	s->sizes = ab_sys_alloc(s->sizes_bytes);
	if (!s->slots || !s->sizes || ab_queue_init(&s->q, s->narrays + 1) != 0)
		return -1;
	return 0;
}

static void handoff_ctx_free(ab_ctx *c)
{
	handoff_shared *s = c->shared;
	if (!s)
		return;
	if (s->slots) {
		/* Every array is back in the queue or never left its filler; the
		 * blocks still live are freed here, by the thread that ends the
		 * run. */
		for (size_t i = 0; i < (size_t)s->narrays * s->nslots; i++)
			if (s->slots[i])
				c->a.free(s->slots[i]);
	}
	ab_queue_destroy(&s->q);
	ab_sys_free(s->slots, s->slots_bytes);
	ab_sys_free(s->sizes, s->sizes_bytes);
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

static int handoff_setup(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	handoff_shared *s = c->shared;
	for (uint32_t a = 2 * (uint32_t)w->idx; a < 2 * (uint32_t)w->idx + 2; a++) {
		void **slots = s->slots + (size_t)a * s->nslots;
		uint32_t *sizes = s->sizes + (size_t)a * s->nslots;
		for (uint32_t i = 0; i < s->nslots; i++) {
			uint32_t sz = ab_size(c, ab_rand(&w->rng));
			void *p;
			AB_CHECKED_MALLOC(w, w->a.malloc, p, sz, i, "filling the slot arrays");
			slots[i] = p;
			sizes[i] = sz;
			w->live += sz;
		}
		if (!ab_queue_push(&s->q, NULL, a, 0)) {
			ab_fail(w, "hand-off queue full at setup");
			return -1;
		}
	}
	return 0;
}

static int handoff_take(ab_worker *w, handoff_shared *s, uint64_t *array)
{
	void *unused;
	uint64_t aux;
	while (!ab_queue_pop(&s->q, &unused, array, &aux)) {
		if (ab_aborted(w->ctx))
			return -1;
		ab_spin_wait();
	}
	return 0;
}

static int handoff_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	handoff_shared *s = c->shared;
	uint64_t ops = c->p.ops_per_thread, handoff = c->p.handoff, done = 0, a;
	if (handoff_take(w, s, &a) != 0)
		return -1;
	while (done < ops && !ab_aborted(c)) {
		uint64_t n = ops - done < handoff ? ops - done : handoff;
		if (ab_replace_ops(w, s->slots + a * s->nslots, s->sizes + a * s->nslots, s->nslots, done, n) != 0)
			break;
		done += n;
		ab_queue_push(&s->q, NULL, a, 0);
		if (done < ops && handoff_take(w, s, &a) != 0)
			return -1;
	}
	if (done < ops)
		ab_queue_push(&s->q, NULL, a, 0);
	return w->res.failed ? -1 : 0;
}

AB_KERNEL(ab_handoff_kernel, "handoff") {
	.setup = handoff_setup,
	.run = handoff_run,
	.ctx_init = handoff_ctx_init,
	.ctx_free = handoff_ctx_free,
};
