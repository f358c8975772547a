package compare

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/usage"
)

func TestCheckKeys(t *testing.T) {
	files, warns := results.ReadFiles(results.ParseSources([]string{"testdata/glibc.txt", "testdata/musl.txt"}))
	require.Empty(t, warns)

	for _, ok := range []Options{
		{},
		{Col: "/alloc", Row: "/workload /threads@num"},
		{Col: "libc"},
		{Col: results.LabelKey + " /alloc"},
		{Col: results.FileKey},
		{Row: ".name /gomaxprocs", Col: ".config"},
		{Row: ".fullname"},
	} {
		assert.NoError(t, CheckKeys(files, ok), "%+v", ok)
	}

	for _, tc := range []struct {
		opts          Options
		flag, key, to string
	}{
		{Options{Col: "alloc"}, "-col", "alloc", "/alloc"},
		{Options{Row: "/workload alloc"}, "-row", "alloc", "/alloc"},
		{Options{Col: "/aloc"}, "-col", "/aloc", "/alloc"},
		{Options{Col: "libcc"}, "-col", "libcc", "libc"},
		{Options{Col: "nothing-like-it"}, "-col", "nothing-like-it", ""},
	} {
		err := CheckKeys(files, tc.opts)
		var ke *KeyError
		if assert.ErrorAs(t, err, &ke, "%+v", tc.opts) {
			assert.Equal(t, tc.flag, ke.Flag)
			assert.Equal(t, tc.key, ke.Key)
			assert.Equal(t, tc.to, ke.Suggest)
			assert.Equal(t, []string{"/alloc", "/threads", "/workload"}, ke.NameKeys)
		}
	}

	empty, _ := results.ReadFiles(results.ParseSources([]string{"testdata/empty.txt"}))
	assert.NoError(t, CheckKeys(empty, Options{Col: "alloc"}), "no results: nothing to check them against")
}

// compare -col alloc (no slash) is a usage error that names the key and
// suggests /alloc, not a table with one "(none)" column.
func TestCompareUnknownKey(t *testing.T) {
	for _, args := range []struct {
		opts  Options
		files []string
	}{
		{Options{Col: "alloc"}, []string{"testdata/glibc.txt"}},
		{Options{Row: "alloc"}, []string{"testdata/glibc.txt", "testdata/musl.txt"}},
	} {
		var stdout, stderr bytes.Buffer
		err := Run(args.files, RunOptions{Options: args.opts}, &stdout, &stderr)
		require.Error(t, err, "%v", args)
		assert.True(t, usage.Is(err), "%v", args)
		assert.Contains(t, err.Error(), `no file has the key "alloc"; did you mean /alloc?`)
		assert.Empty(t, stdout.String(), "%v", args)
	}
}
