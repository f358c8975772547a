/* The C side of an allocator: the entry points the workload kernels call.
 * Kernels only ever call through this table, so one kernel binary measures
 * every allocator. */
#ifndef ALLOCBENCH_ALLOCATOR_H
#define ALLOCBENCH_ALLOCATOR_H

#include <stddef.h>

typedef struct ab_allocator {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*realloc)(void *, size_t);
	/* Called on each worker thread before its first and after its last
	 * allocation; NULL when the allocator needs nothing. */
	void (*thread_init)(void);
	void (*thread_fini)(void);
	/* Returns cached free memory to the system between runs; may be NULL. */
	void (*trim)(void);
} ab_allocator;

/* What loading an allocator found. Strings are NUL-terminated. */
typedef struct ab_load_info {
	char version[128];
	char library[512];   /* file the allocator was loaded from */
	char served_by[512]; /* object that holds the malloc the kernels call */
	char error[512];     /* set when loading failed */
} ab_load_info;

/* What the C library of this binary is. */
typedef struct ab_libc_info {
	char name[16];       /* "glibc" or "musl" */
	char version[64];
	char path[512];      /* object that holds the libc, or the executable */
	int is_static;       /* linked statically: no dynamic loading */
} ab_libc_info;

void ab_libc_identify(ab_libc_info *out);
int ab_load_libc(ab_allocator *a, ab_load_info *info);
int ab_load_floor(ab_allocator *a, ab_load_info *info);
int ab_load_jemalloc(ab_allocator *a, ab_load_info *info, const char *soname);
int ab_load_mimalloc(ab_allocator *a, ab_load_info *info, const char *soname);
int ab_load_tcmalloc(ab_allocator *a, ab_load_info *info, const char *soname);
void ab_trim(const ab_allocator *a);
/* ab_selfcheck exercises malloc, realloc and free on the calling thread;
 * it returns -1 with a message in err when the allocator misbehaves. */
int ab_selfcheck(const ab_allocator *a, char *err, size_t errlen);
/* ab_nop does nothing: the cost of a cgo call, measured. */
void ab_nop(void);

#endif
