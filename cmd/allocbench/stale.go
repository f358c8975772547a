package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/allocbench/allocbench/internal/procfs"
)

// ownerLabel labels each cell's container with the process that started it:
// host, pid and the pid's start time, which together name one process for
// good.
const ownerLabel = "allocbench.owner"

var thisOwner = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	start, _ := procfs.StartTime(os.Getpid())
	return fmt.Sprintf("%s/%d/%d", host, os.Getpid(), start)
})

// ownerGone reports whether the process an owner label names is gone: it
// ran on this host, and its pid is free or now another process's. Labels
// of other hosts (an engine shared through DOCKER_HOST) are never gone.
func ownerGone(owner string) bool {
	host, rest, ok := strings.Cut(owner, "/")
	pidText, startText, ok2 := strings.Cut(rest, "/")
	pid, err := strconv.Atoi(pidText)
	start, err2 := strconv.ParseUint(startText, 10, 64)
	here, _ := os.Hostname()
	if !ok || !ok2 || err != nil || err2 != nil || host != here || pid <= 0 {
		return false
	}
	now, err := procfs.StartTime(pid)
	return err != nil || now != start
}

// removeStaleContainers removes the containers of cells whose allocbench
// process is gone (killed before it could stop them), and says which.
func removeStaleContainers(ctx context.Context, log io.Writer) error {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "ps", "-a", "--filter", "label="+ownerLabel,
		"--format", `{{.ID}}	{{.Names}}	{{.Label "`+ownerLabel+`"}}`)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("listing allocbench containers: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 || !ownerGone(fields[2]) {
			continue
		}
		id, name, owner := fields[0], fields[1], fields[2]
		if out, err := exec.CommandContext(ctx, "docker", "rm", "-f", id).CombinedOutput(); err != nil {
			return fmt.Errorf("removing stale container %s: %v: %s", name, err, strings.TrimSpace(string(out)))
		}
		fmt.Fprintf(log, "allocbench: removed stale container %s: the allocbench process that ran it (%s) is gone\n", name, owner)
	}
	return nil
}
