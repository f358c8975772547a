#ifndef ALLOCBENCH_FAULTY_H
#define ALLOCBENCH_FAULTY_H

#include <stdatomic.h>
#include <stdint.h>

#include "allocator.h"

enum { AB_FAULTY_NULL = 1, AB_FAULTY_REUSE = 2, AB_FAULTY_INSIDE = 3 };

/* ab_faulty_init makes a the broken allocator: every every-th malloc returns
 * NULL (AB_FAULTY_NULL), the previous block again (AB_FAULTY_REUSE), or an
 * address 16 bytes inside the previous block (AB_FAULTY_INSIDE). */
int ab_faulty_init(ab_allocator *a, int mode, uint64_t every);

#endif
