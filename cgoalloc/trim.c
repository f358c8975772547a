//go:build cgo

#include <stdbool.h>
#include <stddef.h>

#include "allocator.h"

typedef int (*ab_mallctl_fn)(const char *, void *, size_t *, void *, size_t);

void ab_trim(const ab_allocator *a)
{
	if (a->trim) {
		a->trim();
		return;
	}
	if (!a->trim_fn)
		return;
	switch (a->trim_kind) {
	case AB_TRIM_MALLCTL:
		/* 4096 is MALLCTL_ARENAS_ALL: purge every arena. */
		((ab_mallctl_fn)a->trim_fn)("arena.4096.purge", NULL, NULL, NULL, 0);
		break;
	case AB_TRIM_COLLECT:
		((void (*)(bool))a->trim_fn)(true);
		break;
	case AB_TRIM_CALL:
		((void (*)(void))a->trim_fn)();
		break;
	}
}

void ab_nop(void)
{
}
