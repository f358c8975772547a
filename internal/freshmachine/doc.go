// Package freshmachine holds tests only: they try allocbench as a new user
// would. One runs the README's first command, with the quick profile, as
// root in fresh Debian 12 and Debian 13 containers (debootstrap
// --variant=minbase imported with docker import, nothing installed beyond
// minbase, the host's Go toolchain mounted read-only) from a clean clone of
// the repository; the other publishes the module to a file-based GOPROXY,
// installs the command with go install and runs the quick main job from an
// empty directory.
//
// Both take minutes. They are skipped under -short, and the container test
// without a Docker engine, unless ALLOCBENCH_REQUIRE=all turns the skips
// into failures, as in CI.
package freshmachine
