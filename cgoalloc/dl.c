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

/* ab_load_shared loads file and fills the three entry points and the hooks.
 * The library must not be the process's malloc already (preloaded, or linked
 * into the program): its figures would then be everyone's malloc's, libc's
 * included, and it would be measured twice under two names. */
int ab_load_shared(ab_allocator *a, ab_load_info *info, const char *file, const char *m, const char *f,
                   const char *r, int version_kind, const char *version_sym, int trim_kind,
                   const char *trim_sym)
{
	memset(a, 0, sizeof *a);
	memset(info, 0, sizeof *info);
	dlerror();
	void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		set_error(info, "dlopen", dlerror());
		return -1;
	}
	a->malloc = (void *(*)(size_t))dlsym(h, m);
	a->free = (void (*)(void *))dlsym(h, f);
	a->realloc = (void *(*)(void *, size_t))dlsym(h, r);
	if (!a->malloc || !a->free || !a->realloc) {
		snprintf(info->error, sizeof info->error, "%s lacks %s/%s/%s", file, m, f, r);
		return -1;
	}
	object_of((void *)a->malloc, info->served_by, sizeof info->served_by);
	char fobj[512], gobj[512];
	object_of((void *)a->free, fobj, sizeof fobj);
	snprintf(info->library, sizeof info->library, "%s", info->served_by);
	if (strcmp(fobj, info->served_by) != 0) {
		snprintf(info->error, sizeof info->error, "%s resolves to %s but %s to %s", m,
		         info->served_by, f, fobj);
		return -1;
	}
	object_of(dlsym(RTLD_DEFAULT, "malloc"), gobj, sizeof gobj);
	if (gobj[0] && strcmp(gobj, info->served_by) == 0) {
		snprintf(info->error, sizeof info->error,
		         "%s is already the process's own malloc (preloaded or linked into the program): "
		         "it would serve every caller, libc's rows included; run without it in LD_PRELOAD",
		         info->served_by);
		return -1;
	}

	void *vfn = NULL;
	if (version_kind != AB_HOOK_NONE) {
		vfn = dlsym(h, version_sym);
		if (!vfn) {
			snprintf(info->error, sizeof info->error, "%s lacks its version function %s", file, version_sym);
			return -1;
		}
	}
	switch (version_kind) {
	case AB_VERSION_MALLCTL: {
		const char *v = NULL;
		size_t sz = sizeof v;
		if (((int (*)(const char *, void *, size_t *, void *, size_t))vfn)("version", &v, &sz, NULL, 0) != 0 || !v) {
			snprintf(info->error, sizeof info->error, "%s(\"version\") failed", version_sym);
			return -1;
		}
		snprintf(info->version, sizeof info->version, "%s", v);
		break;
	}
	case AB_VERSION_DIGITS: {
		int v = ((int (*)(void))vfn)(); /* e.g. 209 for 2.0.9 */
		snprintf(info->version, sizeof info->version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
		break;
	}
	case AB_VERSION_GPERFTOOLS: {
		int major = 0, minor = 0;
		const char *patch = NULL;
		const char *s = ((const char *(*)(int *, int *, const char **))vfn)(&major, &minor, &patch);
		snprintf(info->version, sizeof info->version, "%s", s ? s : "unknown");
		break;
	}
	case AB_VERSION_STRING: {
		const char *s = ((const char *(*)(void))vfn)();
		snprintf(info->version, sizeof info->version, "%s", s ? s : "unknown");
		break;
	}
	}
	if (trim_kind != AB_HOOK_NONE && trim_sym && trim_sym[0]) {
		a->trim_fn = dlsym(h, trim_sym);
		if (a->trim_fn)
			a->trim_kind = trim_kind;
	}
	return 0;
}
