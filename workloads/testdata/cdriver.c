/* A plain C driver for the workload kernels: no Go runtime, pthreads only,
 * the C library's malloc. The harness-overhead benchmark builds it with the
 * cgo compiler and compares its throughput with the Go harness's on the same
 * kernel. Usage: cdriver THREADS OPS_PER_THREAD SEED
 * It runs churn with the Go side's default parameters and prints
 * "ops=N window_ns=N". */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s THREADS OPS_PER_THREAD SEED\n", argv[0]);
		return 2;
	}
	ab_params p = {
		.kind = AB_CHURN,
		.threads = atoi(argv[1]),
		.ops_per_thread = strtoull(argv[2], NULL, 10),
		.min_size = 4,
		.max_size = 32768,
		.dist = AB_DIST_INVSQ,
		.slots = 1024,
		.sample_cap = 1 << 14,
		.seed = strtoull(argv[3], NULL, 10),
	};
	/* The Go side samples one op in 256 or sparser; do the same. */
	uint64_t every = 256;
	while (p.ops_per_thread / every > p.sample_cap)
		every <<= 1;
	p.sample_mask = every - 1;
	ab_allocator a = {.malloc = malloc, .free = free, .realloc = realloc};
	char err[256];
	ab_ctx *c = ab_ctx_new(&p, &a, err, sizeof err);
	if (!c) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (ab_run_pthreads(c, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	uint64_t ops = 0, end = 0;
	for (int i = 0; i < p.threads; i++) {
		ab_thread_result *r = ab_result(c, i);
		if (r->failed) {
			fprintf(stderr, "%s\n", r->error);
			return 1;
		}
		ops += r->ops;
		if (r->end_ns > end)
			end = r->end_ns;
	}
	printf("ops=%llu window_ns=%llu\n", (unsigned long long)ops,
	       (unsigned long long)(end - ab_start_ns(c)));
	ab_ctx_free(c);
	return 0;
}
