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
 * end; every 2^22 ops and at the end the live blocks are checked to be
 * disjoint by their addresses (ab_check_disjoint, with each block's size
 * read back from the tables), which catches a block handed out twice
 * without reading any. A NULL from malloc is caught at every op. On the
 * run that reports memory (a process's first: see MeasureMemory), each new
 * block gets a byte written in every page, so that the memory a program
 * would use is resident when RSS is read.
 * The live bytes need no counting in the loop: every thread makes the same
 * requests, so the peak is computed from the tables. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "prng.h"

#define CHURN_SIZES 8000u

typedef struct churn_tables {
	uint32_t nsizes, noffsets;
	/* One block: the offsets, then the sizes (sizes == offsets +
	 * noffsets), so that the loop reaches both from one pointer. */
	uint32_t *offsets, *sizes;
	size_t table_bytes;
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
	t->table_bytes = sizeof(uint32_t) * ((size_t)t->noffsets + t->nsizes);
	t->offsets = ab_sys_alloc(t->table_bytes);
	if (!t->offsets)
		return -1;
	t->sizes = t->offsets + t->noffsets;
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
	if (t->offsets)
		ab_sys_free(t->offsets, t->table_bytes);
	ab_sys_free(t, sizeof *t);
	c->shared = NULL;
}

/* churn_advance is the benchmark's step of a state over a table of n
 * entries: the next index, wrapping to 0 after the last. */
static inline uint32_t churn_advance(uint32_t idx, uint32_t n)
{
	return idx >= n - 1 ? 0 : idx + 1;
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
		oi = churn_advance(oi, t->noffsets);
		si = churn_advance(si, t->nsizes);
		uint32_t k = t->offsets[oi];
		live += (int64_t)t->sizes[si] - (int64_t)held[k];
		held[k] = t->sizes[si];
		if (live > peak)
			peak = live;
	}
	ab_sys_free(held, sizeof(uint32_t) * nslots);
	return peak;
}

/* churn_cursor is where a worker is in the two tables: the index it read
 * last in each, as the benchmark keeps its two states. */
typedef struct churn_cursor {
	uint32_t off, size;
} churn_cursor;

/* churn_no_tail stands for "no block is marked" in the loop, so that one
 * compare per op finds the marked block (a slot still empty is NULL). */
static const char churn_no_tail_byte;
#define CHURN_NO_TAIL ((unsigned char *)&churn_no_tail_byte)

/* CHURN_CHECK_EVERY is how often (in ops, a power of two) a worker checks
 * that its live blocks are disjoint. */
#define CHURN_CHECK_EVERY ((uint64_t)1 << 22)

/* churn_touch writes the tag into every page of a new block of sz bytes,
 * on the run that reports memory. */
static inline void churn_touch(unsigned char *p, uint32_t sz, uint8_t tag)
{
	for (uint32_t b = 0; b < sz; b += 4096)
		((volatile unsigned char *)p)[b] = tag;
}

/* churn_block_sizes fills w->sizes with the size of the block each slot
 * holds after the op that read index oi of the offsets and si of the
 * sizes, the done'th op of the worker: the loop records no sizes, since
 * the tables say them. Walking back from that op, a slot's block is the
 * one of the latest op that hit it; every slot the offsets name is hit
 * within one pass over them, so the walk stops there (or at the first op).
 * Slots no op hit are NULL and need no size. */
static void churn_block_sizes(ab_worker *w, const churn_tables *t, uint32_t oi, uint32_t si, uint64_t done)
{
	memset(w->sizes, 0, sizeof(uint32_t) * w->nslots);
	uint64_t walk = done < t->noffsets ? done : t->noffsets;
	for (uint64_t j = 0; j < walk; j++) {
		uint32_t k = t->offsets[oi];
		if (w->sizes[k] == 0)
			w->sizes[k] = t->sizes[si];
		oi = oi == 0 ? t->noffsets - 1 : oi - 1;
		si = si == 0 ? t->nsizes - 1 : si - 1;
	}
}

/* churn_check_blocks checks that the live blocks are disjoint after the
 * done'th op (see churn_block_sizes for oi and si). */
static int churn_check_blocks(ab_worker *w, const churn_tables *t, uint32_t oi, uint32_t si, uint64_t done)
{
	churn_block_sizes(w, t, oi, si, done);
	return ab_check_disjoint(w, w->slots, w->sizes, NULL, w->nslots, "blocks in slots");
}

/* churn_check_tail checks the marked block, old, as slot k frees it. The
 * failure paths of the loop are functions of their own, so that what they
 * need is not kept in the loop's registers. */
static __attribute__((noinline)) int churn_check_tail(ab_worker *w, const unsigned char *old, uint32_t k)
{
	const uint8_t tag = (uint8_t)k;
	if (old[0] == tag && old[w->tail_size - 1] == (uint8_t)~tag)
		return 0;
	ab_fail(w, "block %p of %u bytes in slot %u lost its pattern", (void *)old, w->tail_size, k);
	return -1;
}

/* churn_null fails the worker for a NULL from malloc of the size at index
 * si. */
static __attribute__((noinline, cold)) void churn_null(ab_worker *w, const churn_tables *t, uint32_t si)
{
	ab_fail(w, "malloc(%u) returned NULL", t->sizes[si]);
}

/* churn_sampled_op is a latency-sampled op, i, reading index oi of the
 * offsets and si of the sizes: it is timed, it marks its block when none
 * is marked, and at a multiple of CHURN_CHECK_EVERY it checks the live
 * blocks. It is kept out of the loop's function, so that the loop keeps
 * its few values in registers. It returns -1 when the worker failed or the
 * run was aborted; whether op i was done is in *done. */
static __attribute__((noinline)) int churn_sampled_op(ab_worker *w, const churn_tables *t, uint32_t oi, uint32_t si,
                                                      uint64_t i, int touch, int *done)
{
	const uint32_t k = t->offsets[oi], sz = t->sizes[si];
	void **slot = (void **)w->slots + k;
	unsigned char *old = *slot;
	const uint8_t tag = (uint8_t)k;
	*done = 0;
	if (old != NULL && old == w->tail) {
		if (churn_check_tail(w, old, k) != 0)
			return -1;
		w->tail = NULL;
	}
	uint64_t t0 = ab_ticks();
	w->a.free(old);
	unsigned char *p = w->a.malloc(sz);
	*slot = p;
	if (p == NULL) {
		churn_null(w, t, si);
		return -1;
	}
	if (touch)
		churn_touch(p, sz, tag);
	ab_record(w, ab_ticks() - t0);
	*done = 1;
	if (w->tail == NULL && sz > 1) {
		p[0] = tag;
		p[sz - 1] = (uint8_t)~tag;
		w->tail = p;
		w->tail_size = sz;
	}
	if ((i & ((CHURN_CHECK_EVERY - 1) | w->sample_mask)) == 0 && churn_check_blocks(w, t, oi, si, i + 1) != 0)
		return -1;
	return ab_aborted(w->ctx) ? -1 : 0;
}

/* churn_ops runs ops [first, end) of a worker and returns the ops done.
 * Each op does the benchmark's own work: advance both states (wrapping at
 * the end of the table), read both tables, free the slot's block, put a
 * new one there. The latency-sampled ops are made apart (churn_sampled_op),
 * so the ops between two of them are a plain loop whose only additions to
 * the benchmark's are the test of the allocator's answer and the compare
 * that finds the marked block. fixed_noff and fixed_nsize, when not 0, are
 * the tables' lengths known when compiling, as the benchmark's are. */
static inline __attribute__((always_inline)) uint64_t churn_ops(ab_worker *w, const churn_tables *t,
                                                                churn_cursor *cur, uint64_t first,
                                                                uint64_t end, const int touch,
                                                                const uint32_t fixed_noff,
                                                                const uint32_t fixed_nsize)
{
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	void **slots = w->slots;
	const uint32_t noff = fixed_noff ? fixed_noff : t->noffsets;
	const uint32_t nsize = fixed_nsize ? fixed_nsize : t->nsizes;
	/* The sizes follow the offsets in one block (churn_tables). */
	const uint32_t *const offsets = t->offsets, *const sizes = t->offsets + noff;
	const uint64_t mask = w->sample_mask;
	unsigned char *tail = w->tail ? w->tail : CHURN_NO_TAIL;
	uint32_t oi = cur->off, si = cur->size;
	uint64_t i = first;
	int failed = 0;
	while (i < end && !failed) {
		if (AB_CHECKS && (i & mask) == 0) {
			uint32_t o1 = churn_advance(oi, noff);
			uint32_t s1 = churn_advance(si, nsize);
			/* tail goes through w, so that the loop's copy of it is
			 * never in memory. */
			int done;
			w->tail = tail == CHURN_NO_TAIL ? NULL : tail;
			failed = churn_sampled_op(w, t, o1, s1, i, touch, &done) != 0;
			tail = w->tail ? w->tail : CHURN_NO_TAIL;
			if (done) {
				i++;
				oi = o1;
				si = s1;
			}
			continue;
		}
		/* Up to the next sampled op. */
		uint64_t stop = end;
		if (AB_CHECKS && (i | mask) != UINT64_MAX && (i | mask) + 1 < stop)
			stop = (i | mask) + 1;
		do {
			const uint32_t o1 = churn_advance(oi, noff);
			const uint32_t s1 = churn_advance(si, nsize);
			const uint32_t k = offsets[o1];
			unsigned char *old = slots[k];
			if (AB_CHECKS && __builtin_expect(old == tail, 0)) {
				if (churn_check_tail(w, old, k) != 0) {
					failed = 1;
					break;
				}
				tail = CHURN_NO_TAIL;
			}
			fr(old);
			unsigned char *p = ma(sizes[s1]);
			slots[k] = p;
			if (AB_CHECKS && __builtin_expect(p == NULL, 0)) {
				churn_null(w, t, s1);
				failed = 1;
				break;
			}
			if (AB_CHECKS && touch)
				churn_touch(p, sizes[s1], (uint8_t)k);
			oi = o1;
			si = s1;
		} while (++i != stop);
	}
	w->tail = tail == CHURN_NO_TAIL ? NULL : tail;
	cur->off = oi;
	cur->size = si;
	return i;
}

/* The benchmark's tables: 8000 sizes, and 4 offsets per slot of its 1024. */
#define CHURN_DEFAULT_OFFSETS (4u * 1024u)

/* churn_run starts on a cache line of its own, so that where its loop
 * lies (which, at a fast allocator's few ns per op, moves churn's figure
 * by 5-10%: docs/fidelity.md) changes only with this file, not with code
 * placed before it in the binary. */
static __attribute__((aligned(64))) int churn_run(ab_worker *w)
{
	const churn_tables *t = w->ctx->shared;
	/* The benchmark's states start at 0 and advance before the first
	 * read, so its first op reads index 1 of each table. */
	churn_cursor cur = {0, 0};
	uint64_t ops = w->ctx->p.ops_per_thread;
	w->tail = NULL;
	/* Copies of the loop: the usual one has no touching in it, and with
	 * the benchmark's tables it knows their lengths when compiled. */
	uint64_t i;
	if (AB_CHECKS && w->ctx->p.touch)
		i = churn_ops(w, t, &cur, 0, ops, 1, 0, 0);
	else if (t->noffsets == CHURN_DEFAULT_OFFSETS && t->nsizes == CHURN_SIZES)
		i = churn_ops(w, t, &cur, 0, ops, 0, CHURN_DEFAULT_OFFSETS, CHURN_SIZES);
	else
		i = churn_ops(w, t, &cur, 0, ops, 0, 0, 0);
	if (AB_CHECKS && w->tail && !w->res.failed) {
		const unsigned char *p = w->tail;
		if (p[w->tail_size - 1] != (uint8_t)~p[0])
			ab_fail(w, "block %p of %u bytes lost its pattern (last byte)", (void *)w->tail, w->tail_size);
	}
	if (AB_CHECKS && !w->res.failed)
		churn_check_blocks(w, t, cur.off, cur.size, i);
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
