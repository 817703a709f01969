package audit

import "time"

// SetPollInterval lets tests follow quickly.
func SetPollInterval(d time.Duration) { pollInterval = d }
