//go:build cgo

#include "allocator.h"

void ab_trim(const ab_allocator *a)
{
	if (a->trim)
		a->trim();
}

void ab_nop(void)
{
}
