//go:build !unix

package scheme

import "time"

// v23CPUTime is unavailable on this platform; benchmarks then report no
// CPU time.
func v23CPUTime() time.Duration { return 0 }
