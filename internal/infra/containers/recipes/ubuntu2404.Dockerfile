# Ubuntu 24.04 (noble): glibc 2.39 and Ubuntu's own allocators (mimalloc 2.1
# as libmimalloc2.0; tcmalloc renamed libtcmalloc-minimal4t64 in the 64-bit
# time_t transition, soname unchanged).
#
# Build context: an empty directory; the benchmark binaries are bind-mounted
# at /allocbench at run time. Needs a registry (or a local ubuntu:24.04
# passed as BASE) and the Ubuntu archive at build time; not at run time.
# The packages are those of package internal/infra/distro's table, which a test
# checks this file against.
ARG BASE=ubuntu:24.04
FROM ${BASE}
LABEL allocbench.distro="ubuntu2404" allocbench.libc="glibc"
RUN pkgs="libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4t64 libtbbmalloc2 ca-certificates"; \
    dpkg -s $pkgs >/dev/null 2>&1 || { \
      apt-get update && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs && \
      rm -rf /var/lib/apt/lists/*; }
