//go:build cgo

/* churn: the loop of glibc's benchtests/bench-malloc-thread. Before the run,
 * two tables are drawn from the sequence of glibc's rand() with its default
 * seed: 8000 block sizes with an inverse-square density between min_size
 * and max_size (computed in single precision, as the benchmark does), and
 * 4 * slots slot numbers. Every thread walks both tables from the start,
 * wrapping at the end, so all threads make the same sequence of requests.
 * Each op frees the block in the next slot (NULL until the slot was first
 * used: the working set starts empty) and puts a block of the next size
 * there. Every block is freed by the thread that allocated it.
 *
 * Integrity: the original writes nothing into its blocks, and most of the
 * cost of a fast allocator's op here would be the cache miss of a first
 * touch, or a mispredicted branch on which blocks to mark. So the loop
 * touches no block and keeps no test that cannot be predicted: at a
 * latency-sampled op, the new block's first and last bytes are marked (one
 * such block at a time), and they are checked when it is freed or at the
 * end; every op records the block's size beside its slot, and every 2^22
 * ops and at the end the live blocks are checked to be disjoint by their
 * addresses (ab_check_disjoint), which catches a block handed out twice
 * without reading any. A NULL from malloc is caught at every op. On the
 * run that reports memory (a process's first: see MeasureMemory), each new
 * block gets a byte written in every page, so that the memory a program
 * would use is resident when RSS is read.
 * The live bytes need no counting in the loop: every thread makes the same
 * requests, so the peak is computed from the tables. */
#include <math.h>

#include "harness.h"
#include "prng.h"

#define CHURN_SIZES 8000u

typedef struct churn_tables {
	uint32_t nsizes, noffsets;
	uint32_t *sizes, *offsets;
	size_t sizes_bytes, offsets_bytes;
	int64_t peak_live; /* per thread */
} churn_tables;

static int64_t churn_peak_live(const churn_tables *t, uint32_t nslots, uint64_t ops);

/* churn_size maps one rand() value to a block size the way the benchmark
 * does: float arithmetic, inverse-square distribution. */
static uint32_t churn_size(uint32_t rand_value, float lo, float hi)
{
	const float exponent = -2.0f;
	float min_pow = powf(lo, exponent + 1.0f);
	float max_pow = powf(hi, exponent + 1.0f);
	float r = (float)rand_value / (float)AB_GLIBC_RAND_MAX;
	uint32_t v = (uint32_t)powf((max_pow - min_pow) * r + min_pow, 1.0f / (exponent + 1.0f));
	return v ? v : 1;
}

static int churn_ctx_init(ab_ctx *c)
{
	churn_tables *t = ab_sys_alloc(sizeof *t);
	if (!t)
		return -1;
	c->shared = t;
	c->shared_bytes = sizeof *t;
	t->nsizes = CHURN_SIZES;
	t->noffsets = 4 * c->p.slots;
	t->sizes_bytes = sizeof(uint32_t) * t->nsizes;
	t->offsets_bytes = sizeof(uint32_t) * t->noffsets;
	t->sizes = ab_sys_alloc(t->sizes_bytes);
	t->offsets = ab_sys_alloc(t->offsets_bytes);
	if (!t->sizes || !t->offsets)
		return -1;
	ab_glibc_rand r;
	ab_glibc_srand(&r, (uint32_t)c->p.seed);
	for (uint32_t i = 0; i < t->nsizes; i++)
		t->sizes[i] = churn_size(ab_glibc_rand_next(&r), (float)c->p.min_size, (float)c->p.max_size);
	for (uint32_t i = 0; i < t->noffsets; i++)
		t->offsets[i] = ab_glibc_rand_next(&r) % c->p.slots;
	t->peak_live = churn_peak_live(t, c->p.slots, c->p.ops_per_thread);
	return 0;
}

static int churn_setup(ab_worker *w)
{
	const churn_tables *t = w->ctx->shared;
	w->live = t->peak_live;
	return 0;
}

static void churn_ctx_free(ab_ctx *c)
{
	churn_tables *t = c->shared;
	if (!t)
		return;
	ab_sys_free(t->sizes, t->sizes_bytes);
	ab_sys_free(t->offsets, t->offsets_bytes);
	ab_sys_free(t, sizeof *t);
	c->shared = NULL;
}

/* churn_peak_live is the most bytes one thread holds at once: every
 * thread walks the same tables from the start, so it is known before the
 * run, and the loop need not count. The walk repeats after lcm(sizes,
 * offsets) ops, so two periods are enough. */
static int64_t churn_peak_live(const churn_tables *t, uint32_t nslots, uint64_t ops)
{
	uint64_t a = t->nsizes, b = t->noffsets;
	while (b) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	uint64_t period = (uint64_t)t->nsizes / a * t->noffsets; /* lcm */
	uint64_t limit = ops < 2 * period ? ops : 2 * period;
	uint32_t *held = ab_sys_alloc(sizeof(uint32_t) * nslots);
	if (!held)
		return 0;
	int64_t live = 0, peak = 0;
	uint32_t si = 0, oi = 0;
	for (uint64_t i = 0; i < limit; i++) {
		oi = oi >= t->noffsets - 1 ? 0 : oi + 1;
		si = si >= t->nsizes - 1 ? 0 : si + 1;
		uint32_t k = t->offsets[oi];
		live += (int64_t)t->sizes[si] - (int64_t)held[k];
		held[k] = t->sizes[si];
		if (live > peak)
			peak = live;
	}
	ab_sys_free(held, sizeof(uint32_t) * nslots);
	return peak;
}

/* churn_cursor walks the two tables as the benchmark does: advance, then
 * read, wrapping at the end. */
typedef struct churn_cursor {
	const uint32_t *size, *size_end, *sizes;
	const uint32_t *off, *off_end, *offsets;
} churn_cursor;

/* churn_ops runs ops [first, end) of a worker. */
/* churn_no_tail stands for "no block is marked" in the loop, so that one
 * compare per op finds the marked block (a slot still empty is NULL). */
static const char churn_no_tail_byte;
#define CHURN_NO_TAIL ((unsigned char *)&churn_no_tail_byte)

/* CHURN_CHECK_EVERY is how often (in ops, a power of two) a worker checks
 * that its live blocks are disjoint. */
#define CHURN_CHECK_EVERY ((uint64_t)1 << 22)

static inline __attribute__((always_inline)) uint64_t churn_ops(ab_worker *w, churn_cursor *cur, uint64_t first,
                                                                uint64_t end, const int touch)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	void **slots = w->slots;
	uint32_t *sizes = w->sizes;
	const uint32_t *size = cur->size, *off = cur->off;
	const uint32_t *size_end = cur->size_end, *off_end = cur->off_end;
	const uint64_t mask = w->sample_mask;
	/* A multiple of the sampling spacing: checks fall on sampled ops. */
	const uint64_t check_mask = (CHURN_CHECK_EVERY - 1) | mask;
	unsigned char *tail = w->tail ? w->tail : CHURN_NO_TAIL;
	uint64_t i;
	for (i = first; i < end; i++) {
		off = off + 1 == off_end ? cur->offsets : off + 1;
		size = size + 1 == size_end ? cur->sizes : size + 1;
		void **slot = slots + *off;
		unsigned char *old = *slot;
		/* The tag is the slot's number, low byte. */
		const uint8_t tag = (uint8_t)(slot - slots);
		if (AB_CHECKS && __builtin_expect(old == tail, 0)) {
			if (old[0] != tag || old[w->tail_size - 1] != (uint8_t)~tag) {
				ab_fail(w, "block %p of %u bytes in slot %u lost its pattern", (void *)old, w->tail_size,
				        (unsigned)(slot - slots));
				break;
			}
			tail = CHURN_NO_TAIL;
		}
		const int sampled = AB_CHECKS && __builtin_expect((i & mask) == 0, 0);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		const uint32_t sz = *size;
		fr(old);
		unsigned char *p = ma(sz);
		*slot = p;
		if (!AB_CHECKS)
			continue;
		if (__builtin_expect(p == NULL, 0)) {
			ab_fail(w, "malloc(%u) returned NULL", sz);
			break;
		}
		sizes[slot - slots] = sz;
		if (touch)
			for (uint32_t k = 0; k < sz; k += 4096)
				((volatile unsigned char *)p)[k] = tag;
		if (__builtin_expect(sampled, 0)) {
			ab_record(w, ab_ticks() - t0);
			if (tail == CHURN_NO_TAIL && sz > 1) {
				p[0] = tag;
				p[sz - 1] = (uint8_t)~tag;
				tail = p;
				w->tail_size = sz;
			}
			if ((i & check_mask) == 0 && ab_check_disjoint(w, slots, sizes, NULL, w->nslots, "blocks in slots") != 0) {
				i++;
				break;
			}
			if (ab_aborted(c)) {
				i++;
				break;
			}
		}
	}
	w->tail = tail == CHURN_NO_TAIL ? NULL : tail;
	cur->size = size;
	cur->off = off;
	return i;
}

static int churn_run(ab_worker *w)
{
	const churn_tables *t = w->ctx->shared;
	churn_cursor cur = {
	    .sizes = t->sizes,
	    .size = t->sizes,
	    .size_end = t->sizes + t->nsizes,
	    .offsets = t->offsets,
	    .off = t->offsets,
	    .off_end = t->offsets + t->noffsets,
	};
	uint64_t ops = w->ctx->p.ops_per_thread;
	w->tail = NULL;
	/* Two copies of the loop, so that the usual one has no touching in it. */
	uint64_t i = AB_CHECKS && w->ctx->p.touch ? churn_ops(w, &cur, 0, ops, 1) : churn_ops(w, &cur, 0, ops, 0);
	if (AB_CHECKS && w->tail && !w->res.failed) {
		const unsigned char *p = w->tail;
		if (p[w->tail_size - 1] != (uint8_t)~p[0])
			ab_fail(w, "block %p of %u bytes lost its pattern (last byte)", (void *)w->tail, w->tail_size);
	}
	if (AB_CHECKS && !w->res.failed)
		ab_check_disjoint(w, w->slots, w->sizes, NULL, w->nslots, "blocks in slots");
	w->res.ops += i;
	w->res.frees += i;
	return w->res.failed ? -1 : 0;
}

static uint32_t churn_slots(const ab_params *p)
{
	return p->slots;
}

AB_KERNEL(ab_churn_kernel, "churn") {
	.setup = churn_setup,
	.run = churn_run,
	.teardown = ab_slots_free,
	.ctx_init = churn_ctx_init,
	.ctx_free = churn_ctx_free,
	.slots = churn_slots,
};
