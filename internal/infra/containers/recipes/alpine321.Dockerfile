# Alpine 3.21: musl's malloc and Alpine's own jemalloc, mimalloc (mimalloc2,
# whose libmimalloc.so.2 is mimalloc's secure mode) and, where the release
# has it, gperftools' tcmalloc (aports keeps gperftools in its testing
# repository). The packages are those of the allocators' records (package
# alloc) and of package internal/infra/distro's table, which tests check this file
# against.
#
# A glibc binary cannot run on musl, so this recipe builds the benchmark test
# binary inside, dynamically linked against Alpine's musl, so it dlopens
# Alpine's allocators at run time. The build context is the repository root
# (the module github.com/allocbench/allocbench):
#   docker build -f internal/infra/containers/recipes/alpine321.Dockerfile -t allocbench/alpine321 .
# The binary is /opt/allocbench/bench.test (outside /allocbench, where the
# runner bind-mounts host binaries).
#
# Building needs the network (apk, and the Go module proxy for the module's
# dependencies and, because Alpine 3.21's go is older than go.mod asks, for
# the Go toolchain: GOTOOLCHAIN=auto). Running needs none.
ARG BASE=alpine:3.21

FROM ${BASE} AS build
RUN apk add --no-cache go gcc musl-dev
ARG GOTOOLCHAIN=auto
ENV GOTOOLCHAIN=${GOTOOLCHAIN} CGO_ENABLED=1
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go test -c -o /opt/allocbench/bench.test ./bench

FROM ${BASE}
LABEL allocbench.distro="alpine321" allocbench.libc="musl"
# gperftools may not be packaged for this release; tcmalloc is then skipped.
RUN apk add --no-cache jemalloc mimalloc2 && \
    { apk add --no-cache gperftools || echo "gperftools is not packaged here: tcmalloc will be skipped"; }
COPY --from=build /opt/allocbench/bench.test /opt/allocbench/bench.test
