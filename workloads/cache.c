//go:build cgo

/* cache-thrash and cache-scratch: false sharing made by the allocator.
 * Each op allocates a small block, writes into it many times and frees it.
 * If the allocator gives two threads blocks on one cache line, the writes
 * bounce that line between cores (active false sharing: cache-thrash). In
 * cache-scratch the first block each thread frees was allocated by the
 * thread that set up the run, next to the other threads' first blocks; an
 * allocator that hands a freed block back to the thread that freed it keeps
 * that shared line in play (passive false sharing). */
#include "harness.h"

typedef struct scratch_shared {
	void **first;
	uint32_t *sizes;
	size_t first_bytes, sizes_bytes;
} scratch_shared;

/* touch writes into the block's inside, leaving the pattern bytes alone. */
static void touch(void *p, uint32_t n, uint32_t writes)
{
	volatile unsigned char *b = p;
	uint32_t lo = n > 2 ? 1 : 0, span = n > 2 ? n - 2 : 1, k = 0;
	unsigned char keep = b[0];
	for (uint32_t j = 0; j < writes; j++) {
		b[lo + k] = n > 2 ? (unsigned char)j : keep;
		if (++k == span)
			k = 0;
	}
}

static int cache_ops(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	uint64_t ops = c->p.ops_per_thread, i;
	uint32_t writes = c->p.writes;
	/* One block at a time is live per thread. */
	w->live = (int64_t)c->p.max_size;
	ab_live_publish(w);
	for (i = 0; i < ops; i++) {
		uint32_t sz = ab_size(c, ab_rand(&w->rng));
		int sampled = ab_sampled(w, i);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		void *p = ma(sz);
		uint64_t t1 = sampled ? ab_ticks() : 0;
		if (!p) {
			ab_fail(w, "malloc(%u) returned NULL", sz);
			break;
		}
		uint8_t tag = ab_tag(p, sz, 0);
		ab_mark(p, sz, tag);
		touch(p, sz, writes);
		if (!ab_intact(p, sz, tag)) {
			ab_fail(w, "block %p of %u bytes lost its pattern", p, sz);
			break;
		}
		uint64_t t2 = sampled ? ab_ticks() : 0;
		fr(p);
		if (sampled)
			ab_record(w, (t1 - t0) + (ab_ticks() - t2));
		if ((i & 1023) == 1023 && ab_aborted(c)) {
			i++;
			break;
		}
	}
	w->live = 0;
	ab_live_publish(w);
	w->res.ops += i;
	w->res.frees += i;
	return w->res.failed ? -1 : 0;
}

const ab_kernel ab_cache_thrash_kernel = {
	.run = cache_ops,
};

static int scratch_ctx_init(ab_ctx *c)
{
	scratch_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	uint32_t n = (uint32_t)c->p.threads;
	s->first_bytes = sizeof(void *) * n;
	s->sizes_bytes = sizeof(uint32_t) * n;
	s->first = ab_sys_alloc(s->first_bytes);
	s->sizes = ab_sys_alloc(s->sizes_bytes);
	if (!s->first || !s->sizes)
		return -1;
	/* One after another, so that they share cache lines. */
	uint64_t rng = c->p.seed;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sz = ab_size(c, ab_rand(&rng));
		void *p = c->a.malloc(sz);
		if (!p)
			return -1;
		ab_mark(p, sz, ab_tag(p, sz, i));
		s->first[i] = p;
		s->sizes[i] = sz;
	}
	return 0;
}

static void scratch_ctx_free(ab_ctx *c)
{
	scratch_shared *s = c->shared;
	if (!s)
		return;
	if (s->first)
		for (int i = 0; i < c->p.threads; i++)
			if (s->first[i])
				c->a.free(s->first[i]);
	ab_sys_free(s->first, s->first_bytes);
	ab_sys_free(s->sizes, s->sizes_bytes);
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

static int scratch_run(ab_worker *w)
{
	scratch_shared *s = w->ctx->shared;
	void *p = s->first[w->idx];
	uint32_t sz = s->sizes[w->idx];
	if (!ab_intact(p, sz, ab_tag(p, sz, (uint64_t)w->idx))) {
		ab_fail(w, "handed-over block %p of %u bytes lost its pattern", p, sz);
		return -1;
	}
	w->a.free(p);
	s->first[w->idx] = NULL;
	w->res.frees++;
	return cache_ops(w);
}

const ab_kernel ab_cache_scratch_kernel = {
	.run = scratch_run,
	.ctx_init = scratch_ctx_init,
	.ctx_free = scratch_ctx_free,
};
