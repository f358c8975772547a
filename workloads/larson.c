//go:build cgo

/* larson: the server simulation of Larson and Krishnan, in the form
 * mimalloc-bench runs it. Before the run the coordinating thread (the
 * benchmark's main thread) allocates slots blocks per worker with sizes
 * drawn uniformly from [min_size, max_size) by lran2, shuffles them, and
 * replaces random blocks four times over. Each worker then owns one array of
 * slots blocks and its own lran2 seeded from the main generator. A thread
 * replaces a random block of its array with a new one of random size,
 * writing two bytes into it, rounds * slots times; then it starts a new
 * thread that takes the same array over, and ends. The first blocks are
 * therefore freed by a thread other than the one that allocated them (the
 * main thread's, then each predecessor's), and thread creation and exit
 * happen inside the window.
 *
 * Integrity: the first byte written is the slot's tag instead of the
 * original's 'a'. The original does not read a block before freeing it, and
 * an allocator whose free does not touch the block (jemalloc) would pay a
 * cache miss per op for a check on every one, so the tag is checked before
 * the free at latency-sampled ops only, and, when a worker's share ends,
 * for every block in its array, which is then also checked to hold
 * disjoint blocks (ab_check_disjoint, by address: a block handed out twice
 * is caught). */
#include <stdio.h>

#include "harness.h"
#include "prng.h"

typedef struct larson_shared {
	uint32_t nblocks;
	void **blocks;   /* threads * slots, worker i owns [i*slots, (i+1)*slots) */
	size_t *sizes;
	size_t blocks_bytes, sizes_bytes;
	ab_lran2_state rgen;
	struct larson_record *records; /* one per worker, contiguous */
	void *records_map;             /* the mapping records lie in */
	size_t records_bytes;
} larson_shared;

/* larson_record is a worker's state as the original keeps it and touches it
 * at every op: one record per worker in a single array, read for the
 * parameters and written for the generator and two counters (mallocs and
 * frees). On LP64 the original's record is 880 bytes, not a multiple of the
 * cache line, so neighbouring workers' records share a line, and the false
 * sharing between them is part of what the original measures at two threads
 * and more. Keeping it needs the layout (offsets: parameters 0..47, counters
 * 48..79, generator 88..879) and the placement: the original's array lives on
 * the main thread's stack, at a 16-byte offset within a cache line that
 * address randomisation changes from run to run, and the cost of the sharing
 * depends on that offset (larson, threads=2, 2-vCPU Xeon, medians of 3:
 * offsets 0/16/32/48 gave mimalloc 23.2/17.9/19.6/21.4 ns/op and tcmalloc
 * 25.3/20.7/23.1/24.0). Offset 32 sits at the mean of the four, so the
 * records are placed there: LARSON_RECORD_OFFSET bytes into a line. */
#define LARSON_RECORD_OFFSET 32

typedef struct larson_record {
	int32_t id, generation_ops, seed, min_size, max_size;
	void **array;
	size_t *sizes;
	int32_t asize;
	int64_t mallocs, frees, generations, bytes;
	int32_t finished;
	ab_lran2_state rgen;
} larson_record;

_Static_assert(sizeof(void *) != 8 || sizeof(larson_record) == 880, "the original's record layout");

typedef struct larson_thread {
	larson_record *rec;
	uint64_t done; /* ops of this worker's share run so far */
} larson_thread;

static size_t larson_size(ab_lran2_state *g, const ab_params *p)
{
	long range = (long)(p->max_size - p->min_size);
	return range == 0 ? p->min_size : p->min_size + (size_t)(ab_lran2(g) % range);
}

static int larson_ctx_init(ab_ctx *c)
{
	larson_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	s->nblocks = (uint32_t)c->p.threads * c->p.slots;
	s->blocks_bytes = sizeof(void *) * s->nblocks;
	s->sizes_bytes = sizeof(size_t) * s->nblocks;
	s->blocks = ab_sys_alloc(s->blocks_bytes);
	s->sizes = ab_sys_alloc(s->sizes_bytes);
	s->records_bytes = sizeof(larson_record) * (size_t)c->p.threads + LARSON_RECORD_OFFSET;
	s->records_map = ab_sys_alloc(s->records_bytes);
	if (!s->blocks || !s->sizes || !s->records_map)
		return -1;
	s->records = (larson_record *)((char *)s->records_map + LARSON_RECORD_OFFSET);
	for (int i = 0; i < c->p.threads; i++) {
		larson_thread *t = ab_sys_alloc(sizeof(larson_thread));
		if (!(c->workers[i].priv = t))
			return -1;
		larson_record *r = &s->records[i];
		t->rec = r;
		r->id = i + 1;
		uint64_t gen = (uint64_t)c->p.rounds * c->p.slots;
		r->generation_ops = gen > INT32_MAX ? INT32_MAX : (int32_t)gen;
		r->min_size = (int32_t)c->p.min_size;
		r->max_size = (int32_t)c->p.max_size;
		r->array = s->blocks + (size_t)i * c->p.slots;
		r->sizes = s->sizes + (size_t)i * c->p.slots;
		r->asize = (int32_t)c->p.slots;
	}
	return 0;
}

/* larson_ctx_fill is the original's warm-up, on the coordinating thread. */
static int fill_failed(char *err, size_t errlen, size_t sz)
{
	snprintf(err, errlen, "the coordinating thread filling the arrays: malloc(%zu) returned NULL", sz);
	return -1;
}

static int larson_ctx_fill(ab_ctx *c, char *err, size_t errlen)
{
	larson_shared *s = c->shared;
	ab_lran2_init(&s->rgen, (long)c->p.seed);
	uint32_t n = s->nblocks;
	for (uint32_t i = 0; i < n; i++) {
		s->sizes[i] = larson_size(&s->rgen, &c->p);
		if (!(s->blocks[i] = c->a.malloc(s->sizes[i])))
			return fill_failed(err, errlen, s->sizes[i]);
	}
	for (uint32_t i = n; i > 0; i--) {
		uint32_t v = (uint32_t)(ab_lran2(&s->rgen) % i);
		void *p = s->blocks[v];
		size_t sz = s->sizes[v];
		s->blocks[v] = s->blocks[i - 1];
		s->sizes[v] = s->sizes[i - 1];
		s->blocks[i - 1] = p;
		s->sizes[i - 1] = sz;
	}
	for (uint32_t i = 0; i < 4 * n; i++) {
		uint32_t v = (uint32_t)(ab_lran2(&s->rgen) % n);
		c->a.free(s->blocks[v]);
		s->sizes[v] = larson_size(&s->rgen, &c->p);
		if (!(s->blocks[v] = c->a.malloc(s->sizes[v])))
			return fill_failed(err, errlen, s->sizes[v]);
	}
	for (uint32_t i = 0; i < n && AB_CHECKS; i++)
		*(uint8_t *)s->blocks[i] = ab_slot_tag(i);
	/* Each worker is seeded from the main generator, in worker order. */
	for (int i = 0; i < c->p.threads; i++) {
		larson_thread *t = c->workers[i].priv;
		t->rec->seed = (int32_t)ab_lran2(&s->rgen);
		ab_lran2_init(&t->rec->rgen, t->rec->seed);
		int64_t live = 0;
		for (uint32_t k = 0; k < c->p.slots; k++)
			live += (int64_t)s->sizes[(size_t)i * c->p.slots + k];
		c->workers[i].live = live;
	}
	return 0;
}

static void larson_ctx_free(ab_ctx *c)
{
	larson_shared *s = c->shared;
	if (!s)
		return;
	if (s->blocks)
		for (uint32_t i = 0; i < s->nblocks; i++)
			if (s->blocks[i])
				c->a.free(s->blocks[i]);
	for (int i = 0; i < c->p.threads; i++) {
		ab_sys_free(c->workers[i].priv, sizeof(larson_thread));
		c->workers[i].priv = NULL;
	}
	ab_sys_free(s->blocks, s->blocks_bytes);
	ab_sys_free(s->sizes, s->sizes_bytes);
	ab_sys_free(s->records_map, s->records_bytes);
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

/* larson_check_array checks, at the end of a worker's share, every block
 * in its array: its tag, and that no two overlap. */
static void larson_check_array(ab_worker *w, const larson_record *r, uint32_t base)
{
	/* Ranges first: an overlap also breaks tags, and is the better name
	 * for what went wrong. */
	if (ab_check_disjoint(w, r->array, NULL, r->sizes, (uint32_t)r->asize, "blocks in slots") != 0)
		return;
	for (int32_t k = 0; k < r->asize; k++) {
		const unsigned char *p = r->array[k];
		if (p && p[0] != ab_slot_tag(base + (uint32_t)k)) {
			ab_fail(w, "block %p of %zu bytes in slot %d lost its pattern", (void *)p, r->sizes[k], k);
			return;
		}
	}
}

/* larson_sampled_op is a latency-sampled op: the block it frees is
 * checked for its tag first, and the free and the malloc are timed. It is
 * kept out of larson_run's loop, so that the loop holds no timing or check
 * state across its calls into the allocator (measured: on mimalloc, that
 * took the checked loop from 1.10 to 1.03 times the bare one's time). It
 * returns 1 when the op was done, 0 when the worker failed. */
static __attribute__((noinline)) int larson_sampled_op(ab_worker *w, larson_record *r, uint32_t base, long range)
{
	uint32_t v = (uint32_t)(ab_lran2(&r->rgen) % r->asize);
	unsigned char *old = r->array[v];
	if (old[0] != ab_slot_tag(base + v)) {
		ab_fail(w, "block %p of %zu bytes in slot %u lost its pattern", (void *)old, r->sizes[v], v);
		return 0;
	}
	uint64_t t0 = ab_ticks();
	w->a.free(old);
	r->frees++;
	size_t sz = range == 0 ? (size_t)r->min_size : (size_t)r->min_size + (size_t)(ab_lran2(&r->rgen) % range);
	unsigned char *p = w->a.malloc(sz);
	ab_record(w, ab_ticks() - t0);
	r->array[v] = p;
	r->sizes[v] = sz;
	if (p == NULL) {
		ab_fail(w, "malloc(%zu) returned NULL", sz);
		return 0;
	}
	r->mallocs++;
	((volatile unsigned char *)p)[0] = ab_slot_tag(base + v);
	(void)((volatile unsigned char *)p)[0];
	((volatile unsigned char *)p)[1] = 'b';
	return 1;
}

/* larson_null fails the worker for a NULL from malloc in slot v. */
static __attribute__((noinline, cold)) void larson_null(ab_worker *w, const larson_record *r, uint32_t v)
{
	ab_fail(w, "malloc(%zu) returned NULL", r->sizes[v]);
}

/* LARSON_ABORT_EVERY is how many ops (at most) run between two looks at
 * whether the run was aborted. */
#define LARSON_ABORT_EVERY 1024

/* larson_run runs one thread generation: rounds * slots replacements, or
 * what is left of the worker's share. An op that is not latency-sampled is
 * the original's op and a test of the allocator's answer. */
static int larson_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	larson_thread *t = w->priv;
	/* The record is read and written through a pointer at every op, as the
	 * original does: the calls into the allocator may change memory, so
	 * its fields are loaded again after each. */
	larson_record *r = t->rec;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	const uint32_t base = (uint32_t)w->idx * c->p.slots;
	const long range = (long)(r->max_size - r->min_size);
	const uint64_t mask = w->sample_mask;
	uint64_t share = c->p.ops_per_thread;
	uint64_t gen = (uint64_t)c->p.rounds * c->p.slots;
	uint64_t first = t->done, n = share - first < gen ? share - first : gen;
	if (r->generation_ops >= 0 && (uint64_t)r->generation_ops < n)
		n = (uint64_t)r->generation_ops;
	const uint64_t end = first + n;
	uint64_t i = first;
	r->generations++;
	for (; i < end; i++) {
		if (AB_CHECKS && __builtin_expect((i & mask) == 0, 0)) {
			if (!larson_sampled_op(w, r, base, range))
				break;
			continue;
		}
		uint32_t v = (uint32_t)(ab_lran2(&r->rgen) % r->asize);
		fr(r->array[v]);
		r->frees++;
		size_t sz = range == 0 ? (size_t)r->min_size : (size_t)r->min_size + (size_t)(ab_lran2(&r->rgen) % range);
		unsigned char *p = ma(sz);
		r->array[v] = p;
		r->sizes[v] = sz;
		if (AB_CHECKS && __builtin_expect(p == NULL, 0)) {
			larson_null(w, r, v);
			break;
		}
		r->mallocs++;
		/* The original writes two bytes: the first, read back, and the
		 * second. */
		((volatile unsigned char *)p)[0] = AB_CHECKS ? ab_slot_tag(base + v) : 'a';
		(void)((volatile unsigned char *)p)[0];
		((volatile unsigned char *)p)[1] = 'b';
		if (AB_CHECKS && (i & (LARSON_ABORT_EVERY - 1)) == LARSON_ABORT_EVERY - 1 && ab_aborted(c)) {
			i++;
			break;
		}
	}
	if (AB_CHECKS) {
		/* The array always holds asize blocks: its bytes are counted at
		 * the end of each generation rather than at every op. */
		int64_t live = 0;
		for (int32_t k = 0; k < r->asize; k++)
			live += (int64_t)r->sizes[k];
		w->live = live;
		ab_live_publish(w);
	}
	w->res.ops += i - first;
	w->res.frees += i - first;
	t->done = i;
	if (AB_CHECKS && !w->res.failed && (t->done >= share || ab_aborted(c)))
		larson_check_array(w, r, base);
	if (w->res.failed)
		return -1;
	return t->done < share && !ab_aborted(c) ? AB_HAND_ON : 0;
}

AB_KERNEL(ab_larson_kernel, "larson") {
	.run = larson_run,
	.ctx_init = larson_ctx_init,
	.ctx_fill = larson_ctx_fill,
	.ctx_free = larson_ctx_free,
};
