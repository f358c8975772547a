package main

import (
	"context"
	"io"

	"github.com/allocbench/allocbench/internal/muslalloc"
)

// buildMuslLibs builds (or finds in the cache) jemalloc and mimalloc from
// Debian's sources with musl-gcc, and returns the CGO_LDFLAGS that find them
// and the sources they came from.
func buildMuslLibs(ctx context.Context, noInstall bool, log io.Writer) (cgoLDFlags, sources string, err error) {
	libs, err := muslalloc.Build(ctx, muslalloc.Options{Log: log, NoInstall: noInstall})
	if err != nil {
		return "", "", err
	}
	return libs.CGOLDFLAGS(), libs.Sources(), nil
}
