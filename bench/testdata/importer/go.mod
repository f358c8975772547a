module example.com/importer

go 1.26.0

require github.com/allocbench/allocbench v0.0.0-00010101000000-000000000000

require (
	github.com/cilium/ebpf v0.22.0 // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/allocbench/allocbench => ../../..
