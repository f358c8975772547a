//go:build cgo

/* Allocators loaded from shared libraries at run time. Each library is
 * opened RTLD_LOCAL and its entry points looked up in it alone, so the
 * process's own malloc stays the libc's and one binary measures them all. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"

static void set_error(ab_load_info *info, const char *what, const char *detail)
{
	snprintf(info->error, sizeof info->error, "%s: %s", what, detail ? detail : "unknown error");
}

static void object_of(const void *addr, char *dst, size_t cap)
{
	Dl_info di;
	char real[PATH_MAX];
	dst[0] = 0;
	if (!addr || !dladdr(addr, &di) || !di.dli_fname)
		return;
	snprintf(dst, cap, "%s", realpath(di.dli_fname, real) ? real : di.dli_fname);
}

/* open_library loads soname and fills the three entry points. */
static void *open_library(ab_allocator *a, ab_load_info *info, const char *soname,
                          const char *m, const char *f, const char *r)
{
	memset(a, 0, sizeof *a);
	memset(info, 0, sizeof *info);
	dlerror();
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		set_error(info, "dlopen", dlerror());
		return NULL;
	}
	a->malloc = (void *(*)(size_t))dlsym(h, m);
	a->free = (void (*)(void *))dlsym(h, f);
	a->realloc = (void *(*)(void *, size_t))dlsym(h, r);
	if (!a->malloc || !a->free || !a->realloc) {
		snprintf(info->error, sizeof info->error, "%s lacks %s/%s/%s", soname, m, f, r);
		dlclose(h);
		return NULL;
	}
	object_of((void *)a->malloc, info->served_by, sizeof info->served_by);
	char fobj[512];
	object_of((void *)a->free, fobj, sizeof fobj);
	snprintf(info->library, sizeof info->library, "%s", info->served_by);
	if (strcmp(fobj, info->served_by) != 0) {
		snprintf(info->error, sizeof info->error, "%s resolves to %s but %s to %s", m,
		         info->served_by, f, fobj);
		dlclose(h);
		return NULL;
	}
	return h;
}

/* jemalloc */

static int (*je_mallctl)(const char *, void *, size_t *, void *, size_t);

static void je_trim(void)
{
	/* 4096 is MALLCTL_ARENAS_ALL: purge every arena. */
	if (je_mallctl)
		je_mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
}

int ab_load_jemalloc(ab_allocator *a, ab_load_info *info, const char *soname)
{
	void *h = open_library(a, info, soname, "malloc", "free", "realloc");
	if (!h)
		return -1;
	je_mallctl = (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(h, "mallctl");
	if (!je_mallctl) {
		set_error(info, "dlsym mallctl", dlerror());
		return -1;
	}
	const char *v = NULL;
	size_t sz = sizeof v;
	if (je_mallctl("version", &v, &sz, NULL, 0) != 0 || !v) {
		set_error(info, "mallctl(\"version\")", "failed");
		return -1;
	}
	snprintf(info->version, sizeof info->version, "%s", v);
	a->trim = je_trim;
	return 0;
}

/* mimalloc */

static void (*mi_collect_fn)(int);

static void mi_trim(void)
{
	if (mi_collect_fn)
		mi_collect_fn(1);
}

int ab_load_mimalloc(ab_allocator *a, ab_load_info *info, const char *soname)
{
	void *h = open_library(a, info, soname, "mi_malloc", "mi_free", "mi_realloc");
	if (!h)
		return -1;
	int (*version)(void) = (int (*)(void))dlsym(h, "mi_version");
	if (!version) {
		set_error(info, "dlsym mi_version", dlerror());
		return -1;
	}
	int v = version(); /* e.g. 209 for 2.0.9 */
	snprintf(info->version, sizeof info->version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
	mi_collect_fn = (void (*)(int))dlsym(h, "mi_collect");
	a->trim = mi_trim;
	return 0;
}

/* tcmalloc */

static void (*tc_release)(void);

static void tc_trim(void)
{
	if (tc_release)
		tc_release();
}

int ab_load_tcmalloc(ab_allocator *a, ab_load_info *info, const char *soname)
{
	void *h = open_library(a, info, soname, "tc_malloc", "tc_free", "tc_realloc");
	if (!h)
		return -1;
	const char *(*version)(int *, int *, const char **) =
	    (const char *(*)(int *, int *, const char **))dlsym(h, "tc_version");
	if (!version) {
		set_error(info, "dlsym tc_version", dlerror());
		return -1;
	}
	int major = 0, minor = 0;
	const char *patch = NULL;
	const char *s = version(&major, &minor, &patch);
	snprintf(info->version, sizeof info->version, "%s", s ? s : "unknown");
	tc_release = (void (*)(void))dlsym(h, "MallocExtension_ReleaseFreeMemory");
	a->trim = tc_trim;
	return 0;
}
