//go:build cgo

/* ab_selfcheck: what any allocator must do, checked through its entry-point
 * table on the calling thread: aligned blocks of every size class a workload
 * asks for, usable to their last byte, realloc that keeps the
 * contents when it grows and shrinks, and free that takes it all back. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "allocator.h"

static uint8_t check_byte(size_t i, size_t salt)
{
	return (uint8_t)(i * 131u + salt * 7u + 1u);
}

static int check_fill(uint8_t *p, size_t n, size_t salt, char *err, size_t errlen, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != check_byte(i, salt)) {
			snprintf(err, errlen, "%s: byte %zu of %zu changed", what, i, n);
			return -1;
		}
	}
	return 0;
}

int ab_selfcheck(const ab_allocator *a, char *err, size_t errlen)
{
	enum { nblocks = 512 };
	static __thread void *blocks[nblocks];
	static __thread size_t sizes[nblocks];
	if (a->thread_init)
		a->thread_init();
	int rc = -1;
	size_t n = 0;
	/* Sizes 0..4 KiB one by one in part, then every power of two to 4 MiB
	 * and its neighbours. */
	for (size_t s = 0; n < nblocks; n++) {
		if (n < 300)
			s = n * 13;
		else
			s = ((size_t)1 << (12 + (n - 300) / 3 % 11)) + (n % 3) - 1;
		uint8_t *p = a->malloc(s);
		if (!p) {
			snprintf(err, errlen, "malloc(%zu) returned NULL", s);
			goto out;
		}
		/* Blocks below 16 bytes hold no object that needs more than 8
		 * (tcmalloc packs them so). */
		size_t align = s < 16 ? 8 : 16;
		if ((uintptr_t)p % align) {
			snprintf(err, errlen, "malloc(%zu) returned %p, not %zu-byte aligned", s, (void *)p, align);
			a->free(p);
			goto out;
		}
		for (size_t i = 0; i < s; i++)
			p[i] = check_byte(i, n);
		blocks[n] = p;
		sizes[n] = s;
	}
	for (size_t k = 0; k < nblocks; k++) {
		char what[64];
		snprintf(what, sizeof what, "block of %zu bytes", sizes[k]);
		if (check_fill(blocks[k], sizes[k], k, err, errlen, what))
			goto out;
	}
	/* Grow one block by doubling, then shrink it: the contents stay. */
	for (size_t k = 0; k < nblocks; k += 97) {
		size_t s = sizes[k] ? sizes[k] : 1;
		for (int step = 0; step < 12 && s <= (8u << 20); step++) {
			size_t grown = s * 2;
			uint8_t *q = a->realloc(blocks[k], grown);
			if (!q) {
				snprintf(err, errlen, "realloc to %zu returned NULL", grown);
				goto out;
			}
			blocks[k] = q;
			char what[64];
			snprintf(what, sizeof what, "realloc from %zu to %zu bytes", s, grown);
			if (check_fill(q, sizes[k], k, err, errlen, what))
				goto out;
			s = grown;
		}
		size_t down = sizes[k] / 2 + 1, kept = down < sizes[k] ? down : sizes[k];
		uint8_t *q = a->realloc(blocks[k], down);
		if (!q) {
			snprintf(err, errlen, "realloc down to %zu returned NULL", down);
			goto out;
		}
		blocks[k] = q;
		if (check_fill(q, kept, k, err, errlen, "realloc down"))
			goto out;
		sizes[k] = kept;
	}
	rc = 0;
out:
	for (size_t k = 0; k < n; k++)
		a->free(blocks[k]);
	memset(blocks, 0, sizeof blocks);
	if (a->thread_fini)
		a->thread_fini();
	return rc;
}
