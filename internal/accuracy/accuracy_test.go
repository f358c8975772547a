package accuracy

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOn(t *testing.T) {
	t.Setenv(Env, "")
	assert.False(t, On())
	t.Setenv(Env, "1")
	assert.True(t, On())
}
