package usage

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUsage(t *testing.T) {
	err := Errorf("-count %d is out of range", -1)
	assert.True(t, Is(err))
	assert.EqualError(t, err, "-count -1 is out of range")
	assert.True(t, Is(fmt.Errorf("compare: %w", err)), "wrapped")

	plain := errors.New("disk full")
	assert.False(t, Is(plain))
	assert.True(t, Is(Wrap(plain)))
	assert.ErrorIs(t, Wrap(plain), plain)
	assert.Same(t, err, Wrap(err), "not wrapped twice")

	assert.NoError(t, Wrap(nil))
	assert.NoError(t, Wrap(flag.ErrHelp), "-h is no error")
	assert.False(t, Is(nil))
}

func TestParse(t *testing.T) {
	newFlags := func(out *strings.Builder) *flag.FlagSet {
		fs := flag.NewFlagSet("allocbench", flag.ContinueOnError)
		fs.SetOutput(out)
		fs.String("workloads", "", "the workloads")
		fs.Int("count", 1, "runs")
		fs.Usage = func() { fmt.Fprintln(fs.Output(), "the whole help") }
		return fs
	}
	const line = "usage: allocbench [flags]"

	var out strings.Builder
	err := Parse(newFlags(&out), []string{"-workload", "churn"}, line)
	require.Error(t, err)
	assert.True(t, Is(err))
	assert.Equal(t, "unknown flag -workload; did you mean -workloads?\n"+line, err.Error())
	assert.Empty(t, out.String(), "no help printed")

	out.Reset()
	err = Parse(newFlags(&out), []string{"-zzz"}, line)
	assert.EqualError(t, err, "unknown flag -zzz\n"+line)

	out.Reset()
	err = Parse(newFlags(&out), []string{"-count", "many"}, line)
	assert.EqualError(t, err, `invalid value "many" for flag -count: parse error`+"\n"+line)
	assert.Empty(t, out.String())

	out.Reset()
	err = Parse(newFlags(&out), []string{"-h"}, line)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Equal(t, "the whole help\n", out.String(), "-h prints the whole help")

	out.Reset()
	fs := newFlags(&out)
	require.NoError(t, Parse(fs, []string{"-count", "3", "x"}, line))
	assert.Equal(t, []string{"x"}, fs.Args())
}
