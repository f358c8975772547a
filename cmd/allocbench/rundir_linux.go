//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// mkdirAt makes the directory name in the open directory p.
func mkdirAt(p *os.File, name string, perm os.FileMode) error {
	if err := unix.Mkdirat(int(p.Fd()), name, uint32(perm)); err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return nil
}

// openNewDirAt opens the directory name of p that this process has just
// made, without following a link, checks that it is that directory (one
// of this user's, empty) and makes it readable by others.
func openNewDirAt(p *os.File, name string) (*os.Root, error) {
	fd, err := unix.Openat(int(p.Fd()), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ELOOP || err == unix.ENOTDIR {
			return nil, errNotNew("a link or a file, not the directory made")
		}
		return nil, err
	}
	dir := os.NewFile(uintptr(fd), name)
	defer dir.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if int(st.Uid) != os.Geteuid() {
		return nil, errNotNew(fmt.Sprintf("owned by uid %d, not by this process (uid %d)", st.Uid, os.Geteuid()))
	}
	if names, err := dir.Readdirnames(1); err != io.EOF {
		if err == nil {
			return nil, errNotNew(fmt.Sprintf("not empty (it holds %s)", names[0]))
		}
		return nil, err
	}
	if err := unix.Fchmod(fd, 0o755); err != nil {
		return nil, err
	}
	// os.Root opens by path: through the descriptor's own entry in /proc,
	// which is the directory opened above, or, without /proc, by its path;
	// either way it must be the same directory.
	root, err := os.OpenRoot("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		root, err = os.OpenRoot(p.Name() + "/" + name)
		if err != nil {
			return nil, err
		}
	}
	if !sameDir(root, st) {
		root.Close()
		return nil, errNotNew("another directory")
	}
	return root, nil
}

func sameDir(root *os.Root, st unix.Stat_t) bool {
	fi, err := root.Stat(".")
	if err != nil {
		return false
	}
	s, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(s.Dev) == uint64(st.Dev) && s.Ino == st.Ino
}

// rmdirAt removes the empty directory name of p if it is still root's.
func rmdirAt(p *os.File, name string, root *os.Root) error {
	var st unix.Stat_t
	if err := unix.Fstatat(int(p.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if !sameDir(root, st) {
		return errNotNew("another directory")
	}
	return unix.Unlinkat(int(p.Fd()), name, unix.AT_REMOVEDIR)
}
