# The static musl build of the benchmarks in an empty image: no C library
# files, no allocators to load (the static build links its allocators in or
# says why it skips them). containers.BuildMuslImage prepares the context:
#   rootfs/etc/os-release  a tiny os-release, so the distro line names this
#                          image instead of "unknown"
#   rootfs/tmp/            an empty, world-writable /tmp
#   <BINARY>               the static test binary
# Docker itself provides /proc, /sys and /dev at run time.
FROM scratch
LABEL allocbench.distro="musl" allocbench.libc="musl"
ARG BINARY=bench.test
COPY rootfs/ /
COPY ${BINARY} /opt/allocbench/${BINARY}
