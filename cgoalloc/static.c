//go:build cgo && allocbench_static

/* jemalloc and mimalloc linked into the binary (the allocbench_static build
 * tag): static libraries that internal/infra/muslalloc builds from Debian's source
 * packages with musl-gcc. Their entry points carry a prefix (je_, mi_), so the
 * C library's malloc stays the one every other caller in the process reaches,
 * and "libc" still means musl's mallocng. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"

#ifdef __GLIBC__
/* The libraries are musl builds: a glibc build of this file refers to none
 * of their symbols and refuses to load them. */
static int static_wrong_libc(ab_allocator *a, ab_load_info *info)
{
	memset(a, 0, sizeof *a);
	memset(info, 0, sizeof *info);
	snprintf(info->error, sizeof info->error,
	         "the allocbench_static libraries are built with musl-gcc, but this binary is built against glibc "
	         "(build it with CC=musl-gcc; see internal/infra/muslalloc)");
	return -1;
}

int ab_load_static_jemalloc(ab_allocator *a, ab_load_info *info)
{
	return static_wrong_libc(a, info);
}

int ab_load_static_mimalloc(ab_allocator *a, ab_load_info *info)
{
	return static_wrong_libc(a, info);
}
#else
static void static_executable(char *dst, size_t cap)
{
	char real[PATH_MAX];
	snprintf(dst, cap, "%s", realpath("/proc/self/exe", real) ? real : "/proc/self/exe");
}

/* jemalloc, configured with --with-jemalloc-prefix=je_ */
extern void *je_malloc(size_t);
extern void je_free(void *);
extern void *je_realloc(void *, size_t);
extern int je_mallctl(const char *, void *, size_t *, void *, size_t);

/* mimalloc, built without MI_MALLOC_OVERRIDE */
extern void *mi_malloc(size_t);
extern void mi_free(void *);
extern void *mi_realloc(void *, size_t);
extern int mi_version(void);
extern void mi_collect(_Bool force);

static void static_je_trim(void)
{
	/* 4096 is MALLCTL_ARENAS_ALL: purge every arena. */
	je_mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
}

int ab_load_static_jemalloc(ab_allocator *a, ab_load_info *info)
{
	memset(a, 0, sizeof *a);
	memset(info, 0, sizeof *info);
	const char *v = NULL;
	size_t sz = sizeof v;
	if (je_mallctl("version", &v, &sz, NULL, 0) != 0 || !v) {
		snprintf(info->error, sizeof info->error, "linked-in jemalloc: mallctl(\"version\") failed");
		return -1;
	}
	snprintf(info->version, sizeof info->version, "%s", v);
	static_executable(info->served_by, sizeof info->served_by);
	a->malloc = je_malloc;
	a->free = je_free;
	a->realloc = je_realloc;
	a->trim = static_je_trim;
	return 0;
}

static void static_mi_trim(void)
{
	mi_collect(1);
}

int ab_load_static_mimalloc(ab_allocator *a, ab_load_info *info)
{
	memset(a, 0, sizeof *a);
	memset(info, 0, sizeof *info);
	int v = mi_version(); /* e.g. 209 for 2.0.9 */
	if (v <= 0) {
		snprintf(info->error, sizeof info->error, "linked-in mimalloc: mi_version() returned %d", v);
		return -1;
	}
	snprintf(info->version, sizeof info->version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
	static_executable(info->served_by, sizeof info->served_by);
	a->malloc = mi_malloc;
	a->free = mi_free;
	a->realloc = mi_realloc;
	a->trim = static_mi_trim;
	return 0;
}
#endif

/* ab_static_exercise allocates, fills, grows, checks and frees blocks through
 * the table, for the tests: a linked-in allocator must work and must not be
 * the C library's malloc. Returns 0, or -1 with the reason in err. */
int ab_static_exercise(const ab_allocator *a, int rounds, char *err, size_t cap)
{
	enum { SLOTS = 64 };
	unsigned char *blocks[SLOTS] = {0};
	size_t sizes[SLOTS] = {0};
	err[0] = 0;
	if (!a->malloc || !a->free || !a->realloc) {
		snprintf(err, cap, "the table lacks malloc/free/realloc");
		return -1;
	}
	if ((void *)a->malloc == (void *)malloc || (void *)a->free == (void *)free ||
	    (void *)a->realloc == (void *)realloc) {
		snprintf(err, cap, "the table's entry points are the C library's");
		return -1;
	}
	uint32_t x = 2463534242u;
	for (int r = 0; r < rounds; r++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		int i = (int)(x % SLOTS);
		if (blocks[i]) {
			for (size_t k = 0; k < sizes[i]; k++) {
				if (blocks[i][k] != (unsigned char)(i + sizes[i])) {
					snprintf(err, cap, "block %d of %zu bytes lost its contents at byte %zu", i, sizes[i], k);
					return -1;
				}
			}
			if (r % 3 == 0 && sizes[i] < (1u << 20)) {
				size_t n = sizes[i] * 2 + 1;
				unsigned char *p = a->realloc(blocks[i], n);
				if (!p) {
					snprintf(err, cap, "realloc to %zu bytes failed", n);
					return -1;
				}
				for (size_t k = 0; k < sizes[i]; k++) {
					if (p[k] != (unsigned char)(i + sizes[i])) {
						snprintf(err, cap, "realloc from %zu to %zu bytes lost byte %zu", sizes[i], n, k);
						return -1;
					}
				}
				memset(p, (unsigned char)(i + n), n);
				blocks[i] = p, sizes[i] = n;
				continue;
			}
			a->free(blocks[i]);
			blocks[i] = NULL;
			continue;
		}
		size_t n = 1 + (x >> 8) % 4096;
		unsigned char *p = a->malloc(n);
		if (!p) {
			snprintf(err, cap, "malloc(%zu) failed", n);
			return -1;
		}
		memset(p, (unsigned char)(i + n), n);
		blocks[i] = p, sizes[i] = n;
	}
	for (int i = 0; i < SLOTS; i++)
		if (blocks[i])
			a->free(blocks[i]);
	ab_trim(a);
	return 0;
}
