//go:build !unix

package mcpdoc

import "time"

func cpuTime() time.Duration { return 0 }
