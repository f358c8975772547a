// Package results is the format of allocbench's result files: the units
// its benchmarks report and the table of metrics that says how each is
// shown (Metrics), the configuration keys written before the results
// (keys.go), what one line of a file is (ConfigLine, ResultLine), and
// reading files back (ReadFiles) with a Warning for each problem in the
// input. It is a leaf: the harness writes files with it, and the analysis
// (compare, summary, cells, claims, report) reads them with it.
package results
