//go:build cgo

/* mutex: the calibration workload. It allocates nothing: the threads take
 * one shared pthread mutex in turn, hold it for hold_ns by sleeping (so the
 * holder needs no CPU while the others wait), release it and work gap_ns
 * outside it. Each thread times how long it really held the lock; whatever
 * else of its window was not spent in the gap was spent waiting for the
 * lock, which is the known answer futex measurements are checked against. */
#include <pthread.h>
#include <time.h>

#include "harness.h"

typedef struct mutex_shared {
	pthread_mutex_t mu;
} mutex_shared;

static int mutex_ctx_init(ab_ctx *c)
{
	mutex_shared *s = ab_sys_alloc(sizeof *s);
	if (!s)
		return -1;
	c->shared = s;
	c->shared_bytes = sizeof *s;
	return pthread_mutex_init(&s->mu, NULL) == 0 ? 0 : -1;
}

static void mutex_ctx_free(ab_ctx *c)
{
	mutex_shared *s = c->shared;
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	ab_sys_free(s, sizeof *s);
	c->shared = NULL;
}

static void busy(uint64_t ns)
{
	if (!ns)
		return;
	uint64_t end = ab_now_ns() + ns;
	while (ab_now_ns() < end)
		;
}

static void hold(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
	if (ns)
		nanosleep(&ts, NULL);
}

static int mutex_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	mutex_shared *s = c->shared;
	uint64_t ops = c->p.ops_per_thread, i;
	for (i = 0; i < ops; i++) {
		int sampled = ab_sampled(w, i);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		pthread_mutex_lock(&s->mu);
		if (sampled)
			ab_record(w, ab_ticks() - t0);
		uint64_t h0 = ab_now_ns();
		hold(c->p.hold_ns);
		w->res.held_ns += ab_now_ns() - h0;
		pthread_mutex_unlock(&s->mu);
		busy(c->p.gap_ns);
		if ((i & 63) == 63 && ab_aborted(c)) {
			i++;
			break;
		}
	}
	w->res.ops += i;
	return 0;
}

AB_KERNEL(ab_mutex_kernel, "mutex") {
	.run = mutex_run,
	.ctx_init = mutex_ctx_init,
	.ctx_free = mutex_ctx_free,
};
