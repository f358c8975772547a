module example.com/importer

go 1.26.0

require github.com/allocbench/allocbench v0.0.0-00010101000000-000000000000

replace github.com/allocbench/allocbench => ../../..
