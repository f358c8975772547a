package results

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Files whose futex figures come from different methods are compared with
// a warning that names each file's methods; the host's tracepoint and the
// in-process one are the same method.
func TestFutexMethodDifferencesWarn(t *testing.T) {
	host := writeFile(t, "debian12.txt", "libc: glibc", "futex-method: tracepoint (host)", churn(2, "15", "\t 3 futex-nsec/op"))
	local := writeFile(t, "glibc.txt", "libc: glibc", "futex-method: tracepoint", churn(2, "14", "\t 3 futex-nsec/op"))
	sampled := writeFile(t, "musl.txt", "libc: musl", "futex-method: sampled", "futex-method-reason: no host tracer: not root",
		churn(2, "80", "\t 9 futex-nsec/op"))
	off := writeFile(t, "off.txt", "libc: glibc", "futex-method: off", churn(2, "14"))
	mixed := writeFile(t, "mixed.txt", "libc: musl", "futex-method: tracepoint (host)", churn(1, "20", "\t 1 futex-nsec/op"),
		"futex-method: sampled", churn(2, "80", "\t 9 futex-nsec/op"))

	stderr := readWarnings(t, host, local, off)
	assert.NotContains(t, stderr, "futex", "tracepoint on the host and in the process are one method; off has no figures")

	stderr = readWarnings(t, host, sampled)
	assert.Contains(t, stderr, "warning: futex figures measured with different methods are not comparable")
	assert.Contains(t, stderr, host+": tracepoint (host); "+sampled+": sampled")

	files, warns := ReadFiles([]Source{{"mixed", mixed}})
	require.Len(t, files, 1)
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Msg, mixed+": tracepoint (host) from Workloads/workload=churn/alloc=libc/threads=1-2, sampled from Workloads/workload=churn/alloc=libc/threads=2-2")
	assert.Empty(t, FutexMethodWarnings(nil))
}
