package alloc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookup(t *testing.T) {
	s, err := Lookup(Mimalloc)
	require.NoError(t, err)
	assert.Equal(t, "mi_malloc", s.Malloc)
	assert.NotEmpty(t, s.Sonames)

	_, err = Lookup("ptmalloc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"ptmalloc"`)
	for _, n := range Names() {
		assert.Contains(t, err.Error(), n, "the error lists every valid name")
	}
}

func TestParseList(t *testing.T) {
	all, err := ParseList("all")
	require.NoError(t, err)
	assert.Equal(t, Names(), all)

	got, err := ParseList(" floor,libc , floor")
	require.NoError(t, err)
	assert.Equal(t, []string{Libc, Floor}, got, "table order, no duplicates")

	for _, bad := range []string{"", "  ", "libc,", "libc,jemaloc"} {
		_, err := ParseList(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestFloorIsTheOnlyOneWithoutCrossThreadFree(t *testing.T) {
	for _, s := range All() {
		assert.Equal(t, s.Name != Floor, s.CrossThreadFree, s.Name)
	}
}

func TestInfoConfig(t *testing.T) {
	i := Info{Name: Jemalloc, Version: "5.3.0", Library: "/usr/lib/libjemalloc.so.2", ServedBy: "/usr/lib/libjemalloc.so.2"}
	assert.True(t, i.Available())
	assert.Equal(t, "alloc-jemalloc", i.ConfigKey())
	assert.Equal(t, "5.3.0 library=/usr/lib/libjemalloc.so.2 served-by=/usr/lib/libjemalloc.so.2", i.ConfigValue())

	s := Info{Name: Tcmalloc, Skipped: "dlopen: no such file\nor directory"}
	assert.False(t, s.Available())
	assert.Equal(t, "skipped: dlopen: no such file or directory", s.ConfigValue(), "one line")
}
