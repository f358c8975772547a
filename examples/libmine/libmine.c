/* libmine.c: one lock, power-of-two size classes with free lists, carved
 * from 1 MiB chunks; a block of 1 MiB or more is mapped on its own. */
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#define HEADER 16 /* the size class, and 16-byte alignment */
#define CHUNK ((size_t)1 << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *free_list[64];
static char *next, *end;

static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void *mine_malloc(size_t n)
{
	if (n > ((size_t)1 << 40))
		return NULL;
	int c = 5;
	while (((size_t)1 << c) < n + HEADER)
		c++;
	size_t size = (size_t)1 << c;
	char *p;
	if (size >= CHUNK) {
		if (!(p = map(size)))
			return NULL;
	} else {
		pthread_mutex_lock(&lock);
		if ((p = free_list[c]) != NULL) {
			free_list[c] = *(void **)p;
		} else {
			if ((size_t)(end - next) < size) {
				if (!(next = map(CHUNK))) {
					end = NULL;
					pthread_mutex_unlock(&lock);
					return NULL;
				}
				end = next + CHUNK;
			}
			p = next;
			next += size;
		}
		pthread_mutex_unlock(&lock);
	}
	*(size_t *)p = (size_t)c;
	return p + HEADER;
}

void mine_free(void *ptr)
{
	if (!ptr)
		return;
	char *p = (char *)ptr - HEADER;
	int c = (int)*(size_t *)p;
	if (((size_t)1 << c) >= CHUNK) {
		munmap(p, (size_t)1 << c);
		return;
	}
	pthread_mutex_lock(&lock);
	*(void **)p = free_list[c];
	free_list[c] = p;
	pthread_mutex_unlock(&lock);
}

void *mine_realloc(void *ptr, size_t n)
{
	if (!ptr)
		return mine_malloc(n);
	size_t have = ((size_t)1 << *(size_t *)((char *)ptr - HEADER)) - HEADER;
	if (n <= have)
		return ptr;
	void *q = mine_malloc(n);
	if (q) {
		memcpy(q, ptr, have);
		mine_free(ptr);
	}
	return q;
}
