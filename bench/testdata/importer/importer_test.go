// Package importer is another module that runs allocbench's whole
// benchmark matrix, as the README shows; a test of package bench runs it.
package importer

import (
	"testing"

	"github.com/allocbench/allocbench/bench"
)

func TestMain(m *testing.M)            { bench.Main(m) }
func BenchmarkAllocators(b *testing.B) { bench.Matrix(b) }
