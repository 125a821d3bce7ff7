//go:build unix

package funnel

import (
	"syscall"
	"time"
)

// fnlCPUTime returns the process' user+system CPU time, so benchmarks on a
// shared machine can report CPU per event beside wall time.
func fnlCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
