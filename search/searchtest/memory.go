package searchtest

import (
	"os"
	"strconv"
	"strings"
)

// ProcMemory reads the process's memory figures of /proc/self/status that
// are given in kB (VmRSS, VmHWM, RssAnon, RssFile ...), in bytes, by name
// without the colon; empty where the file cannot be read.
func ProcMemory() map[string]int64 {
	out := map[string]int64{}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			out[strings.TrimSuffix(f[0], ":")] = kb << 10
		}
	}
	return out
}
