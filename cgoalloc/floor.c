//go:build cgo

/* floor: the cheapest allocator that still behaves like one. Each thread
 * keeps a free list per power-of-two size class and carves new blocks from
 * chunks it maps itself; nothing is shared, so there is no lock and no atomic
 * operation. It cannot take a block freed by another thread, and it gives all
 * memory back when the thread finishes. What a workload measures on floor is
 * the cost of the harness and the kernel around each malloc/free. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "allocator.h"

#define FLOOR_HEADER 16
#define FLOOR_MIN_SHIFT 4
#define FLOOR_CLASSES 24   /* 16 B .. 128 MiB blocks */
#define FLOOR_CHUNK (4u << 20)

typedef struct floor_chunk {
	struct floor_chunk *next;
	size_t size;
} floor_chunk;

typedef struct floor_thread {
	void *free_list[FLOOR_CLASSES];
	char *bump, *end;
	floor_chunk *chunks;
} floor_thread;

static __thread floor_thread floor_state;

static unsigned floor_class(size_t need)
{
	if (need <= ((size_t)1 << FLOOR_MIN_SHIFT))
		return 0;
	return (unsigned)(64 - __builtin_clzll((unsigned long long)(need - 1))) - FLOOR_MIN_SHIFT;
}

static void *floor_carve(size_t block)
{
	floor_thread *t = &floor_state;
	if ((size_t)(t->end - t->bump) < block) {
		size_t size = block + 64 > FLOOR_CHUNK ? block + 64 : FLOOR_CHUNK;
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		floor_chunk *c = m;
		c->next = t->chunks;
		c->size = size;
		t->chunks = c;
		t->bump = (char *)m + 64;
		t->end = (char *)m + size;
	}
	void *b = t->bump;
	t->bump += block;
	return b;
}

static void *floor_malloc(size_t n)
{
	unsigned c = floor_class(n + FLOOR_HEADER);
	if (c >= FLOOR_CLASSES)
		return NULL;
	floor_thread *t = &floor_state;
	char *b = t->free_list[c];
	if (b)
		t->free_list[c] = *(void **)b;
	else if (!(b = floor_carve((size_t)1 << (c + FLOOR_MIN_SHIFT))))
		return NULL;
	*(size_t *)b = c;
	return b + FLOOR_HEADER;
}

static void floor_free(void *p)
{
	if (!p)
		return;
	char *b = (char *)p - FLOOR_HEADER;
	size_t c = *(size_t *)b;
	*(void **)b = floor_state.free_list[c];
	floor_state.free_list[c] = b;
}

static void *floor_realloc(void *p, size_t n)
{
	if (!p)
		return floor_malloc(n);
	size_t c = *(size_t *)((char *)p - FLOOR_HEADER);
	size_t usable = ((size_t)1 << (c + FLOOR_MIN_SHIFT)) - FLOOR_HEADER;
	if (n <= usable)
		return p;
	void *q = floor_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, usable);
	floor_free(p);
	return q;
}

static void floor_thread_init(void)
{
	memset(&floor_state, 0, sizeof floor_state);
}

static void floor_thread_fini(void)
{
	floor_chunk *c = floor_state.chunks;
	while (c) {
		floor_chunk *next = c->next;
		munmap(c, c->size);
		c = next;
	}
	memset(&floor_state, 0, sizeof floor_state);
}

int ab_load_floor(ab_allocator *a, ab_load_info *info)
{
	a->malloc = floor_malloc;
	a->free = floor_free;
	a->realloc = floor_realloc;
	a->thread_init = floor_thread_init;
	a->thread_fini = floor_thread_fini;
	a->trim = NULL;
	memset(info, 0, sizeof *info);
	strcpy(info->version, "harness");
	strcpy(info->served_by, "allocbench");
	return 0;
}
