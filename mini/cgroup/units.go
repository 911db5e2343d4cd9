//mini:chapter 03

package cgroup

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
)

// MinMemory is the smallest memory limit Mini accepts, as Docker does: below it, even a shell
// cannot start, and the error would be an OOM kill that looks like a bug.
const MinMemory = 6 << 20

// ParseMemory reads a memory size as Docker's -m does: a number with an optional unit b, k, m,
// g or t (powers of 1024), upper or lower case, optionally followed by "b" or "ib": 64m, 64MB,
// 1.5g, 512MiB, 1048576.
func ParseMemory(s string) (int64, error) {
	bad := fmt.Errorf("invalid --memory %q: use a number with an optional unit b, k, m or g, e.g. 64m", s)
	num := strings.ToLower(strings.TrimSpace(s))
	num = strings.TrimSuffix(num, "b")
	num = strings.TrimSuffix(num, "i")
	mult := int64(1)
	if num != "" {
		if i := strings.IndexByte("bkmgt", num[len(num)-1]); i >= 0 {
			mult = int64(1) << (10 * i)
			num = num[:len(num)-1]
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 || strings.ContainsAny(num, "eExXpP+-nN_") {
		return 0, bad
	}
	if v*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("--memory %q is more than any machine has", s)
	}
	bytes := int64(v * float64(mult))
	if bytes < MinMemory {
		return 0, fmt.Errorf("--memory %q is too small: the minimum is %s", s, FormatBytes(MinMemory))
	}
	return bytes, nil
}

// ParseCPUs reads --cpus: how many CPUs' worth of time the container may use, between 0.01 and
// the number of CPUs the host has.
func ParseCPUs(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v { // v != v: NaN
		return 0, fmt.Errorf("invalid --cpus %q: use a number of CPUs such as 0.5 or 2", s)
	}
	if v < 0.01 {
		return 0, fmt.Errorf("--cpus %s is too small: the minimum is 0.01", s)
	}
	if n := runtime.NumCPU(); v > float64(n) {
		return 0, fmt.Errorf("--cpus %s is more than this host has: use at most %d", s, n)
	}
	return v, nil
}

// CFSPeriod is the length of the scheduler's accounting period, in microseconds. 100ms is the
// kernel's default and Docker's.
const CFSPeriod = 100000

// CPUQuota turns a number of CPUs into the CFS bandwidth quota: how many microseconds of CPU
// time the group may use in each period of CFSPeriod microseconds. 0.5 CPUs is 50000 per 100000;
// 2 CPUs is 200000 per 100000 (two CPUs busy all period long). When the quota is used up, the
// group's processes are throttled, not run, until the next period: see the kernel's
// Documentation/scheduler/sched-bwc.rst.
func CPUQuota(cpus float64) (quota int64, period int64, err error) {
	// Rounded, not truncated: 0.29*100000 is 28999.999999999996 in floating point.
	return int64(math.Round(cpus * CFSPeriod)), CFSPeriod, nil
}

// ParsePids reads --pids-limit: at least 1.
func ParsePids(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("invalid --pids-limit %q: use a whole number of processes, 1 or more", s)
	}
	return v, nil
}
