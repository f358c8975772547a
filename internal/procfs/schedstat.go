package procfs

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Schedstat is the scheduler accounting of one thread.
type Schedstat struct {
	OnCPU      time.Duration // time spent running on a CPU
	RunQueue   time.Duration // time spent runnable, waiting on a run queue
	Timeslices uint64        // number of timeslices run on a CPU
}

// ThreadSchedstat reads /proc/self/task/<tid>/schedstat for thread tid of
// this process (the main thread's tid equals the process id).
func ThreadSchedstat(tid int) (Schedstat, error) {
	if err := checkLinux("ThreadSchedstat"); err != nil {
		return Schedstat{}, err
	}
	if tid <= 0 {
		return Schedstat{}, fmt.Errorf("procfs: thread schedstat: invalid tid %d", tid)
	}
	path := "/proc/self/task/" + strconv.Itoa(tid) + "/schedstat"
	data, err := os.ReadFile(path)
	if err != nil {
		return Schedstat{}, fmt.Errorf("procfs: thread schedstat: %w", err)
	}
	s, err := ParseSchedstat(data)
	if err != nil {
		return Schedstat{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return s, nil
}

// ParseSchedstat parses the content of a schedstat file: three decimal
// numbers, nanoseconds on a CPU, nanoseconds waiting on a run queue and the
// number of timeslices.
func ParseSchedstat(data []byte) (Schedstat, error) {
	f := strings.Fields(string(data))
	if len(f) != 3 {
		return Schedstat{}, fmt.Errorf("procfs: schedstat %q: want 3 fields, got %d", strings.TrimSpace(string(data)), len(f))
	}
	names := [3]string{"on-cpu time", "run-queue time", "timeslices"}
	var v [3]uint64
	for i, s := range f {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return Schedstat{}, fmt.Errorf("procfs: schedstat field %d (%s) %q: %w", i+1, names[i], s, err)
		}
		if i < 2 && n > math.MaxInt64 {
			return Schedstat{}, fmt.Errorf("procfs: schedstat field %d (%s) %q overflows time.Duration", i+1, names[i], s)
		}
		v[i] = n
	}
	return Schedstat{
		OnCPU:      time.Duration(v[0]),
		RunQueue:   time.Duration(v[1]),
		Timeslices: v[2],
	}, nil
}
