//go:build cgo && linux

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "threadchain.h"

/* From linux/futex.h, which musl-gcc does not see. */
#define FX_FUTEX_WAKE_PRIVATE (1 | 128)

/* How long a thread waits for its predecessor. */
#define FX_WAIT_TIMEOUT_NS (10LL * 1000 * 1000 * 1000)

static void set_err(fx_chain *c, int e)
{
	int zero = 0;
	atomic_compare_exchange_strong(&c->err, &zero, e);
}

static int futex_wake(uint32_t *word)
{
	return (int)syscall(SYS_futex, word, FX_FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* pause_or_give_up sleeps a little; after FX_WAIT_TIMEOUT_NS of them it
 * records ETIMEDOUT and returns 0. */
static int pause_or_give_up(fx_chain *c, long long *waited)
{
	struct timespec pause = {0, 20 * 1000};
	if (*waited > FX_WAIT_TIMEOUT_NS) {
		set_err(c, ETIMEDOUT);
		return 0;
	}
	nanosleep(&pause, NULL);
	*waited += pause.tv_nsec;
	return 1;
}

/* wait_gone waits until thread tid of this process no longer exists, so
 * that its exit path (which takes libc locks) cannot contend with ours. */
static void wait_gone(fx_chain *c, pid_t tid)
{
	long long waited = 0;
	pid_t self = getpid();
	while (syscall(SYS_tgkill, self, tid, 0) == 0 || errno != ESRCH)
		if (!pause_or_give_up(c, &waited))
			return;
}

/* wait_launched waits until fx_chain_start's pthread_create returned (musl
 * keeps its thread list locked until then). */
static void wait_launched(fx_chain *c)
{
	long long waited = 0;
	while (!atomic_load(&c->launched))
		if (!pause_or_give_up(c, &waited))
			return;
}

static void *chain_thread(void *arg);

static int spawn(fx_chain *c)
{
	pthread_attr_t attr;
	pthread_t t;
	int e = pthread_attr_init(&attr);
	if (e != 0)
		return e;
	e = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (e == 0)
		e = pthread_create(&t, &attr, chain_thread, c);
	pthread_attr_destroy(&attr);
	return e;
}

static void *chain_thread(void *arg)
{
	fx_chain *c = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	int k = atomic_fetch_add(&c->started, 1);
	c->tids[k] = (int)syscall(SYS_gettid);
	if (k > 0)
		wait_gone(c, c->tids[k - 1]);
	else
		wait_launched(c);
	for (int i = 0; i < c->wakes; i++)
		if (futex_wake(&c->word) < 0)
			set_err(c, errno);
	if (k + 1 < c->generations) {
		int e = spawn(c);
		if (e != 0)
			set_err(c, e);
	}
	atomic_fetch_add(&c->finished, 1);
	if (k + 1 == c->generations && c->keep_last) {
		uint64_t v;
		while (read(c->release_fd, &v, sizeof v) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

fx_chain *fx_chain_new(int generations, int wakes, int keep_last, int release_fd)
{
	fx_chain *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->tids = calloc((size_t)generations, sizeof *c->tids);
	if (c->tids == NULL) {
		free(c);
		return NULL;
	}
	c->generations = generations;
	c->wakes = wakes;
	c->keep_last = keep_last;
	c->release_fd = release_fd;
	return c;
}

int fx_chain_start(fx_chain *c)
{
	int e = spawn(c);
	atomic_store(&c->launched, 1);
	return e;
}

int fx_chain_finished(fx_chain *c) { return atomic_load(&c->finished); }
int fx_chain_err(fx_chain *c) { return atomic_load(&c->err); }
int fx_chain_tid(fx_chain *c, int k) { return c->tids[k]; }

void fx_chain_free(fx_chain *c)
{
	free(c->tids);
	free(c);
}

int fx_fork_wakes(int wakes)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		uint32_t word = 0;
		for (int i = 0; i < wakes; i++)
			if (futex_wake(&word) < 0)
				_exit(1);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
