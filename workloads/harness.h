/* The C side of the workload harness: one context per run, one worker per
 * thread, and the helpers every kernel uses inside its loop (random numbers,
 * block patterns, latency samples, live-byte accounting). Nothing here calls
 * into Go: a worker thread enters C once and stays there for the whole run. */
#ifndef ALLOCBENCH_HARNESS_H
#define ALLOCBENCH_HARNESS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

enum ab_dist { AB_DIST_UNIFORM = 0, AB_DIST_INVSQ, AB_DIST_LOG };

/* The workload parameters, one X(field, type) each. Go's table of them
 * (params.go: which workloads take each, its defaults and its limits) fills
 * them in by these names, and the C driver (testdata/cdriver.c) takes them as
 * field=N; each kernel reads the ones its workload takes. A new parameter is
 * a line here, a row of that table and the kernel that reads it. */
#define AB_WORKLOAD_PARAMS(X)                                                        \
	X(min_size, uint64_t)       /* smallest block, bytes */                      \
	X(max_size, uint64_t)       /* largest block, bytes */                       \
	X(slots, uint32_t)          /* blocks in an array of live blocks */          \
	X(buffers, uint32_t)        /* realloc: buffers a thread grows */            \
	X(batch, uint32_t)          /* threadtest: blocks allocated, then freed */   \
	X(producer_batch, uint32_t) /* xmalloc: objects a producer queues at once */ \
	X(writes, uint32_t)         /* cache-*: writes per object, all threads */    \
	X(handoff, uint32_t)        /* handoff: ops between hand-offs of an array */ \
	X(pass_one_in, uint32_t)    /* mixed: 1 medium-lived block in N passed on */ \
	X(rounds, uint32_t)         /* larson: a generation runs rounds*slots ops */ \
	X(backlog, uint32_t)        /* xmalloc: most full batches waiting at once */ \
	X(hold_ns, uint64_t)        /* mutex: time the lock is held */               \
	X(gap_ns, uint64_t)         /* mutex: time between lock holds */

/* What to run: the run's shape, and the workload parameters. */
#define AB_KERNEL_NAME 32

typedef struct ab_params {
	char kernel[AB_KERNEL_NAME]; /* the workload's name: which kernel runs */
	int32_t threads;
	uint64_t ops_per_thread;
	int32_t dist;
#define AB_PARAM_FIELD(field, type) type field;
	AB_WORKLOAD_PARAMS(AB_PARAM_FIELD)
#undef AB_PARAM_FIELD
	uint32_t sample_cap;
	uint64_t sample_mask; /* sample op i when (i & mask) == 0 */
	uint64_t seed;
	uint32_t touch; /* write a byte in every page of each new block (churn):
	                   set on the runs that report memory */
} ab_params;

/* What one worker thread measured. Times are CLOCK_MONOTONIC nanoseconds;
 * start/end bound the thread's own part of the measured window. */
typedef struct ab_thread_result {
	int32_t tid;
	int32_t failed;
	char error[256];
	uint64_t ops;   /* allocations this thread made in the window */
	uint64_t frees; /* frees this thread made in the window */
	uint64_t start_ns, end_ns;
	uint64_t start_ticks, end_ticks;
	uint64_t user_ns, sys_ns;
	uint64_t nvcsw, nivcsw, minflt;
	uint64_t oncpu_ns, runq_ns;
	uint64_t held_ns; /* calibration: time spent holding the lock */
	uint64_t idle_cpu_ns; /* CPU time spent waiting for another thread's work */
	uint64_t medium_frees, remote_frees; /* mixed: medium-lived blocks this
	                                      * thread freed, and of them those
	                                      * another thread allocated */
	uint32_t generations;     /* threads that ran this worker's share */
	int32_t schedstat_ok;
	uint32_t nsamples;
	uint32_t *samples; /* latency samples, in ticks */
} ab_thread_result;

typedef struct ab_ctx ab_ctx;
typedef struct ab_worker ab_worker;

/* Per-kernel hooks. setup runs before the window (it may allocate, e.g. to
 * fill the working set), run is the window, teardown frees what is left. */
/* run returns 0 when the worker's share is done, -1 on failure, and
 * AB_HAND_ON when this thread's generation is over: the harness then starts a
 * new thread that calls run again to go on with the same worker. */
#define AB_HAND_ON 1

typedef struct ab_kernel {
	int (*setup)(ab_worker *w);
	int (*run)(ab_worker *w);
	void (*teardown)(ab_worker *w);
	/* shared state: made before the workers start, freed after they end.
	 * ctx_init maps what the kernel needs (before the memory baseline is
	 * taken); ctx_fill allocates from the allocator on the coordinating
	 * thread (after it), as a benchmark's main thread does before it
	 * starts its workers. */
	int (*ctx_init)(ab_ctx *c);
	int (*ctx_fill)(ab_ctx *c, char *err, size_t errlen);
	void (*ctx_free)(ab_ctx *c);
	/* slots each worker needs in w->slots, w->sizes and w->lat; they are
	 * mapped before the run so their pages are not counted as the
	 * allocator's. NULL: none. */
	uint32_t (*slots)(const ab_params *p);
} ab_kernel;

#define AB_SIZE_TABLE 4096
#define AB_CACHE_LINE 64

struct ab_worker {
	ab_ctx *ctx;
	int idx;
	ab_allocator a;
	uint64_t rng;
	int64_t live, live_published;
	uint64_t sample_mask;
	uint32_t sample_cap;
	uint64_t rec_count, rec_mask; /* records seen, and keep 1 in rec_mask+1 */
	void *tail;          /* the block whose last byte is marked (churn) */
	uint32_t tail_size;
	/* the pthread_t running the worker now (ab_start_workers's thread, or
	 * the latest of its generations) and the one before it */
	uint64_t cur_thread, pred_thread;
	int32_t cur_set, pred_set;
	ab_thread_result res;
	/* kernel state */
	void **slots;
	uint32_t *sizes;
	uint32_t *lat; /* pending latency halves (ticks) for split samples */
	uint32_t nslots;
	struct ab_span *spans; /* room for p.slots blocks, for ab_check_disjoint */
	uint32_t nspans;
	void *priv;
	char pad[AB_CACHE_LINE];
};

struct ab_ctx {
	ab_params p;
	ab_allocator a;
	const ab_kernel *k;
	ab_worker *workers;
	size_t workers_bytes;
	uint32_t sizes[AB_SIZE_TABLE];
	/* Gates: a thread waiting at one blocks in read(2) on an eventfd, so it
	 * neither polls nor shows up as futex time. */
	int gate_setup, gate_go, gate_finish; /* opened by the coordinator */
	int ev_arrived, ev_ready, ev_done;    /* written by the last worker */
	_Alignas(AB_CACHE_LINE) atomic_int arrived;
	_Alignas(AB_CACHE_LINE) atomic_int ready;
	_Alignas(AB_CACHE_LINE) atomic_int done;
	_Alignas(AB_CACHE_LINE) atomic_int abort_run;
	_Alignas(AB_CACHE_LINE) atomic_llong live;
	atomic_llong live_peak;
	void *shared; /* kernel's shared state */
	size_t shared_bytes;
};

/* Memory for the harness's own structures comes straight from the kernel, so
 * it never touches the allocator under test. */
void *ab_sys_alloc(size_t n);
void ab_sys_free(void *p, size_t n);
size_t ab_sys_mapped(void);

ab_ctx *ab_ctx_new(const ab_params *p, const ab_allocator *a, char *err, size_t errlen);
int ab_ctx_fill(ab_ctx *c, char *err, size_t errlen);
void ab_ctx_free(ab_ctx *c);
void ab_wait_arrived(ab_ctx *c);
void ab_start_setup(ab_ctx *c);
void ab_wait_ready(ab_ctx *c);
void ab_release(ab_ctx *c);
void ab_wait_done(ab_ctx *c);
void ab_finish(ab_ctx *c);
void ab_join_generations(ab_ctx *c);
ab_thread_result *ab_result(ab_ctx *c, int idx);
int ab_start_workers(ab_ctx *c, char *err, size_t errlen);
int ab_run_pthreads(ab_ctx *c, char *err, size_t errlen);
int ab_run_here(ab_ctx *c, char *err, size_t errlen);
void ab_fail(ab_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ab_live_publish(ab_worker *w);
uint64_t ab_now_ns(void);
void ab_spin_wait(void);

/* ab_event is where workers sleep until another worker signals, as at a
 * condition variable, but in an eventfd rather than a futex: a waiting
 * worker shows in no futex figure and takes no CPU. A waiter passes a
 * test of its condition; a signaller makes the condition true, then calls
 * ab_event_signal. A wait also ends when the run is aborted (it looks
 * every 10 ms), and it may end early: callers test their condition again. */
typedef struct ab_event {
	int fd;
	_Alignas(AB_CACHE_LINE) atomic_int waiters;
} ab_event;

int ab_event_init(ab_event *e);
void ab_event_destroy(ab_event *e);
void ab_event_wait(ab_event *e, ab_ctx *c, int (*ready)(void *), void *arg);
/* ab_event_signal wakes up to n waiters, if any wait. */
void ab_event_signal(ab_event *e, uint64_t n);

/* The kernels register themselves by their workload's name before main
 * runs, so a new workload is its kernel's file and one Go file that
 * registers the same name:
 *
 *	AB_KERNEL(churn_kernel, "churn") { .setup = ..., .run = ..., };
 */
void ab_register_kernel(const char *name, const ab_kernel *k);
const ab_kernel *ab_find_kernel(const char *name);
int ab_kernel_count(void);
const char *ab_kernel_name(int i);

#define AB_KERNEL(ident, name)                                                  \
	static const ab_kernel ident;                                            \
	__attribute__((constructor)) static void ident##_register(void)          \
	{                                                                        \
		ab_register_kernel(name, &ident);                                \
	}                                                                        \
	static const ab_kernel ident =

/* AB_BARE builds the kernels with everything the harness adds to an op
 * compiled out (integrity marks and checks, latency sampling, live-byte
 * accounting), leaving the op the published benchmark does: the bare
 * reference that harness/bare is measured against. */
#ifdef AB_BARE
#define AB_CHECKS 0
#else
#define AB_CHECKS 1
#endif

/* Inline helpers for the kernels' loops. */

static inline uint64_t ab_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
	uint64_t v;
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return ab_now_ns();
#endif
}

/* wyrand: one multiply per number. */
static inline uint64_t ab_rand(uint64_t *s)
{
	*s += 0xa0761d6478bd642fULL;
	__uint128_t t = (__uint128_t)*s * (*s ^ 0xe7037ed1a0b428dbULL);
	return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* ab_below maps 32 random bits onto [0, n) by multiply-shift. */
static inline uint32_t ab_below(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r & 0xffffffffULL) * (uint64_t)n) >> 32);
}

/* ab_size draws a block size from the run's size table. */
static inline uint32_t ab_size(const ab_ctx *c, uint64_t r)
{
	return c->sizes[r >> 52];
}

/* The pattern a block carries: its first byte and (if it has one) a
 * different last byte, both derived from the block's address, its size and
 * the slot the kernel keeps it in, so a block handed out twice at once is
 * caught when the first holder checks it. */
static inline uint8_t ab_tag(const void *p, size_t n, uint64_t slot)
{
	uint64_t x = ((uint64_t)(uintptr_t)p >> 4) ^ ((uint64_t)n * 0x9E3779B97F4A7C15ULL) ^
	             ((slot + 1) * 0xD6E8FEB86659FD93ULL);
	x ^= x >> 29;
	return (uint8_t)((x >> 32) ^ x);
}

static inline void ab_mark(void *p, size_t n, uint8_t tag)
{
	unsigned char *b = p;
	b[n - 1] = (uint8_t)~tag;
	b[0] = tag;
}

static inline int ab_intact(const void *p, size_t n, uint8_t tag)
{
	const unsigned char *b = p;
	return b[0] == tag && b[n - 1] == (n > 1 ? (uint8_t)~tag : tag);
}

/* ab_slot_tag is the cheap mark of the faithful kernels: one byte derived
 * from the slot that holds the block, no hashing. A block handed out to two
 * slots at once is caught when the first holder checks it, unless the two
 * slots' numbers agree in their low byte. */
static inline uint8_t ab_slot_tag(uint64_t slot)
{
	return (uint8_t)slot ^ 0x5BU;
}

/* ab_check_disjoint fails the worker when two of the n (at most p.slots)
 * live blocks in blocks (NULL entries skipped) overlap, taking block k to span
 * [blocks[k], blocks[k] + size(k)), where size(k) is sizes32[k] or, when
 * sizes32 is NULL, sizes64[k]. It sorts a copy of the addresses, so it
 * touches no block: it catches an allocator that hands out one block twice,
 * or a block inside another, without the cache misses of reading every
 * block. Its room is mapped with the worker, before the memory baseline.
 * what names the blocks in the message. */
int ab_check_disjoint(ab_worker *w, void *const *blocks, const uint32_t *sizes32, const size_t *sizes64, uint32_t n,
                      const char *what);

void ab_decimate(ab_worker *w);

/* ab_record keeps a latency sample. When the buffer is full it keeps every
 * other sample and from then on every other record, so the samples stay
 * spread evenly over the whole window whatever the number of ops. */
static inline void ab_record(ab_worker *w, uint64_t ticks)
{
	if (!AB_CHECKS)
		return;
	uint64_t n = w->rec_count++;
	if (n & w->rec_mask)
		return;
	if (w->res.nsamples == w->sample_cap) {
		if (!w->sample_cap)
			return;
		ab_decimate(w);
		if (n & w->rec_mask)
			return;
	}
	w->res.samples[w->res.nsamples++] = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

static inline int ab_sampled(const ab_worker *w, uint64_t i)
{
	return AB_CHECKS && __builtin_expect((i & w->sample_mask) == 0, 0);
}

static inline int ab_aborted(ab_ctx *c)
{
	return atomic_load_explicit(&c->abort_run, memory_order_relaxed);
}

#define AB_CHECKED_MALLOC(w, ma, dst, n, slot, what)                                       \
	do {                                                                           \
		(dst) = (ma)(n);                                                       \
		if (__builtin_expect((dst) == NULL, 0)) {                              \
			ab_fail((w), "%s: malloc(%zu) returned NULL", (what), (size_t)(n)); \
			return -1;                                                     \
		}                                                                      \
		ab_mark((dst), (n), ab_tag((dst), (n), (slot)));                           \
	} while (0)


/* ab_slots_free frees every block still in a worker's slots. */
void ab_slots_free(ab_worker *w);
int ab_replace_ops(ab_worker *w, void **slots, uint32_t *sizes, uint32_t n, uint64_t first, uint64_t ops);
void ab_abort(ab_ctx *c);
long long ab_live_peak(ab_ctx *c);
void ab_idle_begin(ab_worker *w);
void ab_idle_end(ab_worker *w);

#endif
