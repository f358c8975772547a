//go:build cgo

/* threadtest: each thread allocates a batch of blocks, then frees the whole
 * batch, again and again. A sampled op's latency is the block's malloc plus
 * its free. */
#include "harness.h"

static uint32_t tt_slots(const ab_params *p)
{
	return p->batch;
}

static int tt_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	uint64_t ops = c->p.ops_per_thread, done = 0;
	while (done < ops && !ab_aborted(c)) {
		uint32_t n = ops - done < w->nslots ? (uint32_t)(ops - done) : w->nslots;
		for (uint32_t j = 0; j < n; j++) {
			uint32_t sz = ab_size(c, ab_rand(&w->rng));
			int sampled = ab_sampled(w, done + j);
			uint64_t t0 = sampled ? ab_ticks() : 0;
			void *p = ma(sz);
			w->lat[j] = sampled ? (uint32_t)(ab_ticks() - t0) + 1 : 0;
			if (!p) {
				ab_fail(w, "malloc(%u) returned NULL", sz);
				return -1;
			}
			ab_mark(p, sz, ab_tag(p, sz, j));
			w->slots[j] = p;
			w->sizes[j] = sz;
			w->live += sz;
		}
		ab_live_publish(w);
		for (uint32_t j = 0; j < n; j++) {
			void *p = w->slots[j];
			uint32_t sz = w->sizes[j];
			if (!ab_intact(p, sz, ab_tag(p, sz, j))) {
				ab_fail(w, "block %p of %u bytes lost its pattern", p, sz);
				return -1;
			}
			uint32_t lat = w->lat[j];
			uint64_t t0 = lat ? ab_ticks() : 0;
			fr(p);
			if (lat)
				ab_record(w, ab_ticks() - t0 + lat - 1);
			w->slots[j] = NULL;
			w->live -= sz;
		}
		done += n;
		w->res.ops += n;
		w->res.frees += n;
	}
	ab_live_publish(w);
	return 0;
}

AB_KERNEL(ab_threadtest_kernel, "threadtest") {
	.run = tt_run,
	.teardown = ab_slots_free,
	.slots = tt_slots,
};
