/* A bounded lock-free multi-producer multi-consumer queue of (pointer, size)
 * pairs, used to hand blocks and batches between worker threads without a
 * lock: any futex wait a worker makes is then the allocator's own.
 *
 * Each cell carries a sequence number. A producer may fill the cell at
 * position pos when its sequence equals pos; it then sets the sequence to
 * pos+1, which tells consumers the cell is full. A consumer takes the cell at
 * pos when its sequence equals pos+1 and hands it back to producers of the
 * next lap by setting it to pos+capacity. */
#ifndef ALLOCBENCH_QUEUE_H
#define ALLOCBENCH_QUEUE_H

#include <stdatomic.h>
#include <stdint.h>

#include "harness.h"

typedef struct ab_cell {
	atomic_ullong seq;
	void *ptr;
	uint64_t size;
	uint64_t aux;
} ab_cell;

typedef struct ab_queue {
	ab_cell *cells;
	uint64_t mask;
	size_t bytes;
	_Alignas(AB_CACHE_LINE) atomic_ullong head;
	_Alignas(AB_CACHE_LINE) atomic_ullong tail;
	char pad[AB_CACHE_LINE];
} ab_queue;

static inline int ab_queue_init(ab_queue *q, uint64_t min_capacity)
{
	uint64_t cap = 2;
	while (cap < min_capacity)
		cap <<= 1;
	q->bytes = sizeof(ab_cell) * cap;
	q->cells = ab_sys_alloc(q->bytes);
	if (!q->cells)
		return -1;
	q->mask = cap - 1;
	for (uint64_t i = 0; i < cap; i++)
		atomic_init(&q->cells[i].seq, i);
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	return 0;
}

static inline void ab_queue_destroy(ab_queue *q)
{
	ab_sys_free(q->cells, q->bytes);
	q->cells = NULL;
}

/* ab_queue_push returns 0 when the queue is full. */
static inline int ab_queue_push(ab_queue *q, void *ptr, uint64_t size, uint64_t aux)
{
	unsigned long long pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	for (;;) {
		ab_cell *c = &q->cells[pos & q->mask];
		uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		int64_t dif = (int64_t)seq - (int64_t)pos;
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1,
			                                          memory_order_relaxed, memory_order_relaxed)) {
				c->ptr = ptr;
				c->size = size;
				c->aux = aux;
				atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
				return 1;
			}
		} else if (dif < 0) {
			return 0;
		} else {
			pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
		}
	}
}

/* ab_queue_pop returns 0 when the queue is empty. */
static inline int ab_queue_pop(ab_queue *q, void **ptr, uint64_t *size, uint64_t *aux)
{
	unsigned long long pos = atomic_load_explicit(&q->head, memory_order_relaxed);
	for (;;) {
		ab_cell *c = &q->cells[pos & q->mask];
		uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		int64_t dif = (int64_t)seq - (int64_t)(pos + 1);
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + 1,
			                                          memory_order_relaxed, memory_order_relaxed)) {
				*ptr = c->ptr;
				*size = c->size;
				*aux = c->aux;
				atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
				return 1;
			}
		} else if (dif < 0) {
			return 0;
		} else {
			pos = atomic_load_explicit(&q->head, memory_order_relaxed);
		}
	}
}

#endif
