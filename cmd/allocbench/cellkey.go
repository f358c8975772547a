package main

import "github.com/allocbench/allocbench/internal/analysis/cells"

// cell is one (variant, workload, allocator, threads) combination; each
// runs in its own process. Its Label is the variant: the label of the
// variant's result file, where the summary and the claims find it again.
type cell = cells.Cell
