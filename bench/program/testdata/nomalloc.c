// nomalloc is a library with prefixed allocation functions only: preloaded,
// it does not replace the C library's malloc.
#include <stdlib.h>
void *myp_malloc(size_t n) { return malloc(n); }
void myp_free(void *p) { free(p); }
void *myp_realloc(void *p, size_t n) { return realloc(p, n); }
