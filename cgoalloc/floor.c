//go:build cgo

/* floor: the cheapest allocator that still behaves like one, so that what a
 * workload measures on floor is the cost of the harness and the kernel
 * around each malloc/free, and every real allocator reads slower.
 *
 * Each thread keeps a LIFO free list per size class; nothing is shared, so
 * there is no lock and no atomic operation. Blocks of up to 1 KiB (8 bytes,
 * then 16-byte steps) carry no header: each class has its own 64 MiB stretch of
 * one region the thread reserves, so free finds the class from the address
 * alone. Larger blocks (eight classes per power of two, as fine as the real
 * allocators') and small ones whose stretch is full come from chunks the
 * thread maps, behind a 16-byte header. realloc moves a block that outgrows
 * its class into one 256 times the size asked for, so a buffer that keeps
 * doubling is copied once in eight doublings. floor cannot take a block freed
 * by another thread, and it gives all its memory back when the thread
 * finishes. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "allocator.h"

#define FLOOR_SMALL 1024                          /* header-free up to here */
#define FLOOR_SMALL_CLASSES (FLOOR_SMALL / 16 + 1) /* 8 B, then 16-byte steps */
#define FLOOR_STRETCH_SHIFT 26                    /* 64 MiB per small class */
#define FLOOR_REGION ((uintptr_t)FLOOR_SMALL_CLASSES << FLOOR_STRETCH_SHIFT)
#define FLOOR_HEADER 16
#define FLOOR_MAX_SHIFT 27                        /* blocks up to 128 MiB */
#define FLOOR_CLASSES (FLOOR_SMALL_CLASSES + (FLOOR_MAX_SHIFT - 10) * 8)
#define FLOOR_CHUNK (4u << 20)
#define FLOOR_REALLOC_ROOM 256

/* The header of a block from a chunk: its class and the size asked for
 * (realloc copies only that much); it keeps blocks 16-byte aligned. */
typedef struct floor_header {
	size_t asked;
	size_t cls;
} floor_header;

typedef struct floor_chunk {
	struct floor_chunk *next;
	size_t size;
} floor_chunk;

typedef struct floor_thread {
	/* Small classes hold header-free blocks, larger ones headers. */
	void *free_list[FLOOR_CLASSES];
	uintptr_t region;                   /* 0 until the first carve */
	char *stretch_bump[FLOOR_SMALL_CLASSES];
	char *bump, *end;                   /* the current chunk */
	floor_chunk *chunks;
} floor_thread;

/* initial-exec: one load from the thread pointer, no call (cgo compiles
 * position-independent code, whose default TLS access is a call). */
static __thread floor_thread floor_state __attribute__((tls_model("initial-exec")));

/* floor_small is the class of a block of n <= FLOOR_SMALL bytes: class 0
 * holds 8 bytes (a block that small needs no more alignment), classes
 * 1..64 hold 16..1024 bytes in 16-byte steps. */
static inline size_t floor_small(size_t n)
{
	return n <= 8 ? 0 : (n + 15) >> 4;
}

/* floor_class is the class of a block of need bytes: a small class, or
 * above 1 KiB one of eight equal steps of (2^k, 2^(k+1)]. */
static inline size_t floor_class(size_t need)
{
	if (need <= FLOOR_SMALL)
		return floor_small(need);
	unsigned k = 63 - (unsigned)__builtin_clzll((unsigned long long)(need - 1));
	size_t step = ((need - 1) >> (k - 3)) & 7;
	return FLOOR_SMALL_CLASSES + (size_t)(k - 10) * 8 + step;
}

static inline size_t floor_class_size(size_t c)
{
	if (c < FLOOR_SMALL_CLASSES)
		return c ? c << 4 : 8;
	unsigned k = 10 + (unsigned)((c - FLOOR_SMALL_CLASSES) / 8);
	size_t step = (c - FLOOR_SMALL_CLASSES) % 8;
	return ((size_t)1 << k) + ((step + 1) << (k - 3));
}

/* floor_small_class is the class of a header-free block, or -1 for a block
 * from a chunk. */
static inline long floor_small_class(const floor_thread *t, const void *p)
{
	uintptr_t off = (uintptr_t)p - t->region;
	return t->region && off < FLOOR_REGION ? (long)(off >> FLOOR_STRETCH_SHIFT) : -1;
}

/* floor_chunk_block carves a block with a header of class c (c may be a
 * small class whose stretch is full) from the thread's current chunk. */
static floor_header *floor_chunk_block(floor_thread *t, size_t c, size_t n)
{
	size_t block = floor_class_size(c) + FLOOR_HEADER;
	if ((size_t)(t->end - t->bump) < block) {
		size_t size = block + 64 > FLOOR_CHUNK ? block + 64 : FLOOR_CHUNK;
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		floor_chunk *ch = m;
		ch->next = t->chunks;
		ch->size = size;
		t->chunks = ch;
		t->bump = (char *)m + 64;
		t->end = (char *)m + size;
	}
	floor_header *h = (floor_header *)t->bump;
	t->bump += block;
	h->asked = n;
	h->cls = c;
	return h;
}

/* floor_malloc_slow serves a request that the free lists cannot: it carves
 * a new block. Off the fast path. */
__attribute__((noinline)) static void *floor_malloc_slow(size_t n)
{
	floor_thread *t = &floor_state;
	if (!t->region) {
		void *r = mmap(NULL, FLOOR_REGION, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r == MAP_FAILED)
			return NULL;
		t->region = (uintptr_t)r;
		for (size_t c = 0; c < FLOOR_SMALL_CLASSES; c++)
			t->stretch_bump[c] = (char *)r + (c << FLOOR_STRETCH_SHIFT);
	}
	size_t c = floor_class(n);
	if (c < FLOOR_SMALL_CLASSES) {
		char *end = (char *)t->region + ((c + 1) << FLOOR_STRETCH_SHIFT);
		size_t size = floor_class_size(c);
		if ((size_t)(end - t->stretch_bump[c]) >= size) {
			void *b = t->stretch_bump[c];
			t->stretch_bump[c] += size;
			return b;
		}
	}
	if (c >= FLOOR_CLASSES)
		return NULL;
	/* A chunk block's class is found in its header; a small one whose
	 * stretch is full goes on the list of the large classes' first slot
	 * it fits, so the free lists of small classes hold header-free blocks
	 * only. */
	if (c < FLOOR_SMALL_CLASSES)
		c = FLOOR_SMALL_CLASSES;
	void **list = &t->free_list[c];
	if (*list) {
		floor_header *h = *list;
		*list = *(void **)h;
		h->asked = n;
		return h + 1;
	}
	floor_header *h = floor_chunk_block(t, c, n);
	return h ? h + 1 : NULL;
}

static void *floor_malloc(size_t n)
{
	floor_thread *t = &floor_state;
	if (__builtin_expect(n <= FLOOR_SMALL, 1)) {
		void **list = &t->free_list[floor_small(n)];
		void *b = *list;
		if (__builtin_expect(b != NULL, 1)) {
			*list = *(void **)b;
			return b;
		}
		return floor_malloc_slow(n);
	}
	if (n > ((size_t)1 << FLOOR_MAX_SHIFT) - FLOOR_HEADER)
		return NULL;
	size_t c = floor_class(n);
	floor_header *h = t->free_list[c];
	if (!h)
		return floor_malloc_slow(n);
	t->free_list[c] = *(void **)h;
	h->asked = n;
	return h + 1;
}

static void floor_free(void *p)
{
	if (!p)
		return;
	floor_thread *t = &floor_state;
	long sc = floor_small_class(t, p);
	void *b = p;
	size_t c;
	if (sc >= 0) {
		c = (size_t)sc;
	} else {
		floor_header *h = (floor_header *)p - 1;
		b = h;
		c = h->cls;
	}
	*(void **)b = t->free_list[c];
	t->free_list[c] = b;
}

/* floor_usable is what the block at p holds: its class's size, and for a
 * chunk block no more than was asked for (what realloc must keep). */
static size_t floor_kept(const floor_thread *t, void *p, size_t *room)
{
	long sc = floor_small_class(t, p);
	if (sc >= 0) {
		*room = floor_class_size((size_t)sc);
		return *room;
	}
	floor_header *h = (floor_header *)p - 1;
	*room = floor_class_size(h->cls);
	return h->asked;
}

static void *floor_realloc(void *p, size_t n)
{
	if (!p)
		return floor_malloc(n);
	floor_thread *t = &floor_state;
	size_t room, kept = floor_kept(t, p, &room);
	if (n <= room) {
		if (floor_small_class(t, p) < 0)
			((floor_header *)p - 1)->asked = n;
		return p;
	}
	size_t want = n <= (((size_t)1 << FLOOR_MAX_SHIFT) - FLOOR_HEADER) / FLOOR_REALLOC_ROOM ? n * FLOOR_REALLOC_ROOM : n;
	void *q = floor_malloc(want);
	if (!q)
		return NULL;
	if (floor_small_class(t, q) < 0)
		((floor_header *)q - 1)->asked = n;
	memcpy(q, p, kept < n ? kept : n);
	floor_free(p);
	return q;
}

static void floor_thread_init(void)
{
	memset(&floor_state, 0, sizeof floor_state);
}

static void floor_thread_fini(void)
{
	floor_thread *t = &floor_state;
	floor_chunk *c = t->chunks;
	while (c) {
		floor_chunk *next = c->next;
		munmap(c, c->size);
		c = next;
	}
	if (t->region)
		munmap((void *)t->region, FLOOR_REGION);
	memset(t, 0, sizeof *t);
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
