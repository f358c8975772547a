# Rocky Linux 9: glibc 2.34 (the host-built test binary needs GLIBC_2.34 at
# most, so it runs) with jemalloc and tcmalloc (gperftools-libs) from EPEL.
# Neither Rocky 9 nor EPEL 9 packages mimalloc: the benchmark prints
# "alloc-mimalloc: skipped: ..." rather than failing. The packages are those
# of package internal/infra/distro's table, which a test checks this file against.
#
# Build context: an empty directory; the benchmark binaries are bind-mounted
# at /allocbench at run time. Needs a registry (or a local rockylinux:9 as
# BASE) and the Rocky/EPEL mirrors at build time; not at run time.
ARG BASE=rockylinux:9
FROM ${BASE}
LABEL allocbench.distro="rocky9" allocbench.libc="glibc"
RUN pkgs="jemalloc gperftools-libs"; \
    rpm -q $pkgs >/dev/null 2>&1 || { \
      dnf install -y epel-release && \
      dnf install -y $pkgs && \
      dnf clean all; }
