/* A check of the hand-off stack (queue.h), built and run by
 * TestHandOffStack: the order of a single thread's pushes and pops, the
 * bounds, and, with producer and consumer threads racing, that every item
 * pushed is popped exactly once. It prints "ok" or what went wrong. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "queue.h"

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 200000
#define ITEMS ((uint64_t)PRODUCERS * PER_PRODUCER)

static ab_stack shared;
static atomic_ullong popped;
static atomic_uchar *seen;

static void *produce(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	for (uint64_t i = 0; i < PER_PRODUCER; i++) {
		uint64_t item = id * PER_PRODUCER + i;
		while (!ab_stack_push(&shared, (void *)(uintptr_t)(item + 1), item, ~item))
			sched_yield();
	}
	return NULL;
}

static void *consume(void *arg)
{
	(void)arg;
	while (atomic_load(&popped) < ITEMS) {
		void *p;
		uint64_t size, aux;
		if (!ab_stack_pop(&shared, &p, &size, &aux)) {
			sched_yield();
			continue;
		}
		atomic_fetch_add(&popped, 1);
		if ((uintptr_t)p != size + 1 || aux != ~size || size >= ITEMS) {
			fprintf(stderr, "entry torn: ptr %p size %llu aux %llx\n", p, (unsigned long long)size,
			        (unsigned long long)aux);
			exit(1);
		}
		atomic_fetch_add(&seen[size], 1);
	}
	return NULL;
}

int main(void)
{
	ab_stack s;
	if (ab_stack_init(&s, 3) != 0)
		return fprintf(stderr, "init failed\n"), 1;
	void *p;
	uint64_t size, aux;
	if (!ab_stack_empty(&s) || ab_stack_pop(&s, &p, &size, &aux))
		return fprintf(stderr, "a new stack is not empty\n"), 1;
	for (uint64_t i = 1; i <= 3; i++)
		if (!ab_stack_push(&s, (void *)(uintptr_t)i, i, 0))
			return fprintf(stderr, "push %llu of 3 refused\n", (unsigned long long)i), 1;
	if (ab_stack_push(&s, NULL, 4, 0))
		return fprintf(stderr, "a full stack took a fourth entry\n"), 1;
	for (uint64_t want = 3; want >= 1; want--) {
		if (!ab_stack_pop(&s, &p, &size, &aux) || size != want)
			return fprintf(stderr, "pop gave %llu, want %llu (last in, first out)\n", (unsigned long long)size,
			               (unsigned long long)want), 1;
	}
	if (!ab_stack_empty(&s))
		return fprintf(stderr, "stack not empty after three pops\n"), 1;
	ab_stack_destroy(&s);

	if (ab_stack_init(&shared, 8) != 0 || !(seen = calloc(ITEMS, 1)))
		return fprintf(stderr, "init failed\n"), 1;
	pthread_t t[PRODUCERS + CONSUMERS];
	for (uintptr_t i = 0; i < PRODUCERS; i++)
		pthread_create(&t[i], NULL, produce, (void *)i);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&t[PRODUCERS + i], NULL, consume, NULL);
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
		pthread_join(t[i], NULL);
	for (uint64_t i = 0; i < ITEMS; i++)
		if (seen[i] != 1)
			return fprintf(stderr, "item %llu popped %d times\n", (unsigned long long)i, seen[i]), 1;
	puts("ok");
	return 0;
}
