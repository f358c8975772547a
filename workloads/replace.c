//go:build cgo

/* Random replacement in a per-thread working set: the loop of large and
 * handoff. Each op frees the block in a random slot and puts a new block of
 * a random size there. The working set is filled before the window opens and
 * freed after it closes, so every op in the window is one malloc and one
 * free. */
#include "harness.h"

static int replace_setup(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	for (uint32_t i = 0; i < w->nslots; i++) {
		uint32_t sz = ab_size(c, ab_rand(&w->rng));
		void *p;
		AB_CHECKED_MALLOC(w, w->a.malloc, p, sz, i, "filling the working set");
		w->slots[i] = p;
		w->sizes[i] = sz;
		w->live += sz;
	}
	return 0;
}

/* ab_replace_ops runs ops replacements over slots[0..n). It is shared with
 * handoff, which passes its slot arrays between threads. first is the number
 * of ops the thread ran before, so sampling stays spread evenly. */
int ab_replace_ops(ab_worker *w, void **slots, uint32_t *sizes, uint32_t n, uint64_t first, uint64_t ops)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	uint64_t rng = w->rng;
	int64_t live = w->live;
	uint64_t i;
	for (i = first; i < first + ops; i++) {
		uint64_t r = ab_rand(&rng);
		uint32_t k = ab_below(r, n);
		uint32_t sz = ab_size(c, r);
		void *old = slots[k];
		uint32_t osz = sizes[k];
		if (__builtin_expect(!ab_intact(old, osz, ab_tag(old, osz, k)), 0)) {
			ab_fail(w, "block %p of %u bytes lost its pattern", old, osz);
			break;
		}
		int sampled = ab_sampled(w, i);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		fr(old);
		void *p = ma(sz);
		if (sampled)
			ab_record(w, ab_ticks() - t0);
		if (__builtin_expect(p == NULL, 0)) {
			slots[k] = NULL;
			ab_fail(w, "malloc(%u) returned NULL", sz);
			break;
		}
		ab_mark(p, sz, ab_tag(p, sz, k));
		slots[k] = p;
		sizes[k] = sz;
		live += (int64_t)sz - (int64_t)osz;
		if ((i & 1023) == 1023) {
			w->live = live;
			ab_live_publish(w);
			if (ab_aborted(c)) {
				i++;
				break;
			}
		}
	}
	w->rng = rng;
	w->live = live;
	w->res.ops += i - first;
	w->res.frees += i - first;
	return w->res.failed ? -1 : 0;
}

static int replace_run(ab_worker *w)
{
	return ab_replace_ops(w, w->slots, w->sizes, w->nslots, 0, w->ctx->p.ops_per_thread);
}

static uint32_t replace_slots(const ab_params *p)
{
	return p->slots;
}

AB_KERNEL(ab_large_kernel, "large") {
	.setup = replace_setup,
	.run = replace_run,
	.teardown = ab_slots_free,
	.slots = replace_slots,
};
