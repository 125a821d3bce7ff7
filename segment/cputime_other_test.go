//go:build !unix

package segment

import "time"

func processCPU() time.Duration { return 0 }
