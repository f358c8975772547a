/* The timing header that glibc's benchtests/bench-timing.h includes, for a
   build outside glibc's tree.  Inside glibc the header comes from sysdeps
   and counts CPU cycles (rdtsc on x86); this one reads CLOCK_MONOTONIC, so
   that timing_t counts nanoseconds on every architecture and the figures
   the program prints (duration, time_per_iteration) are in ns.  Written for
   allocbench; it provides only what bench-timing.h uses.  */

#ifndef ALLOCBENCH_HP_TIMING_H
#define ALLOCBENCH_HP_TIMING_H

#include <stdint.h>
#include <time.h>

typedef uint64_t hp_timing_t;

static inline hp_timing_t
allocbench_monotonic_ns (void)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (hp_timing_t) now.tv_sec * 1000000000u + (hp_timing_t) now.tv_nsec;
}

#define HP_TIMING_NOW(var) ((var) = allocbench_monotonic_ns ())
#define HP_TIMING_DIFF(diff, start, end) ((diff) = (end) - (start))
#define HP_TIMING_ACCUM_NT(sum, diff) ((sum) += (diff))

#endif
