package main

import (
	"context"
	"io"

	"github.com/allocbench/allocbench/internal/infra/muslalloc"
)

// buildMuslLibs builds (or finds in the cache) the allocators whose records
// have a musl build, from Debian's sources with musl-gcc, and returns the
// CGO_LDFLAGS that find them, the sources they came from and the builds
// that failed, with the reason (Libs.SkippedText).
func buildMuslLibs(ctx context.Context, noInstall bool, log io.Writer) (cgoLDFlags, sources, skipped string, err error) {
	libs, err := muslalloc.Build(ctx, muslalloc.Options{Log: log, NoInstall: noInstall})
	if err != nil {
		return "", "", "", err
	}
	return libs.CGOLDFLAGS(), libs.Sources(), libs.SkippedText(), nil
}
