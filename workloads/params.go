package workloads

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Params tune a workload. Zero fields take the workload's defaults. Each
// field means one thing, for the workloads that take it (named in
// brackets); setting a field the workload does not take is an error.
type Params struct {
	// MinSize and MaxSize bound the block sizes in bytes (every workload
	// that allocates blocks of its own sizes).
	MinSize, MaxSize uint64
	// Slots is the number of blocks in an array of live blocks that are
	// replaced one by one: a thread's working set (churn, large, larson),
	// or one of the arrays the threads pass to each other (handoff).
	Slots uint32
	// Buffers is the number of buffers a thread grows by doubling, each
	// at a stage of its own (realloc).
	Buffers uint32
	// Batch is the number of blocks a thread allocates before it frees
	// them all (threadtest).
	Batch uint32
	// ProducerBatch is the number of objects a producer allocates and
	// queues together for a consumer to free (xmalloc).
	ProducerBatch uint32
	// Writes is how many times each object is written over, in total
	// across the threads: each of T threads writes its object Writes/T
	// times, as the originals divide their repetitions (cache-thrash,
	// cache-scratch).
	Writes uint32
	// HandOff is the number of ops between two hand-offs of a thread's
	// slot array (handoff).
	HandOff uint32
	// PassOneIn: one medium-lived block in PassOneIn is passed to the
	// next thread, which frees it (mixed).
	PassOneIn uint32
	// Rounds sets how long a thread generation lives: Rounds × Slots ops
	// (larson).
	Rounds uint32
	// Backlog is the most full batches that may wait at once (xmalloc).
	Backlog uint32
	// Hold and Gap are the times a thread holds the lock and works
	// outside it (mutex).
	Hold, Gap time.Duration
}

// Limits on parameters, so a typo cannot ask for terabytes.
const (
	maxSize     = 1 << 30
	maxSlots    = 1 << 24
	maxBatch    = 1 << 20
	maxWrites   = 1 << 24
	maxHandOff  = 1 << 30
	maxRounds   = 1 << 20
	maxBacklog  = 1 << 16
	maxHoldTime = time.Second
)

// A param describes one field of Params: Resolve, Workload.Defaults and
// Uses, the C struct the kernels get and the C driver's arguments are all
// read from it.
type param struct {
	// field is the Params field, as errors and Workload.Uses name it.
	field string
	// c is the ab_params field the kernels read it from: its line in
	// harness.h's AB_WORKLOAD_PARAMS. A duration goes there in
	// nanoseconds.
	c string
	// max is the largest valid value (a duration's in nanoseconds); the
	// smallest is 1, or 0 for a duration. MinSize and MaxSize are also
	// checked together (checkSizes).
	max uint64
	// defaults has the workloads that take the parameter, by name, and
	// their defaults (a duration's in nanoseconds).
	defaults map[string]uint64
}

// params are the workload parameters, in the order errors list them. A new
// parameter is a field of Params, a row here, a line of harness.h's
// AB_WORKLOAD_PARAMS and the kernel that reads it.
var params = []param{
	{field: "MinSize", c: "min_size", max: maxSize, defaults: map[string]uint64{
		"cache-thrash": 1, "cache-scratch": 1, "churn": 4, "handoff": 8, "large": 64 << 10,
		"larson": 8, "realloc": 16, "threadtest": 8, "xmalloc": 64}},
	{field: "MaxSize", c: "max_size", max: maxSize, defaults: map[string]uint64{
		"cache-thrash": 1, "cache-scratch": 1, "churn": 32768, "handoff": 1000, "large": 4 << 20,
		"larson": 1000, "realloc": 256 << 10, "threadtest": 8, "xmalloc": 64}},
	{field: "Slots", c: "slots", max: maxSlots, defaults: map[string]uint64{
		"churn": 1024, "handoff": 1000, "large": 8, "larson": 5000}},
	{field: "Buffers", c: "buffers", max: maxSlots, defaults: map[string]uint64{"realloc": 8}},
	{field: "Batch", c: "batch", max: maxBatch, defaults: map[string]uint64{"threadtest": 1000}},
	{field: "ProducerBatch", c: "producer_batch", max: maxBatch, defaults: map[string]uint64{"xmalloc": 4096}},
	{field: "Writes", c: "writes", max: maxWrites, defaults: map[string]uint64{
		"cache-thrash": 2000000, "cache-scratch": 2000000}},
	{field: "HandOff", c: "handoff", max: maxHandOff, defaults: map[string]uint64{"handoff": 2000}},
	{field: "PassOneIn", c: "pass_one_in", max: maxHandOff, defaults: map[string]uint64{"mixed": 8}},
	{field: "Rounds", c: "rounds", max: maxRounds, defaults: map[string]uint64{"larson": 100}},
	{field: "Backlog", c: "backlog", max: maxBacklog, defaults: map[string]uint64{"xmalloc": 100}},
	{field: "Hold", c: "hold_ns", max: uint64(maxHoldTime), defaults: map[string]uint64{
		"mutex": uint64(20 * time.Microsecond)}},
	{field: "Gap", c: "gap_ns", max: uint64(maxHoldTime), defaults: map[string]uint64{"mutex": 0}},
}

var durationType = reflect.TypeFor[time.Duration]()

// of returns the field d describes in p.
func (d param) of(p *Params) reflect.Value {
	return reflect.ValueOf(p).Elem().FieldByName(d.field)
}

// duration reports whether the field is a time.Duration.
func (d param) duration() bool {
	f, _ := reflect.TypeFor[Params]().FieldByName(d.field)
	return f.Type == durationType
}

// get returns the field's value in p; a negative duration comes back as
// its two's complement, which is above every max.
func (d param) get(p *Params) uint64 {
	f := d.of(p)
	if f.CanInt() {
		return uint64(f.Int())
	}
	return f.Uint()
}

func (d param) set(p *Params, v uint64) {
	f := d.of(p)
	if f.CanInt() {
		f.SetInt(int64(v))
	} else {
		f.SetUint(v)
	}
}

// check checks the field's value in p against its range.
func (d param) check(p *Params) error {
	f := d.of(p)
	switch {
	case d.duration() && f.Int() < 0:
		return fmt.Errorf("%s %v must not be negative", d.field, f.Interface())
	case d.duration() && uint64(f.Int()) > d.max:
		return fmt.Errorf("%s %v must be at most %v", d.field, f.Interface(), time.Duration(d.max))
	case !d.duration() && (f.Uint() == 0 || f.Uint() > d.max):
		return fmt.Errorf("%s %d is out of range (valid: 1..%d)", d.field, f.Uint(), d.max)
	}
	return nil
}

// paramDefaults returns the defaults of the workload called name and the
// fields it takes, from params.
func paramDefaults(name string) (Params, []string) {
	var p Params
	var uses []string
	for _, d := range params {
		if v, ok := d.defaults[name]; ok {
			d.set(&p, v)
			uses = append(uses, d.field)
		}
	}
	return p, uses
}

// takes reports whether w takes the parameter d describes.
func (w Workload) takes(d param) bool {
	_, ok := d.defaults[w.Name]
	return ok
}

// Resolve fills p's zero fields from the workload's defaults and checks the
// result, naming any bad value and what is valid.
func (w Workload) Resolve(p Params) (Params, error) {
	for _, d := range params {
		if !w.takes(d) && !d.of(&p).IsZero() {
			return p, fmt.Errorf("workload %s does not take %s (it takes: %s)", w.Name, d.field, usesList(w.Uses))
		}
	}
	r := w.Defaults
	for _, d := range params {
		if v := d.of(&p); !v.IsZero() {
			d.of(&r).Set(v)
		}
	}
	if slices.Contains(w.Uses, "MinSize") {
		if err := w.checkSizes(r); err != nil {
			return r, err
		}
	}
	for _, d := range params {
		if !w.takes(d) {
			continue
		}
		if err := d.check(&r); err != nil {
			return r, fmt.Errorf("workload %s: %w", w.Name, err)
		}
	}
	return r, nil
}

// checkSizes checks MinSize and MaxSize together, and against what the
// workload can write into.
func (w Workload) checkSizes(r Params) error {
	switch {
	case r.MinSize == 0 || r.MaxSize == 0:
		return fmt.Errorf("workload %s: sizes must be at least 1 byte (min %d, max %d)", w.Name, r.MinSize, r.MaxSize)
	case r.MinSize > r.MaxSize:
		return fmt.Errorf("workload %s: min size %d is above max size %d", w.Name, r.MinSize, r.MaxSize)
	case r.MaxSize > maxSize:
		return fmt.Errorf("workload %s: max size %d is above the limit of %d bytes", w.Name, r.MaxSize, maxSize)
	case w.fixedSize && r.MinSize != r.MaxSize:
		return fmt.Errorf("workload %s: min size %d and max size %d differ; it takes one object size (set both)", w.Name, r.MinSize, r.MaxSize)
	case r.MinSize < w.minBlock:
		return fmt.Errorf("workload %s: min size %d is below %d, the bytes it writes into each block", w.Name, r.MinSize, w.minBlock)
	}
	return nil
}

func usesList(uses []string) string {
	if len(uses) == 0 {
		return "no parameters"
	}
	return strings.Join(uses, ", ")
}
