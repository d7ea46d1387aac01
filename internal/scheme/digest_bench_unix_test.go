//go:build unix

package scheme

import (
	"syscall"
	"time"
)

// v23CPUTime returns the CPU time (user + system) the process has used.
// Benchmarks report it per operation so that the digester's efficiency
// can be compared with single-core SHA-256 even on a busy machine, where
// wall-clock MB/s depends on how many cores other processes leave free.
func v23CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
