#ifndef ALLOCBENCH_FUTEX_THREADCHAIN_H
#define ALLOCBENCH_FUTEX_THREADCHAIN_H

#include <stdatomic.h>
#include <stdint.h>

/* A chain of threads for testing that futex calls of threads created
 * during a window are counted: the thread calling fx_chain_start creates
 * the first, and each, after the previous one has fully exited, makes
 * `wakes` FUTEX_WAKE calls on a private word, creates the next (detached)
 * and exits. The first one waits until its creator is out of
 * pthread_create. So no two of them hold the C library's thread locks
 * together, and they make no futex call but theirs. */
typedef struct fx_chain {
	int generations;
	int wakes;
	int keep_last;  /* the last thread waits for a read of release_fd */
	int release_fd; /* an eventfd */
	int *tids;      /* tids[k]: the k-th thread's tid */
	atomic_int started;
	atomic_int launched; /* fx_chain_start returned from pthread_create */
	atomic_int finished; /* threads done with their calls and successor */
	atomic_int err;      /* first errno seen, 0 if none */
	uint32_t word;       /* the futex word; nobody waits on it */
} fx_chain;

/* fx_chain_new returns NULL when out of memory. */
fx_chain *fx_chain_new(int generations, int wakes, int keep_last, int release_fd);
/* fx_chain_start creates the first thread; 0 or an errno. */
int fx_chain_start(fx_chain *c);
int fx_chain_finished(fx_chain *c);
int fx_chain_err(fx_chain *c);
/* fx_chain_tid is valid for k < fx_chain_finished(c). */
int fx_chain_tid(fx_chain *c, int k);
void fx_chain_free(fx_chain *c);

/* fx_fork_wakes forks a child process that makes `wakes` FUTEX_WAKE calls
 * and exits, and waits for it: 0, an errno, or -1 if the child failed. */
int fx_fork_wakes(int wakes);

#endif
