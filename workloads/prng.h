/* The random number generators of the published benchmarks, written from
 * their published descriptions, so that a faithful kernel draws the same
 * numbers in the same way (and at the same cost) as the original. */
#ifndef ALLOCBENCH_PRNG_H
#define ALLOCBENCH_PRNG_H

#include <stdint.h>

/* glibc's rand(): the additive feedback generator of random(3) with 31
 * words of state (TYPE_3). The state is seeded by the Park–Miller minimal
 * standard generator (multiplier 16807, modulus 2^31-1), the first 310
 * outputs are thrown away, and each output is the new state word shifted
 * right by one. A benchmark that never calls srand uses seed 1. */
#define AB_GLIBC_RAND_MAX 2147483647
#define AB_GLIBC_RAND_DEG 31
#define AB_GLIBC_RAND_SEP 3

typedef struct ab_glibc_rand {
	uint32_t r[AB_GLIBC_RAND_DEG];
	int front, rear;
} ab_glibc_rand;

static inline uint32_t ab_glibc_rand_next(ab_glibc_rand *g)
{
	uint32_t v = g->r[g->front] += g->r[g->rear];
	if (++g->front == AB_GLIBC_RAND_DEG)
		g->front = 0;
	if (++g->rear == AB_GLIBC_RAND_DEG)
		g->rear = 0;
	return v >> 1;
}

static inline void ab_glibc_srand(ab_glibc_rand *g, uint32_t seed)
{
	if (seed == 0)
		seed = 1;
	int32_t word = (int32_t)seed;
	g->r[0] = seed;
	for (int i = 1; i < AB_GLIBC_RAND_DEG; i++) {
		/* word = 16807 * word mod (2^31 - 1), without overflow */
		int32_t hi = word / 127773, lo = word % 127773;
		word = 16807 * lo - 2836 * hi;
		if (word < 0)
			word += 2147483647;
		g->r[i] = (uint32_t)word;
	}
	g->front = AB_GLIBC_RAND_SEP;
	g->rear = 0;
	for (int i = 0; i < 10 * AB_GLIBC_RAND_DEG; i++)
		(void)ab_glibc_rand_next(g);
}

/* lran2: the portable generator Larson's benchmark and xmalloc-test use, a
 * linear congruential generator (multiplier 1366, increment 150889, modulus
 * 714025) whose outputs are shuffled through a table of 97 (the scheme of
 * Numerical Recipes' ran2). */
#define AB_LRAN2_MOD 714025L
#define AB_LRAN2_MUL 1366L
#define AB_LRAN2_INC 150889L
#define AB_LRAN2_TABLE 97

typedef struct ab_lran2 {
	long x, y, v[AB_LRAN2_TABLE];
} ab_lran2_state;

static inline void ab_lran2_init(ab_lran2_state *d, long seed)
{
	long x = (AB_LRAN2_INC - seed) % AB_LRAN2_MOD;
	if (x < 0)
		x = -x;
	for (int j = 0; j < AB_LRAN2_TABLE; j++) {
		x = (AB_LRAN2_MUL * x + AB_LRAN2_INC) % AB_LRAN2_MOD;
		d->v[j] = x;
	}
	d->x = (AB_LRAN2_MUL * x + AB_LRAN2_INC) % AB_LRAN2_MOD;
	d->y = d->x;
}

static inline long ab_lran2(ab_lran2_state *d)
{
	int j = (int)(d->y % AB_LRAN2_TABLE);
	d->y = d->v[j];
	d->x = (AB_LRAN2_MUL * d->x + AB_LRAN2_INC) % AB_LRAN2_MOD;
	d->v[j] = d->x;
	return d->y;
}

#endif
