# Debian 12 (bookworm): glibc 2.36 and Debian's own jemalloc, mimalloc,
# tcmalloc (gperftools) and tbbmalloc. The benchmark binaries are not in the image: they are
# bind-mounted read-only at /allocbench when a cell runs (containers.RunPrefix).
#
# Build context: an empty directory; nothing is copied in.
#
# BASE is the public image by default. Without a registry, build it with
# containers.BuildLocalBase (debootstrap + docker import), which installs
# these packages already, and pass
#   --build-arg BASE=allocbench-base/debian:12
# The packages are those of package internal/infra/distro's table, which a test
# checks this file against.
ARG BASE=debian:12
FROM ${BASE}
LABEL allocbench.distro="debian12" allocbench.libc="glibc"
# Install only what is missing: on a local base this step is a no-op and needs
# no network. Nothing in the image reaches the network at run time.
RUN pkgs="libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4 libtbbmalloc2 ca-certificates"; \
    dpkg -s $pkgs >/dev/null 2>&1 || { \
      apt-get update && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs && \
      rm -rf /var/lib/apt/lists/*; }
