//go:build !linux

package searchtest

import "time"

// CPUTime is not measured outside Linux: 0.
func CPUTime() time.Duration { return 0 }

// ThreadCPUTime is not measured outside Linux: 0.
func ThreadCPUTime() time.Duration { return 0 }

// LoadAverage is not read outside Linux: "".
func LoadAverage() string { return "" }
