# Rocky Linux 9: glibc 2.34 (the host-built test binary needs GLIBC_2.34 at
# most, so it runs) with jemalloc from EPEL and tcmalloc from gperftools-libs.
# mimalloc may be missing: it is not packaged in Rocky 9's own repositories,
# and EPEL 9 may not carry it either; when it is missing the benchmark prints
# "alloc-mimalloc: skipped: ..." rather than failing.
#
# Build context: an empty directory; the benchmark binaries are bind-mounted
# at /allocbench at run time. Needs a registry (or a local rockylinux:9 as
# BASE) and the Rocky/EPEL mirrors at build time; not at run time.
ARG BASE=rockylinux:9
FROM ${BASE}
LABEL allocbench.distro="rocky9" allocbench.libc="glibc"
RUN rpm -q jemalloc gperftools-libs >/dev/null 2>&1 || { \
      dnf install -y epel-release && \
      dnf install -y jemalloc gperftools-libs && \
      { dnf install -y mimalloc || echo "mimalloc is not packaged here: it will be skipped"; } && \
      dnf clean all; }
