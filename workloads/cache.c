//go:build cgo

/* cache-thrash and cache-scratch: Hoard's tests of false sharing made by the
 * allocator, as mimalloc-bench runs them (T threads, 1000 iterations,
 * 1-byte objects, 2000000 repetitions). In each iteration every thread
 * allocates an object, writes each of its bytes and reads it back
 * repetitions / T times, and frees it. If the allocator gives two threads
 * objects on one cache line, their writes bounce that line between cores
 * (active false sharing: cache-thrash). In cache-scratch each thread first
 * frees an object that the coordinating thread allocated, one right after
 * another, before the workers started; an allocator that hands a freed
 * object back to the thread that freed it keeps that shared line in play
 * (passive false sharing).
 *
 * An op is one iteration of all threads: each thread runs ops_per_thread
 * iterations, so the work per op is the same at any thread count.
 *
 * Integrity: before the free, the object must hold what the loop wrote. */
#include <stdio.h>

#include "harness.h"

typedef struct scratch_shared {
	void **first;
	size_t first_bytes;
} scratch_shared;

/* write_over writes each byte of the object and reads it back, reps times:
 * the benchmark's inner loop. */
static void write_over(char *obj, uint32_t n, uint64_t reps)
{
	for (uint64_t j = 0; j < reps; j++) {
		for (uint32_t k = 0; k < n; k++) {
			obj[k] = (char)k;
			volatile char ch = obj[k];
			ch++;
		}
	}
}

static int intact(const char *obj, uint32_t n)
{
	return obj[0] == 0 && obj[n - 1] == (char)(n - 1);
}

static int cache_ops(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	uint64_t ops = c->p.ops_per_thread, i;
	uint32_t n = (uint32_t)c->p.min_size;
	uint64_t reps = c->p.writes / (uint64_t)c->p.threads;
	if (AB_CHECKS) {
		/* One object at a time is live per thread. */
		w->live = n;
		ab_live_publish(w);
	}
	for (i = 0; i < ops; i++) {
		int sampled = ab_sampled(w, i);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		char *obj = ma(n);
		uint64_t t1 = sampled ? ab_ticks() : 0;
		if (AB_CHECKS && !obj) {
			ab_fail(w, "malloc(%u) returned NULL", n);
			break;
		}
		write_over(obj, n, reps);
		if (AB_CHECKS && !intact(obj, n)) {
			ab_fail(w, "object %p of %u bytes lost what was written", (void *)obj, n);
			break;
		}
		uint64_t t2 = sampled ? ab_ticks() : 0;
		fr(obj);
		if (sampled)
			ab_record(w, (t1 - t0) + (ab_ticks() - t2));
		if (AB_CHECKS && ab_aborted(c)) {
			i++;
			break;
		}
	}
	if (AB_CHECKS) {
		w->live = 0;
		ab_live_publish(w);
	}
	w->res.ops += i;
	w->res.frees += i;
	return w->res.failed ? -1 : 0;
}

AB_KERNEL(ab_cache_thrash_kernel, "cache-thrash") {
	.run = cache_ops,
};

static int scratch_ctx_init(ab_ctx *c)
{
	scratch_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	s->first_bytes = sizeof(void *) * (size_t)c->p.threads;
	s->first = ab_sys_alloc(s->first_bytes);
	return s->first ? 0 : -1;
}

/* scratch_ctx_fill allocates one object per worker on the coordinating
 * thread, one right after another, so that they share cache lines. */
static int scratch_ctx_fill(ab_ctx *c, char *err, size_t errlen)
{
	scratch_shared *s = c->shared;
	uint32_t n = (uint32_t)c->p.min_size;
	for (int i = 0; i < c->p.threads; i++) {
		char *p = c->a.malloc(n);
		if (!p) {
			snprintf(err, errlen, "the coordinating thread allocating the first objects: malloc(%u) returned NULL", n);
			return -1;
		}
		write_over(p, n, 1);
		s->first[i] = p;
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
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

static int scratch_run(ab_worker *w)
{
	scratch_shared *s = w->ctx->shared;
	char *p = s->first[w->idx];
	if (AB_CHECKS && !intact(p, (uint32_t)w->ctx->p.min_size)) {
		ab_fail(w, "handed-over object %p lost what was written", (void *)p);
		return -1;
	}
	w->a.free(p);
	s->first[w->idx] = NULL;
	w->res.frees++;
	return cache_ops(w);
}

AB_KERNEL(ab_cache_scratch_kernel, "cache-scratch") {
	.run = scratch_run,
	.ctx_init = scratch_ctx_init,
	.ctx_fill = scratch_ctx_fill,
	.ctx_free = scratch_ctx_free,
};
