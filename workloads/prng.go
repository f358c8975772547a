//go:build cgo

package workloads

/*
#include <stdint.h>
int ab_glibc_rand_mismatches(unsigned seed, int n);
uint32_t ab_sample_check(uint32_t cap, uint64_t n, uint32_t *out);
*/
import "C"

import "unsafe"

// keptSamples records n latency samples, numbered 0..n-1, into a buffer of
// capacity samples the way a kernel does, and returns those kept.
func keptSamples(capacity uint32, n uint64) []uint32 {
	out := make([]uint32, capacity)
	var p *C.uint32_t
	if capacity > 0 {
		p = (*C.uint32_t)(unsafe.Pointer(&out[0]))
	}
	k := C.ab_sample_check(C.uint32_t(capacity), C.uint64_t(n), p)
	return out[:k]
}

// glibcRandMismatches draws n numbers from the kernels' copy of glibc's
// rand() and from the C library's rand(), both seeded with seed, and counts
// the draws that differ; ok is false when the C library is not glibc.
func glibcRandMismatches(seed uint32, n int) (mismatches int, ok bool) {
	m := int(C.ab_glibc_rand_mismatches(C.unsigned(seed), C.int(n)))
	return m, m >= 0
}
