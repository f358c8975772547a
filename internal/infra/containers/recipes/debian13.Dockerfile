# Debian 13 (trixie): glibc 2.41 and Debian's own allocators.
# Note the names: trixie ships mimalloc 3 as libmimalloc3 (libmimalloc.so.3,
# there is no libmimalloc2.0 any more) and tcmalloc as
# libtcmalloc-minimal4t64 (the 64-bit time_t rename; soname unchanged).
#
# Build context: an empty directory; the benchmark binaries are bind-mounted
# at /allocbench at run time.
#
# BASE: the public image, or allocbench-base/debian:13 from
# containers.BuildLocalBase, which has these packages installed already.
# The packages are those of package internal/infra/distro's table, which a test
# checks this file against.
ARG BASE=debian:13
FROM ${BASE}
LABEL allocbench.distro="debian13" allocbench.libc="glibc"
# A no-op (no network) when the packages are present.
RUN pkgs="libjemalloc2 libmimalloc3 libtcmalloc-minimal4t64 libtbbmalloc2 ca-certificates"; \
    dpkg -s $pkgs >/dev/null 2>&1 || { \
      apt-get update && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs && \
      rm -rf /var/lib/apt/lists/*; }
