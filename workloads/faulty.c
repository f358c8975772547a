//go:build cgo

/* A deliberately broken allocator, for the tests that show a kernel catches
 * what a broken allocator does. Blocks come from a private arena and are
 * never reused, so the breakage cannot spill into the process's heap. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "faulty.h"

#define FAULTY_ARENA ((size_t)1 << 32)

static int faulty_mode;
static uint64_t faulty_every;
static atomic_ullong faulty_count;
static atomic_uintptr_t faulty_last;
static char *faulty_base;
static atomic_size_t faulty_used;

static void *faulty_malloc(size_t n)
{
	uint64_t k = atomic_fetch_add(&faulty_count, 1) + 1;
	if (k % faulty_every == 0) {
		if (faulty_mode == AB_FAULTY_NULL)
			return NULL;
		/* Hand out the previous block again, or a place inside it. */
		char *last = (char *)atomic_load(&faulty_last);
		if (last)
			return faulty_mode == AB_FAULTY_INSIDE ? last + 16 : last;
	}
	size_t sz = (n + 15) & ~(size_t)15;
	size_t off = atomic_fetch_add(&faulty_used, sz);
	if (off + sz > FAULTY_ARENA)
		return NULL;
	void *p = faulty_base + off;
	atomic_store(&faulty_last, (uintptr_t)p);
	return p;
}

static void faulty_free(void *p)
{
	(void)p;
}

static void *faulty_realloc(void *p, size_t n)
{
	void *q = faulty_malloc(n);
	/* Blocks only grow here and the arena is contiguous, so copying n
	 * bytes stays inside it. */
	if (q && p && q != p)
		memmove(q, p, n);
	return q;
}

int ab_faulty_init(ab_allocator *a, int mode, uint64_t every)
{
	if (!faulty_base) {
		void *m = mmap(NULL, FAULTY_ARENA, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return -1;
		faulty_base = m;
	}
	faulty_mode = mode;
	faulty_every = every ? every : 1;
	atomic_store(&faulty_count, 0);
	atomic_store(&faulty_last, 0);
	atomic_store(&faulty_used, 0);
	a->malloc = faulty_malloc;
	a->free = faulty_free;
	a->realloc = faulty_realloc;
	a->thread_init = NULL;
	a->thread_fini = NULL;
	a->trim = NULL;
	return 0;
}
