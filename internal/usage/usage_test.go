package usage

import (
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
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
