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
	/* Or a trim hook of a shared library: its shape (AB_TRIM_*) and
	 * address, called by ab_trim when trim is NULL. */
	int trim_kind;
	void *trim_fn;
} ab_allocator;

/* The shapes of version and trim hooks (package alloc's HookKind). */
enum {
	AB_HOOK_NONE = 0,
	AB_VERSION_MALLCTL,    /* int mallctl(const char *, void *, size_t *, void *, size_t) */
	AB_VERSION_DIGITS,     /* int f(void): major*100 + minor*10 + patch */
	AB_VERSION_GPERFTOOLS, /* const char *f(int *, int *, const char **) */
	AB_VERSION_STRING,     /* const char *f(void) */
	AB_TRIM_MALLCTL,       /* mallctl("arena.4096.purge") */
	AB_TRIM_COLLECT,       /* void f(_Bool force) */
	AB_TRIM_CALL,          /* void f(void) */
};

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
/* ab_load_shared opens a shared library RTLD_LOCAL and fills the table from
 * its entry points m, f and r and its hooks. */
int ab_load_shared(ab_allocator *a, ab_load_info *info, const char *file, const char *m, const char *f,
                   const char *r, int version_kind, const char *version_sym, int trim_kind,
                   const char *trim_sym);
void ab_trim(const ab_allocator *a);
/* ab_selfcheck exercises malloc, realloc and free on the calling thread;
 * it returns -1 with a message in err when the allocator misbehaves. */
int ab_selfcheck(const ab_allocator *a, char *err, size_t errlen);
/* ab_nop does nothing: the cost of a cgo call, measured. */
void ab_nop(void);

#endif
