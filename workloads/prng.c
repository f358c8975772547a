//go:build cgo

/* A check that ab_glibc_rand draws glibc's rand() sequence: on a glibc
 * build it compares the two for n draws from a seed. */
#include <stdlib.h>

#include "prng.h"

int ab_glibc_rand_mismatches(unsigned seed, int n)
{
#ifdef __GLIBC__
	ab_glibc_rand g;
	ab_glibc_srand(&g, seed);
	srand(seed);
	int bad = 0;
	for (int i = 0; i < n; i++)
		if ((int)ab_glibc_rand_next(&g) != rand())
			bad++;
	return bad;
#else
	(void)seed;
	(void)n;
	return -1;
#endif
}
