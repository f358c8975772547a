/* A plain C driver for the workload kernels: no Go runtime, pthreads only,
 * the allocators loaded by the same C loaders the harness uses. The tests
 * build it twice with the cgo compiler, once as the kernels are and once
 * with AB_BARE (everything the harness adds to an op compiled out), and
 * compare the Go harness's throughput with the bare build's.
 *
 * Usage: cdriver alloc=NAME [lib=PATH malloc=SYM free=SYM realloc=SYM [trim=KIND:SYM]]
 *        kind=WORKLOAD threads=N ops=N seed=N
 *        [dist=N] [PARAM=N ...]
 *        [here=1]
 * (PARAM is any field of harness.h's AB_WORKLOAD_PARAMS: min_size=N, slots=N,
 * and so on.)
 * (here=1, with threads=1: the worker is the main thread and the process
 * starts no other, as a single-threaded C program's is.)
 * (KIND is a trim hook's shape as package alloc names it: mallctl-purge,
 * collect, call.)
 * It prints "ops=N window_ns=N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int set(ab_params *p, const char *key, unsigned long long v)
{
	static const struct {
		const char *name;
		size_t off, size;
	} fields[] = {
#define F(n, f) {n, offsetof(ab_params, f), sizeof(((ab_params *)0)->f)},
#define PARAM(f, type) F(#f, f)
	    F("threads", threads) F("ops", ops_per_thread) F("seed", seed) F("dist", dist)
	    AB_WORKLOAD_PARAMS(PARAM)
#undef PARAM
#undef F
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strcmp(fields[i].name, key) != 0)
			continue;
		char *dst = (char *)p + fields[i].off;
		if (fields[i].size == 8) {
			uint64_t x = v;
			memcpy(dst, &x, 8);
		} else {
			uint32_t x = (uint32_t)v;
			memcpy(dst, &x, 4);
		}
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	ab_params p = {0};
	const char *name = NULL, *lib = NULL, *sym[3] = {NULL, NULL, NULL}, *trim = "";
	int here = 0;
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) {
			fprintf(stderr, "argument %s is not key=value\n", argv[i]);
			return 2;
		}
		*eq = 0;
		if (strcmp(argv[i], "alloc") == 0)
			name = eq + 1;
		else if (strcmp(argv[i], "lib") == 0)
			lib = eq + 1;
		else if (strcmp(argv[i], "malloc") == 0)
			sym[0] = eq + 1;
		else if (strcmp(argv[i], "free") == 0)
			sym[1] = eq + 1;
		else if (strcmp(argv[i], "realloc") == 0)
			sym[2] = eq + 1;
		else if (strcmp(argv[i], "trim") == 0)
			trim = eq + 1;
		else if (strcmp(argv[i], "here") == 0)
			here = strcmp(eq + 1, "1") == 0;
		else if (strcmp(argv[i], "kind") == 0)
			snprintf(p.kernel, sizeof p.kernel, "%s", eq + 1);
		else if (set(&p, argv[i], strtoull(eq + 1, NULL, 10)) != 0) {
			fprintf(stderr, "unknown key %s\n", argv[i]);
			return 2;
		}
	}
	/* The Go side samples one op in 256 or sparser; do the same. */
	p.sample_cap = 1 << 14;
	uint64_t every = 256;
	while (p.ops_per_thread / every > p.sample_cap)
		every <<= 1;
	p.sample_mask = every - 1;

	ab_allocator a = {0};
	ab_load_info info;
	int rc = -1;
	if (!name || strcmp(name, "libc") == 0)
		rc = ab_load_libc(&a, &info);
	else if (strcmp(name, "floor") == 0)
		rc = ab_load_floor(&a, &info);
	else if (lib && sym[0] && sym[1] && sym[2]) {
		static const struct {
			const char *name;
			int kind;
		} trims[] = {{"mallctl-purge", AB_TRIM_MALLCTL}, {"collect", AB_TRIM_COLLECT},
		             {"call", AB_TRIM_CALL}};
		int tk = AB_HOOK_NONE;
		const char *colon = strchr(trim, ':');
		for (size_t i = 0; colon && i < sizeof trims / sizeof trims[0]; i++)
			if (strncmp(trims[i].name, trim, (size_t)(colon - trim)) == 0 && !trims[i].name[colon - trim])
				tk = trims[i].kind;
		rc = ab_load_shared(&a, &info, lib, sym[0], sym[1], sym[2], AB_HOOK_NONE, "", tk,
		                    colon ? colon + 1 : "");
	}
	if (rc != 0) {
		fprintf(stderr, "loading %s: %s\n", name, rc == -1 && !info.error[0] ? "unknown allocator, or no lib= with malloc=, free= and realloc=" : info.error);
		return 1;
	}
	char err[256];
	ab_trim(&a);
	ab_ctx *c = ab_ctx_new(&p, &a, err, sizeof err);
	if (!c) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if ((here ? ab_run_here(c, err, sizeof err) : ab_run_pthreads(c, err, sizeof err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	uint64_t ops = 0, start = 0, end = 0;
	for (int i = 0; i < p.threads; i++) {
		ab_thread_result *r = ab_result(c, i);
		if (r->failed) {
			fprintf(stderr, "%s\n", r->error);
			return 1;
		}
		ops += r->ops;
		if (r->start_ns && (!start || r->start_ns < start))
			start = r->start_ns;
		if (r->end_ns > end)
			end = r->end_ns;
	}
	printf("ops=%llu window_ns=%llu main_thread=%d\n", (unsigned long long)ops, (unsigned long long)(end - start),
	       ab_result(c, 0)->tid == (int32_t)getpid());
	ab_ctx_free(c);
	return 0;
}
