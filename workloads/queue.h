/* A bounded lock-free multi-producer multi-consumer queue of (pointer, size)
 * pairs, and a stack of them (below), used to hand blocks and batches
 * between worker threads without a lock: any futex wait a worker makes is
 * then the allocator's own.
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


/* A bounded lock-free stack of (pointer, size, aux) entries: the last entry
 * pushed is the first popped, as in a hand-off that keeps its waiting
 * items on a list. Its nodes live in one array; two lists run through
 * them, the full entries and the free nodes. A list's head is the index of
 * its first node plus one (0: empty) in the low half and a count of its
 * changes in the high half, so a compare-and-swap fails when the list
 * changed in between, even if the same node came back to its head. */
typedef struct ab_stack_node {
	atomic_uint next; /* index + 1 of the next node in its list; 0 ends it */
	void *ptr;
	uint64_t size;
	uint64_t aux;
} ab_stack_node;

typedef struct ab_stack {
	ab_stack_node *nodes;
	uint32_t cap;
	size_t bytes;
	_Alignas(AB_CACHE_LINE) atomic_ullong full;
	_Alignas(AB_CACHE_LINE) atomic_ullong spare;
	char pad[AB_CACHE_LINE];
} ab_stack;

static inline uint32_t ab_stack_take(ab_stack *s, atomic_ullong *head)
{
	unsigned long long old = atomic_load_explicit(head, memory_order_acquire);
	for (;;) {
		uint32_t first = (uint32_t)old;
		if (first == 0)
			return 0;
		uint32_t next = atomic_load_explicit(&s->nodes[first - 1].next, memory_order_relaxed);
		unsigned long long new = (((old >> 32) + 1) << 32) | next;
		if (atomic_compare_exchange_weak_explicit(head, &old, new, memory_order_acq_rel, memory_order_acquire))
			return first;
	}
}

static inline void ab_stack_put(ab_stack *s, atomic_ullong *head, uint32_t node)
{
	unsigned long long old = atomic_load_explicit(head, memory_order_relaxed);
	for (;;) {
		atomic_store_explicit(&s->nodes[node - 1].next, (uint32_t)old, memory_order_relaxed);
		unsigned long long new = (((old >> 32) + 1) << 32) | node;
		if (atomic_compare_exchange_weak_explicit(head, &old, new, memory_order_release, memory_order_relaxed))
			return;
	}
}

static inline int ab_stack_init(ab_stack *s, uint32_t cap)
{
	s->bytes = sizeof(ab_stack_node) * cap;
	s->nodes = ab_sys_alloc(s->bytes);
	if (!s->nodes)
		return -1;
	s->cap = cap;
	atomic_init(&s->full, 0);
	for (uint32_t i = 0; i < cap; i++)
		atomic_init(&s->nodes[i].next, i + 1 < cap ? i + 2 : 0);
	atomic_init(&s->spare, cap ? 1 : 0);
	return 0;
}

static inline void ab_stack_destroy(ab_stack *s)
{
	if (s->nodes)
		ab_sys_free(s->nodes, s->bytes);
	s->nodes = NULL;
}

static inline int ab_stack_empty(ab_stack *s)
{
	return (uint32_t)atomic_load_explicit(&s->full, memory_order_acquire) == 0;
}

/* ab_stack_push returns 0 when the stack is full. */
static inline int ab_stack_push(ab_stack *s, void *ptr, uint64_t size, uint64_t aux)
{
	uint32_t n = ab_stack_take(s, &s->spare);
	if (n == 0)
		return 0;
	ab_stack_node *node = &s->nodes[n - 1];
	node->ptr = ptr;
	node->size = size;
	node->aux = aux;
	ab_stack_put(s, &s->full, n);
	return 1;
}

/* ab_stack_pop returns 0 when the stack is empty. */
static inline int ab_stack_pop(ab_stack *s, void **ptr, uint64_t *size, uint64_t *aux)
{
	uint32_t n = ab_stack_take(s, &s->full);
	if (n == 0)
		return 0;
	const ab_stack_node *node = &s->nodes[n - 1];
	*ptr = node->ptr;
	*size = node->size;
	*aux = node->aux;
	ab_stack_put(s, &s->spare, n);
	return 1;
}

#endif
