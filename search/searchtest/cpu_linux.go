package searchtest

import (
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// CPUTime is the user and system CPU time the process has used so far
// (every thread: the garbage collector's too).
func CPUTime() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// ThreadCPUTime is the CPU time of the calling thread: with
// runtime.LockOSThread, what the goroutine itself has used (the garbage
// collector's background work excluded, its assists included). It reads
// CLOCK_THREAD_CPUTIME_ID, exact to the nanosecond (getrusage's thread
// figure moves at scheduler ticks).
func ThreadCPUTime() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// LoadAverage is the first three fields of /proc/loadavg ("" if unreadable):
// beside any wall-clock figure, since the machine may be shared.
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}
