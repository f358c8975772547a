//go:build cgo

/* A check of latency sampling: ab_sample_check records n samples (the
 * record's own number as its value) into a buffer of cap and copies what
 * was kept into out. */
#include <string.h>

#include "harness.h"

uint32_t ab_sample_check(uint32_t cap, uint64_t n, uint32_t *out)
{
	ab_worker w;
	memset(&w, 0, sizeof w);
	w.sample_cap = cap;
	w.res.samples = out;
	for (uint64_t i = 0; i < n; i++)
		ab_record(&w, i);
	return w.res.nsamples;
}
