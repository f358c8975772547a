//go:build cgo

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The kernels, by workload name, registered by their constructors (see
 * AB_KERNEL) before main runs; read-only after that. */
enum { AB_MAX_KERNELS = 64 };
static struct {
	const char *name;
	const ab_kernel *k;
} kernels[AB_MAX_KERNELS];
static int nkernels;

void ab_register_kernel(const char *name, const ab_kernel *k)
{
	if (nkernels < AB_MAX_KERNELS && strlen(name) < AB_KERNEL_NAME)
		kernels[nkernels].name = name, kernels[nkernels++].k = k;
}

const ab_kernel *ab_find_kernel(const char *name)
{
	for (int i = 0; i < nkernels; i++)
		if (strncmp(kernels[i].name, name, AB_KERNEL_NAME) == 0)
			return kernels[i].k;
	return NULL;
}

int ab_kernel_count(void)
{
	return nkernels;
}

const char *ab_kernel_name(int i)
{
	return i >= 0 && i < nkernels ? kernels[i].name : NULL;
}

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

/* Gates and counters. A gate is an eventfd in semaphore mode: a thread
 * waiting at it blocks in read(2), which is neither polling nor a futex, so
 * a worker that waits shows up in no futex figure and takes no CPU from the
 * others. */
static int gate_new(void)
{
	return eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
}

static void gate_pass(int fd)
{
	uint64_t v;
	while (read(fd, &v, sizeof v) < 0 && errno == EINTR)
		;
}

static void gate_open(int fd, uint64_t n)
{
	while (write(fd, &n, sizeof n) < 0 && errno == EINTR)
		;
}

int ab_event_init(ab_event *e)
{
	e->fd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK);
	atomic_init(&e->waiters, 0);
	return e->fd < 0 ? -1 : 0;
}

void ab_event_destroy(ab_event *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

void ab_event_wait(ab_event *e, ab_ctx *c, int (*ready)(void *), void *arg)
{
	/* Registered before the test: a signaller that made the condition
	 * true after it sees the waiter (both sides order their two steps
	 * with a full fence). */
	atomic_fetch_add(&e->waiters, 1);
	while (!ready(arg) && !ab_aborted(c)) {
		struct pollfd p = {.fd = e->fd, .events = POLLIN};
		uint64_t v;
		if (poll(&p, 1, 10) > 0 && read(e->fd, &v, sizeof v) == (ssize_t)sizeof v)
			break;
	}
	atomic_fetch_sub(&e->waiters, 1);
}

void ab_event_signal(ab_event *e, uint64_t n)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&e->waiters, memory_order_relaxed) > 0)
		gate_open(e->fd, n);
}

/* arrive counts a thread in; the last of n opens ev for the coordinator. */
static void arrive(atomic_int *count, int n, int ev)
{
	if (atomic_fetch_add(count, 1) + 1 == n)
		gate_open(ev, 1);
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

struct ab_span {
	uintptr_t start;
	size_t size;
	uint32_t index;
};
typedef struct ab_span ab_span;

/* span_sort sorts spans by start address in place (heapsort): glibc's
 * qsort may call malloc for its buffer, which would put the check's memory
 * into the allocator under test. */
static void span_sift(ab_span *s, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && s[child + 1].start > s[child].start)
			child++;
		if (s[root].start >= s[child].start)
			return;
		ab_span t = s[root];
		s[root] = s[child];
		s[child] = t;
		root = child;
	}
}

static void span_sort(ab_span *s, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		span_sift(s, i, n);
	for (size_t end = n; end > 1; end--) {
		ab_span t = s[0];
		s[0] = s[end - 1];
		s[end - 1] = t;
		span_sift(s, 0, end - 1);
	}
}

int ab_check_disjoint(ab_worker *w, void *const *blocks, const uint32_t *sizes32, const size_t *sizes64, uint32_t n,
                      const char *what)
{
	if (n == 0)
		return 0;
	ab_span *s = w->spans;
	if (n > w->nspans) {
		ab_fail(w, "checking the %s: room for %u blocks, not %u", what, w->nspans, n);
		return -1;
	}
	uint32_t m = 0;
	for (uint32_t k = 0; k < n; k++) {
		if (!blocks[k])
			continue;
		s[m].start = (uintptr_t)blocks[k];
		s[m].size = sizes32 ? sizes32[k] : sizes64[k];
		s[m].index = k;
		m++;
	}
	span_sort(s, m);
	int rc = 0;
	for (uint32_t k = 1; k < m; k++) {
		const ab_span *a = &s[k - 1], *b = &s[k];
		if (a->start + (a->size ? a->size : 1) > b->start) {
			ab_fail(w, "%s %u (%p, %zu bytes) and %u (%p, %zu bytes) overlap: the allocator handed out live memory twice",
			        what, a->index, (void *)a->start, a->size, b->index, (void *)b->start, b->size);
			rc = -1;
			break;
		}
	}
	return rc;
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
	const ab_kernel *k = ab_find_kernel(p->kernel);
	if (!k) {
		snprintf(err, errlen, "no kernel is registered for workload %.*s", AB_KERNEL_NAME, p->kernel);
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
	c->k = k;
	int *fds[] = {&c->gate_setup, &c->gate_go, &c->gate_finish, &c->ev_arrived, &c->ev_ready, &c->ev_done};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		*fds[i] = -1;
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if ((*fds[i] = gate_new()) < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			c->p.threads = 0;
			ab_ctx_free(c);
			return NULL;
		}
	}
	if (p->min_size && p->max_size)
		fill_sizes(c);
	c->workers_bytes = sizeof(ab_worker) * (size_t)p->threads;
	c->workers = ab_sys_alloc(c->workers_bytes);
	if (!c->workers) {
		snprintf(err, errlen, "mmap %zu bytes for workers: %s", c->workers_bytes, strerror(errno));
		c->p.threads = 0;
		ab_ctx_free(c);
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
		w->rec_mask = 0;
		if (p->sample_cap)
			w->res.samples = ab_sys_alloc(sizeof(uint32_t) * p->sample_cap);
		if (AB_CHECKS && p->slots) {
			w->nspans = p->slots;
			w->spans = ab_sys_alloc(sizeof(ab_span) * p->slots);
		}
		if ((p->sample_cap && !w->res.samples) || (w->nspans && !w->spans) ||
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

/* ab_ctx_fill lets the kernel allocate its starting blocks on the calling
 * (coordinating) thread; the memory baseline is taken before it. */
int ab_ctx_fill(ab_ctx *c, char *err, size_t errlen)
{
	if (c->k->ctx_fill && c->k->ctx_fill(c, err, errlen) != 0) {
		atomic_store(&c->abort_run, 1);
		return -1;
	}
	return 0;
}

void ab_ctx_free(ab_ctx *c)
{
	if (!c)
		return;
	if (c->k && c->k->ctx_free && c->workers)
		c->k->ctx_free(c);
	for (int i = 0; c->workers && i < c->p.threads; i++) {
		ab_sys_free(c->workers[i].res.samples, sizeof(uint32_t) * c->p.sample_cap);
		ab_sys_free(c->workers[i].spans, sizeof(ab_span) * c->workers[i].nspans);
		slots_unmap(&c->workers[i]);
	}
	int fds[] = {c->gate_setup, c->gate_go, c->gate_finish, c->ev_arrived, c->ev_ready, c->ev_done};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
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

/* account adds what this thread measured between b and e to the worker's
 * figures: a worker whose share is run by several thread generations sums
 * them. */
static void account(ab_thread_result *r, const snapshot *b, const snapshot *e)
{
	r->user_ns += tv_ns(e->ru.ru_utime) - tv_ns(b->ru.ru_utime);
	r->sys_ns += tv_ns(e->ru.ru_stime) - tv_ns(b->ru.ru_stime);
	r->nvcsw += (uint64_t)(e->ru.ru_nvcsw - b->ru.ru_nvcsw);
	r->nivcsw += (uint64_t)(e->ru.ru_nivcsw - b->ru.ru_nivcsw);
	r->minflt += (uint64_t)(e->ru.ru_minflt - b->ru.ru_minflt);
	r->oncpu_ns += e->cpu - b->cpu;
	int ok = b->sched_ok && e->sched_ok;
	r->schedstat_ok = r->generations == 0 ? ok : r->schedstat_ok && ok;
	if (ok)
		r->runq_ns += e->runq - b->runq;
	r->generations++;
}

static void snap_begin(snapshot *b)
{
	snap(b);
	b->cpu = thread_cpu();
}

static void snap_end(snapshot *e)
{
	e->cpu = thread_cpu();
	snap(e);
}

static void *next_generation(void *arg);

/* generation runs the kernel on the calling thread, from the open gate to
 * the end of this thread's part of the worker's share. It returns 1 when a
 * next generation has taken the worker over. */
static int generation(ab_worker *w, int first)
{
	ab_ctx *c = w->ctx;
	ab_thread_result *r = &w->res;
	snapshot b, e;
	snap_begin(&b);
	if (first) {
		r->start_ticks = ab_ticks();
		r->start_ns = ab_now_ns();
	}
	int rc = c->k->run(w);
	/* The thread before this one has long ended: joining it waits for
	 * nothing, and keeps ended threads from piling up. */
	if (w->pred_set) {
		pthread_join((pthread_t)w->pred_thread, NULL);
		w->pred_set = 0;
	}
	if (rc == AB_HAND_ON && !ab_aborted(c)) {
		snap_end(&e);
		account(r, &b, &e);
		/* The next generation is made, and this thread ends, inside the
		 * window, as in the published protocol. */
		pthread_t th;
		int rc2 = pthread_create(&th, NULL, next_generation, w);
		if (rc2 == 0)
			return 1;
		ab_fail(w, "starting the next thread generation: %s", strerror(rc2));
		r->end_ns = ab_now_ns();
		r->end_ticks = ab_ticks();
		ab_live_publish(w);
		return 0;
	}
	r->end_ns = ab_now_ns();
	r->end_ticks = ab_ticks();
	snap_end(&e);
	account(r, &b, &e);
	ab_live_publish(w);
	return 0;
}

/* after_window is a worker's last stretch, on whichever thread ran its last
 * generation: report, wait for the coordinator, tear down. */
static void after_window(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	arrive(&c->done, c->p.threads, c->ev_done);
	gate_pass(c->gate_finish);
	if (c->k->teardown)
		c->k->teardown(w);
	if (w->a.thread_fini)
		w->a.thread_fini();
}

static void *next_generation(void *arg)
{
	ab_worker *w = arg;
	/* The thread before this one is joined at the end of this one's
	 * generation; the last generation's is joined by the coordinator. */
	w->pred_thread = w->cur_thread;
	w->pred_set = w->cur_set;
	w->cur_thread = (uint64_t)pthread_self();
	w->cur_set = 1;
	if (w->a.thread_init)
		w->a.thread_init();
	if (generation(w, 0))
		return NULL;
	after_window(w);
	return NULL;
}

/* ab_worker_main is one worker's life in a run: set up, wait at the start
 * gate, run the kernel inside the window (handing on to new threads where
 * the workload has thread generations), report, wait at the finish gate,
 * tear down. */
static void ab_worker_main(ab_ctx *c, int idx)
{
	ab_worker *w = &c->workers[idx];
	ab_thread_result *r = &w->res;
	r->tid = my_tid();
	if (w->a.thread_init)
		w->a.thread_init();
	arrive(&c->arrived, c->p.threads, c->ev_arrived);
	gate_pass(c->gate_setup);
	int ok = c->k->setup ? c->k->setup(w) == 0 : 1;
	ab_live_publish(w);

	arrive(&c->ready, c->p.threads, c->ev_ready);
	gate_pass(c->gate_go);

	if (ok && !ab_aborted(c) && generation(w, 1))
		return; /* a next generation goes on with this worker */
	after_window(w);
}

void ab_wait_arrived(ab_ctx *c)
{
	gate_pass(c->ev_arrived);
}

void ab_start_setup(ab_ctx *c)
{
	gate_open(c->gate_setup, (uint64_t)c->p.threads);
}

void ab_wait_ready(ab_ctx *c)
{
	gate_pass(c->ev_ready);
}

void ab_release(ab_ctx *c)
{
	gate_open(c->gate_go, (uint64_t)c->p.threads);
}

void ab_wait_done(ab_ctx *c)
{
	gate_pass(c->ev_done);
}

void ab_finish(ab_ctx *c)
{
	gate_open(c->gate_finish, (uint64_t)c->p.threads);
}

/* ab_join_generations waits for the threads that ran the last generation
 * of each worker's share (the threads ab_start_workers made, where the
 * workload has no generations), once they have passed the finish gate. */
void ab_join_generations(ab_ctx *c)
{
	for (int i = 0; i < c->p.threads; i++) {
		ab_worker *w = &c->workers[i];
		if (w->cur_set)
			pthread_join((pthread_t)w->cur_thread, NULL);
		w->cur_set = 0;
	}
}

ab_thread_result *ab_result(ab_ctx *c, int idx)
{
	return &c->workers[idx].res;
}

void ab_decimate(ab_worker *w)
{
	uint32_t *s = w->res.samples, n = w->res.nsamples, k = 0;
	for (uint32_t i = 0; i < n; i += 2)
		s[k++] = s[i];
	w->res.nsamples = k;
	w->rec_mask = w->rec_mask * 2 + 1;
}

/* Waiting for another thread's work (an empty or a full queue) is not the
 * allocator's time: the CPU a worker spends waiting is kept apart. */
void ab_idle_begin(ab_worker *w)
{
	w->res.idle_cpu_ns -= thread_cpu();
}

void ab_idle_end(ab_worker *w)
{
	w->res.idle_cpu_ns += thread_cpu();
}

static void *worker_thread(void *arg)
{
	ab_worker *w = arg;
	ab_worker_main(w->ctx, w->idx);
	return NULL;
}

/* ab_start_workers starts the run's workers, each on a thread of its own
 * made here with pthread_create, as a C benchmark makes its threads: the
 * threads are new for every run and end with it, so no allocator's
 * per-thread state outlives the run, and no worker runs on a thread the
 * caller's runtime owns (a Go program's main thread, for one, never ends,
 * and its allocator state carries over from run to run). On failure it
 * ends the threads it started and returns -1 with err set. */
int ab_start_workers(ab_ctx *c, char *err, size_t errlen)
{
	int n = c->p.threads;
	for (int i = 0; i < n; i++) {
		pthread_t th;
		int rc = pthread_create(&th, NULL, worker_thread, &c->workers[i]);
		if (rc != 0) {
			snprintf(err, errlen, "starting worker thread %d of %d: %s", i + 1, n, strerror(rc));
			/* Let the started threads run through and end. */
			atomic_store(&c->abort_run, 1);
			for (int j = i; j < n; j++) {
				arrive(&c->arrived, n, c->ev_arrived);
				arrive(&c->ready, n, c->ev_ready);
				arrive(&c->done, n, c->ev_done);
			}
			ab_start_setup(c);
			ab_release(c);
			ab_finish(c);
			ab_join_generations(c);
			return -1;
		}
		/* Read by the worker only after the start gate opens. */
		c->workers[i].cur_thread = (uint64_t)th;
		c->workers[i].cur_set = 1;
	}
	return 0;
}

/* ab_run_pthreads drives a whole run from C, the way the Go harness does
 * call by call; comparing the two measures what the Go side costs. */
int ab_run_pthreads(ab_ctx *c, char *err, size_t errlen)
{
	if (ab_start_workers(c, err, errlen) != 0)
		return -1;
	ab_wait_arrived(c);
	int rc = ab_ctx_fill(c, err, errlen);
	ab_start_setup(c);
	ab_wait_ready(c);
	ab_release(c);
	ab_wait_done(c);
	ab_finish(c);
	ab_join_generations(c);
	return rc;
}

/* ab_run_here drives a one-thread run on the calling thread, which starts
 * no other: in a program with no other thread, the allocator then serves
 * the kernel as it serves a single-threaded C program (musl's malloc, for
 * one, takes no lock until a second thread exists). The gates are
 * eventfd counters, so they are opened before the worker passes them. */
int ab_run_here(ab_ctx *c, char *err, size_t errlen)
{
	if (c->p.threads != 1) {
		snprintf(err, errlen, "a run on the calling thread has one worker, not %d", c->p.threads);
		return -1;
	}
	int rc = ab_ctx_fill(c, err, errlen);
	/* The calling thread is not the worker's to join: cur_set stays 0,
	 * so neither ab_join_generations nor a next generation joins it. */
	c->workers[0].cur_set = 0;
	ab_start_setup(c);
	ab_release(c);
	ab_finish(c);
	ab_worker_main(c, 0);
	ab_wait_arrived(c);
	ab_wait_ready(c);
	ab_wait_done(c);
	ab_join_generations(c);
	return rc;
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


