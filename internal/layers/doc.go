// Package layers holds only a test: the rule that no package imports one
// of a higher layer, so that the folders keep showing the architecture.
//
// From the bottom up:
//
//  0. foundations: helpers that know nothing of allocators (internal/suggest,
//     elfinfo, procfs, procgroup, usage, accuracy, docs), the statistics
//     (internal/stats) and the result-file format (internal/results);
//  1. the allocator records (alloc);
//  2. what loads and observes them: cgoalloc, internal/sysinfo, internal/futex;
//  3. the workloads;
//  4. the harness: bench and bench/program;
//  5. two rooms beside each other that never import one another: the analysis
//     of result files (internal/analysis/...) and the infrastructure that
//     makes places to run in (internal/infra/...: containers, distributions,
//     the musl builds, Debian sources);
//  6. the command, cmd/allocbench, with what only its tests and examples
//     use (internal/programs, internal/freshmachine, examples/...).
//
// A package may import packages of its own layer or of lower ones.
package layers
