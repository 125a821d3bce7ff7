//go:build !unix

package funnel

import "time"

func fnlCPUTime() time.Duration { return 0 }
