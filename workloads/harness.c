//go:build cgo

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const ab_kernel *const kernels[AB_KIND_END] = {
	[AB_CHURN] = &ab_churn_kernel,
	[AB_LARSON] = &ab_larson_kernel,
	[AB_XMALLOC] = &ab_xmalloc_kernel,
	[AB_CACHE_SCRATCH] = &ab_cache_scratch_kernel,
	[AB_CACHE_THRASH] = &ab_cache_thrash_kernel,
	[AB_THREADTEST] = &ab_threadtest_kernel,
	[AB_REALLOC] = &ab_realloc_kernel,
	[AB_LARGE] = &ab_large_kernel,
	[AB_MIXED] = &ab_mixed_kernel,
	[AB_MUTEX] = &ab_mutex_kernel,
};

/* Bytes the harness has mapped for itself and not yet unmapped. */
static atomic_size_t sys_mapped;

size_t ab_sys_mapped(void)
{
	return atomic_load(&sys_mapped);
}

void *ab_sys_alloc(size_t n)
{
	if (n == 0)
		return NULL;
	/* Populated up front, so the harness's pages are resident before the
	 * run's baseline is taken and never show up as the allocator's. */
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add(&sys_mapped, n);
	return p;
}

void ab_sys_free(void *p, size_t n)
{
	if (p && n) {
		munmap(p, n);
		atomic_fetch_sub(&sys_mapped, n);
	}
}

uint64_t ab_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* ab_spin_wait is how a thread waits for another thread's progress inside a
 * kernel (an empty queue, say): a short spin, then a yield. It never sleeps
 * on a futex, so a futex wait seen in a worker is the allocator's. */
void ab_spin_wait(void)
{
	for (int i = 0; i < 64; i++)
		cpu_relax();
	sched_yield();
}

static void nap(void)
{
	struct timespec ts = {0, 20000};
	nanosleep(&ts, NULL);
}

/* Waiting at the barriers: workers that finished early sleep (nanosleep, not
 * a futex) so they neither burn a core others need nor show up as futex
 * time. */
static void wait_flag(atomic_int *flag)
{
	for (int i = 0; !atomic_load_explicit(flag, memory_order_acquire); i++) {
		if (i < 256)
			cpu_relax();
		else
			nap();
	}
}

static void wait_count(atomic_int *count, int n)
{
	while (atomic_load_explicit(count, memory_order_acquire) < n)
		nap();
}

void ab_fail(ab_worker *w, const char *fmt, ...)
{
	if (!w->res.failed) {
		int n = snprintf(w->res.error, sizeof w->res.error, "thread %d: ", w->idx);
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->res.error + n, sizeof w->res.error - (size_t)n, fmt, ap);
		va_end(ap);
		w->res.failed = 1;
	}
	atomic_store(&w->ctx->abort_run, 1);
}

void ab_live_publish(ab_worker *w)
{
	int64_t d = w->live - w->live_published;
	if (d == 0)
		return;
	w->live_published = w->live;
	ab_ctx *c = w->ctx;
	long long now = atomic_fetch_add_explicit(&c->live, d, memory_order_relaxed) + d;
	long long peak = atomic_load_explicit(&c->live_peak, memory_order_relaxed);
	while (now > peak &&
	       !atomic_compare_exchange_weak_explicit(&c->live_peak, &peak, now, memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* fill_sizes draws the run's size table once, so that the loops pay one
 * table lookup per size instead of a division or a logarithm. */
static void fill_sizes(ab_ctx *c)
{
	uint64_t s = c->p.seed ^ 0x5eed5eed;
	double lo = (double)c->p.min_size, hi = (double)c->p.max_size;
	for (int i = 0; i < AB_SIZE_TABLE; i++) {
		double u = (double)(splitmix(&s) >> 11) * (1.0 / 9007199254740992.0);
		double x;
		switch (c->p.dist) {
		case AB_DIST_INVSQ: /* density proportional to 1/size^2 */
			x = 1.0 / (1.0 / lo - u * (1.0 / lo - 1.0 / hi));
			break;
		case AB_DIST_LOG: /* uniform in log(size) */
			x = exp(log(lo) + u * (log(hi) - log(lo)));
			break;
		default:
			x = lo + u * (hi - lo + 1.0);
		}
		uint64_t v = (uint64_t)x;
		if (v < c->p.min_size)
			v = c->p.min_size;
		if (v > c->p.max_size)
			v = c->p.max_size;
		c->sizes[i] = (uint32_t)v;
	}
}

static int slots_map(ab_worker *w, uint32_t n)
{
	w->nslots = n;
	if (n == 0)
		return 0;
	w->slots = ab_sys_alloc(sizeof(void *) * n);
	w->sizes = ab_sys_alloc(sizeof(uint32_t) * n);
	w->lat = ab_sys_alloc(sizeof(uint32_t) * n);
	return w->slots && w->sizes && w->lat ? 0 : -1;
}

static void slots_unmap(ab_worker *w)
{
	ab_sys_free(w->slots, sizeof(void *) * w->nslots);
	ab_sys_free(w->sizes, sizeof(uint32_t) * w->nslots);
	ab_sys_free(w->lat, sizeof(uint32_t) * w->nslots);
	w->slots = NULL;
	w->sizes = NULL;
	w->lat = NULL;
}

ab_ctx *ab_ctx_new(const ab_params *p, const ab_allocator *a, char *err, size_t errlen)
{
	if (p->kind <= 0 || p->kind >= AB_KIND_END || !kernels[p->kind]) {
		snprintf(err, errlen, "unknown workload kind %d", p->kind);
		return NULL;
	}
	if (p->threads < 1) {
		snprintf(err, errlen, "threads must be at least 1, not %d", p->threads);
		return NULL;
	}
	if (p->max_size > UINT32_MAX) {
		snprintf(err, errlen, "max size %llu is above 4 GiB", (unsigned long long)p->max_size);
		return NULL;
	}
	ab_ctx *c = ab_sys_alloc(sizeof *c);
	if (!c) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	c->p = *p;
	c->a = *a;
	c->k = kernels[p->kind];
	if (p->min_size && p->max_size)
		fill_sizes(c);
	c->workers_bytes = sizeof(ab_worker) * (size_t)p->threads;
	c->workers = ab_sys_alloc(c->workers_bytes);
	if (!c->workers) {
		snprintf(err, errlen, "mmap %zu bytes for workers: %s", c->workers_bytes, strerror(errno));
		ab_sys_free(c, sizeof *c);
		return NULL;
	}
	uint64_t seed = p->seed;
	for (int i = 0; i < p->threads; i++) {
		ab_worker *w = &c->workers[i];
		w->ctx = c;
		w->idx = i;
		w->a = *a;
		w->rng = splitmix(&seed);
		w->sample_mask = p->sample_mask;
		w->sample_cap = p->sample_cap;
		if (p->sample_cap)
			w->res.samples = ab_sys_alloc(sizeof(uint32_t) * p->sample_cap);
		if ((p->sample_cap && !w->res.samples) ||
		    slots_map(w, c->k->slots ? c->k->slots(p) : 0) != 0) {
			snprintf(err, errlen, "mmap for thread %d's samples and slots: %s", i, strerror(errno));
			c->p.threads = i + 1;
			ab_ctx_free(c);
			return NULL;
		}
	}
	if (c->k->ctx_init && c->k->ctx_init(c) != 0) {
		snprintf(err, errlen, "preparing the workload's shared state failed");
		ab_ctx_free(c);
		return NULL;
	}
	return c;
}

void ab_ctx_free(ab_ctx *c)
{
	if (!c)
		return;
	if (c->k && c->k->ctx_free)
		c->k->ctx_free(c);
	for (int i = 0; i < c->p.threads; i++) {
		ab_sys_free(c->workers[i].res.samples, sizeof(uint32_t) * c->p.sample_cap);
		slots_unmap(&c->workers[i]);
	}
	ab_sys_free(c->workers, c->workers_bytes);
	ab_sys_free(c, sizeof *c);
}

static pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* read_schedstat reads this thread's time on CPU and waiting to run. */
static int read_schedstat(uint64_t *oncpu, uint64_t *runq)
{
	char buf[128];
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	unsigned long long a, b;
	if (sscanf(buf, "%llu %llu", &a, &b) != 2)
		return 0;
	*oncpu = a;
	*runq = b;
	return 1;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

typedef struct snapshot {
	struct rusage ru;
	uint64_t oncpu, runq;
	uint64_t cpu; /* CLOCK_THREAD_CPUTIME_ID, read next to the window's edges */
	int sched_ok;
} snapshot;

/* thread_cpu is the calling thread's exact CPU time. schedstat's on-CPU
 * figure is only brought up to date at a tick or a context switch, so on a
 * short window it can be a tick off; this clock is not. */
static uint64_t thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void snap(snapshot *s)
{
	getrusage(RUSAGE_THREAD, &s->ru);
	s->sched_ok = read_schedstat(&s->oncpu, &s->runq);
}

static void account(ab_thread_result *r, const snapshot *b, const snapshot *e)
{
	r->user_ns = tv_ns(e->ru.ru_utime) - tv_ns(b->ru.ru_utime);
	r->sys_ns = tv_ns(e->ru.ru_stime) - tv_ns(b->ru.ru_stime);
	r->nvcsw = (uint64_t)(e->ru.ru_nvcsw - b->ru.ru_nvcsw);
	r->nivcsw = (uint64_t)(e->ru.ru_nivcsw - b->ru.ru_nivcsw);
	r->minflt = (uint64_t)(e->ru.ru_minflt - b->ru.ru_minflt);
	r->oncpu_ns = e->cpu - b->cpu;
	r->schedstat_ok = b->sched_ok && e->sched_ok;
	if (r->schedstat_ok)
		r->runq_ns = e->runq - b->runq;
}

/* ab_worker_main is one worker thread's whole life in a run: set up, wait
 * at the start barrier, run the kernel inside the window, report, wait at
 * the end barrier, tear down. */
void ab_worker_main(ab_ctx *c, int idx)
{
	ab_worker *w = &c->workers[idx];
	ab_thread_result *r = &w->res;
	r->tid = my_tid();
	if (w->a.thread_init)
		w->a.thread_init();
	int ok = c->k->setup ? c->k->setup(w) == 0 : 1;
	ab_live_publish(w);

	atomic_fetch_add(&c->ready, 1);
	wait_flag(&c->go);

	if (ok && !ab_aborted(c)) {
		snapshot b, e;
		snap(&b);
		b.cpu = thread_cpu();
		r->start_ticks = ab_ticks();
		r->start_ns = ab_now_ns();
		c->k->run(w);
		r->end_ns = ab_now_ns();
		r->end_ticks = ab_ticks();
		e.cpu = thread_cpu();
		snap(&e);
		account(r, &b, &e);
		ab_live_publish(w);
	}

	atomic_fetch_add(&c->done, 1);
	wait_flag(&c->finish);

	if (c->k->teardown)
		c->k->teardown(w);
	if (w->a.thread_fini)
		w->a.thread_fini();
}

void ab_wait_ready(ab_ctx *c)
{
	wait_count(&c->ready, c->p.threads);
}

void ab_release(ab_ctx *c)
{
	c->start_ticks = ab_ticks();
	c->start_ns = ab_now_ns();
	atomic_store_explicit(&c->go, 1, memory_order_release);
}

void ab_wait_done(ab_ctx *c)
{
	wait_count(&c->done, c->p.threads);
}

void ab_finish(ab_ctx *c)
{
	atomic_store_explicit(&c->finish, 1, memory_order_release);
}

ab_thread_result *ab_result(ab_ctx *c, int idx)
{
	return &c->workers[idx].res;
}

typedef struct pthread_arg {
	ab_ctx *c;
	int idx;
} pthread_arg;

static void *pthread_body(void *arg)
{
	pthread_arg *a = arg;
	ab_worker_main(a->c, a->idx);
	return NULL;
}

/* ab_run_pthreads drives a run from plain C threads, the same way the Go
 * harness does from locked goroutines; comparing the two measures what the
 * Go side costs. */
int ab_run_pthreads(ab_ctx *c, char *err, size_t errlen)
{
	int n = c->p.threads;
	size_t bytes = (sizeof(pthread_t) + sizeof(pthread_arg)) * (size_t)n;
	void *mem = ab_sys_alloc(bytes);
	if (!mem) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -1;
	}
	pthread_t *th = mem;
	pthread_arg *args = (pthread_arg *)(th + n);
	for (int i = 0; i < n; i++) {
		args[i].c = c;
		args[i].idx = i;
		int rc = pthread_create(&th[i], NULL, pthread_body, &args[i]);
		if (rc != 0) {
			snprintf(err, errlen, "pthread_create: %s", strerror(rc));
			/* Let the started threads run through and end. */
			atomic_store(&c->abort_run, 1);
			atomic_fetch_add(&c->ready, n - i);
			atomic_fetch_add(&c->done, n - i);
			ab_release(c);
			ab_finish(c);
			for (int j = 0; j < i; j++)
				pthread_join(th[j], NULL);
			ab_sys_free(mem, bytes);
			return -1;
		}
	}
	ab_wait_ready(c);
	ab_release(c);
	ab_wait_done(c);
	ab_finish(c);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	ab_sys_free(mem, bytes);
	return 0;
}

void ab_slots_free(ab_worker *w)
{
	if (!w->slots)
		return;
	for (uint32_t i = 0; i < w->nslots; i++) {
		if (w->slots[i])
			w->a.free(w->slots[i]);
		w->slots[i] = NULL;
	}
}

void ab_abort(ab_ctx *c)
{
	atomic_store(&c->abort_run, 1);
}

long long ab_live_peak(ab_ctx *c)
{
	return atomic_load(&c->live_peak);
}

uint64_t ab_start_ns(ab_ctx *c)
{
	return c->start_ns;
}
