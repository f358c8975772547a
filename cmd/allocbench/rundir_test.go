//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// victimDir is a directory of someone else's with a file in it, as the
// race would find it: private, and precious.
func victimDir(t *testing.T) string {
	t.Helper()
	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.Mkdir(victim, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(victim, "precious"), []byte("precious"), 0o600))
	return victim
}

func assertVictimUntouched(t *testing.T, victim string) {
	t.Helper()
	st, err := os.Stat(victim)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm(), "the victim's mode is unchanged")
	entries, err := os.ReadDir(victim)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing written into the victim, nothing removed from it")
	data, err := os.ReadFile(filepath.Join(victim, "precious"))
	require.NoError(t, err)
	assert.Equal(t, "precious", string(data))
}

// The run's directory swapped for a link between being made and being
// opened is refused: the link's target keeps its mode and its files, and
// nothing is written into it or removed from it.
func TestRunDirSwappedForALink(t *testing.T) {
	victim := victimDir(t)
	defer func() { afterRunDirMkdir = nil }()
	afterRunDirMkdir = func(parent, name string) {
		dir := filepath.Join(parent, name)
		require.NoError(t, os.Rename(dir, dir+".moved"))
		require.NoError(t, os.Symlink(victim, dir))
	}
	d, _, err := createRunDir(t.TempDir(), time.Now())
	require.Error(t, err)
	assert.Nil(t, d)
	assert.Contains(t, err.Error(), "replaced after it was made")
	assertVictimUntouched(t, victim)
}

// A directory of the same user's moved into the run's place is refused
// too: it is not empty, so it is not the one just made.
func TestRunDirSwappedForAnotherDirectory(t *testing.T) {
	victim := victimDir(t)
	defer func() { afterRunDirMkdir = nil }()
	afterRunDirMkdir = func(parent, name string) {
		dir := filepath.Join(parent, name)
		require.NoError(t, os.Rename(dir, dir+".moved"))
		require.NoError(t, os.Rename(victim, dir))
	}
	_, _, err := createRunDir(t.TempDir(), time.Now())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not empty")
}

// A run that ends before its first cell removes what it made, and nothing
// else: a file put in its directory by anyone else stays, and so does the
// directory.
func TestDiscardRemovesOnlyWhatTheRunMade(t *testing.T) {
	d := newTestRunDir(t)
	require.NoError(t, d.mkdir(".bin", 0o755))
	f, err := d.create(".bin/test", 0o755)
	require.NoError(t, err)
	f.Close()
	_, err = createResultFile(d, "glibc.txt")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(d.path("other"), []byte("not the run's"), 0o644))

	var log bytes.Buffer
	d.discardUnused(&log)
	assert.Empty(t, log.String())
	entries, err := os.ReadDir(d.dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "other", entries[0].Name())

	// Without it, the directory goes too.
	require.NoError(t, os.Remove(d.path("other")))
	d.discardUnused(&log)
	assert.Contains(t, log.String(), "removed "+d.dir)
	assert.NoDirExists(t, d.dir)
}

// A second process races the run: while runs make their directories in a
// world-writable results directory, it swaps each new directory it sees
// for a link to a victim directory. However the race goes, the victim is
// never changed, written to or emptied, and every run either gets a
// directory of its own or an error.
func TestRunDirRace(t *testing.T) {
	parent := t.TempDir()
	require.NoError(t, os.Chmod(parent, 0o1777))
	victim := victimDir(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			entries, _ := os.ReadDir(parent)
			for _, e := range entries {
				if !e.IsDir() || filepath.Ext(e.Name()) == ".moved" {
					continue
				}
				dir := filepath.Join(parent, e.Name())
				if os.Rename(dir, dir+".moved") == nil {
					_ = os.Symlink(victim, dir)
				}
			}
		}
	}()
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	var ok, refused int
	for i := range 200 {
		d, _, err := createRunDir(parent, at.Add(time.Duration(i)*time.Second))
		if err != nil {
			refused++
			continue
		}
		ok++
		_, err = createResultFile(d, "glibc.txt")
		var log bytes.Buffer
		d.discardUnused(&log)
		d.Close()
		_ = err
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d runs got a directory, %d were refused", ok, refused)
	assertVictimUntouched(t, victim)
}
