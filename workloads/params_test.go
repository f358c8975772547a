//go:build cgo

package workloads

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/params.golden")

// cStructLine writes the fields of the C struct a kernel gets, by name in
// sorted order, leaving out the zero ones: what each kernel reads, whatever
// order the struct declares its fields in.
func cStructLine(cp any) string {
	v := reflect.ValueOf(cp)
	var fields []string
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		if name == "_" {
			continue // padding
		}
		var s string
		switch f.Kind() {
		case reflect.Array: // the kernel's name, a C string
			var b []byte
			for j := 0; j < f.Len() && f.Index(j).Int() != 0; j++ {
				b = append(b, byte(f.Index(j).Int()))
			}
			s = string(b)
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if f.Int() != 0 {
				s = fmt.Sprint(f.Int())
			}
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if f.Uint() != 0 {
				s = fmt.Sprint(f.Uint())
			}
		default:
			s = "?" + f.Kind().String()
		}
		if s != "" {
			fields = append(fields, name+"="+s)
		}
	}
	sort.Strings(fields)
	return strings.Join(fields, " ")
}

// paramsReport is what every workload takes, what its kernel gets with the
// defaults, and how Resolve answers values just out of range: the golden
// file shows any change to a default, a limit, a message or the C struct.
func paramsReport(t *testing.T) []byte {
	var out bytes.Buffer
	for _, name := range Names() {
		w, err := Lookup(name)
		require.NoError(t, err)
		fmt.Fprintf(&out, "%s takes: %s\n", w.Name, usesList(w.Uses))
		fmt.Fprintf(&out, "%s min ops at 4 threads: %d\n", w.Name, w.MinOps(4))
		for _, cfg := range []Config{
			{Workload: w.Name, Alloc: "libc", Threads: 4, Ops: 100000},
			{Workload: w.Name, Alloc: "libc", Threads: 1, Ops: 1000, Seed: 7, Samples: -1},
		} {
			_, p, err := cfg.Validate()
			require.NoError(t, err)
			cp, err := cParams(cfg, w, p)
			require.NoError(t, err)
			fmt.Fprintf(&out, "%s threads=%d ops=%d: %s\n", w.Name, cfg.Threads, cfg.Ops, cStructLine(cp))
		}
		// Every parameter just above its limit (and a duration below 0),
		// on every workload: the ones that do not take it say so.
		type badCase struct {
			what string
			p    Params
		}
		bad := []badCase{
			{"defaults", Params{}},
			{"min size above max size", Params{MinSize: 1 << 20, MaxSize: 1 << 10}},
		}
		for _, d := range params {
			var p Params
			d.set(&p, d.max+1)
			bad = append(bad, badCase{d.field + " over the limit", p})
			if d.duration() {
				d.set(&p, uint64(1<<64-1)) // -1ns
				bad = append(bad, badCase{d.field + " negative", p})
			}
		}
		for _, b := range bad {
			_, err := w.Resolve(b.p)
			msg := "ok"
			if err != nil {
				msg = err.Error()
			}
			fmt.Fprintf(&out, "%s %s: %s\n", w.Name, b.what, msg)
		}
	}
	return out.Bytes()
}

func TestParamsGolden(t *testing.T) {
	got := paramsReport(t)
	golden := "testdata/params.golden"
	if *updateGolden {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "missing %s; go test -run ParamsGolden -update writes it", golden)
	if !bytes.Equal(want, got) {
		t.Errorf("the parameters differ from %s (go test -run ParamsGolden -update accepts the change):\n%s",
			golden, changedLines(string(want), string(got)))
	}
}

// changedLines lists the lines only in want (-) and only in got (+).
func changedLines(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	var out []string
	for _, l := range strings.Split(want, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		out = append(out, "-"+l)
	}
	for _, l := range strings.Split(got, "\n") {
		if count[l] > 0 {
			count[l]--
			out = append(out, "+"+l)
		}
	}
	return strings.Join(out, "\n")
}

// Every field of Params has one row in params, and every row names a field
// of ab_params the kernels read and workloads that exist.
func TestParamTable(t *testing.T) {
	rows := map[string]param{}
	cNames := map[string]string{}
	for _, d := range params {
		_, dup := rows[d.field]
		assert.False(t, dup, "%s has two rows", d.field)
		rows[d.field] = d
		_, err := cParamField(d)
		assert.NoError(t, err)
		if other, dup := cNames[d.c]; dup {
			t.Errorf("%s and %s both go to ab_params field %s", other, d.field, d.c)
		}
		cNames[d.c] = d.field
		assert.NotEmpty(t, d.defaults, "%s: no workload takes it", d.field)
		for name := range d.defaults {
			_, err := Lookup(name)
			assert.NoError(t, err, "%s has a default for workload %q", d.field, name)
		}
	}
	pt := reflect.TypeFor[Params]()
	for i := 0; i < pt.NumField(); i++ {
		_, ok := rows[pt.Field(i).Name]
		assert.True(t, ok, "Params.%s has no row in params", pt.Field(i).Name)
	}
	assert.Len(t, rows, pt.NumField())

	// The fields of ab_params that are not the run's own shape are the
	// parameters.
	run := map[string]bool{"kernel": true, "threads": true, "ops_per_thread": true, "dist": true,
		"sample_cap": true, "sample_mask": true, "seed": true, "touch": true}
	cp, err := cParams(Config{Workload: "churn", Threads: 1, Ops: 1}, Churn, Churn.Defaults)
	require.NoError(t, err)
	ct := reflect.TypeOf(cp)
	for i := 0; i < ct.NumField(); i++ {
		name := ct.Field(i).Name
		if name == "_" || run[name] {
			continue
		}
		_, ok := cNames[name]
		assert.True(t, ok, "ab_params field %s is in no row of params", name)
	}
}
