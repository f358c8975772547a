//go:build cgo

/* The C library's own malloc, and which C library this binary runs on. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"

#ifdef __GLIBC__
#include <gnu/libc-version.h>
#include <malloc.h>
#else
/* musl keeps its version in a hidden symbol that only a static link can
 * reach; the -u linker flag in libc.go pulls it out of libc.a. In a dynamic
 * musl build it stays NULL and the Go side asks the dynamic loader. */
extern const char __libc_version[] __attribute__((weak));
#endif

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* object_of names the shared object that holds addr, resolving links. */
static void object_of(const void *addr, char *dst, size_t cap)
{
	Dl_info di;
	char real[PATH_MAX];
	if (!addr || !dladdr(addr, &di) || !di.dli_fname || !di.dli_fname[0]) {
		dst[0] = 0;
		return;
	}
	if (realpath(di.dli_fname, real))
		copy_str(dst, cap, real);
	else
		copy_str(dst, cap, di.dli_fname);
}

static void executable_path(char *dst, size_t cap)
{
	char real[PATH_MAX];
	if (realpath("/proc/self/exe", real))
		copy_str(dst, cap, real);
	else
		copy_str(dst, cap, "/proc/self/exe");
}

void ab_libc_identify(ab_libc_info *out)
{
	memset(out, 0, sizeof *out);
#ifdef __GLIBC__
	copy_str(out->name, sizeof out->name, "glibc");
	copy_str(out->version, sizeof out->version, gnu_get_libc_version());
	object_of(dlsym(RTLD_DEFAULT, "gnu_get_libc_version"), out->path, sizeof out->path);
	if (!out->path[0]) {
		out->is_static = 1;
		executable_path(out->path, sizeof out->path);
	}
#else
	copy_str(out->name, sizeof out->name, "musl");
	if (__libc_version)
		copy_str(out->version, sizeof out->version, __libc_version);
	/* A static musl binary has no dynamic symbol table to search. */
	void *sym = dlsym(RTLD_DEFAULT, "malloc");
	if (sym) {
		object_of(sym, out->path, sizeof out->path);
	} else {
		out->is_static = 1;
		executable_path(out->path, sizeof out->path);
	}
#endif
}

#ifdef __GLIBC__
static void libc_trim(void)
{
	malloc_trim(0);
}
#endif

int ab_load_libc(ab_allocator *a, ab_load_info *info)
{
	ab_libc_info libc;
	memset(info, 0, sizeof *info);
	memset(a, 0, sizeof *a);
	ab_libc_identify(&libc);
	copy_str(info->version, sizeof info->version, libc.version);
	if (libc.is_static) {
		/* Nothing can interpose in a static binary: the malloc linked in
		 * is the one every call reaches. */
		a->malloc = malloc;
		a->free = free;
		a->realloc = realloc;
		copy_str(info->served_by, sizeof info->served_by, libc.path);
	} else {
		/* Ask the dynamic linker which definition a call from this binary
		 * binds to: a preloaded or linked-in malloc library would win over
		 * the libc's, and its figures must not carry the libc's name. */
		a->malloc = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "malloc");
		a->free = (void (*)(void *))dlsym(RTLD_DEFAULT, "free");
		a->realloc = (void *(*)(void *, size_t))dlsym(RTLD_DEFAULT, "realloc");
		if (!a->malloc || !a->free || !a->realloc) {
			copy_str(info->error, sizeof info->error, "dlsym(RTLD_DEFAULT) found no malloc/free/realloc");
			return -1;
		}
		char fobj[512], robj[512];
		object_of((void *)a->malloc, info->served_by, sizeof info->served_by);
		object_of((void *)a->free, fobj, sizeof fobj);
		object_of((void *)a->realloc, robj, sizeof robj);
		const char *bad = NULL, *who = NULL;
		if (strcmp(info->served_by, libc.path) != 0)
			bad = "malloc", who = info->served_by;
		else if (strcmp(fobj, libc.path) != 0)
			bad = "free", who = fobj;
		else if (strcmp(robj, libc.path) != 0)
			bad = "realloc", who = robj;
		if (bad) {
			snprintf(info->error, sizeof info->error,
			         "%s is served by %s, not by the C library %s "
			         "(a malloc library is linked into or preloaded in this process)",
			         bad, who[0] ? who : "an unknown object", libc.path);
			return -1;
		}
	}
#ifdef __GLIBC__
	a->trim = libc_trim;
#endif
	return 0;
}
