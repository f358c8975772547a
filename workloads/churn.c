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
 * Integrity: each block's first byte carries its slot's tag, checked before
 * the free; at a sampled op the last byte of the new block is marked too
 * (one such block at a time) and checked when it is freed.
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
	uint64_t period = (uint64_t)t->nsizes * t->noffsets, limit = ops < 2 * period ? ops : 2 * period;
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

/* tail_check checks the last byte of the block marked at a sampled op. */
static int tail_check(ab_worker *w, uint32_t k, const unsigned char *p, uint32_t n)
{
	if (p[n - 1] != (uint8_t)~ab_slot_tag(k)) {
		ab_fail(w, "block %p of %u bytes in slot %u lost its pattern (last byte)", (const void *)p, n, k);
		return -1;
	}
	return 0;
}

static int churn_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	const churn_tables *t = c->shared;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	void **slots = w->slots;
	const uint32_t *sizes = t->sizes, *offsets = t->offsets;
	const uint32_t last_size = t->nsizes - 1, last_offset = t->noffsets - 1;
	uint32_t si = 0, oi = 0;
	uint64_t ops = c->p.ops_per_thread, i;
	/* The block whose last byte was marked at a sampled op. */
	const unsigned char *tail = NULL;
	uint32_t tail_slot = 0, tail_size = 0;
	/* Ops to the next sampled one: sampling and the abort check share one
	 * countdown, so an unsampled op pays one decrement. */
	const uint64_t every = w->sample_mask + 1;
	uint64_t countdown = 1;
	for (i = 0; i < ops; i++) {
		oi = oi >= last_offset ? 0 : oi + 1;
		si = si >= last_size ? 0 : si + 1;
		uint32_t k = offsets[oi];
		uint32_t sz = sizes[si];
		unsigned char *old = slots[k];
		if (AB_CHECKS && old) {
			if (__builtin_expect(old[0] != ab_slot_tag(k), 0)) {
				ab_fail(w, "block %p in slot %u lost its pattern", (void *)old, k);
				break;
			}
			if (__builtin_expect(old == tail, 0)) {
				if (tail_check(w, k, old, tail_size) != 0)
					break;
				tail = NULL;
			}
		}
		int sampled = AB_CHECKS && __builtin_expect(--countdown == 0, 0);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		fr(old);
		unsigned char *p = ma(sz);
		slots[k] = p;
		if (!AB_CHECKS)
			continue;
		if (__builtin_expect(p == NULL, 0)) {
			ab_fail(w, "malloc(%u) returned NULL", sz);
			break;
		}
		p[0] = ab_slot_tag(k);
		if (__builtin_expect(sampled, 0)) {
			ab_record(w, ab_ticks() - t0);
			countdown = every;
			if (ab_aborted(c)) {
				i++;
				break;
			}
			/* One block at a time carries a marked last byte; it is
			 * checked when it is freed, or at the end. */
			if (!tail && sz > 1) {
				p[sz - 1] = (uint8_t)~ab_slot_tag(k);
				tail = p;
				tail_slot = k;
				tail_size = sz;
			}
		}
	}
	if (AB_CHECKS && tail && !w->res.failed)
		tail_check(w, tail_slot, tail, tail_size);
	w->res.ops += i;
	w->res.frees += i;
	return w->res.failed ? -1 : 0;
}

static uint32_t churn_slots(const ab_params *p)
{
	return p->slots;
}

const ab_kernel ab_churn_kernel = {
	.setup = churn_setup,
	.run = churn_run,
	.teardown = ab_slots_free,
	.ctx_init = churn_ctx_init,
	.ctx_free = churn_ctx_free,
	.slots = churn_slots,
};
